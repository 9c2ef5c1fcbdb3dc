// A shared_ptr that threads read and replace concurrently, under a mutex.
//
// Not std::atomic<std::shared_ptr<T>>: libstdc++ 12's load() releases its internal lock bit with
// a relaxed store, so a load on one thread followed by a store on another is a data race by the
// memory model, and ThreadSanitizer reports it (RefreshingCredentialsTest, 2026-12-05). The
// values held here change rarely (new credentials, a new signer), and a reader that needs the
// value on every call keeps its own copy or compares an address first, so the mutex is not on a
// hot path.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

namespace swha {

// Thread-safe.
template <typename T>
class LockedSharedPtr {
 public:
  LockedSharedPtr() = default;
  explicit LockedSharedPtr(std::shared_ptr<T> value) : value_(std::move(value)) {}
  LockedSharedPtr(const LockedSharedPtr&) = delete;
  LockedSharedPtr& operator=(const LockedSharedPtr&) = delete;

  std::shared_ptr<T> Load() const {
    std::lock_guard<std::mutex> lock(mu_);
    return value_;
  }

  void Store(std::shared_ptr<T> value) {
    std::shared_ptr<T> replaced;  // freed after the lock is let go: its destructor may be long
    std::lock_guard<std::mutex> lock(mu_);
    replaced = std::exchange(value_, std::move(value));
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> value_;  // GUARDED_BY(mu_)
};

}  // namespace swha
