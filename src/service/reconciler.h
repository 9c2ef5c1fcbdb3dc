// What the background reconcilers share (the upload outbox, session removal): each takes due
// work from the shared catalog for a while (a lease or claim), tries it, and schedules what
// failed for later, waiting longer after each failure.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::service {

// How long an instance holds what it took: twice what one attempt can take with every S3
// retry and timeout (audio, marks, HEAD), so that an attempt started with half of it left
// always ends inside it.
inline constexpr int64_t kReconcilerLeaseMs = 600'000;
// Items taken per round.
inline constexpr int kReconcilerBatch = 16;
// The longest wait between two attempts at one item.
inline constexpr int64_t kMaxRetryDelayMs = 60'000;

// The lease for rounds `poll_interval_ms` apart: the default, or two rounds when those are
// longer.
inline int64_t ReconcilerLeaseMs(int64_t poll_interval_ms) {
  return std::max(kReconcilerLeaseMs, 2 * poll_interval_ms);
}

// Whether another attempt may start under a lease that ends at `lease_until_ms`: only with
// half of it left, so that two instances never work on one item at once.
inline bool EnoughLeaseLeft(int64_t lease_until_ms, int64_t now_ms, int64_t lease_ms) {
  return lease_until_ms - now_ms >= lease_ms / 2;
}

// The wait after failed attempt number `failures` (1-based): `first_ms`, doubling with each
// failure, up to kMaxRetryDelayMs (or `first_ms`, when that is longer). A short outage is
// caught up at once, a long one is not hammered.
inline int64_t RetryDelayMs(int64_t first_ms, int64_t failures) {
  const int64_t doublings = std::clamp<int64_t>(failures - 1, 0, 16);
  return std::min(first_ms << doublings, std::max(kMaxRetryDelayMs, first_ms));
}

// The checks both reconcilers' configs make; `who` names the reconciler in the message.
inline Status ValidateReconciler(std::string_view who, int64_t poll_interval_ms, int64_t lease_ms,
                                 int batch) {
  const std::string prefix = std::string(who) + ": ";
  if (poll_interval_ms <= 0) {
    return Status::InvalidArgument(prefix + "the poll interval must be positive");
  }
  if (lease_ms < poll_interval_ms) {
    return Status::InvalidArgument(prefix + "the lease must outlast a round");
  }
  if (batch < 1) return Status::InvalidArgument(prefix + "batch must be at least 1");
  return Status::Ok();
}

}  // namespace swha::service
