// swha_bench: the benchmarks of swha-tts, whose results are recorded in docs/performance.md.
// Benchmarks are not timed tests: each one measures its own baseline in the same run and
// reports ratios against it, so the numbers compare like with like on whatever machine runs
// them. Nothing here fails because a target is missed; the exit status is non-zero only if
// the benchmark itself could not run (server would not start, requests failed).
//
//   swha_bench overhead         POST /api/v1/tts/generate vs. the in-process Synthesizer
//   swha_bench throughput       requests/s and latency at 1, 2 and 8 concurrent clients
//   swha_bench memory           server RSS after 1,000 and 5,000 requests
//   swha_bench engine-scaling   in-process engine with 2 threads: 1 vs. 2 caller threads
//   swha_bench all              the four, in that order
//   swha_bench presign          S3Client::PresignGet vs. botocore, URLs/s on one thread
//   swha_bench presign-floor    S3Client::PresignGet vs. its crypto floor, as limits measures it
//   swha_bench s3-upload        S3AudioStore::Upload of a 10-segment session, 10 uploads at
//                               once vs. 1 (needs a gateway: S3_ENDPOINT_URL etc.; run.sh
//                               starts one)
//   swha_bench auth-cost, catalog-generate, session-get: accounts and the catalog
//                               (catalog_bench.cc)
//   swha_bench limits           every hot path against its limit in one run (limits_bench.cc)
//
// Options: --requests N (per measured run), --rounds N, --text "...", --server-env KEY=VALUE
// (repeatable; extra environment for the server, e.g. HTTP_THREADS or LD_PRELOAD for what-if
// experiments), --binary PATH (the swha-tts to start; default: the one built alongside),
// --s3-delay-ms N (s3-upload and limits: N ms more per round trip to the gateway, through a
// proxy).
// Every output line that starts with "SUMMARY\t" is one row of the table bench/run.sh prints.
#include <httplib.h>
#include <spdlog/fmt/fmt.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_server.h"
#include "tests/support/server_process.h"
#include "tts/engine.h"
#include "tts/synthesizer.h"
#include "tts/voice_catalog.h"

