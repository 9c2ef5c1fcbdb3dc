// `swha-tts generate --input FILE`: the HTTP API's generate (storage locally and in S3, the
// catalog, minted URLs) run from the command line on a file or stdin, printing the session.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "config/settings.h"
#include "service/generation_service.h"

namespace swha::app {

struct GenerateCommandOptions {
  service::GenerationRequest request;  // its text is the input's
  std::string input_path;              // a file, or "-" for stdin
  std::string format_name;             // "" for the default, WAV
  std::string username;                // --user: the session is theirs; "" for anonymous
};

// 0 and the session on `out` (its id and storage, then one URL per segment, then warnings);
// 1 and one line on `err`.
int RunGenerateCommand(const config::Settings& settings, GenerateCommandOptions options,
                       std::ostream* out, std::ostream* err);

}  // namespace swha::app
