#include "util/clock.h"

#include <gtest/gtest.h>

namespace swha {
namespace {

// The coarse read may lag the exact one by the kernel's tick, never by a second, and never runs
// ahead of it.
TEST(ClockTest, TheCoarseSecondIsTheExactOneOrTheOneBefore) {
  const Clock& clock = *Clock::Real();
  for (int i = 0; i < 100000; ++i) {
    const int64_t before = clock.NowUnixSeconds();
    const int64_t coarse = clock.NowUnixSecondsCoarse();
    const int64_t after = clock.NowUnixSeconds();
    ASSERT_GE(coarse, before - 1) << "read " << i;
    ASSERT_LE(coarse, after) << "read " << i;
  }
}

TEST(ClockTest, AManualClockIsExactCoarseOrNot) {
  ManualClock clock(1795496553999);
  EXPECT_EQ(clock.NowUnixSeconds(), 1795496553);
  EXPECT_EQ(clock.NowUnixSecondsCoarse(), 1795496553);
  clock.AdvanceSeconds(1);
  EXPECT_EQ(clock.NowUnixSecondsCoarse(), 1795496554);
}

}  // namespace
}  // namespace swha
