// The lipsync benchmark: what requests waiting for lipsync jobs cost everyone else.
//
//   swha_bench lipsync-waits   POST generate latency (one client, one sentence) alone vs. while
//                              200 requests wait (POST /api/v1/lipsync/wait) for a job that
//                              the sync.so stand-in holds; target: median within 1.1x
//
// The server runs with its default 16 HTTP workers: were the waits to hold workers, generate
// would queue behind them for their whole timeout.
#include <spdlog/fmt/fmt.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_server.h"
#include "tests/support/sync_standin.h"

namespace swha::bench {
namespace {

constexpr const char* kOneSentence =
    "The quick brown fox jumps over the lazy dog near the river bank.";
constexpr const char* kSyncKey = "sk-bench-lipsync";
constexpr int kWaiters = 200;

nlohmann::json Call(int port, const std::string& method, const std::string& path,
                    const std::string& bearer, const nlohmann::json& body = nullptr) {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(600, 0);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  auto res = method == "GET"
                 ? http.Get(path, headers)
                 : http.Post(path, headers, body.is_null() ? "" : body.dump(), "application/json");
  if (!res || res->status != 200) {
    Die(fmt::format("{} {}: {}", method, path, res ? res->body : httplib::to_string(res.error())));
  }
  return nlohmann::json::parse(res->body);
}

// A web server in this process serving one WAV, for the stand-in to fetch.
class AudioServer {
 public:
  explicit AudioServer(std::string wav) : wav_(std::move(wav)) {
    server_.Get("/a.wav", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(wav_, "audio/wav");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~AudioServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/a.wav", port_); }

 private:
  std::string wav_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace

int RunLipsyncBenchmark(const Args& args) {
  const int n = OrDefault(args.requests, 100);
  const int rounds = OrDefault(args.rounds, 3);
  fmt::print(
      "== lipsync-waits: POST {} latency, 1 client, {} calls alone then {} calls while {} "
      "requests wait for a held lipsync job, x {} rounds\n",
      kGeneratePath, n, n, kWaiters, rounds);
  PrintLoad("at start");
  auto standin = Must(testing::SyncStandin::Start(kSyncKey, "whsec_bench"), "sync.so stand-in");
  RunningServer server(args, {{"SYNC_API_BASE_URL", standin->base_url()}});
  const int port = server.port();
  Call(port, "POST", "/api/v1/auth/register", "",
       {{"username", "bench-lipsync"}, {"email", "b@example.com"}, {"password", "bench-pw-42"}});
  const std::string token = Call(port, "POST", "/api/v1/auth/login-json", "",
                                 {{"username", "bench-lipsync"}, {"password", "bench-pw-42"}})
                                .at("access_token");
  // Audio for the stand-in to fetch: one generated segment, served from here.
  const nlohmann::json tts = Call(port, "POST", kGeneratePath, "", {{"text", "Hello."}});
  httplib::Client download("127.0.0.1", port);
  auto wav = download.Get(tts.at("audio_files")[0].get<std::string>());
  if (!wav || wav->status != 200) Die("download of the generated audio failed");
  AudioServer audio(wav->body);

  ApiClient client(port);
  const std::string body = GenerateBody(kOneSentence);
  auto measure = [&] {
    std::vector<double> ms;
    for (int i = 0; i < n; ++i) {
      const auto start = SteadyClock::now();
      if (client.Generate(body).empty()) Die("generate: " + client.last_error());
      ms.push_back(MsSince(start));
    }
    return ms;
  };
  for (int i = 0; i < 10; ++i) client.Generate(body);  // warm-up

  std::vector<double> alone_median, waiting_median, alone_p99, waiting_p99;
  for (int r = 0; r < rounds; ++r) {
    const std::vector<double> alone = measure();
    standin->HoldJobs(true);
    const std::string job_id = Call(port, "POST", "/api/v1/lipsync/create", token,
                                    {{"video_url", "https://example.com/v.mp4"},
                                     {"audio_url", audio.url()},
                                     {"api_key", kSyncKey}})
                                   .at("job_id");
    std::atomic<int> ended{0};
    std::vector<std::thread> waiters;
    waiters.reserve(kWaiters);
    for (int i = 0; i < kWaiters; ++i) {
      waiters.emplace_back([&] {
        Call(port, "POST", "/api/v1/lipsync/wait/" + job_id + "?timeout=600&poll_interval=30",
             token);
        ++ended;
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(2));  // every wait is in
    if (ended.load() != 0) Die("a wait ended before the job did");
    const std::vector<double> waiting = measure();
    standin->HoldJobs(false);
    for (auto& t : waiters) t.join();
    alone_median.push_back(Median(alone));
    waiting_median.push_back(Median(waiting));
    alone_p99.push_back(Percentile(alone, 99));
    waiting_p99.push_back(Percentile(waiting, 99));
    fmt::print(
        "   round {}: alone median {:.2f} ms p99 {:.2f} ms; {} waiting: median {:.2f} ms "
        "p99 {:.2f} ms\n",
        r + 1, alone_median.back(), alone_p99.back(), kWaiters, waiting_median.back(),
        waiting_p99.back());
  }
  const double ratio = Median(waiting_median) / Median(alone_median);
  Summary("lipsync-waits", "generate median, alone (ms)",
          fmt::format("{:.2f}", Median(alone_median)));
  Summary("lipsync-waits", fmt::format("generate median, {} waiting / alone", kWaiters),
          fmt::format("{:.2f}x", ratio), "<= 1.10x", Verdict(ratio <= 1.10));
  Summary("lipsync-waits", fmt::format("generate p99, {} waiting / alone", kWaiters),
          fmt::format("{:.2f}x", Median(waiting_p99) / Median(alone_p99)));
  return 0;
}

}  // namespace swha::bench
