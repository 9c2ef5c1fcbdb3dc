// swha_bench limits: every hot path against its physical limit, side by side in one run
// (docs/performance.md, "Limits").
//
//   engine     the in-process Synthesizer (synthesis + phonemes of one sentence, what a
//              request costs at the least), one engine thread per core, 1 and <cores> callers
//   local      POST /api/v1/tts/generate, local storage, at 1, 2 and 8 clients, against the
//              engine at min(clients, cores) callers
//   floor      the same requests to `swha_bench serve` (http_floor.cc), cpp-httplib in front of
//              the engine and nothing else, at 1, 2 and 8 clients (context: what HTTP and the
//              load generator on the same cores cost before the service does anything; local
//              is also shown against it)
//   store      in this process, no HTTP: what a generate with local storage cannot skip, in the
//              server's order (local_store_floor.h), at 1, 2 and 8 clients, against the engine
//              (context: what that work costs before HTTP and the rest of the service)
//   put        bare signed PutObjects of the same WAV with the project's S3Client (connection
//              reuse) against the gateway, at 1, 2 and 8 clients
//   meta put   the bare PUT with the nine x-amz-meta-* headers the server sends with a segment
//              (context: what the metadata costs, gateway and client together, which is part of
//              the S3 path's gap to its limit; the payload is hashed by both, as the bare PUT
//              does)
//   serial     in this process, no HTTP and no catalog: synthesize the sentence, encode its WAV,
//              hash it and PUT it with the server's metadata, at 1, 2 and 8 clients (context:
//              what the S3 path's work costs when done in turn, as a request must, rather than
//              apart, as the combined limit adds it up; the gap between the two is the machine's,
//              not the server's)
//   s3         POST /api/v1/tts/generate with S3 storage (KEEP_LOCAL_COPY=false) at 1, 2 and 8
//              clients, against the combined limit 1 / (1/engine + 1/put): each request must
//              both synthesize and upload, and both use the same cores
//   session    POST /api/v1/tts/generate with S3 of kSessionSegments sentences (one segment each)
//              at 1 client, p50 against the synthesizer's p50 for the same text plus one PUT's:
//              what a session costs when every upload but the last overlaps the synthesis of
//              the segments after it
//   presign    S3Client::PresignGet against SHA-256 + HMAC, the crypto it cannot avoid
//
// Every phase runs once per round, in the same order, so a busy moment of the machine hits
// each of them; medians over rounds are reported. The S3 phases need the gateway's S3_*
// variables (bench/run.sh starts one); without them they are left out and the run says so.
#include <spdlog/fmt/fmt.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audio/encoder.h"
#include "bench/bench_common.h"
#include "bench/bench_server.h"
#include "bench/delay_proxy.h"
#include "bench/local_store_floor.h"
#include "storage/http_transport.h"
#include "storage/s3_audio_store.h"
#include "storage/s3_client.h"
#include "tts/engine.h"
#include "tts/synthesizer.h"
#include "util/crypto.h"

namespace swha::bench {
namespace {

constexpr std::array<int, 3> kClientLevels = {1, 2, 8};
constexpr int kLocalJudgedAt = 2;  // the targets: local at 2 clients, S3 at 8
constexpr int kS3JudgedAt = 8;
constexpr int kEngineWarmup = 5;  // unmeasured calls per thread before each phase
constexpr int kHttpWarmup = 5;
constexpr int kS3Warmup = 3;
constexpr double kPathTarget = 0.9;       // each path at >= 0.9x its limit
constexpr double kOverheadTarget = 1.10;  // HTTP generate / synthesizer at one client
constexpr double kP50SlackMs = 1.0;       // S3 p50 at 1 client within 1 ms of synthesis + PUT
constexpr int kSessionSegments = 10;      // the session phase's text, in sentences
constexpr int kSessionCallsDivisor = 10;  // it costs about as many sentences: as long a phase

// A closed loop: `threads` threads share `calls` calls of `call(thread)` (a common counter),
// after `warmup` unmeasured calls each.
struct LoopResult {
  double per_second = 0;
  std::vector<double> latency_ms;
};

LoopResult ClosedLoop(int threads, int calls, int warmup, const std::function<void(int)>& call) {
  std::atomic<int> next{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::latch warm(threads);
  std::latch go(1);
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < warmup; ++i) call(t);
      warm.count_down();
      go.wait();
      std::vector<double>& mine = latencies[static_cast<size_t>(t)];
      while (next.fetch_add(1) < calls) {
        const auto start = SteadyClock::now();
        call(t);
        mine.push_back(MsSince(start));
      }
    });
  }
  warm.wait();
  const auto start = SteadyClock::now();
  go.count_down();
  for (std::thread& t : pool) t.join();
  LoopResult out;
  out.per_second = calls / (MsSince(start) / 1000.0);
  for (auto& v : latencies) out.latency_ms.insert(out.latency_ms.end(), v.begin(), v.end());
  return out;
}

