// What every swha_bench benchmark shares: its arguments, how it fails, statistics, the load
// meter and the SUMMARY rows that bench/run.sh collects. The server benchmarks live in
// swha_bench.cc, the S3 ones in s3_bench.cc.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace swha::bench {

using SteadyClock = std::chrono::steady_clock;

// The one-sentence text most benchmarks send: one segment of about 2.9 s of speech.
inline constexpr const char* kBenchSentence =
    "The quick brown fox jumps over the lazy dog near the river bank.";

struct Args {
  std::string command;
  int requests = 0;  // 0: the benchmark's default
  int rounds = 0;    // 0: the benchmark's default
  std::string text;  // empty: the benchmark's default
  // --server-env KEY=VALUE: extra environment for every server started (the benchmark's own
  // settings, such as ENGINE_THREADS=1 for overhead, take precedence).
  std::map<std::string, std::string> server_env;
  std::string binary;  // --binary: the swha-tts to start; empty = the one built alongside
  // --s3-delay-ms N (s3-upload, limits): added to every round trip to the gateway by a delaying
  // proxy (bench/delay_proxy.h).
  int s3_delay_ms = 0;
};

int OrDefault(int value, int fallback);

// The leading integer of `s` (after blanks), or `fallback` if there is none.
long long ParseInteger(std::string_view s, long long fallback);

// Ends the benchmark (from any thread): stops the servers it started, removes their data, and
// exits with status 2. Defined in bench_server.cc, which keeps track of the servers.
[[noreturn]] void Die(const std::string& what);

// `what` is a view so that a hot loop's literal costs no string (presign's loop showed it).
template <typename T>
T Must(Result<T> result, std::string_view what) {
  if (!result.ok()) Die(std::string(what) + ": " + result.status().ToString());
  return std::move(result).value();
}

double Median(std::vector<double> v);
// Nearest-rank percentile (p in 0..100).
double Percentile(std::vector<double> v, double p);
double MsSince(SteadyClock::time_point start);

// Calls `fn` in batches until at least `seconds` have passed; returns calls per second.
template <typename Fn>
double CallsPerSecond(const Fn& fn, double seconds) {
  constexpr int kBatch = 256;
  int64_t calls = 0;
  const auto start = SteadyClock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < kBatch; ++i) fn();
    calls += kBatch;
    elapsed = MsSince(start) / 1000.0;
  } while (elapsed < seconds);
  return static_cast<double>(calls) / elapsed;
}

// One row of the summary table: benchmark, metric, measured value, target, verdict.
void Summary(const std::string& bench, const std::string& metric, const std::string& value,
             const std::string& target = "-", const std::string& verdict = "-");
std::string Verdict(bool met);

// CPU time (user+system) of this process, in seconds.
double SelfCpuSeconds();
// CPU time (user+system) of another process, from /proc/<pid>/stat, in seconds; 0 if gone.
double ProcessCpuSeconds(pid_t pid);
// The same, user and system (kernel) apart. getpid() gives this process's own.
struct CpuSplit {
  double user = 0;
  double system = 0;
};
CpuSplit ProcessCpuSplit(pid_t pid);
// CPU time the whole machine spent busy (everything but idle and iowait), in seconds.
double MachineBusySeconds();

// How many cores other processes kept busy while a benchmark ran: the machine's busy time
// less this process's and the benchmark's own servers', over the wall time. Near 0 on a quiet
// machine; when it is not, the benchmark shared the cores and its numbers say so.
class OtherLoadMeter {
 public:
  explicit OtherLoadMeter(pid_t server = -1);
  explicit OtherLoadMeter(std::vector<pid_t> servers);
  void Reset();
  double OtherCores() const;
  // Cores the servers kept busy since Reset().
  double ServerCores() const;

 private:
  double ServersCpuSeconds() const;

  std::vector<pid_t> servers_;
  SteadyClock::time_point start_;
  double machine0_ = 0;
  double self0_ = 0;
  double servers0_ = 0;
};

// The 1-, 5- and 15-minute load averages: other work on the machine shows up here.
std::string LoadAverage();
void PrintLoad(const char* when);

// Selected "Key: N kB" lines of /proc/<pid>/status: VmRSS, VmHWM, RssAnon, RssFile, Threads.
std::map<std::string, long> ProcessMemoryKiB(pid_t pid);

// The S3 benchmarks (s3_bench.cc).
int RunPresign(const Args& args);
int RunS3Upload(const Args& args);
// A presigned GET URL (path style) on one thread against its floor, SHA-256 of the canonical
// request + HMAC of the string to sign (s3_bench.cc); microseconds per URL. Measured in many
// short runs (a few milliseconds each), the two in turn: on a shared machine other work only
// ever adds to a run's time, so the fastest run of each is what the calls cost themselves,
// and the target is judged on those. The medians of the runs are kept, to show the noise.
struct PresignVsFloor {
  double ours_us = 0;
  double floor_us = 0;
  double ours_median_us = 0;
  double floor_median_us = 0;
  int runs = 0;  // of each
};
PresignVsFloor MeasurePresignVsFloor(int rounds, double seconds);
inline constexpr double kPresignTarget = 1.5;  // presign / crypto floor, issue 14
// Prints `measured` and its SUMMARY row (under `bench`) against kPresignTarget.
void ReportPresignVsFloor(const std::string& bench, const PresignVsFloor& measured);
// swha_bench presign-floor: MeasurePresignVsFloor alone (--rounds, default 3), no gateway.
int RunPresignFloor(const Args& args);
// What the presign measurements sign (s3_bench.cc): a path-style S3Client with AWS's example
// credentials (nothing is sent), a key shaped like the server's, and the URL's floor.
class PresignSubject {
 public:
  PresignSubject();
  ~PresignSubject();
  PresignSubject(const PresignSubject&) = delete;
  PresignSubject& operator=(const PresignSubject&) = delete;
  // One presigned GET URL; returns its length.
  size_t Presign() const;
  // The SHA-256 and HMAC that one URL cannot do without.
  void Floor() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};
// limits_bench.cc: every hot path against its limit, in one run.
int RunLimits(const Args& args);
// http_floor.cc: `swha_bench serve --port N`, HTTP in front of the engine and nothing else
// (limits' floor line); prints "LISTENING 127.0.0.1:<port>" and serves until killed.
int RunHttpFloorServer(int port);
// instructions_bench.cc: the in-process baselines of bench/instructions.sh (under callgrind).
int RunInstructionsBaseline(const Args& args);
// The accounts-and-catalog benchmarks (catalog_bench.cc), by args.command.
int RunCatalogBenchmark(const Args& args);
// lipsync_bench.cc
int RunLipsyncBenchmark(const Args& args);
// metrics_bench.cc
int RunMetricsBenchmark(const Args& args);
// speech_bench.cc: POST /v1/audio/speech streamed, first byte vs whole, and its memory.
int RunSpeechStreamBenchmark(const Args& args);
// espeak_rand_bench.cc: libespeak-ng's rand() from the lock-free shim against glibc's.
int RunEspeakRandBenchmark(const Args& args);
// upstream_bench.cc: a 10-segment generate and a 10-sentence stream through the upstream
// engine, segments at once (ahead) vs. one at a time.
int RunUpstreamSegmentsBenchmark(const Args& args);

}  // namespace swha::bench