namespace swha::bench {
namespace {

constexpr const char* kShortSentence = "Hello there, this is a short test.";
constexpr int kDefaultHttpThreads = 16;  // the server's HTTP_THREADS default (README)

// ---------------------------------------------------------------------------------------------
// The engine, in process

std::unique_ptr<tts::Engine> MakeEngine(int threads) {
  return Must(tts::CreateEngine({.threads = threads}), "espeak engine");
}

// What the Synthesizer (and so the server) uses for the default voice af_heart.
tts::VoiceSelection DefaultVoiceSelection() {
  const tts::SynthesisRequest defaults;
  const tts::Language* language = Must(tts::FindLanguage(defaults.language_code), "language");
  const tts::Voice* voice = Must(tts::FindVoice(defaults.voice), "voice");
  return {tts::EspeakVoiceName(*language, *voice)};
}

// One Synthesizer call with the defaults the HTTP endpoint applies; dies on failure.
void SynthesizeOnce(const tts::Synthesizer& synthesizer, const std::string& text) {
  tts::SynthesisRequest request;
  request.text = text;
  auto segments = synthesizer.Synthesize(request);
  if (!segments.ok()) Die("synthesizer: " + segments.status().ToString());
  if (segments->size() != 1 || segments->front().pcm.samples.size() < 500) {
    Die("synthesizer: expected one non-empty segment");
  }
}

void EngineSynthesizeOnce(tts::Engine* engine, const tts::VoiceSelection& voice,
                          const std::string& text) {
  auto pcm = engine->Synthesize(text, voice, tts::SynthesisOptions{});
  if (!pcm.ok()) Die("engine: " + pcm.status().ToString());
  if (pcm->samples.empty()) Die("engine: no samples");
}

// ---------------------------------------------------------------------------------------------
// The server, out of process, and its clients

// ---------------------------------------------------------------------------------------------
// (a) overhead

int RunOverhead(const Args& args) {
  const int n = OrDefault(args.requests, 200);
  const int rounds = OrDefault(args.rounds, 3);
  const std::string text = args.text.empty() ? kBenchSentence : args.text;
  const std::string body = GenerateBody(text);
  fmt::print(
      "== overhead: POST {} vs. the engine alone, 1 engine thread, {} sequential calls "
      "of each kind x {} rounds, interleaved call by call\n   text: \"{}\"\n",
      kGeneratePath, n, rounds, text);

  PrintLoad("at start");
  auto engine = MakeEngine(1);
  const tts::Synthesizer synthesizer(engine.get());
  const tts::VoiceSelection voice = DefaultVoiceSelection();
  RunningServer server(args, {{"ENGINE_THREADS", "1"}});
  ApiClient client(server.port());

  // The kinds of call compared. They take turns call by call (in an order that rotates), so
  // whatever else the machine does at a given moment is shared evenly among them.
  enum Kind { kEngine, kSynthesizer, kHttp, kHealth, kKinds };
  const std::array<const char*, kKinds> names = {"engine", "synthesizer", "http", "health"};
  double processing_ms = 0;  // the server's own processing_time, summed over a round
  auto call = [&](int kind) {
    switch (kind) {
      case kEngine: EngineSynthesizeOnce(engine.get(), voice, text); break;
      case kSynthesizer: SynthesizeOnce(synthesizer, text); break;
      case kHttp: processing_ms += GenerateOrDie(client, body); break;
      default:
        if (!client.Health()) Die("GET /health failed");
    }
  };

  // Warm-up: loads the voice in both engines, fills caches, opens the connection.
  for (int i = 0; i < 20; ++i) {
    for (int k = 0; k < kKinds; ++k) call(k);
  }
  std::array<std::vector<double>, kKinds> round_means;   // per kind, one mean per round
  std::array<std::vector<double>, kKinds> all_calls_ms;  // per kind, every call
  std::vector<double> round_processing_ms;
  const OtherLoadMeter others(server.pid());
  for (int r = 0; r < rounds; ++r) {
    std::array<double, kKinds> total_ms{};
    processing_ms = 0;
    const OtherLoadMeter round_others(server.pid());
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < kKinds; ++j) {
        const int k = (i + j) % kKinds;
        const auto start = SteadyClock::now();
        call(k);
        const double ms = MsSince(start);
        total_ms[k] += ms;
        all_calls_ms[k].push_back(ms);
      }
    }
    for (int k = 0; k < kKinds; ++k) round_means[k].push_back(total_ms[k] / n);
    round_processing_ms.push_back(processing_ms / n);
    fmt::print(
        "   round {}: engine {:.3f} ms, synthesizer {:.3f} ms, http {:.3f} ms (server "
        "processing_time {:.3f} ms), GET /health {:.3f} ms; other processes {:.2f} cores\n",
        r + 1, round_means[kEngine].back(), round_means[kSynthesizer].back(),
        round_means[kHttp].back(), round_processing_ms.back(), round_means[kHealth].back(),
        round_others.OtherCores());
  }
  std::array<double, kKinds> mean{};
  for (int k = 0; k < kKinds; ++k) mean[k] = Median(round_means[k]);
  const double processing = Median(round_processing_ms);
  const double ratio = mean[kHttp] / mean[kSynthesizer];
  const double ratio_engine = mean[kHttp] / mean[kEngine];
  const double ratio_p50 =
      Percentile(all_calls_ms[kHttp], 50) / Percentile(all_calls_ms[kSynthesizer], 50);
  fmt::print(
      "   mean ms/call, median of rounds: engine {:.3f}, synthesizer {:.3f}, http {:.3f} "
      "(server processing_time {:.3f}), GET /health {:.3f}\n",
      mean[kEngine], mean[kSynthesizer], mean[kHttp], processing, mean[kHealth]);
  for (int k = 0; k < kKinds; ++k) {
    fmt::print("   {:>12} per call: p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n", names[k],
               Percentile(all_calls_ms[k], 50), Percentile(all_calls_ms[k], 99),
               Percentile(all_calls_ms[k], 100));
  }
  fmt::print(
      "   http / synthesizer = {:.3f}x (target <= 1.10x; {:.3f}x on per-call medians); "
      "http / engine = {:.3f}x\n",
      ratio, ratio_p50, ratio_engine);
  fmt::print(
      "   http - synthesizer = {:.3f} ms: inside the handler (processing_time - "
      "synthesizer) {:.3f} ms, outside it (HTTP) {:.3f} ms\n",
      mean[kHttp] - mean[kSynthesizer], processing - mean[kSynthesizer], mean[kHttp] - processing);
  const double other_cores = others.OtherCores();
  fmt::print("   connections opened by the client: {}; other processes kept {:.2f} cores busy\n",
             client.connections(), other_cores);
  Summary("overhead", "engine only, mean ms/call", fmt::format("{:.2f}", mean[kEngine]));
  Summary("overhead", "synthesizer, mean ms/call (baseline)",
          fmt::format("{:.2f}", mean[kSynthesizer]));
  Summary("overhead", "HTTP generate, mean ms/call", fmt::format("{:.2f}", mean[kHttp]));
  Summary("overhead", "  of which server processing_time", fmt::format("{:.2f}", processing));
  Summary("overhead", "GET /health, mean ms/call (HTTP floor)",
          fmt::format("{:.2f}", mean[kHealth]));
  Summary("overhead", "HTTP / synthesizer", fmt::format("{:.2f}x", ratio), "<= 1.10x",
          Verdict(ratio <= 1.10));
  Summary("overhead", "HTTP / engine only (context)", fmt::format("{:.2f}x", ratio_engine));
  Summary("overhead", "other processes' load, cores", fmt::format("{:.2f}", other_cores));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// (b) throughput

int RunThroughput(const Args& args) {
  const int requests = OrDefault(args.requests, 400);
  const int rounds = OrDefault(args.rounds, 3);
  const std::string text = args.text.empty() ? kBenchSentence : args.text;
  const std::string body = GenerateBody(text);
  const std::vector<int> levels = {1, 2, 8};
  fmt::print(
      "== throughput: {} requests per level x {} rounds, default engine threads "
      "(nproc = {})\n   text: \"{}\"\n",
      requests, rounds, std::thread::hardware_concurrency(), text);

  PrintLoad("at start");
  RunningServer server(args, {});
  {  // Warm-up: every engine thread loads its voice.
    const LoadResult warm = RunLoad(server, 8, 40, body, 2);
    DieOnFailures(warm);
  }
  std::map<int, std::vector<LoadResult>> results;
  for (int r = 0; r < rounds; ++r) {
    for (int clients : levels) {
      LoadResult lr = RunLoad(server, clients, requests, body, /*warmup_per_client=*/3);
      DieOnFailures(lr);
      fmt::print(
          "   round {} clients {}: {:.1f} req/s, p50 {:.2f} ms, p99 {:.2f} ms, server CPU "
          "{:.2f} ms/req ({:.2f} cores busy), client CPU {:.2f} ms/req, other processes "
          "{:.2f} cores, connections opened {}\n",
          r + 1, clients, lr.RequestsPerSecond(), Percentile(lr.latency_ms, 50),
          Percentile(lr.latency_ms, 99), lr.server_cpu_seconds * 1000 / requests,
          lr.ServerCoresBusy(), lr.client_cpu_seconds * 1000 / requests, lr.other_cores,
          lr.connections);
      results[clients].push_back(std::move(lr));
    }
  }

  // Per level: req/s is the median over rounds; latencies are pooled over rounds.
  struct Level {
    double rps = 0;
    double p50 = 0;
    double p99 = 0;
    double server_cpu_ms = 0;  // per request
    double server_cores = 0;
    double client_cpu_ms = 0;  // per request
    double other_cores = 0;
  };
  std::map<int, Level> level;
  fmt::print("   {:>7} {:>7} {:>7} {:>7} {:>17} {:>12} {:>17} {:>12}\n", "clients", "req/s",
             "p50 ms", "p99 ms", "server CPU ms/req", "server cores", "client CPU ms/req",
             "other cores");
  for (int clients : levels) {
    std::vector<double> level_rps;
    std::vector<double> latencies;
    double server_cpu = 0;
    double client_cpu = 0;
    double other = 0;
    double wall = 0;
    for (const LoadResult& lr : results[clients]) {
      level_rps.push_back(lr.RequestsPerSecond());
      latencies.insert(latencies.end(), lr.latency_ms.begin(), lr.latency_ms.end());
      server_cpu += lr.server_cpu_seconds;
      client_cpu += lr.client_cpu_seconds;
      other += lr.other_cores * lr.wall_seconds;
      wall += lr.wall_seconds;
    }
    const double total = static_cast<double>(latencies.size());
    Level& l = level[clients];
    l.rps = Median(level_rps);
    l.p50 = Percentile(latencies, 50);
    l.p99 = Percentile(latencies, 99);
    l.server_cpu_ms = server_cpu * 1000 / total;
    l.server_cores = server_cpu / wall;
    l.client_cpu_ms = client_cpu * 1000 / total;
    l.other_cores = other / wall;
    fmt::print("   {:>7} {:>7.1f} {:>7.2f} {:>7.2f} {:>17.2f} {:>12.2f} {:>17.2f} {:>12.2f}\n",
               clients, l.rps, l.p50, l.p99, l.server_cpu_ms, l.server_cores, l.client_cpu_ms,
               l.other_cores);
  }
  const double speedup = level[2].rps / level[1].rps;
  const double speedup8 = level[8].rps / level[1].rps;
  fmt::print("   speed-up 2 clients / 1 client = {:.3f}x (target >= 1.6x); 8 / 1 = {:.3f}x\n",
             speedup, speedup8);
  for (int clients : levels) {
    const Level& l = level[clients];
    Summary("throughput", fmt::format("{} client(s): req/s", clients),
            fmt::format("{:.1f}", l.rps));
    Summary("throughput", fmt::format("{} client(s): p50 / p99 ms", clients),
            fmt::format("{:.1f} / {:.1f}", l.p50, l.p99));
    Summary("throughput", fmt::format("{} client(s): server cores busy / others", clients),
            fmt::format("{:.2f} / {:.2f}", l.server_cores, l.other_cores));
  }
  Summary("throughput", "speed-up 2 clients / 1 client", fmt::format("{:.2f}x", speedup), ">= 1.6x",
          Verdict(speedup >= 1.6));
  Summary("throughput", "speed-up 8 clients / 1 client (context)",
          fmt::format("{:.2f}x", speedup8));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// (c) memory

// Files under `dir` and their total size, for what the server leaves on disk.
std::pair<long, long> FilesAndKiB(const std::string& dir) {
  long files = 0;
  uintmax_t bytes = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      ++files;
      bytes += it->file_size(ec);
    }
  }
  return {files, static_cast<long>(bytes / 1024)};
}

