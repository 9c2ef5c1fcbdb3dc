// `swha-tts s3 lifecycle show|apply|remove`: the bucket's lifecycle rules, and swha-tts's own
// expiration rule for one key prefix (storage/s3_lifecycle.h). Writes results to env.out, one-line
// errors to env.err; returns the exit code (0 success, 1 failure).
#pragma once

#include <string>

#include "app/s3_commands.h"
#include "config/settings.h"

namespace swha::app {

enum class LifecycleAction { kShow, kApply, kRemove };

struct LifecycleCommand {
  LifecycleAction action = LifecycleAction::kShow;
  int days = 0;                   // apply: 1..kMaxLifecycleDays
  std::string prefix = "audio/";  // apply, remove
};

// show: one line per rule ("<id>: prefix '<p>', Enabled, expire after N days, abort incomplete
// multipart uploads after N days"), ours marked, or "no lifecycle rules". apply / remove: what
// changed, and how many other rules were kept.
int RunS3Lifecycle(const config::S3Settings& settings, const LifecycleCommand& command,
                   const S3ToolEnv& env);

}  // namespace swha::app
