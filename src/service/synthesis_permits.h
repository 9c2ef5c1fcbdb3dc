// At most MAX_SYNTHESES_PER_USER syntheses at once per caller: per user, and for anonymous
// callers per client address. One caller's batch then cannot take every worker from the others;
// one more is refused at once (RateLimited, retry after a second: 429) rather than queued.
// The operator's CLI is never limited. Knows no HTTP.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "service/session.h"
#include "util/status.h"

namespace swha::service {

// Thread-safe.
class SynthesisPermits {
 public:
  explicit SynthesisPermits(int per_caller) : per_caller_(per_caller) {}  // 0: no limit

  // Held while a synthesis runs; the place is given back when the last copy is gone.
  class Permit {
   public:
    Permit(SynthesisPermits* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    ~Permit();
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;

   private:
    SynthesisPermits* owner_;  // nullptr: nothing to give back
    std::string key_;
  };

  // A permit for `principal`; RateLimited when it already runs per_caller syntheses.
  Result<std::shared_ptr<Permit>> Acquire(const Principal& principal);
  // Syntheses `principal` runs now (for tests).
  int Running(const Principal& principal) const;

 private:
  static std::string KeyOf(const Principal& principal);
  void Release(const std::string& key);

  const int per_caller_;
  mutable std::mutex mu_;
  std::map<std::string, int> running_;  // guarded by mu_; only keys running something
};

}  // namespace swha::service
