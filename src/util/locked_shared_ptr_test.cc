#include "util/locked_shared_ptr.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace swha {
namespace {

struct Pair {
  int first = 0;
  int second = 0;
};

TEST(LockedSharedPtrTest, HoldsWhatWasStoredLast) {
  LockedSharedPtr<const Pair> held(std::make_shared<const Pair>(Pair{1, 1}));
  EXPECT_EQ(held.Load()->first, 1);
  held.Store(std::make_shared<const Pair>(Pair{2, 2}));
  EXPECT_EQ(held.Load()->first, 2);
  held.Store(nullptr);
  EXPECT_EQ(held.Load(), nullptr);
}

// Readers and writers at once: every value read is one that was stored, whole, and still alive
// while read (the sanitizer builds check the races and the lifetimes).
TEST(LockedSharedPtrTest, ReadersSeeWholeValuesWhileWritersReplaceThem) {
  LockedSharedPtr<const Pair> held(std::make_shared<const Pair>(Pair{0, 0}));
  std::atomic<bool> done{false};
  std::atomic<int> torn{0};
  constexpr int kWriters = 2;
  constexpr int kReaders = 2;
  std::vector<std::thread> threads;
  threads.reserve(kWriters);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 1; i <= 20000; ++i) {
        const int value = i * 2 + w;
        held.Store(std::make_shared<const Pair>(Pair{value, -value}));
      }
    });
  }
  std::vector<std::thread> readers;
  readers.reserve(kReaders);
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const std::shared_ptr<const Pair> seen = held.Load();
        if (seen == nullptr || seen->first != -seen->second) torn.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  done.store(true);
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(torn.load(), 0);
  // What stays is the last value of one writer or the other (40000 or 40001), never an earlier one.
  const int last = held.Load()->first;
  EXPECT_TRUE(last == 2 * 20000 || last == 2 * 20000 + 1) << last;
}

}  // namespace
}  // namespace swha
