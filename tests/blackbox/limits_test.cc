// Limits against abuse, against the real binary: slow clients (slowloris: a head a byte at a
// time; a body that stalls) hold no worker and are cut at their deadlines, and connections
// past MAX_CONNECTIONS are answered 503 with Retry-After while the service keeps serving.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/server_process.h"
#include "tests/support/tcp_segments.h"
#include "tests/support/upstream_standin.h"

namespace swha::blackbox {
namespace {

using namespace std::chrono_literals;
using testing::DataSegmentsReceived;
using testing::ServerOptions;
using testing::ServerProcess;
using testing::UpstreamStandin;

bool SendAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads until the server closes the connection; what it sent, or nullopt if it was still open
// after `timeout`.
std::optional<std::string> ReadUntilClosed(int fd, std::chrono::milliseconds timeout) {
  std::string data;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return data;  // closed (or reset)
    data.append(buffer, static_cast<size_t>(n));
  }
}

class LimitsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (int fd : sockets_) close(fd);
    server_.Stop();
  }

  void StartServer(const std::map<std::string, std::string>& env) {
    const Status started = server_.Start(ServerOptions{.env = env});
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // Opens `n` connections, each sending `prefix` and then nothing more.
  void OpenStalled(int n, std::string_view prefix) {
    for (int i = 0; i < n; ++i) {
      const int fd = ConnectLoopback(server_.port());
      ASSERT_GE(fd, 0) << "connection " << i;
      sockets_.push_back(fd);
      if (!prefix.empty()) {
        ASSERT_TRUE(SendAll(fd, prefix)) << "connection " << i;
      }
    }
  }

  // Opens again, without a request, each connection of sockets_ that the server has closed:
  // the only thing a stalled connection can hear from it is a refusal (a 503, then the close).
  // Returns how many were.
  int ReopenRefused() {
    int reopened = 0;
    for (int& fd : sockets_) {
      pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
      if (poll(&p, 1, 0) <= 0) continue;
      close(fd);
      fd = ConnectLoopback(server_.port());
      EXPECT_GE(fd, 0);
      ++reopened;
    }
    return reopened;
  }

  double Metric(const std::string& series) {
    auto client = MakeClient(server_.port());
    auto res = client->Get("/metrics");
    if (!res || res->status != 200) {
      ADD_FAILURE() << "GET /metrics failed";
      return -1;
    }
    return MetricSample(res->body, series);
  }

  ServerProcess server_;
  std::vector<int> sockets_;
};

