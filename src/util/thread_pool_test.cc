#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

namespace swha {
namespace {

TEST(ThreadPoolTest, RunAllRunsEachIndexOnceAndWaits) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(50);
  pool.RunAll(hits.size(), [&](size_t i) { hits[i].fetch_add(1); });
  for (size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].load(), 1) << i;
  pool.RunAll(0, [](size_t) { ADD_FAILURE() << "no index to run"; });
}

TEST(ThreadPoolTest, NeverRunsMoreThanItsSizeAtOnce) {
  ThreadPool pool(2);
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  pool.RunAll(12, [&](size_t) {
    const int now = running.fetch_add(1) + 1;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    running.fetch_sub(1);
  });
  EXPECT_EQ(peak.load(), 2);
}

TEST(ThreadPoolTest, DestructorRunsWhatWasSubmitted) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(1);
    for (int i = 0; i < 20; ++i) pool.Submit([&ran] { ran.fetch_add(1); });
  }
  EXPECT_EQ(ran.load(), 20);
}

}  // namespace
}  // namespace swha
