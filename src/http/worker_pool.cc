#include "http/worker_pool.h"

#include <algorithm>
#include <system_error>
#include <thread>

#include "util/blocking.h"

namespace swha::http {
namespace {

thread_local WorkerPool* current_pool = nullptr;
thread_local bool holds_slot = false;

}  // namespace

WorkerPool::WorkerPool(size_t workers, size_t max_threads)
    : workers_(std::max<size_t>(1, workers)), max_threads_(std::max(workers_, max_threads)) {}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  std::unique_lock<std::mutex> lock(mu_);
  jobs_.push_back(std::move(fn));
  // Every queued job has an idle thread on its way unless there are more jobs than idle
  // threads; then one more is started, up to max_threads_ (a refused thread leaves the job
  // queued for the next thread that finishes).
  if (jobs_.size() > idle_ && alive_ < max_threads_ && StartThreadLocked()) return;
  lock.unlock();
  work_.notify_one();
}

void WorkerPool::shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutdown_ = true;
  work_.notify_all();
  ended_.wait(lock, [this] { return alive_ == 0; });
}

WorkerPool* WorkerPool::Current() { return current_pool; }

void WorkerPool::AcquireSlot() {
  if (holds_slot) return;
  std::unique_lock<std::mutex> lock(mu_);
  slot_free_.wait(lock, [this] { return working_ < workers_; });
  ++working_;
  holds_slot = true;
}

void WorkerPool::ReleaseSlot() {
  if (!holds_slot) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --working_;
    holds_slot = false;
  }
  slot_free_.notify_one();
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alive_;
}

size_t WorkerPool::working() const {
  std::lock_guard<std::mutex> lock(mu_);
  return working_;
}

bool WorkerPool::StartThreadLocked() {
  // Detached: a thread that retires ends on its own; shutdown() waits for alive_ to reach 0.
  // The new thread cannot run before mu_ is released, so counting it afterwards is safe.
  try {
    std::thread([this] { Work(); }).detach();
  } catch (const std::system_error&) {
    return false;
  }
  ++alive_;
  ++idle_;  // until it takes its first job
  return true;
}

void WorkerPool::Work() {
  current_pool = this;
  BlockingRegion::SetThreadHooks({&WorkerPool::Lend, &WorkerPool::TakeBack, this});
  std::unique_lock<std::mutex> lock(mu_);
  // Idle, this thread is counted in idle_ (StartThreadLocked counted it first).
  while (true) {
    // More idle threads than slots wait for connections: the surplus retires.
    work_.wait(lock, [this] { return shutdown_ || !jobs_.empty() || idle_ > workers_; });
    if (jobs_.empty()) {
      if (shutdown_ || idle_ > workers_) break;
      continue;
    }
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    --idle_;
    lock.unlock();
    job();
    ReleaseSlot();  // a job that forgot its slot must not keep it from the others
    job = nullptr;  // its captures go before the thread may idle for long
    lock.lock();
    ++idle_;
  }
  --idle_;
  --alive_;
  BlockingRegion::SetThreadHooks({});
  current_pool = nullptr;
  ended_.notify_all();
}

bool WorkerPool::Lend(void* arg) {
  if (!holds_slot) return false;
  static_cast<WorkerPool*>(arg)->ReleaseSlot();
  return true;
}

void WorkerPool::TakeBack(void* arg) {
  auto* pool = static_cast<WorkerPool*>(arg);
  std::lock_guard<std::mutex> lock(pool->mu_);
  ++pool->working_;
  holds_slot = true;
}

}  // namespace swha::http
