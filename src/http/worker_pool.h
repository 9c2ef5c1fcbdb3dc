// The server's threads: one per open connection, of which at most `workers` work on a request
// at any time. A connection's thread spends most of its life waiting for its client (the next
// request, a head or body arriving slowly, an answer read slowly); it takes one of the work
// slots only once a request's head is in (AcquireSlot), gives it back when the answer is
// written (ReleaseSlot), and lends it to another thread whenever it waits on something outside
// the process on the way (a BlockingRegion: the client's socket, a lipsync job). Slow clients
// thus cost a parked thread each, never a worker (slowloris), while the number of requests
// computing at once stays HTTP_THREADS. The connection cap itself is the server's
// (http/connection.h); this pool only bounds its threads.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>

namespace swha::http {

class WorkerPool : public httplib::TaskQueue {
 public:
  // `workers` slots, at most `max_threads` threads (jobs beyond them wait in a queue).
  WorkerPool(size_t workers, size_t max_threads);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `fn` on an idle thread, or a new one, or once a thread is free.
  void enqueue(std::function<void()> fn) override;
  // Runs what is queued, then waits for every thread to end. REQUIRES: nothing still blocks.
  void shutdown() override;

  // The pool whose thread calls; nullptr on any other thread.
  static WorkerPool* Current();
  // Takes a work slot for the calling thread, waiting while all are taken; nothing if it holds
  // one already. REQUIRES: called on one of this pool's threads.
  void AcquireSlot();
  // Gives the calling thread's slot back; nothing if it holds none.
  void ReleaseSlot();

  // Threads alive now, and those holding a slot (for tests and metrics).
  size_t threads() const;
  size_t working() const;

 private:
  // Starts a thread; false when the system refuses one. REQUIRES: mu_ held.
  bool StartThreadLocked();
  void Work();
  // BlockingRegion hooks: a thread that holds a slot lends it while it waits, and takes it back
  // without waiting (waiting could deadlock on whatever it holds; the excess is brief).
  static bool Lend(void* pool);
  static void TakeBack(void* pool);

  const size_t workers_;
  const size_t max_threads_;
  mutable std::mutex mu_;
  std::condition_variable work_;            // a job arrived, or shutdown
  std::condition_variable slot_free_;       // a slot was given back
  std::condition_variable ended_;           // a thread ended
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  size_t alive_ = 0;                        // guarded by mu_
  size_t idle_ = 0;                         // guarded by mu_: threads waiting for a job
  size_t working_ = 0;                      // guarded by mu_: slots taken (may pass workers_)
  bool shutdown_ = false;                   // guarded by mu_
};

}  // namespace swha::http
