// Starts the real swha-tts binary as a child process on a free loopback port, for black-box
// tests and benchmarks. The child gets a fresh data directory unless the caller supplies one.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace swha::testing {

// The swha-tts binary under test: $SWHA_TEST_BINARY when set (scripts/sanitize.sh runs the
// black-box suites against a sanitizer build's binary this way), else the one built beside the
// tests (SWHA_BINARY, a compile definition set by CMake).
const std::string& ServerBinary();

struct ServerOptions {
  std::string binary = ServerBinary();
  // Extra environment for the child, on top of a minimal clean one (PATH, HOME, LANG).
  std::map<std::string, std::string> env;
  // Data directory; empty = a new temporary directory, removed by the destructor.
  std::string data_dir;
  std::string working_dir;  // empty = data_dir (so no stray .env is picked up)
  // Where server.log and server.stdout go; empty = data_dir. Servers sharing a data
  // directory need one each.
  std::string log_dir;
  // The port to listen on; 0 = one the kernel picks. A fixed one lets a restarted server keep
  // its address (PUBLIC_BASE_URL, webhooks).
  int port = 0;
};

// Not thread-safe; one owner.
class ServerProcess {
 public:
  ServerProcess() = default;
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns `swha-tts serve --port 0` and waits (up to 30 s) for its "LISTENING host:port" line.
  Status Start(const ServerOptions& options);
  // SIGTERM, then SIGKILL after 10 s; returns the exit status as from waitpid (or -1).
  int Stop();
  // Sends `signal_number` and returns at once.
  void Signal(int signal_number) const;
  // Waits up to `timeout` for the child to exit; its status as from waitpid, or nullopt if it
  // is still running (it is then left running, for Stop()).
  std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string audio_dir() const { return data_dir_ + "/audio"; }
  // Everything the child wrote to stderr so far (its log).
  std::string ReadLog() const;
  // Resident set size of the child, from /proc/<pid>/status, in KiB.
  long ResidentKiB() const;

 private:
  pid_t pid_ = -1;
  int port_ = -1;
  std::string data_dir_;
  bool owns_data_dir_ = false;
  std::string log_path_;
};

// Runs the binary with `args` and `env` to completion; returns exit code, stdout+stderr.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         const std::string& working_dir);

// Like RunCommand, with stdout and stderr kept apart.
struct SplitCommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
SplitCommandResult RunCommandSplit(const std::string& binary, const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& working_dir);

// Runs `command` through /bin/sh, capturing stdout; sets *exit_code (-1 if it did not exit).
std::string RunShell(const std::string& command, int* exit_code);
// The last non-empty line of `text`, without its newline ("" if none).
std::string LastLine(std::string text);
// The last `max_bytes` of the file at `path` ("" if it cannot be read).
std::string ReadFileTail(const std::string& path, size_t max_bytes);

// A loopback port no one listens on now, chosen by the kernel (0 if none could be had), so that
// servers started at once by suites running in parallel do not race for the same one.
int FreeLoopbackPort();

std::string MakeTempDir();
void RemoveDirRecursively(const std::string& path);

}  // namespace swha::testing
