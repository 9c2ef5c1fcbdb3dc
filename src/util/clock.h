// Time as a side effect: production code asks a Clock, tests inject a fixed or advancing one.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace swha {

inline constexpr int64_t kSecondsPerDay = 86400;

// ISO 8601 in UTC, whole seconds: "2026-11-24T05:02:33Z". For years 1970..9999.
std::string FormatIso8601Utc(int64_t unix_seconds);

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, milliseconds since the Unix epoch (UTC).
  virtual int64_t NowUnixMillis() const = 0;
  int64_t NowUnixSeconds() const { return NowUnixMillis() / 1000; }
  // NowUnixSeconds, allowed to lag by up to the kernel's tick (4 ms on Debian's kernels): for
  // hot paths that stamp whole seconds, such as presigned URLs, where reading the exact time
  // costs more than the rest of the call's bookkeeping.
  virtual int64_t NowUnixSecondsCoarse() const { return NowUnixSeconds(); }
  // The process-wide real clock. Thread-safe; never destroyed.
  static Clock* Real();
};

// A clock that reads whatever the test sets. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t unix_millis) : now_ms_(unix_millis) {}
  int64_t NowUnixMillis() const override { return now_ms_.load(); }
  void SetUnixMillis(int64_t ms) { now_ms_.store(ms); }
  void AdvanceSeconds(int64_t s) { now_ms_.fetch_add(s * 1000); }

 private:
  std::atomic<int64_t> now_ms_;
};

// Monotonic stopwatch for durations (processing_time, request logs).
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double ElapsedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace swha
