#include "http/worker_pool.h"

#include <system_error>
#include <thread>

#include "util/blocking.h"

namespace swha::http {

WorkerPool::WorkerPool(size_t workers) : workers_(workers == 0 ? 1 : workers) {
  std::lock_guard<std::mutex> lock(mu_);
  // A thread that cannot be made (ulimit) leaves the pool smaller, not broken.
  for (size_t i = 0; i < workers_; ++i) (void)StartThreadLocked();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(fn));
  }
  work_.notify_one();
}

void WorkerPool::shutdown() {
  std::unique_lock<std::mutex> lock(mu_);
  shutdown_ = true;
  work_.notify_all();
  ended_.wait(lock, [this] { return alive_ == 0; });
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alive_;
}

size_t WorkerPool::parked() const {
  std::lock_guard<std::mutex> lock(mu_);
  return parked_;
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
  return true;
}

void WorkerPool::Work() {
  BlockingRegion::SetThreadHooks({&WorkerPool::Enter, &WorkerPool::Leave, this});
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    // More threads working than wanted (a parked one came back): this one retires.
    const auto surplus = [this] { return alive_ - parked_ > workers_; };
    work_.wait(lock, [&] { return shutdown_ || !jobs_.empty() || surplus(); });
    if (surplus() || (shutdown_ && jobs_.empty())) break;
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
  --alive_;
  BlockingRegion::SetThreadHooks({});
  ended_.notify_all();
}

bool WorkerPool::Enter(void* arg) {
  auto* pool = static_cast<WorkerPool*>(arg);
  std::lock_guard<std::mutex> lock(pool->mu_);
  if (pool->parked_ >= kMaxParkedWorkers || pool->shutdown_) return false;
  // Without a stand-in thread the wait holds its worker, as it would in any fixed pool.
  if (!pool->StartThreadLocked()) return false;
  ++pool->parked_;
  return true;
}

void WorkerPool::Leave(void* arg) {
  auto* pool = static_cast<WorkerPool*>(arg);
  {
    std::lock_guard<std::mutex> lock(pool->mu_);
    --pool->parked_;
  }
  // One thread too many is now working: an idle one retires (or this one, after its job).
  pool->work_.notify_all();
}

}  // namespace swha::http
