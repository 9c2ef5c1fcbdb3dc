#include "service/synthesis_permits.h"

#include "service/rate_limiter.h"

namespace swha::service {

SynthesisPermits::Permit::~Permit() {
  if (owner_ != nullptr) owner_->Release(key_);
}

std::string SynthesisPermits::KeyOf(const Principal& principal) {
  if (principal.user_id) return "user:" + std::to_string(*principal.user_id);
  return "address:" + ClientAddressKey(principal.address);
}

Result<std::shared_ptr<SynthesisPermits::Permit>> SynthesisPermits::Acquire(
    const Principal& principal) {
  // The operator at the command line has no address and no account: never limited.
  if (per_caller_ <= 0 || (principal.is_superuser && !principal.user_id)) {
    return std::make_shared<Permit>(nullptr, "");
  }
  std::string key = KeyOf(principal);
  {
    std::lock_guard<std::mutex> lock(mu_);
    int& running = running_[key];
    if (running >= per_caller_) {
      return Status::RateLimited("Too many syntheses at once: " + std::to_string(per_caller_) +
                                     " per " + (principal.user_id ? "user" : "address") +
                                     "; retry when one has finished",
                                 1);
    }
    ++running;
  }
  return std::make_shared<Permit>(this, std::move(key));
}

int SynthesisPermits::Running(const Principal& principal) const {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = running_.find(KeyOf(principal));
  return it == running_.end() ? 0 : it->second;
}

void SynthesisPermits::Release(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto it = running_.find(key);
  if (it != running_.end() && --it->second <= 0) running_.erase(it);
}

}  // namespace swha::service
