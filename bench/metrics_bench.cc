// The metrics benchmark: what counting costs on the request path.
//
//   swha_bench metrics-cost   ns per update from 2 threads at once: a sharded Counter::Add and
//                             Histogram::Observe vs. one shared std::atomic (the naive counter)
//                             vs. a thread-local plain increment (the floor)
#include <spdlog/fmt/fmt.h>

#include <atomic>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "metrics/registry.h"

namespace swha::bench {
namespace {

constexpr int kThreads = 2;

// Runs `update` `n` times on each of kThreads threads at once; ns per update (wall time / n).
template <typename Update>
double NsPerUpdate(int n, const Update& update) {
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> ready{0};
  const auto start = SteadyClock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      ++ready;
      while (ready.load() < kThreads) {
      }
      for (int i = 0; i < n; ++i) update();
    });
  }
  for (auto& t : threads) t.join();
  return MsSince(start) * 1e6 / n;
}

}  // namespace

int RunMetricsBenchmark(const Args& args) {
  const int n = OrDefault(args.requests, 20'000'000);
  const int rounds = OrDefault(args.rounds, 3);
  fmt::print("== metrics-cost: {} updates on each of {} threads at once, x {} rounds\n", n,
             kThreads, rounds);
  PrintLoad("at start");
  metrics::Registry registry;
  metrics::Family* family =
      registry.AddCounter("swha_bench_total", "Bench.", {"route", "method", "status"});
  metrics::Counter& counter = family->CounterFor({"/x", "POST", "200"});
  metrics::Histogram& histogram =
      registry.AddHistogram("swha_bench_seconds", "Bench.", {"route"})->HistogramFor({"/x"});
  alignas(64) std::atomic<uint64_t> shared{0};
  std::vector<double> floor, naive, sharded, observe, labelled;
  const int labelled_updates = n / 10;  // a lookup costs more; fewer keep the round short
  for (int r = 0; r < rounds; ++r) {
    floor.push_back(NsPerUpdate(n, [] {
      thread_local uint64_t local = 0;
      ++local;
      asm volatile("" : : "r"(local) : "memory");  // kept, not optimized away
    }));
    naive.push_back(NsPerUpdate(n, [&] { shared.fetch_add(1, std::memory_order_relaxed); }));
    sharded.push_back(NsPerUpdate(n, [&] { counter.Add(); }));
    observe.push_back(NsPerUpdate(n, [&] { histogram.Observe(0.004); }));
    // What the router does per request: find the child by its label values, then add.
    labelled.push_back(NsPerUpdate(labelled_updates, [&] {
      family->CounterFor({"/x", "POST", "200"}).Add();
    }));
    fmt::print(
        "   round {}: thread-local {:.2f} ns, shared atomic {:.2f} ns, Counter::Add {:.2f} ns, "
        "Histogram::Observe {:.2f} ns, label lookup + Add {:.2f} ns\n",
        r + 1, floor.back(), naive.back(), sharded.back(), observe.back(), labelled.back());
  }
  // The labelled lookups reach `counter` itself, so it saw both loops' updates.
  if (counter.Value() != 2.0 * (n + labelled_updates) * rounds) Die("the counter lost updates");
  Summary("metrics-cost", "Counter::Add, 2 threads (ns)", fmt::format("{:.2f}", Median(sharded)));
  Summary("metrics-cost", "Histogram::Observe, 2 threads (ns)",
          fmt::format("{:.2f}", Median(observe)));
  Summary("metrics-cost", "shared atomic / Counter::Add",
          fmt::format("{:.2f}x", Median(naive) / Median(sharded)));
  Summary("metrics-cost", "label lookup + Add, 2 threads (ns)",
          fmt::format("{:.2f}", Median(labelled)));
  // A generate request: the router's lookup + add and a histogram lookup + observe, and about
  // 8 more updates by generation, storage and catalog.
  const double per_request_ns = 2 * Median(labelled) + Median(observe) + 8 * Median(sharded);
  Summary("metrics-cost", "one generate's updates / its 4.4 ms",
          fmt::format("{:.4f} % ({:.0f} ns)", per_request_ns / 4.4e6 * 100, per_request_ns),
          "< 0.1 %", Verdict(per_request_ns / 4.4e6 < 0.001));
  return 0;
}

}  // namespace swha::bench
