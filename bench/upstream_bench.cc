// upstream-segments: a 10-segment generate with TTS_ENGINE=openai, against the upstream stand-in
// (tests/support/upstream_standin.h) answering each request after a fixed delay, as a neural
// server busy with its model would. The segments of one text are sent at once, up to
// TTS_UPSTREAM_MAX_CONCURRENCY: the same server with TTS_UPSTREAM_MAX_CONCURRENCY=1 (one
// segment after another) is the baseline, in the same run. With 4 at once a 10-segment text
// takes 3 rounds of the delay instead of 10: target at most 0.4x the baseline. The same ten
// lines streamed by POST /v1/audio/speech, whose renders go up to 4 ahead of the stream: the
// first line is rendered alone (before the status line), then 9 in 3 rounds, 4 rounds of 10,
// so at best 0.4x: target at most 0.5x.
#include <spdlog/fmt/fmt.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_server.h"
#include "tests/support/upstream_standin.h"

namespace swha::bench {
namespace {

constexpr int kSegments = 10;
constexpr int kParallel = 4;
constexpr std::chrono::milliseconds kUpstreamDelay{150};

std::string TenLines() {
  std::string text;
  for (int i = 1; i <= kSegments; ++i) text += fmt::format("Line number {} to be spoken.\n", i);
  return text;
}

// Median wall time of `rounds` streamed POST /v1/audio/speech of the ten lines, in ms; every
// stream must carry `*bytes` bytes (the first run's, when 0): one cut short is still a 200.
double MedianSpeechMs(const RunningServer& server, int rounds, size_t* bytes) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(120, 0);
  const std::string body = nlohmann::json{
      {"model", "kokoro"},
      {"input", TenLines()},
      {"voice", "af_heart"},
      {"response_format",
       "pcm"}}.dump();
  std::vector<double> times;
  for (int r = -1; r < rounds; ++r) {  // round -1 warms up
    const auto start = SteadyClock::now();
    auto res = client.Post("/v1/audio/speech", body, "application/json");
    if (!res || res->status != 200) Die("POST /v1/audio/speech failed");
    if (*bytes == 0) *bytes = res->body.size();
    if (res->body.size() != *bytes) {
      Die(fmt::format("a stream carried {} bytes instead of {}", res->body.size(), *bytes));
    }
    if (r >= 0) times.push_back(MsSince(start));
  }
  return Median(times);
}

// Median wall time of `rounds` generates of `body`, in ms.
double MedianGenerateMs(const RunningServer& server, const std::string& body, int rounds) {
  ApiClient client(server.port());
  std::vector<double> times;
  for (int r = -1; r < rounds; ++r) {  // round -1 warms up
    const auto start = SteadyClock::now();
    if (client.Generate(body).empty()) Die("generate failed: " + client.last_error());
    if (r >= 0) times.push_back(MsSince(start));
  }
  return Median(times);
}

// The summary rows of one comparison: the baseline (one at a time), kParallel at once, their
// ratio against `target`.
void SummarizeComparison(const std::string& what, const std::string& how,
                         std::map<int, double>& median_ms, double target) {
  const double ratio = median_ms[kParallel] / median_ms[1];
  Summary("upstream-segments", what + ", one at a time, median ms (baseline)",
          fmt::format("{:.1f}", median_ms[1]));
  Summary("upstream-segments", fmt::format("{}, {} {}, median ms", what, kParallel, how),
          fmt::format("{:.1f}", median_ms[kParallel]));
  Summary("upstream-segments", fmt::format("{}, {} {} / one at a time", what, kParallel, how),
          fmt::format("{:.2f}", ratio), fmt::format("<= {:.1f}", target), Verdict(ratio <= target));
}

}  // namespace

int RunUpstreamSegmentsBenchmark(const Args& args) {
  const int rounds = OrDefault(args.rounds, 5);
  fmt::print(
      "== upstream-segments: POST generate of {} lines with TTS_ENGINE=openai, the stand-in\n"
      "   answering each after {} ms; {} rounds with TTS_UPSTREAM_MAX_CONCURRENCY={} vs. 1\n",
      kSegments, kUpstreamDelay.count(), rounds, kParallel);
  PrintLoad("at start");
  std::unique_ptr<testing::UpstreamStandin> upstream =
      Must(testing::UpstreamStandin::Start(), "starting the upstream stand-in");
  upstream->SetResponseDelay(kUpstreamDelay);
  const std::string body = GenerateBody(TenLines());
  std::map<int, double> median_ms;
  std::map<int, double> speech_ms;
  size_t speech_bytes = 0;  // the same text, voice and tone: the same PCM from both servers
  int max_in_flight = 0;
  for (int concurrency : {1, kParallel}) {
    RunningServer server(args, {{"TTS_ENGINE", "openai"},
                                {"TTS_UPSTREAM_URL", upstream->base_url()},
                                {"TTS_UPSTREAM_MAX_CONCURRENCY", std::to_string(concurrency)}});
    upstream->ResetMaxInFlight();
    median_ms[concurrency] = MedianGenerateMs(server, body, rounds);
    if (concurrency == kParallel) max_in_flight = upstream->max_in_flight();
    speech_ms[concurrency] = MedianSpeechMs(server, rounds, &speech_bytes);
    fmt::print(
        "   TTS_UPSTREAM_MAX_CONCURRENCY={}: generate median {:.1f} ms, streamed speech median "
        "{:.1f} ms\n",
        concurrency, median_ms[concurrency], speech_ms[concurrency]);
  }
  SummarizeComparison("10 segments", "at once", median_ms, 0.4);
  SummarizeComparison("streamed speech", "ahead", speech_ms, 0.5);
  Summary("upstream-segments", "most requests the upstream saw at once",
          std::to_string(max_in_flight), std::to_string(kParallel),
          Verdict(max_in_flight == kParallel));
  return 0;
}

}  // namespace swha::bench
