#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>

#include "util/blocking.h"

namespace swha::http {
namespace {

using namespace std::chrono_literals;

bool WaitFor(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(WorkerPoolTest, WaitingJobsDoNotTakeWorkersFromOthers) {
  WorkerPool pool(2);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> waiting{0};
  constexpr int kWaiters = 50;
  for (int i = 0; i < kWaiters; ++i) {
    pool.enqueue([&] {
      BlockingRegion region;
      ++waiting;
      released.wait();
    });
  }
  ASSERT_TRUE(WaitFor([&] { return waiting == kWaiters; })) << waiting;
  EXPECT_EQ(pool.parked(), static_cast<size_t>(kWaiters));
  // Both workers are still free for work that does not wait.
  std::atomic<int> done{0};
  for (int i = 0; i < 100; ++i) pool.enqueue([&] { ++done; });
  EXPECT_TRUE(WaitFor([&] { return done == 100; }));

  release.set_value();
  // The parked threads come back and the surplus retires: two workers again.
  EXPECT_TRUE(WaitFor([&] { return pool.threads() == 2 && pool.parked() == 0; }))
      << pool.threads() << " threads, " << pool.parked() << " parked";
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPoolTest, WithoutARegionAJobHoldsItsWorker) {
  WorkerPool pool(1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> started{false};
  pool.enqueue([&] {
    started = true;
    released.wait();
  });
  ASSERT_TRUE(WaitFor([&] { return started.load(); }));
  std::atomic<bool> second{false};
  pool.enqueue([&] { second = true; });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(second.load()) << "one worker, busy: the job waits its turn";
  release.set_value();
  EXPECT_TRUE(WaitFor([&] { return second.load(); }));
}

}  // namespace
}  // namespace swha::http
