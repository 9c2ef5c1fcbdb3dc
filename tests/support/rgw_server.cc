#include "tests/support/rgw_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/server_process.h"

namespace swha::testing {
namespace {

std::string ScriptPath() {
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "scripts" /
          "s3-test-server.sh")
      .lexically_normal()
      .string();
}

// Whether process `pid` has exited but not been reaped ("Z" in /proc/<pid>/stat).
bool IsZombie(long pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const size_t name_end = line.rfind(')');  // the name may hold spaces and parentheses
  return name_end != std::string::npos && line.compare(name_end, 3, ") Z") == 0;
}

}  // namespace

std::map<std::string, std::string> RgwEndpoint::AsEnv() const {
  return {{"S3_ENDPOINT_URL", endpoint_url},
          {"AWS_ACCESS_KEY_ID", access_key_id},
          {"AWS_SECRET_ACCESS_KEY", secret_access_key},
          {"S3_BUCKET_NAME", bucket},
          {"AWS_REGION", "us-east-1"}};
}

storage::S3ClientConfig RgwEndpoint::ClientConfig() const {
  storage::S3ClientConfig config;
  config.endpoint_url = endpoint_url;
  config.region = "us-east-1";
  config.bucket = bucket;
  config.addressing_style = "path";
  config.credentials = {access_key_id, secret_access_key, ""};
  return config;
}

RgwServer::RgwServer(int s3_port, int mon_port)
    : s3_port_(s3_port), mon_port_(mon_port), dir_(MakeTempDir() + "/rgw") {}

RgwServer::~RgwServer() {
  (void)Stop();
  RemoveDirRecursively(std::filesystem::path(dir_).parent_path().string());
}

Status RgwServer::Start() {
  const std::string log = dir_ + ".log";
  int exit_code = 0;
  std::string command =
      "S3_TEST_PORT=" + std::to_string(s3_port_) + " CEPH_MON_PORT=" + std::to_string(mon_port_);
  if (lifecycle_day_seconds_ > 0) {
    command += " S3_TEST_LC_DAY_SECONDS=" + std::to_string(lifecycle_day_seconds_);
  }
  if (store_bytes_ > 0) command += " S3_TEST_STORE_BYTES=" + std::to_string(store_bytes_);
  command += " bash '" + ScriptPath() + "' start '" + dir_ + "' 2>'" + log + "'";
  const std::string out = RunShell(command, &exit_code);
  // The last stdout line: S3_ENDPOINT_URL=... AWS_ACCESS_KEY_ID=... ...
  const std::string line = LastLine(out);
  std::map<std::string, std::string> vars;
  std::istringstream words(line);
  for (std::string word; words >> word;) {
    const size_t eq = word.find('=');
    if (eq != std::string::npos) vars[word.substr(0, eq)] = word.substr(eq + 1);
  }
  if (exit_code != 0 || vars.count("S3_ENDPOINT_URL") == 0) {
    return Status::Unavailable("s3-test-server.sh start " + dir_ + " failed (exit " +
                               std::to_string(exit_code) + "); end of its log:\n" +
                               ReadFileTail(log, 3000));
  }
  endpoint_ = {vars["S3_ENDPOINT_URL"], vars["AWS_ACCESS_KEY_ID"], vars["AWS_SECRET_ACCESS_KEY"],
               vars["S3_BUCKET_NAME"]};
  started_once_ = true;
  return Status::Ok();
}

Status RgwServer::Stop() {
  if (!started_once_) return Status::Ok();
  int exit_code = 0;
  const std::string out =
      RunShell("bash '" + ScriptPath() + "' stop '" + dir_ + "' 2>&1", &exit_code);
  if (exit_code != 0) {
    return Status::Internal("s3-test-server.sh stop failed (exit " + std::to_string(exit_code) +
                            "): " + out);
  }
  return Status::Ok();
}

Status RgwServer::KillGateway() {
  // The daemon writes its own pid file (scripts/s3-test-server.sh names it after the daemon).
  const std::string pid_file = dir_ + "/client.rgw.pid";
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return Status::Internal("no gateway pid in " + pid_file);
  if (kill(static_cast<pid_t>(pid), SIGKILL) != 0) {
    return Status::Internal("kill -KILL " + std::to_string(pid) + " failed");
  }
  // Not our child (it daemonized), so it cannot be waited for: poll until it is gone, or a
  // zombie (a container's init may never reap it).
  for (int i = 0; i < 500; ++i) {
    if (kill(static_cast<pid_t>(pid), 0) != 0 || IsZombie(pid)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return Status::Internal("the gateway (pid " + std::to_string(pid) + ") survived SIGKILL");
}

}  // namespace swha::testing
