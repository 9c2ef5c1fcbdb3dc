// A background thread that runs one round of work, waits an interval, and runs the next, until
// asked to stop: the shape shared by the reconcilers (the upload outbox, session removals).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace swha {

// Thread-safe.
class PeriodicThread {
 public:
  // `round` runs on the thread, first at once, then `interval_ms` after each round ends.
  PeriodicThread(int64_t interval_ms, std::function<void()> round)
      : interval_ms_(interval_ms), round_(std::move(round)) {}
  // Stops, and waits for the round in progress.
  ~PeriodicThread();
  PeriodicThread(const PeriodicThread&) = delete;
  PeriodicThread& operator=(const PeriodicThread&) = delete;

  // Starts the thread (once; later calls do nothing).
  void Start();
  // Asks the thread to end after the round in progress, without waiting: a shutdown's drain
  // must not wait behind a round. A round may look at stopping() to end early.
  void Stop();
  bool stopping() const;

 private:
  void Loop();

  const int64_t interval_ms_;
  const std::function<void()> round_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace swha
