// speech-stream: POST /v1/audio/speech streamed sentence by sentence, against the real server.
// (1) Time to the first audio byte against time to the whole response, for a 10-sentence text,
//     both in the same run: the first byte should leave after the first sentence (target
//     TTFB <= 0.2 x total). The whole-file mode (stream: false) of the same text is the
//     baseline: its first byte is its last.
// (2) Memory: the server's peak RSS while it streams 1024 and then 4096 characters, against the
//     whole-file mode of the same 4096 characters, which holds all the audio at once. A stream
//     that keeps nothing grows by no more for 4096 characters than for 1024.
#include <httplib.h>
#include <spdlog/fmt/fmt.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "bench/bench_common.h"
#include "bench/bench_server.h"

namespace swha::bench {
namespace {

struct Timing {
  double first_byte_ms = 0;
  double total_ms = 0;
  size_t bytes = 0;
};

std::string Sentences(size_t min_chars) {
  std::string text;
  for (int i = 1; text.size() < min_chars; ++i) {
    text += fmt::format("This is sentence number {}, and it carries a few more words to say. ", i);
  }
  return text.substr(0, min_chars);
}

std::string SpeechBody(const std::string& text, bool stream) {
  return nlohmann::json{{"model", "tts-1"},
                        {"input", text},
                        {"voice", "alloy"},
                        {"response_format", "mp3"},
                        {"stream", stream}}
      .dump();
}

Timing Speak(int port, const std::string& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(600, 0);
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/audio/speech";
  req.body = body;
  req.set_header("Content-Type", "application/json");
  Timing t;
  const auto start = SteadyClock::now();
  req.content_receiver = [&](const char* /*data*/, size_t length, uint64_t, uint64_t) {
    if (t.bytes == 0) t.first_byte_ms = MsSince(start);
    t.bytes += length;
    return true;
  };
  auto res = client.send(req);
  t.total_ms = MsSince(start);
  if (!res || res->status != 200) {
    Die(fmt::format("POST /v1/audio/speech failed: {}",
                    res ? std::to_string(res->status) : httplib::to_string(res.error())));
  }
  return t;
}

// The server's highest RSS while `body` is spoken, sampled every 5 ms, in KiB.
long PeakRssDuring(const RunningServer& server, const std::string& body) {
  std::atomic<bool> done{false};
  long peak = 0;
  std::thread sampler([&] {
    while (!done.load()) {
      peak = std::max(peak, ProcessMemoryKiB(server.pid()).at("VmRSS"));
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  Speak(server.port(), body);
  done.store(true);
  sampler.join();
  return peak;
}

}  // namespace

int RunSpeechStreamBenchmark(const Args& args) {
  const int rounds = OrDefault(args.rounds, 5);
  const std::string ten = args.text.empty() ? Sentences(10 * 69) : args.text;
  fmt::print(
      "== speech-stream: POST /v1/audio/speech (mp3), {} rounds of a {}-character text\n"
      "   (10 sentences), streamed vs. whole file; then peak server RSS for streams of 1024 and\n"
      "   4096 characters vs. the whole file of 4096\n",
      rounds, ten.size());
  PrintLoad("at start");
  RunningServer server(args, {});
  Speak(server.port(), SpeechBody(ten, true));  // warm-up: every engine thread loaded
  const OtherLoadMeter others(server.pid());
  std::vector<double> ttfb, total, whole_ttfb, whole_total;
  for (int r = 0; r < rounds; ++r) {
    const Timing streamed = Speak(server.port(), SpeechBody(ten, true));
    const Timing whole = Speak(server.port(), SpeechBody(ten, false));
    ttfb.push_back(streamed.first_byte_ms);
    total.push_back(streamed.total_ms);
    whole_ttfb.push_back(whole.first_byte_ms);
    whole_total.push_back(whole.total_ms);
    fmt::print("   round {}: streamed first byte {:.1f} ms of {:.1f} ms; whole file {:.1f} ms\n",
               r + 1, streamed.first_byte_ms, streamed.total_ms, whole.total_ms);
  }
  const double ratio = Median(ttfb) / Median(total);
  const double other_cores = others.OtherCores();

  Speak(server.port(), SpeechBody(Sentences(4096), false));  // the allocator's high-water mark
  const long rss_idle = ProcessMemoryKiB(server.pid()).at("VmRSS");
  const long peak_1k = PeakRssDuring(server, SpeechBody(Sentences(1024), true));
  const long peak_4k = PeakRssDuring(server, SpeechBody(Sentences(4096), true));
  const long peak_whole = PeakRssDuring(server, SpeechBody(Sentences(4096), false));
  fmt::print(
      "   RSS before {} KiB; peak while streaming 1024 chars {} KiB, 4096 chars {} KiB; whole "
      "file of 4096 chars {} KiB\n",
      rss_idle, peak_1k, peak_4k, peak_whole);

  Summary("speech-stream", "first byte, median ms", fmt::format("{:.1f}", Median(ttfb)));
  Summary("speech-stream", "whole stream, median ms", fmt::format("{:.1f}", Median(total)));
  Summary("speech-stream", "whole-file mode, median ms (baseline)",
          fmt::format("{:.1f}", Median(whole_total)));
  Summary("speech-stream", "first byte / whole stream", fmt::format("{:.3f}", ratio), "<= 0.2",
          Verdict(ratio <= 0.2));
  const long growth_1k = peak_1k - rss_idle;
  const long growth_4k = peak_4k - rss_idle;
  Summary("speech-stream", "peak RSS growth streaming 1024 / 4096 chars, KiB",
          fmt::format("{:+} / {:+}", growth_1k, growth_4k), "4096 <= 1024 + 1024 KiB",
          Verdict(growth_4k <= growth_1k + 1024));
  Summary("speech-stream", "peak RSS growth, whole file of 4096 chars, KiB (baseline)",
          fmt::format("{:+}", peak_whole - rss_idle));
  Summary("speech-stream", "other processes' load, cores", fmt::format("{:.2f}", other_cores));
  return 0;
}

}  // namespace swha::bench