int RunMemory(const Args& args) {
  const int total = OrDefault(args.requests, 5000);
  const int warmup = 200;
  const int clients = 2;
  const int step = std::max(1, total / 5);
  // Each HTTP worker thread gets a malloc arena of its own (glibc) the first time it serves a
  // request, about 430 KiB with the WAV buffers. A connection goes to whichever worker is
  // idle, so under 2 clients RSS climbs by that much each time a new connection lands on a
  // worker that never ran before, until all HTTP_THREADS have: a bounded warm-up, not a leak.
  // So after the warm-up (2 clients), HTTP_THREADS connections are held open at once so that
  // every worker has served a request before anything is measured; the RSS step that causes
  // is reported as the cost per HTTP worker.
  int http_threads = kDefaultHttpThreads;
  if (auto it = args.server_env.find("HTTP_THREADS"); it != args.server_env.end()) {
    http_threads = static_cast<int>(std::max(1LL, ParseInteger(it->second, 1)));
  }
  const std::string text = args.text.empty() ? kShortSentence : args.text;
  const std::string body = GenerateBody(text);
  fmt::print(
      "== memory: server VmRSS over {} requests by {} clients (new connections every {}), after "
      "a {}-request warm-up and then {} connections at once (so every HTTP worker thread "
      "runs); default engine threads\n   text: \"{}\"\n",
      total, clients, step, warmup, http_threads, text);

  PrintLoad("at start");
  RunningServer server(args, {});
  const pid_t pid = server.pid();
  auto sample = [&](const std::string& when) {
    const auto m = ProcessMemoryKiB(pid);
    fmt::print(
        "   {:>24}: VmRSS {:>6} KiB (RssAnon {:>6}, RssFile {:>6}), VmHWM {:>6} KiB, "
        "threads {}\n",
        when, m.at("VmRSS"), m.at("RssAnon"), m.at("RssFile"), m.at("VmHWM"), m.at("Threads"));
    return m.at("VmRSS");
  };
  sample("after start");
  DieOnFailures(RunLoad(server, clients, warmup, body, 0));
  const long rss_warm = sample(fmt::format("after warm-up ({} req)", warmup));
  DieOnFailures(RunLoad(server, http_threads, 4 * http_threads, body, 1));
  const long rss_all_workers = sample(fmt::format("after {} connections", http_threads));
  const double per_worker_kib =
      http_threads > clients
          ? static_cast<double>(rss_all_workers - rss_warm) / (http_threads - clients)
          : 0.0;

  // Requests after warm-up -> VmRSS. Each batch opens new connections, as real clients do.
  std::map<int, long> rss;
  int done = 0;
  const OtherLoadMeter others(pid);
  const auto start = SteadyClock::now();
  while (done < total) {
    const int batch = std::min(step, total - done);
    DieOnFailures(RunLoad(server, clients, batch, body, 0));
    done += batch;
    rss[done] = sample(fmt::format("after {} more", done));
  }
  const double seconds = MsSince(start) / 1000.0;
  const double other_cores = others.OtherCores();
  const int first = std::min(step, total);
  const long growth = rss[total] - rss[first];
  const double pct = 100.0 * static_cast<double>(growth) / static_cast<double>(rss[first]);
  const double bytes_per_request =
      total > first ? static_cast<double>(growth) * 1024.0 / (total - first) : 0.0;
  const auto [files, disk_kib] = FilesAndKiB(server.process().audio_dir());
  fmt::print(
      "   {} requests in {:.1f} s ({:.0f} req/s; other processes kept {:.2f} cores busy)\n"
      "   growth from {} to {} requests: {:+} KiB ({:+.2f} %), {:+.1f} bytes per request\n"
      "   on disk: {} files, {} KiB in the server's AUDIO_DIR (page cache, not RSS)\n",
      total, seconds, total / seconds, other_cores, first, total, growth, pct, bytes_per_request,
      files, disk_kib);
  Summary("memory", "VmRSS after warm-up, KiB", std::to_string(rss_warm));
  Summary("memory", fmt::format("VmRSS once all {} HTTP workers ran, KiB", http_threads),
          fmt::format("{} (~{:.0f} per worker)", rss_all_workers, per_worker_kib));
  Summary("memory", fmt::format("VmRSS after {} requests, KiB", first), std::to_string(rss[first]));
  Summary("memory", fmt::format("VmRSS after {} requests, KiB", total), std::to_string(rss[total]));
  Summary("memory", fmt::format("growth {} -> {} requests", first, total),
          fmt::format("{:+} KiB ({:+.2f} %)", growth, pct), "<= 1 % (noise)", Verdict(pct <= 1.0));
  Summary("memory", "other processes' load, cores", fmt::format("{:.2f}", other_cores));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// (d) engine-scaling

struct CallRate {
  double per_second = 0;
  double other_cores = 0;  // what other processes kept busy meanwhile
};

// `callers` threads share `calls` Synthesizer calls.
CallRate SynthesizerThroughput(const tts::Synthesizer& synthesizer, const std::string& text,
                               int callers, int calls) {
  std::atomic<int> next{0};
  std::latch go(1);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(callers));
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&] {
      go.wait();
      while (next.fetch_add(1) < calls) SynthesizeOnce(synthesizer, text);
    });
  }
  const OtherLoadMeter others;
  const auto start = SteadyClock::now();
  go.count_down();
  for (std::thread& t : threads) t.join();
  return {calls / (MsSince(start) / 1000.0), others.OtherCores()};
}

