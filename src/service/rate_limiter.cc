#include "service/rate_limiter.h"

#include <string>

namespace swha::service {

RequestRateLimiter::RequestRateLimiter(RateLimitConfig config, const Clock* clock)
    : config_(config) {
  if (config_.requests_per_minute <= 0) return;
  const double per_minute = config_.requests_per_minute;
  addresses_ = std::make_unique<TokenBuckets>(per_minute, per_minute / 60.0, clock);
  users_ = std::make_unique<TokenBuckets>(per_minute, per_minute / 60.0, clock);
}

Status RequestRateLimiter::Refused(int retry_after_seconds, std::string_view who) const {
  return Status::RateLimited("Rate limit exceeded: " + std::to_string(config_.requests_per_minute) +
                                 " requests per minute per " + std::string(who) + "; retry in " +
                                 std::to_string(retry_after_seconds) + " s",
                             retry_after_seconds);
}

Status RequestRateLimiter::AdmitAddress(std::string_view address) {
  if (addresses_ == nullptr) return Status::Ok();
  const int wait = addresses_->Take(address);
  return wait == 0 ? Status::Ok() : Refused(wait, "address");
}

Status RequestRateLimiter::AdmitUser(int64_t user_id) {
  if (users_ == nullptr) return Status::Ok();
  const int wait = users_->Take(std::to_string(user_id));
  return wait == 0 ? Status::Ok() : Refused(wait, "user");
}

}  // namespace swha::service
