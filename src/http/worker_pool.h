// The server's worker threads: a fixed number working at any time, however many are waiting.
// A handler that waits for something outside the process (a lipsync job) does so inside a
// BlockingRegion; the pool then starts another thread, so `workers` threads stay free for
// other requests, and retires one when the wait ends (Java's ManagedBlocker, Go's hand-off of
// a blocked thread's work). Requests that wait thus cost a parked thread each, never a worker.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace swha::http {

// Threads that may be parked in BlockingRegions at once; beyond it waits hold workers.
inline constexpr size_t kMaxParkedWorkers = 1024;

class WorkerPool : public httplib::TaskQueue {
 public:
  explicit WorkerPool(size_t workers);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then waits for every thread to end. REQUIRES: nothing still blocks.
  void shutdown() override;

  // Threads alive now, and of them those parked in a BlockingRegion (for tests).
  size_t threads() const;
  size_t parked() const;

 private:
  // Starts a worker thread; false when the system refuses one. REQUIRES: mu_ held.
  bool StartThreadLocked();
  void Work();
  static bool Enter(void* pool);
  static void Leave(void* pool);

  const size_t workers_;
  mutable std::mutex mu_;
  std::condition_variable work_;            // a job arrived, a thread should retire, or shutdown
  std::condition_variable ended_;           // a thread ended
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  size_t alive_ = 0;                        // guarded by mu_
  size_t parked_ = 0;                       // guarded by mu_
  bool shutdown_ = false;                   // guarded by mu_
};

}  // namespace swha::http