int RunEngineScaling(const Args& args) {
  const int calls = OrDefault(args.requests, 600);
  const int rounds = OrDefault(args.rounds, 5);
  const std::string text = args.text.empty() ? kBenchSentence : args.text;
  fmt::print(
      "== engine-scaling: in-process Synthesizer, engine with 2 threads, {} calls per "
      "run x {} rounds\n   text: \"{}\"\n",
      calls, rounds, text);
  PrintLoad("at start");
  auto engine = MakeEngine(2);
  const tts::Synthesizer synthesizer(engine.get());
  SynthesizerThroughput(synthesizer, text, 2, 40);  // warm-up: both instances load the voice

  std::vector<double> one;
  std::vector<double> two;
  const OtherLoadMeter others;
  for (int r = 0; r < rounds; ++r) {
    const double cpu0 = SelfCpuSeconds();
    const bool one_first = r % 2 == 0;  // alternate the order
    CallRate single;
    CallRate pair;
    if (one_first) single = SynthesizerThroughput(synthesizer, text, 1, calls);
    pair = SynthesizerThroughput(synthesizer, text, 2, calls);
    if (!one_first) single = SynthesizerThroughput(synthesizer, text, 1, calls);
    one.push_back(single.per_second);
    two.push_back(pair.per_second);
    const double cpu_ms = (SelfCpuSeconds() - cpu0) * 1000.0 / (2.0 * calls);
    fmt::print(
        "   round {}: 1 caller {:.1f} calls/s (other processes {:.2f} cores), 2 callers {:.1f} "
        "calls/s (others {:.2f} cores), ratio {:.3f}x; CPU {:.2f} ms/call\n",
        r + 1, single.per_second, single.other_cores, pair.per_second, pair.other_cores,
        pair.per_second / single.per_second, cpu_ms);
  }
  const double ratio = Median(two) / Median(one);
  const double other_cores = others.OtherCores();
  fmt::print(
      "   medians: 1 caller {:.1f} calls/s, 2 callers {:.1f} calls/s, ratio {:.3f}x "
      "(target >= 1.6x); other processes kept {:.2f} cores busy\n",
      Median(one), Median(two), ratio, other_cores);
  Summary("engine-scaling", "1 caller, calls/s", fmt::format("{:.1f}", Median(one)));
  Summary("engine-scaling", "2 callers, calls/s", fmt::format("{:.1f}", Median(two)));
  Summary("engine-scaling", "2 callers / 1 caller", fmt::format("{:.2f}x", ratio), ">= 1.6x",
          Verdict(ratio >= 1.6));
  Summary("engine-scaling", "other processes' load, cores", fmt::format("{:.2f}", other_cores));
  return 0;
}