TEST_F(LimitsTest, TwoHundredSlowlorisClientsHoldNoWorkerAndAreCutAtTheHeadDeadline) {
  // The deadline is long enough that the requests below are served well within it on a loaded
  // machine: what shows that the slow heads hold no worker is that those requests are answered
  // before the first slow head is cut, not how fast they are.
  constexpr auto kHeadDeadline = 10s;
  StartServer({{"HTTP_THREADS", "2"},
               {"REQUEST_HEADER_TIMEOUT_SECONDS", std::to_string(kHeadDeadline.count())}});
  constexpr int kSlow = 200;
  const auto opened = std::chrono::steady_clock::now();
  OpenStalled(kSlow, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  // Keep every slow head alive with a byte of a header line now and then, as slowloris does
  // (a timeout per read alone would never end these connections), and note when the server
  // closes each one, on this thread of its own so that the time is right however long the
  // requests below take.
  std::atomic<int> closed{0};  // read by this thread while the drip thread counts
  std::vector<std::chrono::steady_clock::duration> closed_after(kSlow, 0s);  // read after join
  // A jthread, so that a failed ASSERT below stops and joins it on the way out.
  std::jthread drip([&](const std::stop_token& stop) {
    int open = kSlow;
    auto next_drip = std::chrono::steady_clock::now();
    while (!stop.stop_requested() && open > 0) {
      const bool drip_now = std::chrono::steady_clock::now() >= next_drip;
      if (drip_now) next_drip += 500ms;
      for (int i = 0; i < kSlow; ++i) {
        if (closed_after[i] != 0s) continue;
        char sink[4096];
        const ssize_t n = recv(sockets_[i], sink, sizeof(sink), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          closed_after[i] = std::chrono::steady_clock::now() - opened;
          --open;
          ++closed;
        } else if (drip_now) {
          (void)send(sockets_[i], "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
      }
      std::this_thread::sleep_for(20ms);
    }
  });
  // Each connection is counted on a thread of its own, which may start after the thread of the
  // request that reads the gauge.
  EXPECT_TRUE(WaitFor([&] { return Metric("swha_http_open_connections") >= kSlow; }, 3s))
      << Metric("swha_http_open_connections") << " of " << kSlow << " counted";
  // Normal requests are still answered, generate included.
  auto client = MakeClient(server_.port());
  for (int i = 0; i < 20; ++i) {
    auto res = client->Get("/health");
    ASSERT_TRUE(res) << "request " << i;
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_TRUE(Generate(*client, {{"text", "Still serving."}, {"language", "en"}}).has_value());
  const auto served_after = std::chrono::steady_clock::now() - opened;

  // Every slow head is cut once its deadline is up, whatever it still sends.
  const bool all_cut = WaitFor([&] { return closed.load() == kSlow; }, kHeadDeadline + 10s);
  drip.request_stop();
  drip.join();
  ASSERT_TRUE(all_cut) << closed.load() << " of " << kSlow << " slow heads were cut";
  const auto [first_cut, last_cut] = std::ranges::minmax(closed_after);
  const auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); };
  EXPECT_LT(served_after, first_cut)
      << "the requests were answered " << ms(served_after).count()
      << " ms after the slow heads were opened, the first slow head was cut after "
      << ms(first_cut).count() << " ms";
  EXPECT_GE(first_cut, kHeadDeadline - 1s) << "a slow head was cut before its deadline";
  EXPECT_LT(last_cut, kHeadDeadline + 5s) << "a slow head outlived its deadline";
  EXPECT_TRUE(WaitFor([&] { return Metric("swha_http_open_connections") <= 2; }, 5s));
}

// An answer's head and body leave in one send, so the client wakes once, not once for a head
// it cannot use alone; a head without a body (HEAD) still leaves, and a keep-alive connection
// gets one segment per answer.
TEST_F(LimitsTest, AnAnswerLeavesWithItsHeadInOneSegment) {
  StartServer({});
  const int fd = ConnectLoopback(server_.port());
  ASSERT_GE(fd, 0);
  sockets_.push_back(fd);
  const std::optional<uint32_t> before = DataSegmentsReceived(fd);
  ASSERT_TRUE(before.has_value()) << "the kernel does not count data segments (tcp_info)";
  const RawResponse health =
      ExchangeOnConnection(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 10s);
  ASSERT_EQ(health.status, 200) << health.head;
  ASSERT_NE(health.body.find("\"status\""), std::string::npos) << health.body;
  EXPECT_EQ(DataSegmentsReceived(fd), *before + 1) << "GET: head and body apart";
  const RawResponse head = ExchangeOnConnection(
      fd, "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 10s, /*head_only=*/true);
  ASSERT_EQ(head.status, 200) << head.head;
  EXPECT_EQ(DataSegmentsReceived(fd), *before + 2) << "HEAD: its head never sent, or in parts";
  const RawResponse again =
      ExchangeOnConnection(fd, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 10s);
  ASSERT_EQ(again.status, 200) << again.head;
  EXPECT_EQ(DataSegmentsReceived(fd), *before + 3) << "the second GET: head and body apart";
}

TEST_F(LimitsTest, AStalledBodyHoldsNoWorkerAndIsCutAtTheBodyDeadline) {
  StartServer({{"HTTP_THREADS", "1"}, {"REQUEST_BODY_TIMEOUT_SECONDS", "4"}});
  // Ten generates whose bodies stop after 10 of their 100 bytes.
  OpenStalled(10,
              "POST /api/v1/tts/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\": \"");
  auto client = MakeClient(server_.port());
  auto res = client->Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  // Were a stalled body holding the one worker, the health check would be answered only once
  // that body was cut, after its 400. So the check is on the order of the two, with a body
  // deadline (4 s) long enough for a slow machine (the sanitizer run) to answer before it.
  std::string heard_before_health;
  for (int fd : sockets_) {
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 0) <= 0) continue;
    char buffer[512];
    const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_PEEK);
    heard_before_health +=
        n > 0 ? std::string(buffer, static_cast<size_t>(n)) + "\n" : "(closed)\n";
  }
  EXPECT_EQ(heard_before_health, "")
      << "stalled connections were answered before the health check: the one worker was held? "
         "The server's log:\n"
      << server_.ReadLog();
  for (int fd : sockets_) {
    const std::optional<std::string> answer = ReadUntilClosed(fd, 8s);
    ASSERT_TRUE(answer.has_value()) << "still open 8 s after a 4 s body deadline";
    EXPECT_TRUE(answer->starts_with("HTTP/1.1 400 ")) << *answer;
    EXPECT_NE(answer->find("\"detail\":\"Request body could not be read\""), std::string::npos)
        << *answer;
  }
}

