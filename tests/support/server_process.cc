#include "tests/support/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/support/pg_server.h"
#include "util/file_system.h"

namespace swha::testing {
namespace {

// fork(), with the child killed when the test process ends, however it ends: a test killed at
// ctest's timeout (or crashed) would otherwise leave its server running, holding a port and
// writing into a data directory that is gone. The kernel sends that signal when the forking
// *thread* ends, so only a child forked on the main thread (the one thread sure to last as long
// as the test) is tied to it; a test that starts a server on a thread of its own keeps it after
// that thread ends.
pid_t ForkTiedToTest() {
  const pid_t test_pid = getpid();
  const bool on_main_thread = gettid() == test_pid;
  const pid_t pid = fork();
  if (pid == 0 && on_main_thread) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != test_pid) _exit(127);  // it ended before the line above
  }
  return pid;
}

// Passed on to every child, so that a sanitizer build's server and CLI runs report where
// scripts/sanitize.sh looks (and with its suppressions).
constexpr const char* kSanitizerOptions[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
                                             "TSAN_OPTIONS"};

std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "/tmp"}, {"LANG", "C.UTF-8"}};
  for (const char* name : kSanitizerOptions) {
    if (const char* value = std::getenv(name); value != nullptr) env[name] = value;
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [k, v] : env) {
    std::string entry = k;
    entry += '=';
    entry += v;
    out.push_back(std::move(entry));
  }
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

const std::string& ServerBinary() {
  static const std::string binary = [] {
    const char* chosen = std::getenv("SWHA_TEST_BINARY");
    return std::string(chosen != nullptr && *chosen != '\0' ? chosen : SWHA_BINARY);
  }();
  return binary;
}

std::string RunShell(const std::string& command, int* exit_code) {
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *exit_code = -1;
    return output;
  }
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

std::string LastLine(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const size_t eol = text.rfind('\n');
  return eol == std::string::npos ? text : text.substr(eol + 1);
}

std::string ReadFileTail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string all = ss.str();
  return all.size() > max_bytes ? all.substr(all.size() - max_bytes) : all;
}

int FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

std::string MakeTempDir() {
  char tmpl[] = "/tmp/swha-test-XXXXXX";
  char* dir = mkdtemp(tmpl);
  if (dir == nullptr) std::abort();
  return dir;
}

void RemoveDirRecursively(const std::string& path) {
  if (path.rfind("/tmp/swha-test-", 0) != 0) return;  // never anything else
  (void)RemoveTree(FileSystem::Default(), path);
}

ServerProcess::~ServerProcess() {
  Stop();
  if (owns_data_dir_) RemoveDirRecursively(data_dir_);
}

Status ServerProcess::Start(const ServerOptions& options) {
  if (pid_ > 0) return Status::Internal("already started");
  data_dir_ = options.data_dir;
  if (data_dir_.empty()) {
    data_dir_ = MakeTempDir();
    owns_data_dir_ = true;
  }
  const std::string working_dir = options.working_dir.empty() ? data_dir_ : options.working_dir;
  const std::string log_dir = options.log_dir.empty() ? data_dir_ : options.log_dir;
  log_path_ = log_dir + "/server.log";
  const std::string stdout_path = log_dir + "/server.stdout";
  std::map<std::string, std::string> env = options.env;
  env.emplace("DATA_DIR", data_dir_);
  env.emplace("LOG_LEVEL", "info");
  // A test never asks 169.254.169.254 for credentials, unless it says where IMDS is.
  env.emplace("AWS_EC2_METADATA_DISABLED", "true");
  UseTestCatalog(data_dir_, &env);

  std::vector<std::string> env_strings = ChildEnvironment(env);
  std::vector<std::string> args = {options.binary, "serve", "--port", std::to_string(options.port)};
  // A previous server on the same data directory left its LISTENING line here.
  std::remove(stdout_path.c_str());
  pid_ = ForkTiedToTest();
  if (pid_ < 0) return Status::Internal("fork failed");
  if (pid_ == 0) {
    int out = open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || chdir(working_dir.c_str()) != 0) _exit(127);
    dup2(out, 1);
    dup2(err, 2);
    auto argv = CStrings(args);
    auto envp = CStrings(env_strings);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string out = ReadWholeFile(stdout_path);
    const size_t at = out.find("LISTENING ");
    const size_t eol = at == std::string::npos ? std::string::npos : out.find('\n', at);
    if (eol != std::string::npos) {
      const std::string addr = out.substr(at + 10, eol - at - 10);
      port_ = static_cast<int>(std::strtol(addr.substr(addr.rfind(':') + 1).c_str(), nullptr, 10));
      if (port_ <= 0) return Status::Internal("unexpected LISTENING line: " + addr);
      return Status::Ok();
    }
    int wstatus = 0;
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable("swha-tts exited during start-up: " + ReadLog());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Stop();
  return Status::Unavailable("swha-tts did not start within 30 s: " + ReadLog());
}

int ServerProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int wstatus = -1;
  for (int i = 0; i < 1000; ++i) {
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return wstatus;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &wstatus, 0);
  pid_ = -1;
  return wstatus;
}

void ServerProcess::Signal(int signal_number) const {
  if (pid_ > 0) kill(pid_, signal_number);
}

std::optional<int> ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int wstatus = -1;
  while (true) {
    if (waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return wstatus;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string ServerProcess::ReadLog() const { return ReadWholeFile(log_path_); }

long ServerProcess::ResidentKiB() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

namespace {

// Runs `binary` to completion with its stdout in `*out`; its stderr goes to `err_fd`, or into
// `*out` too when err_fd is -1. Returns the exit code, -1 when it did not exit normally or
// could not be started.
int RunChild(const std::string& binary, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env, const std::string& working_dir,
             int err_fd, std::string* out) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return -1;  // dup2 below clears it for the child's 1, 2
  std::vector<std::string> argv_strings = {binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::map<std::string, std::string> child_env = env;
  UseTestCatalog(env.count("DATA_DIR") != 0 ? env.at("DATA_DIR") : working_dir, &child_env);
  std::vector<std::string> env_strings = ChildEnvironment(child_env);
  pid_t pid = ForkTiedToTest();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return -1;
  }
  if (pid == 0) {
    close(pipe_fds[0]);
    dup2(pipe_fds[1], 1);
    dup2(err_fd >= 0 ? err_fd : pipe_fds[1], 2);
    if (!working_dir.empty() && chdir(working_dir.c_str()) != 0) _exit(127);
    auto argv = CStrings(argv_strings);
    auto envp = CStrings(env_strings);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof(buf))) > 0) out->append(buf, n);
  close(pipe_fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

}  // namespace

CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env,
                         const std::string& working_dir) {
  CommandResult result;
  result.exit_code = RunChild(binary, args, env, working_dir, -1, &result.output);
  return result;
}

SplitCommandResult RunCommandSplit(const std::string& binary, const std::vector<std::string>& args,
                                   const std::map<std::string, std::string>& env,
                                   const std::string& working_dir) {
  SplitCommandResult result;
  // stdout through a pipe, stderr into an unlinked temporary file: no second pipe to drain.
  char err_path[] = "/tmp/swha-cmd-stderr-XXXXXX";
  const int err_fd = mkostemp(err_path, O_CLOEXEC);
  if (err_fd < 0) return result;
  unlink(err_path);
  result.exit_code = RunChild(binary, args, env, working_dir, err_fd, &result.out);
  lseek(err_fd, 0, SEEK_SET);
  char buf[4096];
  ssize_t n;
  while ((n = read(err_fd, buf, sizeof(buf))) > 0) result.err.append(buf, n);
  close(err_fd);
  return result;
}

}  // namespace swha::testing
