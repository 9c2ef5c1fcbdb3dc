// Requests admitted per user and per client address: a token bucket each, holding
// RATE_LIMIT_PER_MINUTE requests and refilled at that rate, so a client may burst a minute's
// worth and then goes at the rate. Past it: RateLimited with the seconds until the next request
// is admitted (429 with Retry-After). Knows no HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/clock.h"
#include "util/status.h"
#include "util/token_buckets.h"

namespace swha::service {

// What per-address limits count a client by: an IPv4 address as it is, an IPv6 address by its
// /64 (one subscriber's network: hopping between its addresses gains nothing).
std::string ClientAddressKey(std::string_view address);

struct RateLimitConfig {
  int requests_per_minute = 0;  // RATE_LIMIT_PER_MINUTE, per user and per address; 0: no limit
};

// Thread-safe.
class RequestRateLimiter {
 public:
  // Borrowed clock; it must outlive the limiter.
  RequestRateLimiter(RateLimitConfig config, const Clock* clock);

  // A request from `address` (the client's IP); Ok whenever the limit is off.
  Status AdmitAddress(std::string_view address);
  // A request by the user `user_id`, wherever it comes from.
  Status AdmitUser(int64_t user_id);

 private:
  Status Refused(int retry_after_seconds, std::string_view who) const;

  const RateLimitConfig config_;
  std::unique_ptr<TokenBuckets> addresses_;  // nullptr when the limit is off
  std::unique_ptr<TokenBuckets> users_;
};

}  // namespace swha::service
