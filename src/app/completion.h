// `swha-tts completion bash|zsh`: shell completion generated from the command-line definition
// itself (subcommands and options at every level), so it cannot drift from it; voices,
// languages and formats complete after --voice, --lang and --format.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "util/status.h"

namespace swha::app {

// The script for `shell` ("bash", or "zsh" through its bashcompinit); InvalidArgument for any
// other shell.
Result<std::string> CompletionScript(const CLI::App& cli, const std::string& shell);

}  // namespace swha::app
