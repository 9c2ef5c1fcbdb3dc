#include "http/worker_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// In each test the pool is declared after everything its jobs use, so that its destructor
// (which waits for the jobs) runs first; and waits are EXPECTs, so that a failure still reaches
// the release that lets the jobs end.
TEST(WorkerPoolTest, SlotsBoundTheJobsWorkingAtOnce) {
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  std::atomic<int> started{0};
  std::atomic<int> done{0};
  WorkerPool pool(2, 64);
  constexpr int kJobs = 12;
  for (int i = 0; i < kJobs; ++i) {
    pool.enqueue([&] {
      WorkerPool::Current()->AcquireSlot();
      const int at_once = ++now;
      ++started;
      int seen = most.load();
      while (at_once > seen && !most.compare_exchange_weak(seen, at_once)) {
      }
      // Each holds its slot until a second job works beside it (or none is left to come), so
      // that the two slots are known to be used at once, and then a little longer.
      (void)WaitFor([&] { return now.load() >= 2 || started.load() == kJobs; });
      std::this_thread::sleep_for(5ms);
      --now;
      WorkerPool::Current()->ReleaseSlot();
      ++done;
    });
  }
  ASSERT_TRUE(WaitFor([&] { return done == kJobs; })) << done;
  EXPECT_EQ(most.load(), 2);
  EXPECT_EQ(pool.working(), 0u);
}

TEST(WorkerPoolTest, JobsWaitingWithoutASlotTakeNoWorkFromOthers) {
  // 50 connections waiting for their clients hold threads, not slots: the one slot still serves.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> waiting{0};
  std::atomic<int> done{0};
  WorkerPool pool(1, 100);
  constexpr int kWaiters = 50;
  for (int i = 0; i < kWaiters; ++i) {
    pool.enqueue([&] {
      ++waiting;
      released.wait();
    });
  }
  EXPECT_TRUE(WaitFor([&] { return waiting == kWaiters; })) << waiting;
  for (int i = 0; i < 20; ++i) {
    pool.enqueue([&] {
      WorkerPool::Current()->AcquireSlot();
      ++done;
    });
  }
  EXPECT_TRUE(WaitFor([&] { return done == 20; })) << done;
  release.set_value();
  // Threads beyond one idle per slot retire once their jobs end.
  EXPECT_TRUE(WaitFor([&] { return pool.threads() <= 1; })) << pool.threads();
  pool.shutdown();
  EXPECT_EQ(pool.threads(), 0u);
}

TEST(WorkerPoolTest, AWaitInABlockingRegionLendsTheSlot) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> parked{false};
  std::atomic<bool> after{false};
  std::atomic<bool> other{false};
  WorkerPool pool(1, 8);
  pool.enqueue([&] {
    WorkerPool::Current()->AcquireSlot();
    {
      BlockingRegion region;
      parked = true;
      released.wait();
    }
    after = true;
    WorkerPool::Current()->ReleaseSlot();
  });
  EXPECT_TRUE(WaitFor([&] { return parked.load(); }));
  pool.enqueue([&] {
    WorkerPool::Current()->AcquireSlot();
    other = true;
  });
  EXPECT_TRUE(WaitFor([&] { return other.load(); })) << "the waiting job lent its slot";
  release.set_value();
  EXPECT_TRUE(WaitFor([&] { return after.load(); }));
  EXPECT_TRUE(WaitFor([&] { return pool.working() == 0; })) << pool.working();
}

TEST(WorkerPoolTest, WithoutARegionASlotIsHeld) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> started{false};
  std::atomic<bool> second{false};
  WorkerPool pool(1, 8);
  pool.enqueue([&] {
    WorkerPool::Current()->AcquireSlot();
    started = true;
    released.wait();
  });
  EXPECT_TRUE(WaitFor([&] { return started.load(); }));
  pool.enqueue([&] {
    WorkerPool::Current()->AcquireSlot();
    second = true;
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(second.load()) << "one slot, taken: the job waits its turn";
  release.set_value();
  EXPECT_TRUE(WaitFor([&] { return second.load(); }));
}

TEST(WorkerPoolTest, JobsBeyondTheThreadCapWaitInTheQueue) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0};
  WorkerPool pool(1, 3);
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      ++started;
      released.wait();
    });
  }
  EXPECT_TRUE(WaitFor([&] { return started == 3; }));
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(started.load(), 3);
  EXPECT_EQ(pool.threads(), 3u);
  release.set_value();
  EXPECT_TRUE(WaitFor([&] { return started == 5; })) << started;
  EXPECT_EQ(WorkerPool::Current(), nullptr) << "not a pool thread";
}

}  // namespace
}  // namespace swha::http
