// Shared helpers for the black-box tests: they talk to the real swha-tts binary over HTTP (or
// run it as a command) and check what comes back byte by byte. Nothing here links against the
// service's internals except the ServerProcess launcher.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/server_process.h"

namespace swha::blackbox {

using nlohmann::json;

constexpr int kSampleRate = 22050;
constexpr size_t kWavHeaderBytes = 44;
constexpr std::string_view kGeneratePath = "/api/v1/tts/generate";
constexpr std::string_view kGenerateSimplePath = "/api/v1/tts/generate-simple";

// One server shared by every test of a suite: started in SetUpTestSuite, stopped in
// TearDownTestSuite. Tests call CheckStarted() first so that a failed start fails each test.
class SharedServer {
 public:
  explicit SharedServer(const testing::ServerOptions& options);
  ~SharedServer();
  SharedServer(const SharedServer&) = delete;
  SharedServer& operator=(const SharedServer&) = delete;

  bool started() const { return start_status_.ok(); }
  const std::string& start_error() const { return start_status_.message(); }
  testing::ServerProcess& process() { return process_; }
  int port() const { return process_.port(); }

 private:
  testing::ServerProcess process_;
  Status start_status_;
};

// A temporary directory (under /tmp/swha-test-*) removed with everything in it on destruction.
class ScopedTempDir {
 public:
  ScopedTempDir() : path_(testing::MakeTempDir()) {}
  ~ScopedTempDir() { testing::RemoveDirRecursively(path_); }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A client for 127.0.0.1:port with generous timeouts (synthesis on a loaded machine is slow).
std::unique_ptr<httplib::Client> MakeClient(int port);

// A suite that shares one server (default settings unless the suite hides SetUpTestSuite);
// each test gets a new client.
class DefaultServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new SharedServer({}); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->started()) << server_->start_error();
    client_ = MakeClient(server_->port());
  }

  static SharedServer* server_;
  std::unique_ptr<httplib::Client> client_;
};

// Parses a body; a value for which is_discarded() holds when it is not JSON.
json ParseJson(const std::string& body);

// POST with a JSON body and Content-Type: application/json.
httplib::Result PostJson(httplib::Client& client, std::string_view path, const json& body);
httplib::Result PostRaw(httplib::Client& client, std::string_view path, const std::string& body);
// POSTs `body` as JSON and hands each line of a JSON-lines answer to `on_line` as it arrives
// (false hangs up). A line left unfinished at the end is a test failure.
httplib::Result PostJsonLines(httplib::Client& client, std::string_view path, const json& body,
                              const std::function<bool(const json& line)>& on_line);

// The concatenation of `parts`, in one allocation.
std::string StrCat(std::initializer_list<std::string_view> parts);

// application/x-www-form-urlencoded style escaping of a query value.
std::string UrlEncode(std::string_view value);
// "path?k1=v1&k2=v2" with the values escaped.
std::string WithQuery(std::string_view path,
                      const std::vector<std::pair<std::string, std::string>>& params);

// The fields of a canonical 44-byte RIFF/WAVE header, checked against the file's size.
struct WavInfo {
  bool valid = false;
  std::string error;  // why it is not valid
  uint16_t format = 0;
  uint16_t channels = 0;
  uint32_t sample_rate = 0;
  uint16_t bits_per_sample = 0;
  uint32_t data_bytes = 0;
  double duration_seconds = 0;
};
WavInfo ParseWav(std::string_view bytes);

// A complete 22050 Hz mono 16-bit WAV whose sample data is `data` (padded to whole samples).
std::string MakeWav(std::string_view data);

// Asserts (non-fatally) that `bytes` is a 22050 Hz mono 16-bit WAV lasting between the bounds.
::testing::AssertionResult IsSpeechWav(std::string_view bytes, double min_seconds,
                                       double max_seconds);

// A local audio URL "/static/audio/<session>/<file>?expires=<e>&signature=<s>", taken apart.
struct AudioUrl {
  std::string session_id;
  std::string filename;
  std::string expires;
  std::string signature;
  std::string Path() const;  // without the query
  std::string Build() const;
};
std::optional<AudioUrl> ParseAudioUrl(std::string_view url);

// Lowercase hex HMAC-SHA256, computed with OpenSSL directly (independently of the service).
std::string HmacSha256Hex(std::string_view key, std::string_view data);
std::string HexSha256(std::string_view data);
// The URL the service would hand out for `secret_key`, computed from the documented scheme:
// key = HMAC(SECRET_KEY, "swha-tts local audio URL v1"),
// signature = HMAC(key, "GET\n/static/audio/<session>/<file>\n<expires>").
std::string SignLocalUrl(std::string_view secret_key, std::string_view session_id,
                         std::string_view filename, int64_t expires_unix);