// ---------------------------------------------------------------------------------------------

int PositiveArg(const std::string& flag, const std::string& value) {
  const long long v = ParseInteger(value, 0);
  if (v <= 0 || v > 1000000 || std::to_string(v) != value) Die(flag + " needs a positive integer");
  return static_cast<int>(v);
}

void Usage() {
  std::fprintf(
      stderr,
      "usage: swha_bench overhead|throughput|memory|engine-scaling|espeak-rand|all|presign|"
      "presign-floor|"
      "s3-upload|"
      "auth-cost|catalog-generate|session-get|batch-presign|lipsync-waits|metrics-cost|"
      "speech-stream|upstream-segments|limits|instructions-baseline "
      "[--requests N] [--rounds N] [--text TEXT] [--server-env KEY=VALUE]... [--binary PATH] "
      "[--s3-delay-ms N]\n");
}

int Main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows up when piped through tee
  // The limits benchmark's HTTP floor, started as swha-tts is: `serve --port N`.
  if (argc == 4 && std::string_view(argv[1]) == "serve" && std::string_view(argv[2]) == "--port") {
    const long long port = ParseInteger(argv[3], -1);
    if (port < 0 || port > 65535) Die("serve --port needs 0 to 65535");
    return RunHttpFloorServer(static_cast<int>(port));
  }
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--requests") {
      args.requests = PositiveArg(a, value());
    } else if (a == "--rounds") {
      args.rounds = PositiveArg(a, value());
    } else if (a == "--text") {
      args.text = value();
    } else if (a == "--s3-delay-ms") {
      args.s3_delay_ms = PositiveArg(a, value());
    } else if (a == "--binary") {
      args.binary = value();
    } else if (a == "--server-env") {
      const std::string kv = value();
      const size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) Die("--server-env needs KEY=VALUE");
      args.server_env[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else if (a == "-h" || a == "--help") {
      Usage();
      return 0;
    } else if (args.command.empty() && a[0] != '-') {
      args.command = a;
    } else {
      Usage();
      return 2;
    }
  }
  const std::map<std::string, std::function<int(const Args&)>> commands = {
      {"overhead", RunOverhead},
      {"throughput", RunThroughput},
      {"memory", RunMemory},
      {"engine-scaling", RunEngineScaling},
      {"espeak-rand", RunEspeakRandBenchmark},
      {"presign", RunPresign},
      {"presign-floor", RunPresignFloor},
      {"s3-upload", RunS3Upload},
      {"auth-cost", RunCatalogBenchmark},
      {"catalog-generate", RunCatalogBenchmark},
      {"session-get", RunCatalogBenchmark},
      {"batch-presign", RunCatalogBenchmark},
      {"lipsync-waits", RunLipsyncBenchmark},
      {"metrics-cost", RunMetricsBenchmark},
      {"speech-stream", RunSpeechStreamBenchmark},
      {"upstream-segments", RunUpstreamSegmentsBenchmark},
      {"limits", RunLimits},
      {"instructions-baseline", RunInstructionsBaseline},
  };
  auto run = [&](const std::string& name) {
    const int rc = commands.at(name)(args);
    PrintLoad("at end");
    return rc;
  };
  if (args.command == "all") {
    int rc = 0;
    for (const char* name : {"overhead", "throughput", "memory", "engine-scaling"}) rc |= run(name);
    return rc;
  }
  if (commands.count(args.command) == 0) {
    Usage();
    return 2;
  }
  return run(args.command);
}

}  // namespace
}  // namespace swha::bench

int main(int argc, char** argv) { return swha::bench::Main(argc, argv); }
