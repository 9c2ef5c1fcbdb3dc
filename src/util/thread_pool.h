// A fixed set of worker threads taking submitted tasks in order of submission. It bounds how
// much of one kind of work (S3 uploads) runs at once across the whole process: at most size()
// tasks run at any moment, on its workers or (RunAll's lone task) on a caller's thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <semaphore>
#include <thread>
#include <vector>

namespace swha {

class ThreadPool {
 public:
  // REQUIRES: threads >= 1.
  explicit ThreadPool(size_t threads);
  // Runs every task already submitted, then joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Thread-safe. The task must not throw.
  void Submit(std::function<void()> task);

  // Runs fn(0) .. fn(n-1) and returns when all have finished: on the pool, except that a lone
  // task runs on the calling thread, which would only wait for it otherwise (handing it to a
  // worker and back costs two thread wake-ups). Thread-safe; must not be called from one of
  // this pool's own tasks, nor from a lone task it runs (either would wait for itself). Slots
  // are not handed out in order: a caller's lone task may run before queued ones.
  void RunAll(size_t n, const std::function<void(size_t)>& fn);

  size_t size() const { return workers_.size(); }

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  // One per worker: taken by whoever runs a task, worker or RunAll's caller.
  std::counting_semaphore<> slots_;
};

}  // namespace swha
