#include "tests/support/s3_test_server.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "util/clock.h"

namespace swha::testing {
namespace {

std::string ScriptPath() {
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "scripts" /
          "s3-test-server.sh")
      .lexically_normal()
      .string();
}

// Runs `command` through the shell; returns its stdout, and its exit status in `*exit_code`.
std::string RunShellCommand(const std::string& command, int* exit_code) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return out;
  }
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string Tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

}  // namespace

Status S3TestServer::Start(const std::string& name, int s3_port, int mon_port) {
  if (!dir_.empty()) return Status::Internal("S3TestServer::Start called twice");
  dir_ = "/tmp/swha-s3t-" + name + "-" + std::to_string(getpid());
  const std::string log = dir_ + ".log";
  const Stopwatch watch;
  int exit_code = 0;
  const std::string out = RunShellCommand(
      "S3_TEST_PORT=" + std::to_string(s3_port) + " CEPH_MON_PORT=" + std::to_string(mon_port) +
          " S3_TEST_QUIET=0 bash '" + ScriptPath() + "' start '" + dir_ + "' 2>'" + log + "'",
      &exit_code);
  // The last stdout line: S3_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=... ...
  std::string line = out;
  while (!line.empty() && line.back() == '\n') line.pop_back();
  line = line.substr(line.rfind('\n') == std::string::npos ? 0 : line.rfind('\n') + 1);
  std::map<std::string, std::string> vars;
  std::istringstream words(line);
  for (std::string word; words >> word;) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos) vars[word.substr(0, eq)] = word.substr(eq + 1);
  }
  if (exit_code != 0 || vars.count("S3_ENDPOINT_URL") == 0) {
    return Status::Unavailable("s3-test-server.sh start " + dir_ + " failed (exit " +
                               std::to_string(exit_code) + "); end of its stderr:\n" +
                               Tail(log, 3000));
  }
  env_ = {vars["S3_ENDPOINT_URL"], vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"],
          vars["S3_BUCKET_NAME"]};
  std::fprintf(stderr, "RGW started in %.1f s at %s\n", watch.ElapsedSeconds(),
               env_.endpoint_url.c_str());
  return Status::Ok();
}

int S3TestServer::Stop() {
  if (dir_.empty()) return 0;
  const Stopwatch watch;
  int exit_code = 0;
  RunShellCommand("bash '" + ScriptPath() + "' stop '" + dir_ + "' >/dev/null 2>&1", &exit_code);
  std::fprintf(stderr, "RGW stopped in %.1f s (exit %d)\n", watch.ElapsedSeconds(), exit_code);
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
  std::filesystem::remove(dir_ + ".log", ignored);
  dir_.clear();
  return exit_code;
}

}  // namespace swha::testing
