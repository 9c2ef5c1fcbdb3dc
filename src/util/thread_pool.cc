#include "util/thread_pool.h"

#include <latch>

namespace swha {
namespace {

// Holds one of the pool's slots for a scope, so a task that throws still gives it back.
class SlotHold {
 public:
  explicit SlotHold(std::counting_semaphore<>* slots) : slots_(slots) { slots_->acquire(); }
  ~SlotHold() { slots_->release(); }
  SlotHold(const SlotHold&) = delete;
  SlotHold& operator=(const SlotHold&) = delete;

 private:
  std::counting_semaphore<>* slots_;
};

}  // namespace

ThreadPool::ThreadPool(size_t threads) : slots_(static_cast<std::ptrdiff_t>(threads)) {
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
  }
  work_ready_.notify_one();
}

void ThreadPool::RunAll(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 1) {
    const SlotHold hold(&slots_);
    fn(0);
    return;
  }
  std::latch done(static_cast<std::ptrdiff_t>(n));
  for (size_t i = 0; i < n; ++i) {
    Submit([&fn, &done, i] {
      fn(i);
      done.count_down();
    });
  }
  done.wait();
}

void ThreadPool::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    const SlotHold hold(&slots_);
    task();
  }
}

}  // namespace swha