TEST_F(LimitsTest, ConnectionsPastTheCapAre503WithRetryAfterAndServiceResumes) {
  StartServer({{"MAX_CONNECTIONS", "10"}, {"REQUEST_HEADER_TIMEOUT_SECONDS", "30"}});
  OpenStalled(10, "");
  // Once the ten are counted, the next is refused; before that it is served. Each is counted on
  // a thread of its own, so a probe can be counted before the last of the ten, which is then
  // the one refused (the cap holds either way): such a connection is opened again.
  RawResponse refused;
  int served_before = 0;
  int reopened = 0;
  EXPECT_TRUE(WaitFor(
      [&] {
        reopened += ReopenRefused();
        refused =
            SendRawRequest(server_.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 5s);
        served_before += refused.status == 200 ? 1 : 0;
        return refused.status == 503;
      },
      30s))
      << served_before << " probes served, " << reopened << " refused connections opened again";
  ASSERT_TRUE(refused.complete) << refused.head;
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.head.find("Retry-After: 1"), std::string::npos) << refused.head;
  EXPECT_NE(refused.head.find("Connection: close"), std::string::npos) << refused.head;
  const json detail = ParseJson(refused.body);
  EXPECT_EQ(detail["detail"], "Too many open connections; retry in a moment") << refused.body;

  for (int fd : sockets_) close(fd);
  sockets_.clear();
  EXPECT_TRUE(WaitFor(
      [&] {
        auto client = MakeClient(server_.port());
        auto res = client->Get("/health");
        return res && res->status == 200;
      },
      5s));
  EXPECT_GE(Metric("swha_http_refused_connections_total"), 1);
  EXPECT_EQ(server_.Stop(), 0) << "stopped cleanly";
}

// A request from `source` (a loopback address: another client) with an optional bearer token.
RawResponse From(int port, const std::string& source, std::string_view method,
                 std::string_view path, const std::string& token = "",
                 const std::string& json_body = "") {
  std::string request = StrCat({method, " ", path, " HTTP/1.1\r\nHost: 127.0.0.1\r\n"});
  if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
  if (!json_body.empty()) {
    request +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(json_body.size()) +
        "\r\n";
  }
  request += "Connection: close\r\n\r\n" + json_body;
  return SendRawRequest(port, request, 30s, source);
}

std::string HeaderValue(const RawResponse& r, std::string_view name) {
  const std::string key = "\r\n" + std::string(name) + ": ";
  const size_t at = r.head.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return r.head.substr(start, r.head.find("\r\n", start) - start);
}

int RetryAfter(const RawResponse& r) {
  const std::string value = HeaderValue(r, "Retry-After");
  return value.empty() ? -1 : std::stoi(value);
}

