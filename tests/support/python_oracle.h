// Runs one of the Python oracles in tests/oracles (botocore and friends: code someone else
// wrote, which ours must agree with byte for byte) once over many cases: JSON lines in, JSON
// lines out, in order. A missing python3 or module is a failure, never a skip.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha::testing {

struct OracleRun {
  std::vector<nlohmann::json> answers;  // one per case, in order
  std::string stderr_text;              // the oracle names the versions it ran with here
};

// `script` is a file name in tests/oracles; `args` follow it on the command line. SWHA_PYTHON3
// names the interpreter (default python3). Internal, with the exit status and stderr, when
// the oracle fails or answers a different number of lines than it was asked.
Result<OracleRun> RunPythonOracle(std::string_view script, const std::vector<std::string>& args,
                                  const std::vector<nlohmann::json>& cases);

}  // namespace swha::testing
