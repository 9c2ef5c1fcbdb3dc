#include "util/token_buckets.h"

#include <gtest/gtest.h>

#include <string>

namespace swha {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;

TEST(TokenBucketsTest, ABurstOfCapacityThenOneTokenPerRefillInterval) {
  ManualClock clock(kStart);
  TokenBuckets buckets(3, 1.0 / 20, &clock);  // 3 a minute, refilled one per 20 s
  EXPECT_EQ(buckets.Take("alice"), 0);
  EXPECT_EQ(buckets.Take("alice"), 0);
  EXPECT_EQ(buckets.Take("alice"), 0);
  EXPECT_EQ(buckets.Take("alice"), 20) << "empty: the next token is 20 s away";
  EXPECT_EQ(buckets.Take("bob"), 0) << "each key has its own bucket";
  clock.SetUnixMillis(kStart + 15'000);
  EXPECT_EQ(buckets.SecondsUntilToken("alice"), 5);
  EXPECT_EQ(buckets.Take("alice"), 5) << "a refused take takes nothing";
  clock.SetUnixMillis(kStart + 20'000);
  EXPECT_EQ(buckets.Take("alice"), 0);
  EXPECT_EQ(buckets.Take("alice"), 20);
  // Refilling stops at capacity, however long the key was quiet.
  clock.SetUnixMillis(kStart + 3'600'000);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(buckets.Take("alice"), 0) << i;
  EXPECT_GT(buckets.Take("alice"), 0);
}

TEST(TokenBucketsTest, AGivenBackTokenCanBeTakenAgain) {
  ManualClock clock(kStart);
  TokenBuckets buckets(1, 1.0 / 60, &clock);
  EXPECT_EQ(buckets.Take("k"), 0);
  EXPECT_EQ(buckets.Take("k"), 60);
  buckets.GiveBack("k");
  EXPECT_EQ(buckets.Take("k"), 0);
  buckets.GiveBack("k");
  buckets.GiveBack("k");  // never past capacity
  EXPECT_EQ(buckets.Take("k"), 0);
  EXPECT_EQ(buckets.Take("k"), 60);
}

TEST(TokenBucketsTest, AClockSetBackDoesNotDrainOrRefill) {
  ManualClock clock(kStart);
  TokenBuckets buckets(1, 1.0, &clock);
  EXPECT_EQ(buckets.Take("k"), 0);
  clock.SetUnixMillis(kStart - 60'000);
  EXPECT_EQ(buckets.Take("k"), 1);
  clock.SetUnixMillis(kStart - 59'000);
  EXPECT_EQ(buckets.Take("k"), 0);
}

TEST(TokenBucketsTest, MemoryStaysBoundedUnderAFloodOfKeys) {
  ManualClock clock(kStart);
  TokenBuckets buckets(2, 1.0, &clock);
  for (int i = 0; i < 200'000; ++i) EXPECT_EQ(buckets.Take("k" + std::to_string(i)), 0);
  EXPECT_LE(buckets.tracked_keys(), 16 * kMaxTrackedKeysPerShard);
  // The key used last is kept through a flood of others: its bucket is not reset.
  clock.SetUnixMillis(kStart + 1);
  EXPECT_EQ(buckets.Take("victim"), 0);
  EXPECT_EQ(buckets.Take("victim"), 0);
  clock.SetUnixMillis(kStart + 2);
  for (int i = 0; i < 5'000; ++i) EXPECT_EQ(buckets.Take("more" + std::to_string(i)), 0);
  EXPECT_GT(buckets.Take("victim"), 0) << "the victim's empty bucket survived the flood";
  // Full buckets are the first forgotten: with time, the flood's keys all refill and go.
  clock.SetUnixMillis(kStart + 10'000);
  for (int i = 0; i < 20'000; ++i) EXPECT_EQ(buckets.Take("later" + std::to_string(i)), 0);
  EXPECT_LE(buckets.tracked_keys(), 16 * kMaxTrackedKeysPerShard);
}

}  // namespace
}  // namespace swha