TEST_F(LimitsTest, RateLimitsPerAddressAndPerUserAnswer429WithRetryAfter) {
  StartServer({{"RATE_LIMIT_PER_MINUTE", "4"}});
  const int port = server_.port();
  // Per address: four requests, then 429 telling when the next one is admitted (60 s / 4).
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(From(port, "127.0.0.2", "GET", "/api/v1/tts/voices").status, 200) << i;
  }
  const RawResponse refused = From(port, "127.0.0.2", "GET", "/api/v1/tts/voices");
  EXPECT_EQ(refused.status, 429);
  // The next request is 15 s away (60 s / 4), a little less on a slow machine.
  EXPECT_GE(RetryAfter(refused), 10) << refused.head;
  EXPECT_LE(RetryAfter(refused), 15) << refused.head;
  EXPECT_EQ(ParseJson(refused.body)["detail"],
            "Rate limit exceeded: 4 requests per minute per address; retry in " +
                HeaderValue(refused, "Retry-After") + " s");
  const RawResponse openai = From(port, "127.0.0.2", "POST", "/v1/audio/speech", "",
                                  R"({"model": "tts-1", "input": "hi", "voice": "alloy"})");
  EXPECT_EQ(openai.status, 429);
  EXPECT_EQ(ParseJson(openai.body)["error"]["type"], "rate_limit_error") << openai.body;
  // Monitoring is never limited, and other addresses have their own allowance.
  EXPECT_EQ(From(port, "127.0.0.2", "GET", "/health").status, 200);
  EXPECT_EQ(From(port, "127.0.0.2", "GET", "/metrics").status, 200);
  EXPECT_EQ(From(port, "127.0.0.3", "GET", "/api/v1/tts/voices").status, 200);

  // Per user, wherever the requests come from: a user on four addresses gets four requests.
  auto client = MakeClient(port);
  const std::string token = SignUp(*client, "rita");  // two requests from 127.0.0.1
  ASSERT_FALSE(token.empty());
  for (int i = 0; i < 4; ++i) {
    const std::string source = "127.0.1." + std::to_string(i + 1);
    EXPECT_EQ(From(port, source, "GET", "/api/v1/users/me", token).status, 200) << source;
  }
  const RawResponse user_refused = From(port, "127.0.1.9", "GET", "/api/v1/users/me", token);
  EXPECT_EQ(user_refused.status, 429);
  EXPECT_EQ(ParseJson(user_refused.body)["detail"],
            "Rate limit exceeded: 4 requests per minute per user; retry in " +
                HeaderValue(user_refused, "Retry-After") + " s");
  // The address itself still has requests left for others.
  EXPECT_EQ(From(port, "127.0.1.9", "GET", "/api/v1/tts/voices").status, 200);
}

TEST_F(LimitsTest, FailedLoginsAreThrottledPerUsernameAndPerAddress) {
  StartServer({{"LOGIN_FAILURE_LIMIT", "3"}});
  const int port = server_.port();
  auto client = MakeClient(port);
  ASSERT_FALSE(SignUp(*client, "lena").empty());
  ASSERT_FALSE(SignUp(*client, "omar").empty());
  const auto login = [port](const std::string& source, const std::string& user,
                            const std::string& password) {
    return From(port, source, "POST", "/api/v1/auth/login-json", "",
                json{{"username", user}, {"password", password}}.dump());
  };
  const std::string right(kTestPassword);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login("127.0.0.2", "lena", "guess" + std::to_string(i)).status, 401);
  // Three failures for "lena": refused before any password is checked, even the right one, and
  // from any address; 15 minutes / 3 until the next try.
  const RawResponse locked = login("127.0.0.2", "lena", right);
  EXPECT_EQ(locked.status, 429);
  EXPECT_GE(RetryAfter(locked), 280) << locked.head;
  EXPECT_LE(RetryAfter(locked), 300) << locked.head;
  EXPECT_EQ(ParseJson(locked.body)["detail"],
            "Too many failed logins; retry in " + HeaderValue(locked, "Retry-After") + " s");
  EXPECT_EQ(login("127.0.0.3", "lena", right).status, 429);
  EXPECT_EQ(login("127.0.0.3", "LENA", right).status, 429) << "a name is counted whatever its case";
  // 127.0.0.2 failed three times too: no username may be tried from there.
  EXPECT_EQ(login("127.0.0.2", "omar", right).status, 429);
  EXPECT_EQ(login("127.0.0.4", "omar", right).status, 200);
  // A name no account has is throttled alike, so the answers tell nothing of who exists.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(login("127.0.0.5", "ghost", "x" + std::to_string(i)).status, 401);
  EXPECT_EQ(login("127.0.0.6", "ghost", "y").status, 429);
}

