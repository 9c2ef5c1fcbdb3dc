#include "util/periodic_thread.h"

#include <chrono>

namespace swha {

PeriodicThread::~PeriodicThread() {
  Stop();
  if (thread_.joinable()) thread_.join();
}

void PeriodicThread::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicThread::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool PeriodicThread::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

void PeriodicThread::Loop() {
  while (true) {
    round_();
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_),
                       [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace swha
