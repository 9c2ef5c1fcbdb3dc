#include "util/clock.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace swha {
namespace {

class RealClock : public Clock {
 public:
  int64_t NowUnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t NowUnixSecondsCoarse() const override {
    // 5 ns on the development VM, against 24 for system_clock::now (docs/decisions.md).
    timespec now{};
    if (clock_gettime(CLOCK_REALTIME_COARSE, &now) != 0) return NowUnixSeconds();
    return now.tv_sec;
  }
};

}  // namespace

Clock* Clock::Real() {
  static RealClock* clock = new RealClock();  // intentionally leaked: usable during shutdown
  return clock;
}

std::string FormatIso8601Utc(int64_t unix_seconds) {
  const std::chrono::sys_seconds time{std::chrono::seconds{unix_seconds}};
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{time - day};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace swha