// CPU time one process spends per call of a phase, user and kernel apart.
class CpuPerCall {
 public:
  explicit CpuPerCall(pid_t pid) : pid_(pid), start_(ProcessCpuSplit(pid)) {}
  CpuSplit Per(int calls) const {
    const CpuSplit now = ProcessCpuSplit(pid_);
    return {.user = (now.user - start_.user) * 1000 / calls,
            .system = (now.system - start_.system) * 1000 / calls};
  }

 private:
  pid_t pid_;
  CpuSplit start_;
};

// Per phase and level, one rate, one p50 and one CPU time per call (ms) per round.
struct Series {
  std::vector<double> rates;
  std::vector<double> p50s;
  std::vector<double> user_ms;
  std::vector<double> system_ms;
  std::vector<double> client_ms;  // HTTP phases: the load generator's CPU per request
  void Add(double rate, const std::vector<double>& latency_ms, CpuSplit cpu) {
    rates.push_back(rate);
    p50s.push_back(Percentile(latency_ms, 50));
    user_ms.push_back(cpu.user);
    system_ms.push_back(cpu.system);
  }
  void Add(const LoadResult& load, CpuSplit server_cpu) {
    Add(load.RequestsPerSecond(), load.latency_ms, server_cpu);
    client_ms.push_back(load.client_cpu_seconds * 1000.0 / load.requests);
  }
  double Rate() const { return Median(rates); }
  double P50() const { return Median(p50s); }
  std::string Cpu() const {
    return fmt::format("{:.2f} + {:.2f}", Median(user_ms), Median(system_ms));
  }
  std::string ClientCpu() const {
    return client_ms.empty() ? "-" : fmt::format("{:.2f}", Median(client_ms));
  }
};

// The limit of a request that does one `a` and one `b` on the same cores.
double Combined(double a_per_second, double b_per_second) {
  return 1.0 / (1.0 / a_per_second + 1.0 / b_per_second);
}

bool HaveGateway() {
  const char* endpoint = std::getenv("S3_ENDPOINT_URL");
  return endpoint != nullptr && *endpoint != '\0';
}

// This benchmark's own binary: the HTTP floor runs as `<it> serve`.
std::string SelfBinary() {
  std::array<char, 4096> path{};
  const ssize_t n = readlink("/proc/self/exe", path.data(), path.size() - 1);
  if (n <= 0) Die("readlink /proc/self/exe");
  return std::string(path.data(), static_cast<size_t>(n));
}

std::string Level(int clients) {
  return fmt::format("{} client{}", clients, clients == 1 ? "" : "s");
}

}  // namespace

