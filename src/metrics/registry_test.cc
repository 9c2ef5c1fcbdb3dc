#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <thread>

namespace swha::metrics {
namespace {

TEST(RegistryTest, RendersCountersHistogramsAndGaugesInTheTextFormat) {
  Registry r;
  Family* requests = r.AddCounter("swha_test_requests_total", "Requests.", {"route", "status"});
  requests->CounterFor({"/a", "200"}).Add();
  requests->CounterFor({"/a", "200"}).Add();
  requests->CounterFor({"/b \"x\"\\\n", "404"}).Add();
  Family* plain = r.AddCounter("swha_test_seconds_total", "Seconds.", {}, 1e-9);
  plain->CounterFor({}).Add(0.25);
  plain->CounterFor({}).Add(0.5);
  Family* latency = r.AddHistogram("swha_test_duration_seconds", "Latency.", {"route"}, {0.1, 1});
  latency->HistogramFor({"/a"}).Observe(0.05);
  latency->HistogramFor({"/a"}).Observe(0.1);  // on a bound: counted in it (le)
  latency->HistogramFor({"/a"}).Observe(3);
  r.AddGauge("swha_test_up", "Up.", [] { return 1.0; });
  EXPECT_EQ(r.Render(),
            "# HELP swha_test_requests_total Requests.\n"
            "# TYPE swha_test_requests_total counter\n"
            "swha_test_requests_total{route=\"/a\",status=\"200\"} 2\n"
            "swha_test_requests_total{route=\"/b \\\"x\\\"\\\\\\n\",status=\"404\"} 1\n"
            "# HELP swha_test_seconds_total Seconds.\n"
            "# TYPE swha_test_seconds_total counter\n"
            "swha_test_seconds_total 0.75\n"
            "# HELP swha_test_duration_seconds Latency.\n"
            "# TYPE swha_test_duration_seconds histogram\n"
            "swha_test_duration_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "swha_test_duration_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"
            "swha_test_duration_seconds_bucket{route=\"/a\",le=\"+Inf\"} 3\n"
            "swha_test_duration_seconds_sum{route=\"/a\"} 3.15\n"
            "swha_test_duration_seconds_count{route=\"/a\"} 3\n"
            "# HELP swha_test_up Up.\n"
            "# TYPE swha_test_up gauge\n"
            "swha_test_up 1\n");
}

TEST(RegistryTest, ConcurrentUpdatesAreNeverLost) {
  Registry r;
  Counter& c = r.AddCounter("swha_test_total", "T.", {"k"})->CounterFor({"v"});
  Histogram& h = r.AddHistogram("swha_test_seconds", "T.", {}, {0.5})->HistogramFor({});
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        c.Add();
        h.Observe(i % 2 == 0 ? 0.25 : 1.0);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value(), kThreads * kEach);
  const Histogram::Snapshot snap = h.Read();
  EXPECT_EQ(snap.count, static_cast<uint64_t>(kThreads * kEach));
  EXPECT_EQ(snap.cumulative[0], static_cast<uint64_t>(kThreads * kEach / 2));
  EXPECT_DOUBLE_EQ(snap.sum, kThreads * kEach * 0.5 * 1.25);
}

TEST(RegistryTest, CountersOnlyGoUp) {
  Counter c;
  c.Add(2);
  c.Add(-1);
  c.Add(0);
  EXPECT_EQ(c.Value(), 2);
}

}  // namespace
}  // namespace swha::metrics
