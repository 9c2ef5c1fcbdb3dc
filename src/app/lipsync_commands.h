// `swha-tts lipsync create|status`: the lipsync service from the command line, on behalf of one
// account (jobs are owned), against the same catalog, storage and provider as the service.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "config/settings.h"

namespace swha::app {

struct LipsyncCommandOptions {
  std::string user;  // the account the job belongs to
  std::string video_url;
  std::optional<std::string> audio_url;
  std::optional<std::string> session_id;
  int segment = 0;
  std::optional<std::string> api_key;  // else SYNC_API_KEY
  std::string model = "lipsync-2";
  std::string sync_mode = "cut_off";
  bool wait = false;
  int timeout_seconds = 600;  // with --wait
  std::string job_id;         // for status
};

// Exit status: 0 created (or, waiting, COMPLETED), 1 the job ended otherwise or the wait timed
// out, 2 the command could not run. A progress line goes to `err` while waiting.
int RunLipsyncCreate(config::Settings settings, const LipsyncCommandOptions& options,
                     std::ostream* out, std::ostream* err);
int RunLipsyncStatus(config::Settings settings, const LipsyncCommandOptions& options,
                     std::ostream* out, std::ostream* err);

}  // namespace swha::app