TEST_F(LimitsTest, ACallerPastItsSynthesesAtOnceIs429UntilOneFinishes) {
  // Speech from the upstream stand-in, which holds a request on demand: a synthesis that lasts.
  auto upstream = UpstreamStandin::Start("sk-limits-test");
  ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
  StartServer({{"MAX_SYNTHESES_PER_USER", "1"},
               {"TTS_ENGINE", "openai"},
               {"TTS_UPSTREAM_URL", (*upstream)->base_url()},
               {"TTS_UPSTREAM_API_KEY", "sk-limits-test"}});
  const int port = server_.port();
  const std::string body = R"({"text": "One at a time.", "voice": "af_heart"})";
  (*upstream)->StallNext(1, 30s);
  auto held = std::async(std::launch::async, [&] {
    return From(port, "127.0.0.2", "POST", "/api/v1/tts/generate", "", body);
  });
  ASSERT_TRUE(WaitFor([&] { return (*upstream)->in_flight() == 1; }, 20s));
  // The same address again, by generate, marks or OpenAI's endpoint: 429 at once.
  const RawResponse second = From(port, "127.0.0.2", "POST", "/api/v1/tts/generate", "", body);
  EXPECT_EQ(second.status, 429) << second.body;
  EXPECT_EQ(HeaderValue(second, "Retry-After"), "1");
  EXPECT_EQ(ParseJson(second.body)["detail"],
            "Too many syntheses at once: 1 per address; retry when one has finished");
  EXPECT_EQ(From(port, "127.0.0.2", "POST", "/api/v1/tts/marks", "", body).status, 429);
  const RawResponse speech = From(port, "127.0.0.2", "POST", "/v1/audio/speech", "",
                                  R"({"model": "tts-1", "input": "hi", "voice": "alloy"})");
  EXPECT_EQ(speech.status, 429) << speech.body;
  EXPECT_EQ(ParseJson(speech.body)["error"]["type"], "rate_limit_error") << speech.body;
  // Another caller is not held up.
  EXPECT_EQ(From(port, "127.0.0.3", "POST", "/api/v1/tts/generate", "", body).status, 200);

  (*upstream)->ReleaseStalled();
  EXPECT_EQ(held.get().status, 200);
  EXPECT_EQ(From(port, "127.0.0.2", "POST", "/api/v1/tts/generate", "", body).status, 200)
      << "its place came back";
}

TEST_F(LimitsTest, CorsAllowsTheListedOriginAndSecurityHeadersGuardThePage) {
  StartServer({{"CORS_ORIGINS", "https://app.example"}});
  const RawResponse preflight = SendRawRequest(
      server_.port(),
      "OPTIONS /api/v1/tts/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://app.example\r\n"
      "Access-Control-Request-Method: POST\r\n"
      "Access-Control-Request-Headers: authorization, content-type\r\n\r\n",
      5s);
  EXPECT_EQ(preflight.status, 204) << preflight.head;
  EXPECT_EQ(HeaderValue(preflight, "Access-Control-Allow-Origin"), "https://app.example");
  EXPECT_EQ(HeaderValue(preflight, "Access-Control-Allow-Methods"), "POST");
  EXPECT_EQ(HeaderValue(preflight, "Access-Control-Allow-Headers"), "Authorization, Content-Type");
  EXPECT_EQ(HeaderValue(preflight, "Access-Control-Allow-Credentials"), "");

  auto client = MakeClient(server_.port());
  auto allowed = client->Get("/api/v1/tts/voices", {{"Origin", "https://app.example"}});
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->get_header_value("Access-Control-Allow-Origin"), "https://app.example");
  auto foreign = client->Get("/api/v1/tts/voices", {{"Origin", "https://evil.example"}});
  ASSERT_TRUE(foreign);
  EXPECT_FALSE(foreign->has_header("Access-Control-Allow-Origin"));
  const RawResponse evil_preflight = SendRawRequest(
      server_.port(),
      "OPTIONS /api/v1/tts/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n"
      "Access-Control-Request-Method: POST\r\n\r\n",
      5s);
  EXPECT_EQ(evil_preflight.status, 403);

  auto page = client->Get("/", {{"Accept", "text/html"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->get_header_value("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(page->get_header_value("X-Frame-Options"), "DENY");
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  const std::string csp = page->get_header_value("Content-Security-Policy");
  EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
}

}  // namespace
}  // namespace swha::blackbox