int64_t NowUnixSeconds();

// Filesystem helpers (std::filesystem, never following symlinks for listings).
std::vector<std::string> ListNames(const std::string& dir);  // sorted; empty if missing
int CountEntries(const std::string& dir);
std::string ReadFileBytes(const std::string& path);
void WriteFileBytes(const std::string& path, std::string_view bytes);

using testing::RunShell;

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// The value of the Prometheus sample whose name and labels are exactly `series` in
// `exposition` (GET /metrics), or 0 when there is none (a counter not yet touched).
double MetricSample(const std::string& exposition, const std::string& series);

// The integer in environment variable `name` (a test's size, such as SWHA_SOAK_SECONDS), or
// `fallback` when it is unset or empty.
int EnvInt(const char* name, int fallback);

// How many lines of `text` start with `prefix` (as `catalog check` tags what it finds).
int CountLinesStartingWith(std::string_view text, std::string_view prefix);

// How many times `needle` occurs in `haystack`.
int CountOccurrences(std::string_view haystack, std::string_view needle);

// A TCP connection to 127.0.0.1:`port` (from `source_address` when given, e.g. 127.0.0.2), or -1.
int ConnectLoopback(int port, const std::string& source_address = "");

// Sends `request` verbatim on a new TCP connection and reads one response, for requests that
// an HTTP client library would not send (no Content-Length, chunked bodies).
struct RawResponse {
  bool complete = false;  // a full response (headers and Content-Length body) arrived in time
  int status = 0;
  std::string head;
  std::string body;
  double seconds = 0;  // from sending to the end of the response (or giving up)
};
// With `source_address` (another loopback address, such as 127.0.0.2), the connection comes
// from there: a second client address on one machine.
RawResponse SendRawRequest(int port, std::string_view request, std::chrono::milliseconds timeout,
                           const std::string& source_address = "");
// The same on an open connection `fd` (left open, for the next request on it); `head_only`
// for an answer without a body (to a HEAD), whatever its Content-Length says.
RawResponse ExchangeOnConnection(int fd, std::string_view request,
                                 std::chrono::steady_clock::duration timeout,
                                 bool head_only = false);

// The accept-queue size (listen backlog) of the TCP socket listening on 127.0.0.1:`port`, as
// the kernel reports it through sock_diag (what `ss -lt` shows as Send-Q); nullopt if not found.
std::optional<int> ListenBacklog(int port);

// Generates speech and returns the parsed response, failing the current test (fatally, via
// the returned nullopt plus an ADD_FAILURE) when the status is not 200.
std::optional<json> Generate(httplib::Client& client, const json& body);

// The password SignUp gives every account.
constexpr std::string_view kTestPassword = "correct-horse-42";

// Registers `username` (email <username>@example.com, kTestPassword) and signs in with the
// OAuth2 password form, as the original's clients do; returns the access token, or "" after
// ADD_FAILURE.
std::string SignUp(httplib::Client& client, const std::string& username);

// A client for the server at `port` that sends `Authorization: Bearer <token>` on every request.
std::unique_ptr<httplib::Client> MakeClientFor(int port, const std::string& token);

// `swha-tts ARGS` (split by the shell) against `data_dir`, with `stdin_text` piped in and
// `env` added, as an operator runs it beside the service.
testing::SplitCommandResult RunOperatorCli(const std::string& data_dir, const std::string& args,
                                           const std::string& stdin_text = "",
                                           const std::map<std::string, std::string>& env = {});
// A superuser `username` made with the operator's CLI, and a token for it ("" on failure,
// with a test failure recorded).
std::string MakeSuperuserToken(const std::string& data_dir, const std::string& username,
                               const std::map<std::string, std::string>& env = {});

// GET of an absolute http://HOST:PORT/... URL (a presigned one), with no credentials, from
// 127.0.0.1:PORT whatever the host.
httplib::Result FetchAbsolute(const std::string& url);

// Downloads a local_url; returns nullopt (after ADD_FAILURE) unless the status is 200.
std::optional<std::string> Download(httplib::Client& client, const std::string& url);

// tests/node, where scripts/install-deps.sh installs the JavaScript test tools (npm ci).
std::string NodeToolsDir();
// Debian's Chromium, which the browser checks drive.
inline constexpr const char* kChromium = "/usr/bin/chromium";
// What a headless-browser check needs: node (its path in *node), kChromium and npm's
// playwright-core in NodeToolsDir(); a failure names what is missing and how to install it.
::testing::AssertionResult BrowserToolsInstalled(std::string* node);

}  // namespace swha::blackbox
