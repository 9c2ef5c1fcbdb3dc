// `swha-tts doctor`: whether the service, as configured, can work on this machine. One line per
// check, in this order:
//   PASS|FAIL|SKIP configuration: ...     the settings load and validate
//   ... speech engine: ...                espeak-ng speaks a word in every language
//   ... audio directory: ...              AUDIO_DIR takes a new file (created and removed)
//   ... catalog: ...                      the database answers, migrated to this binary's schema
//   ... S3: ...                           PUT, GET (compared), DELETE of doctor/<random>
//   ... upstream TTS: ...                 the upstream engine speaks a word
//   ... sync.so: ...                      an authenticated GET is answered
// SKIP means not configured (or not checkable because the configuration failed). The checks
// build their parts the way the service does (app/service.h, app/s3_commands.h,
// app/lipsync_stack.h), so a PASS means `serve` would get as far. Like `serve`, the catalog
// check migrates a database that is behind. No line ever holds a secret: keys, passwords and
// tokens are left out, database URLs redacted.
#pragma once

#include <ostream>
#include <string>

#include "config/settings.h"
#include "util/file_system.h"
#include "util/status.h"

namespace swha::app {

enum class CheckOutcome { kPass, kFail, kSkip };

struct CheckResult {
  CheckOutcome outcome = CheckOutcome::kPass;
  std::string detail;  // one line, never a secret
};

// Each check alone; `fs` is borrowed. Network checks use the settings' own timeouts.
CheckResult CheckSpeechEngine(const config::Settings& settings);
CheckResult CheckAudioDirectory(const config::Settings& settings, FileSystem* fs);
CheckResult CheckCatalog(const config::Settings& settings);
CheckResult CheckS3RoundTrip(const config::Settings& settings, FileSystem* fs);
CheckResult CheckUpstreamEngine(const config::Settings& settings);
CheckResult CheckSyncApi(const config::Settings& settings);

// Runs every check in order, printing each line to `out` as it completes. Returns 0 when none
// failed, else 1.
int RunDoctor(const config::Settings& settings, FileSystem* fs, std::ostream* out);

// The report when the settings could not be loaded: FAIL configuration with `error` (already
// secret-free: a settings error never quotes a secret), every other check SKIP. Returns 1.
int ReportDoctorConfigurationError(const Status& error, std::ostream* out);

}  // namespace swha::app
