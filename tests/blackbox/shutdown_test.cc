// Graceful shutdown and readiness, against the real binary: SIGTERM stops accepting, lets what
// is in flight finish and exits 0; SHUTDOWN_GRACE_SECONDS or a second signal cut it short with
// status 1; a signal during start-up is not lost; GET /ready follows the catalog and storage.
// Slow requests come from the upstream TTS stand-in, which holds a speech request on demand.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <future>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/upstream_standin.h"

namespace swha::blackbox {
namespace {

using testing::ServerOptions;
using testing::ServerProcess;
using testing::UpstreamStandin;

constexpr std::string_view kUpstreamKey = "sk-shutdown-test";
constexpr auto kStall = std::chrono::seconds(30);  // ended by ReleaseStalled()

std::map<std::string, std::string> UpstreamEnv(const UpstreamStandin& upstream) {
  return {{"TTS_ENGINE", "openai"},
          {"TTS_UPSTREAM_URL", upstream.base_url()},
          {"TTS_UPSTREAM_API_KEY", std::string(kUpstreamKey)},
          {"TTS_UPSTREAM_TIMEOUT_MS", "60000"}};
}

bool ExitedWith(int wstatus, int code) {
  return WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == code;
}

std::string DescribeStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return "exit " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) return "killed by signal " + std::to_string(WTERMSIG(wstatus));
  return "status " + std::to_string(wstatus);
}

// Whether a new TCP connection to the port is accepted (a listening socket completes the
// handshake even before anyone calls accept).
bool AcceptsConnections(int port) {
  httplib::Client probe("127.0.0.1", port);
  probe.set_connection_timeout(1, 0);
  probe.set_read_timeout(1, 0);
  auto res = probe.Get("/health");
  return res || res.error() != httplib::Error::Connection;
}

class ShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto upstream = UpstreamStandin::Start(std::string(kUpstreamKey));
    ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
    upstream_ = std::move(*upstream);
  }
  void TearDown() override {
    upstream_->ReleaseStalled();
    server_.Stop();
  }

  void StartServer(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env = UpstreamEnv(*upstream_);
    for (const auto& [k, v] : extra) env[k] = v;
    const Status started = server_.Start(ServerOptions{.env = env});
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // Starts a generate that the stand-in holds, and waits until the server is inside it.
  std::future<httplib::Result> StartHeldGenerate() {
    upstream_->StallNext(1, kStall);
    auto pending = std::async(std::launch::async, [port = server_.port()] {
      auto client = MakeClient(port);
      return PostJson(*client, "/api/v1/tts/generate",
                      {{"text", "Held until the test lets it go."}, {"voice", "af_heart"}});
    });
    EXPECT_TRUE(WaitFor([this] { return upstream_->in_flight() == 1; }, std::chrono::seconds(20)))
        << "the generate never reached the upstream";
    return pending;
  }

  std::unique_ptr<UpstreamStandin> upstream_;
  ServerProcess server_;
};

TEST_F(ShutdownTest, SigtermLetsTheRequestInFlightFinishThenExitsZero) {
  StartServer();
  auto pending = StartHeldGenerate();
  server_.Signal(SIGTERM);
  // No new connections from now on, while the held request goes on.
  EXPECT_TRUE(
      WaitFor([this] { return !AcceptsConnections(server_.port()); }, std::chrono::seconds(5)))
      << "still accepting after SIGTERM";
  EXPECT_FALSE(server_.WaitForExit(std::chrono::milliseconds(500)).has_value())
      << "exited with a request in flight";
  upstream_->ReleaseStalled();

  const httplib::Result res = pending.get();
  ASSERT_TRUE(res) << "the request in flight was cut: " << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Connection"), "close");
  const json body = ParseJson(res->body);
  ASSERT_TRUE(body.contains("audio_files")) << res->body;
  ASSERT_EQ(body["audio_files"].size(), 1u);
  // What it reported is stored: /static/audio/<session>/<file>?<signature>.
  std::string url = body["audio_files"][0].get<std::string>();
  url = url.substr(0, url.find('?'));
  const std::string file = url.substr(url.rfind('/') + 1);
  const std::string path =
      server_.audio_dir() + "/" + body["session_id"].get<std::string>() + "/" + file;
  EXPECT_GT(testing::ReadFileTail(path, 1 << 20).size(), 44u) << path << " (a WAV header alone)";

  const std::optional<int> status = server_.WaitForExit(std::chrono::seconds(15));
  ASSERT_TRUE(status.has_value()) << "did not exit after the drain";
  EXPECT_TRUE(ExitedWith(*status, 0)) << DescribeStatus(*status);
  EXPECT_NE(server_.ReadLog().find("shut down cleanly"), std::string::npos) << server_.ReadLog();
}

