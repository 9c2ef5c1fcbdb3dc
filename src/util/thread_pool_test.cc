#include "util/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

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

TEST(ThreadPoolTest, ALoneTaskRunsOnTheCallersThread) {
  ThreadPool pool(2);
  std::thread::id ran_on;
  pool.RunAll(1, [&](size_t) { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  std::atomic<int> on_caller{0};
  pool.RunAll(4, [&](size_t) {
    if (std::this_thread::get_id() == ran_on) on_caller.fetch_add(1);
  });
  EXPECT_EQ(on_caller.load(), 0) << "more than one task: the workers run them";
}

// Lone tasks run by callers count against the bound as the workers' tasks do.
TEST(ThreadPoolTest, CallersLoneTasksShareTheBound) {
  ThreadPool pool(2);
  std::atomic<int> running{0};
  std::atomic<int> peak{0};
  auto task = [&](size_t) {
    const int now = running.fetch_add(1) + 1;
    int seen = peak.load();
    while (now > seen && !peak.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    running.fetch_sub(1);
  };
  constexpr int kCallers = 6;
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int c = 0; c < kCallers; ++c) {
    callers.emplace_back([&, c] {
      for (int i = 0; i < 5; ++i) pool.RunAll(c % 2 == 0 ? 1 : 3, task);
    });
  }
  for (std::thread& t : callers) t.join();
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
