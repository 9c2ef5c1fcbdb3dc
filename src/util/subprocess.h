// Runs a program and collects what it writes to stdout, for the few commands swha-tts is told
// to run (credential_process in an AWS profile). No shell: the command line is split as a
// POSIX shell would split words (quotes and backslashes), and nothing is expanded.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha {

// Words of `command_line`: blanks separate words; '...' keeps everything literally; "..."
// keeps everything but \" \\ \$ \` which lose their backslash; elsewhere a backslash quotes the
// next character. InvalidArgument for an unterminated quote or an empty line.
Result<std::vector<std::string>> SplitCommandLine(std::string_view command_line);

struct ProcessResult {
  int exit_code = 0;  // 128 + N when killed by signal N
  std::string stdout_text;
};

// Runs argv[0] (looked up in PATH) with the rest as arguments and this process's environment;
// stdin is /dev/null and stderr is inherited. Kills it (SIGKILL) and fails with Unavailable
// when it runs longer than `timeout_ms` or writes more than `max_output_bytes`.
Result<ProcessResult> RunProcess(const std::vector<std::string>& argv, int timeout_ms,
                                 size_t max_output_bytes);

}  // namespace swha