TEST_F(ShutdownTest, TheGracePeriodEndsAStuckDrainWithStatusOne) {
  StartServer({{"SHUTDOWN_GRACE_SECONDS", "1"}});
  auto pending = StartHeldGenerate();
  const auto signalled = std::chrono::steady_clock::now();
  server_.Signal(SIGTERM);
  const std::optional<int> status = server_.WaitForExit(std::chrono::seconds(10));
  ASSERT_TRUE(status.has_value()) << "SHUTDOWN_GRACE_SECONDS=1 did not end the process";
  const auto took = std::chrono::steady_clock::now() - signalled;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_TRUE(ExitedWith(*status, 1)) << DescribeStatus(*status);
  EXPECT_NE(server_.ReadLog().find("SHUTDOWN_GRACE_SECONDS (1 s) ran out"), std::string::npos)
      << server_.ReadLog();
  // The client was not told "success" for audio that was never made.
  const httplib::Result res = pending.get();
  EXPECT_FALSE(res && res->status == 200) << res->body;
}

TEST_F(ShutdownTest, ASecondSignalExitsWithoutWaiting) {
  StartServer();  // the default grace, 20 s
  auto pending = StartHeldGenerate();
  server_.Signal(SIGTERM);
  EXPECT_FALSE(server_.WaitForExit(std::chrono::milliseconds(300)).has_value());
  server_.Signal(SIGINT);
  const std::optional<int> status = server_.WaitForExit(std::chrono::seconds(5));
  ASSERT_TRUE(status.has_value()) << "a second signal did not end the drain";
  EXPECT_TRUE(ExitedWith(*status, 1)) << DescribeStatus(*status);
  EXPECT_NE(server_.ReadLog().find("received again"), std::string::npos) << server_.ReadLog();
  pending.wait();
}

// The window between the port being bound and the accept loop starting: the LISTENING line is
// printed inside it, and a SIGTERM sent the moment it is read used to be lost (the process then
// served on for ever).
TEST_F(ShutdownTest, ASignalRightAfterStartUpIsNotLost) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    ServerProcess server;
    const Status started = server.Start(ServerOptions{});
    ASSERT_TRUE(started.ok()) << started.ToString();
    server.Signal(SIGTERM);
    const std::optional<int> status = server.WaitForExit(std::chrono::seconds(8));
    ASSERT_TRUE(status.has_value()) << "attempt " << attempt << ": SIGTERM was lost";
    EXPECT_TRUE(ExitedWith(*status, 0)) << DescribeStatus(*status);
  }
}

// Earlier still: while the service is being set up (catalog, storage, engine), before the port
// is bound. The signal waits until the server can act on it, then ends it cleanly. The signal
// goes to the server's own pid (`env` execs it), never through a wrapper: `timeout`, used here
// before, exits at once on a signal that comes between its fork and its child's exec, and
// left a server running for hours with no one to stop it. A watchdog ends a server that lost
// the signal after 20 s. Its output goes nowhere, so the shell's output ends with the test, and
// once stopped it takes its `sleep` with it.
TEST_F(ShutdownTest, ASignalDuringSetUpIsNotLost) {
  const std::string data_dir = testing::MakeTempDir();
  for (const int delay_ms : {0, 20, 60, 150}) {
    int exit_code = -1;
    const std::string delay = std::to_string(delay_ms / 1000.0);
    const std::string out = testing::RunShell(
        StrCat({"cd ", data_dir, " && env -i PATH=/usr/bin:/bin DATA_DIR=", data_dir,
                " AWS_EC2_METADATA_DISABLED=true ", testing::ServerBinary(),
                " serve --port 0 >/dev/null 2>&1 & pid=$!; sleep ", delay,
                "; kill -TERM $pid; (trap 'kill $nap; exit' TERM; sleep 20 & nap=$!; wait $nap;",
                " kill -KILL $pid) >/dev/null 2>&1 & dog=$!;",
                " wait $pid; code=$?; kill $dog 2>/dev/null; echo $code"}),
        &exit_code);
    // 0: drained and exited; 143: the signal came before the server blocked it (or before `env`
    // became the server), and its default action ended the process. Lost, it would have run
    // until the watchdog killed it (137).
    const std::string code = testing::LastLine(out);
    EXPECT_TRUE(code == "0" || code == "143")
        << "SIGTERM " << delay_ms << " ms after start: " << code;
  }
  testing::RemoveDirRecursively(data_dir);
}