int RunLimits(const Args& args) {
  const int calls = OrDefault(args.requests, 600);  // per phase, level and round
  const int rounds = OrDefault(args.rounds, 3);
  const std::string text = args.text.empty() ? kBenchSentence : args.text;
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const bool with_s3 = HaveGateway();
  fmt::print(
      "== limits: each path against its limit, {} calls per phase and level x {} rounds "
      "(medians), {} cores\n   text: \"{}\"\n{}",
      calls, rounds, cores, text,
      with_s3 ? "" : "   no S3_ENDPOINT_URL: the put and s3 phases are left out\n");
  PrintLoad("at start");

  auto engine = Must(tts::CreateEngine({.threads = cores}), "espeak engine");
  const tts::Synthesizer synthesizer(engine.get());
  tts::SynthesisRequest request;
  request.text = text;
  // The object the S3 phases store: the very WAV the server makes of the sentence.
  const auto first = Must(synthesizer.Synthesize(request), "synthesizer");
  if (first.size() != 1) Die("the text must be one segment");
  const std::string wav = Must(
      audio::EncodeAudio(audio::AudioFormat::kWav, first[0].pcm.samples, first[0].pcm.sample_rate),
      "WAV");
  const std::string body = GenerateBody(text);
  // One segment per line: the default split pattern.
  std::string session_text = text;
  for (int i = 1; i < kSessionSegments; ++i) session_text += "\n" + text;
  tts::SynthesisRequest session_request;
  session_request.text = session_text;
  const std::string session_body = GenerateBody(session_text);
  const int session_calls = std::max(1, calls / kSessionCallsDivisor);
  const storage::SessionDescription described{.owner = "anonymous",
                                              .session_id = "bench-limits-session",
                                              .voice = "af_heart",
                                              .language_code = "a",
                                              .graphemes = {text}};
  const std::map<std::string, std::string> metadata =
      storage::SegmentMetadata(described, "segment_000.wav", 0, std::time(nullptr));

  LocalStoreFloor local_store;
  RunningServer local(args, {});
  Args floor_args = args;  // the floor is this very binary, started as the server is
  floor_args.binary = SelfBinary();
  RunningServer floor(floor_args, {});
  // --s3-delay-ms: every S3 line through it. Declared first, so destroyed last: the S3 server
  // still talks to S3 while it stops.
  std::unique_ptr<DelayProxy> proxy;
  std::unique_ptr<storage::HttpTransport> transport;
  std::unique_ptr<storage::S3Client> s3;
  std::unique_ptr<RunningServer> s3_server;
  if (with_s3) {
    std::map<std::string, std::string> env = S3ServerEnvOrDie();
    if (args.s3_delay_ms > 0) {
      proxy = DelayProxyOrDie(env.at("S3_ENDPOINT_URL"), args.s3_delay_ms);
      env["S3_ENDPOINT_URL"] = proxy->endpoint_url();
      fmt::print(
          "   S3 through a delaying proxy: +{} ms per round trip, for the server and for "
          "the bare PUTs alike\n",
          args.s3_delay_ms);
    }
    transport = storage::CreateCurlTransport();
    s3 = GatewayClient(transport.get(), proxy ? proxy->endpoint_url() : "");
    env["KEEP_LOCAL_COPY"] = "false";
    s3_server = std::make_unique<RunningServer>(args, env);
  }
  const std::string put_prefix = fmt::format("bench-limits/{}/", getpid());
  std::atomic<int> put_counter{0};

  // The engine at every level's callers, min(clients, cores): the limit of each level.
  std::vector<int> engine_callers;
  for (int clients : kClientLevels) {
    const int callers = std::min(clients, cores);
    if (std::ranges::find(engine_callers, callers) == engine_callers.end()) {
      engine_callers.push_back(callers);
    }
  }
  std::map<int, Series> engine_series;  // by callers
  std::map<int, Series> local_series;   // by clients
  std::map<int, Series> floor_series;
  std::map<int, Series> store_series;
  std::map<int, Series> put_series;
  std::map<int, Series> meta_put_series;
  std::map<int, Series> serial_series;
  std::map<int, Series> s3_series;
  Series session_synthesis;  // the synthesizer, the whole session's text, 1 caller
  Series session_series;     // generate S3 of that text, 1 client
  const OtherLoadMeter others(s3_server
                                  ? std::vector<pid_t>{local.pid(), floor.pid(), s3_server->pid()}
                                  : std::vector<pid_t>{local.pid(), floor.pid()});
  for (int r = 0; r < rounds; ++r) {
    for (int callers : engine_callers) {
      const CpuPerCall cpu(getpid());  // the warm-up calls are counted too, and divided by
      const LoopResult e = ClosedLoop(callers, calls, kEngineWarmup, [&](int) {
        if (!synthesizer.Synthesize(request).ok()) Die("synthesizer failed");
      });
      engine_series[callers].Add(e.per_second, e.latency_ms,
                                 cpu.Per(calls + kEngineWarmup * callers));
    }
    for (int clients : kClientLevels) {
      const CpuPerCall store_cpu(getpid());
      const LoopResult w = ClosedLoop(clients, calls, kEngineWarmup,
                                      [&](int) { local_store.Generate(synthesizer, request); });
      store_series[clients].Add(w.per_second, w.latency_ms,
                                store_cpu.Per(calls + kEngineWarmup * clients));
    }
    for (int clients : kClientLevels) {
      const CpuPerCall cpu(local.pid());
      const LoadResult l = RunLoad(local, clients, calls, body, kHttpWarmup);
      DieOnFailures(l);
      local_series[clients].Add(l, cpu.Per(calls + kHttpWarmup * clients));
      const CpuPerCall floor_cpu(floor.pid());
      const LoadResult f = RunLoad(floor, clients, calls, body, kHttpWarmup);
      DieOnFailures(f);
      // Both on the connections their warm-up opened: neither pays a reconnection.
      if (l.connections != 0 || f.connections != 0) {
        Die(fmt::format("reconnected while measured: generate {}, floor {}", l.connections,
                        f.connections));
      }
      floor_series[clients].Add(f, floor_cpu.Per(calls + kHttpWarmup * clients));
    }
    if (!with_s3) continue;
    for (int clients : kClientLevels) {
      const CpuPerCall put_cpu(getpid());
      const LoopResult p = ClosedLoop(clients, calls, kS3Warmup, [&](int) {
        const std::string key = put_prefix + std::to_string(put_counter.fetch_add(1)) + ".wav";
        if (Status s = s3->PutObject(key, wav, "audio/wav"); !s.ok()) Die("PUT: " + s.ToString());
      });
      put_series[clients].Add(p.per_second, p.latency_ms, put_cpu.Per(calls + kS3Warmup * clients));
      const CpuPerCall meta_put_cpu(getpid());
      const LoopResult m = ClosedLoop(clients, calls, kS3Warmup, [&](int) {
        const std::string key = put_prefix + std::to_string(put_counter.fetch_add(1)) + ".wav";
        if (Status s = s3->PutObject(key, wav, "audio/wav", metadata); !s.ok()) {
          Die("PUT with metadata: " + s.ToString());
        }
      });
      meta_put_series[clients].Add(m.per_second, m.latency_ms,
                                   meta_put_cpu.Per(calls + kS3Warmup * clients));
      const CpuPerCall serial_cpu(getpid());
      const LoopResult w = ClosedLoop(clients, calls, kS3Warmup, [&](int) {
        const auto made = Must(synthesizer.Synthesize(request), "synthesizer");
        const std::string audio =
            Must(audio::EncodeAudio(audio::AudioFormat::kWav, made[0].pcm.samples,
                                    made[0].pcm.sample_rate),
                 "WAV");
        const std::string sha256_hex = crypto::HexEncode(crypto::Sha256(audio));
        const std::string key = put_prefix + std::to_string(put_counter.fetch_add(1)) + ".wav";
        if (Status s = s3->PutObject(key, audio, "audio/wav", metadata, sha256_hex); !s.ok()) {
          Die("PUT after synthesis: " + s.ToString());
        }
      });
      serial_series[clients].Add(w.per_second, w.latency_ms,
                                 serial_cpu.Per(calls + kS3Warmup * clients));
      const CpuPerCall s3_cpu(s3_server->pid());
      const LoadResult g = RunLoad(*s3_server, clients, calls, body, kS3Warmup);
      DieOnFailures(g);
      s3_series[clients].Add(g, s3_cpu.Per(calls + kS3Warmup * clients));
      DeleteUnder(*s3, put_prefix);
      DeleteUnder(*s3, "audio/anonymous/");
    }
    const CpuPerCall session_synthesis_cpu(getpid());
    const LoopResult t = ClosedLoop(1, session_calls, 1, [&](int) {
      if (!synthesizer.Synthesize(session_request).ok()) Die("synthesizer failed");
    });
    session_synthesis.Add(t.per_second, t.latency_ms, session_synthesis_cpu.Per(session_calls + 1));
    const CpuPerCall session_cpu(s3_server->pid());
    const LoadResult g = RunLoad(*s3_server, 1, session_calls, session_body, 1);
    DieOnFailures(g);
    session_series.Add(g, session_cpu.Per(session_calls + 1));
    DeleteUnder(*s3, "audio/anonymous/");
    fmt::print("   round {} of {} done\n", r + 1, rounds);
  }
  const double other_cores = others.OtherCores();
  const PresignVsFloor presign = MeasurePresignVsFloor(rounds, 1.0);

  auto engine_at = [&](int clients) -> const Series& {
    return engine_series.at(std::min(clients, cores));
  };
  // A request with S3 must both synthesize and upload, on the same cores.
  auto s3_limit_at = [&](int clients) {
    return Combined(engine_at(clients).Rate(), put_series.at(clients).Rate());
  };
  // CPU: the process doing the work (the benchmark itself for engine and PUT, the server for
  // generate), user + kernel ms per call; the gateway's CPU is not in it. Client: for generate,
  // the load generator's own CPU per request (this process, user + kernel), which shares the
  // cores with the server.
  fmt::print("   {:<34} {:>9} {:>9} {:>10} {:>7} {:>15} {:>7}\n", "path", "per s", "p50 ms",
             "limit/s", "ratio", "CPU ms/call", "client");
  auto line = [&](const std::string& name, const Series& s, double limit) {
    fmt::print("   {:<34} {:>9.1f} {:>9.2f} {:>10.1f} {:>6.2f}x {:>15} {:>7}\n", name, s.Rate(),
               s.P50(), limit, s.Rate() / limit, s.Cpu(), s.ClientCpu());
  };
  for (const auto& [callers, s] : engine_series) {
    line(fmt::format("engine, {} caller(s)", callers), s, s.Rate());
    Summary("limits", fmt::format("engine, {} caller(s): calls/s, p50 ms", callers),
            fmt::format("{:.1f}, {:.2f}", s.Rate(), s.P50()));
  }
  for (int clients : kClientLevels) {
    const Series& s = local_series.at(clients);
    const double limit = engine_at(clients).Rate();
    line(fmt::format("generate local, {}", Level(clients)), s, limit);
    const double ratio = s.Rate() / limit;
    Summary("limits", fmt::format("generate local, {}: req/s / engine", Level(clients)),
            fmt::format("{:.2f}x ({:.0f} / {:.0f})", ratio, s.Rate(), limit),
            clients == kLocalJudgedAt ? fmt::format(">= {:.2f}x", kPathTarget) : "-",
            clients == kLocalJudgedAt ? Verdict(ratio >= kPathTarget) : "-");
  }
  for (int clients : kClientLevels) {  // context: HTTP alone in front of the engine
    const Series& f = floor_series.at(clients);
    const double limit = engine_at(clients).Rate();
    line(fmt::format("HTTP floor, {}", Level(clients)), f, limit);
    Summary("limits", fmt::format("HTTP floor, {}: req/s / engine", Level(clients)),
            fmt::format("{:.2f}x ({:.0f} / {:.0f})", f.Rate() / limit, f.Rate(), limit));
    Summary("limits", fmt::format("generate local, {}: req/s / HTTP floor", Level(clients)),
            fmt::format("{:.2f}x", local_series.at(clients).Rate() / f.Rate()));
  }
  for (int clients : kClientLevels) {  // context: the local path's own work, without HTTP
    const Series& w = store_series.at(clients);
    const double limit = engine_at(clients).Rate();
    line(fmt::format("synthesize, then store, {}", Level(clients)), w, limit);
    Summary("limits", fmt::format("synthesize, then store, {}: calls/s / engine", Level(clients)),
            fmt::format("{:.2f}x ({:.0f} / {:.0f})", w.Rate() / limit, w.Rate(), limit));
    Summary("limits",
            fmt::format("generate local, {}: req/s / synthesize, then store", Level(clients)),
            fmt::format("{:.2f}x", local_series.at(clients).Rate() / w.Rate()));
  }
  Summary("limits", "synthesize, then store p50 / synthesizer p50, 1 client",
          fmt::format("{:.2f}x ({:.2f} / {:.2f} ms)",
                      store_series.at(1).P50() / engine_series.at(1).P50(),
                      store_series.at(1).P50(), engine_series.at(1).P50()));
  Summary("limits", "HTTP floor p50 / synthesizer p50, 1 client",
          fmt::format("{:.2f}x ({:.2f} / {:.2f} ms)",
                      floor_series.at(1).P50() / engine_series.at(1).P50(),
                      floor_series.at(1).P50(), engine_series.at(1).P50()));
  // One client: the time of a request against the time of its synthesis alone.
  const double overhead = local_series.at(1).P50() / engine_series.at(1).P50();
  Summary("limits", "generate local p50 / synthesizer p50, 1 client",
          fmt::format("{:.2f}x ({:.2f} / {:.2f} ms)", overhead, local_series.at(1).P50(),
                      engine_series.at(1).P50()),
          fmt::format("<= {:.2f}x", kOverheadTarget), Verdict(overhead <= kOverheadTarget));
  if (with_s3) {
    for (int clients : kClientLevels) {
      const Series& p = put_series.at(clients);
      line(fmt::format("bare signed PUT, {}", Level(clients)), p, p.Rate());
      Summary("limits", fmt::format("bare signed PUT, {}: PUT/s, p50 ms", Level(clients)),
              fmt::format("{:.1f}, {:.2f}", p.Rate(), p.P50()));
    }
    for (int clients : kClientLevels) {  // context, not a limit: the bare PUT is the limit
      const Series& m = meta_put_series.at(clients);
      line(fmt::format("PUT with metadata, {}", Level(clients)), m, put_series.at(clients).Rate());
      Summary("limits", fmt::format("PUT with metadata, {}: PUT/s / bare, p50 ms", Level(clients)),
              fmt::format("{:.2f}x, {:.2f}", m.Rate() / put_series.at(clients).Rate(), m.P50()));
    }
    for (int clients : kClientLevels) {  // context: the same work in turn, without the server
      const Series& w = serial_series.at(clients);
      const double limit = s3_limit_at(clients);
      line(fmt::format("synthesize, then PUT, {}", Level(clients)), w, limit);
      Summary(
          "limits",
          fmt::format("synthesize, then PUT, {}: calls/s / combined limit, p50 ms", Level(clients)),
          fmt::format("{:.2f}x, {:.2f}", w.Rate() / limit, w.P50()));
    }
    for (int clients : kClientLevels) {
      const Series& s = s3_series.at(clients);
      const double limit = s3_limit_at(clients);
      line(fmt::format("generate S3, {}", Level(clients)), s, limit);
      const double ratio = s.Rate() / limit;
      const bool judged = clients == kS3JudgedAt;
      Summary("limits", fmt::format("generate S3, {}: req/s / combined limit", Level(clients)),
              fmt::format("{:.2f}x ({:.0f} / {:.0f})", ratio, s.Rate(), limit),
              judged ? fmt::format(">= {:.2f}x", kPathTarget) : "-",
              judged ? Verdict(ratio >= kPathTarget) : "-");
    }
    const double floor_ms = engine_series.at(1).P50() + put_series.at(1).P50();
    const double s3_p50 = s3_series.at(1).P50();
    Summary("limits", "generate S3 p50, 1 client - (synthesis + PUT p50)",
            fmt::format("{:+.2f} ms ({:.2f} vs {:.2f})", s3_p50 - floor_ms, s3_p50, floor_ms),
            fmt::format("<= {:.1f} ms", kP50SlackMs), Verdict(s3_p50 - floor_ms <= kP50SlackMs));
    const double serial_p50 = serial_series.at(1).P50();
    Summary(
        "limits", "synthesize, then PUT p50, 1 client - (synthesis + PUT p50)",
        fmt::format("{:+.2f} ms ({:.2f} vs {:.2f})", serial_p50 - floor_ms, serial_p50, floor_ms));
    Summary("limits", "generate S3 p50, 1 client - synthesize, then PUT p50",
            fmt::format("{:+.2f} ms ({:.2f} vs {:.2f})", s3_p50 - serial_p50, s3_p50, serial_p50));
  }
  if (with_s3) {
    // Context, not one of the targets: the pipelined session against its floor.
    const double floor_ms = session_synthesis.P50() + put_series.at(1).P50();
    fmt::print("   {:<34} {:>9.1f} {:>9.2f} {:>10} {:>7} {:>15}\n",
               fmt::format("synthesize {} sentences", kSessionSegments), session_synthesis.Rate(),
               session_synthesis.P50(), "-", "-", session_synthesis.Cpu());
    fmt::print("   {:<34} {:>9.1f} {:>9.2f} {:>10} {:>7} {:>15}\n",
               fmt::format("generate S3, {} sentences", kSessionSegments), session_series.Rate(),
               session_series.P50(), "-", "-", session_series.Cpu());
    Summary("limits",
            fmt::format("generate S3 of {} sentences p50, 1 client - (synthesis + one PUT p50)",
                        kSessionSegments),
            fmt::format("{:+.2f} ms ({:.2f} vs {:.2f})", session_series.P50() - floor_ms,
                        session_series.P50(), floor_ms));
  }
  ReportPresignVsFloor("limits", presign);
  Summary("limits", "other processes' load (the gateway too), cores",
          fmt::format("{:.2f}", other_cores));
  return 0;
}

}  // namespace swha::bench
