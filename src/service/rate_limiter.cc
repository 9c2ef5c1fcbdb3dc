#include "service/rate_limiter.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <cstring>
#include <string>

namespace swha::service {

std::string ClientAddressKey(std::string_view address) {
  if (address.find(':') == std::string_view::npos) return std::string(address);
  in6_addr parsed{};
  std::string text(address);
  if (inet_pton(AF_INET6, text.c_str(), &parsed) != 1) return text;
  std::memset(&parsed.s6_addr[8], 0, 8);  // keep the /64
  std::array<char, INET6_ADDRSTRLEN> prefix{};
  if (inet_ntop(AF_INET6, &parsed, prefix.data(), prefix.size()) == nullptr) return text;
  return std::string(prefix.data()) + "/64";
}

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
  const int wait = addresses_->Take(ClientAddressKey(address));
  return wait == 0 ? Status::Ok() : Refused(wait, "address");
}

Status RequestRateLimiter::AdmitUser(int64_t user_id) {
  if (users_ == nullptr) return Status::Ok();
  const int wait = users_->Take(std::to_string(user_id));
  return wait == 0 ? Status::Ok() : Refused(wait, "user");
}

}  // namespace swha::service