class ReadinessTest : public ::testing::Test {
 protected:
  void TearDown() override { server_.Stop(); }
  void StartServer(std::map<std::string, std::string> env = {}) {
    const Status started = server_.Start(ServerOptions{.env = std::move(env)});
    ASSERT_TRUE(started.ok()) << started.ToString();
    client_ = MakeClient(server_.port());
  }
  // GET /ready, once the last answer (reused for a second) has gone stale.
  std::pair<int, json> Ready(bool wait_for_a_fresh_answer = false) {
    if (wait_for_a_fresh_answer) std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    auto res = client_->Get("/ready");
    if (!res) return {0, json()};
    EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
    return {res->status, ParseJson(res->body)};
  }

  ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ReadinessTest, ReadyWhileTheCatalogAndTheAudioDirectoryWork) {
  StartServer();
  const auto [status, body] = Ready();
  EXPECT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["status"], "ready");
  EXPECT_EQ(body["checks"]["catalog"]["status"], "ok");
  EXPECT_EQ(body["checks"]["audio_dir"]["status"], "ok");
  EXPECT_FALSE(body["checks"].contains("s3")) << "S3 is not in use";
}

TEST_F(ReadinessTest, AnAudioDirectoryThatCannotBeWrittenIsNotReadyUntilItIsBack) {
  StartServer();
  ASSERT_EQ(Ready().first, 200);
  const std::string audio = server_.audio_dir();
  testing::RemoveDirRecursively(audio);
  {
    std::ofstream in_the_way(audio);  // a file where the directory was
    in_the_way << "x";
  }
  const auto [status, body] = Ready(true);
  EXPECT_EQ(status, 503) << body.dump();
  EXPECT_EQ(body["status"], "not_ready");
  EXPECT_EQ(body["checks"]["audio_dir"]["status"], "failing");
  EXPECT_EQ(body["checks"]["catalog"]["status"], "ok");
  EXPECT_EQ(body.dump().find(audio), std::string::npos) << "a path in an unauthenticated answer";
  // The liveness probe does not follow: the process itself is fine.
  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);

  ASSERT_EQ(std::remove(audio.c_str()), 0);
  EXPECT_EQ(Ready(true).first, 200);
}

// S3 that does not answer leaves the instance ready, degraded: audio goes to the local
// fallback and the upload outbox, and an S3 outage must not take every instance out of rotation.
TEST_F(ReadinessTest, AnS3BucketThatDoesNotAnswerIsReadyButDegraded) {
  const int nobody = testing::FreeLoopbackPort();
  ASSERT_GT(nobody, 0);
  StartServer({{"USE_S3_STORAGE", "true"},
               {"S3_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(nobody)},
               {"S3_BUCKET_NAME", "nowhere"},
               {"AWS_ACCESS_KEY_ID", "AKIDREADINESS"},
               {"AWS_SECRET_ACCESS_KEY", "readiness-secret-key"},
               {"AWS_REGION", "us-east-1"}});
  const auto [status, body] = Ready();
  EXPECT_EQ(status, 200) << body.dump();
  EXPECT_EQ(body["status"], "degraded");
  EXPECT_EQ(body["checks"]["s3"]["status"], "failing");
  EXPECT_EQ(body["checks"]["audio_dir"]["status"], "ok");
  EXPECT_EQ(body.dump().find(std::to_string(nobody)), std::string::npos)
      << "the endpoint in an unauthenticated answer";
}

}  // namespace
}  // namespace swha::blackbox
