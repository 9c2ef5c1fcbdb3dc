#include "tests/support/python_oracle.h"

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace swha::testing {
namespace {

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream data;
  data << in.rdbuf();
  return data.str();
}

}  // namespace

Result<OracleRun> RunPythonOracle(std::string_view script, const std::vector<std::string>& args,
                                  const std::vector<nlohmann::json>& cases) {
  const std::filesystem::path path =
      std::filesystem::path(SWHA_SOURCE_DIR) / "tests" / "oracles" / std::string(script);
  if (!std::filesystem::exists(path)) {
    return Status::Internal("oracle script not found at " + path.string());
  }
  const char* python_env = std::getenv("SWHA_PYTHON3");
  const std::string python = python_env != nullptr ? python_env : "python3";
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "swha_oracle_XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) return Status::Internal("mkdtemp failed");
  const std::filesystem::path dir(dir_template);
  {
    std::ofstream in(dir / "in.jsonl", std::ios::binary);
    for (const nlohmann::json& c : cases) in << c.dump() << '\n';
  }
  std::string command = ShellQuote(python) + " " + ShellQuote(path.string());
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " < " + ShellQuote((dir / "in.jsonl").string()) + " > " +
             ShellQuote((dir / "out.jsonl").string()) + " 2> " +
             ShellQuote((dir / "err.txt").string());
  const int status = std::system(command.c_str());
  OracleRun run;
  const std::string out = ReadWhole(dir / "out.jsonl");
  run.stderr_text = ReadWhole(dir / "err.txt");
  std::filesystem::remove_all(dir);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::Internal(
        "the oracle " + std::string(script) + " did not run (" + python +
        "); it needs python3 and the modules scripts/install-deps.sh installs. " +
        (WIFEXITED(status) ? "Exit code " + std::to_string(WEXITSTATUS(status))
                           : "Wait status " + std::to_string(status)) +
        ", stderr:\n" + run.stderr_text);
  }
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    nlohmann::json answer = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (answer.is_discarded()) return Status::Internal("the oracle wrote a non-JSON line: " + line);
    run.answers.push_back(std::move(answer));
  }
  if (run.answers.size() != cases.size()) {
    return Status::Internal("the oracle answered " + std::to_string(run.answers.size()) +
                            " lines for " + std::to_string(cases.size()) + " cases");
  }
  return run;
}

}  // namespace swha::testing
