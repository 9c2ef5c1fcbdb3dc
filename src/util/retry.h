// Back-off between attempts at a call to a remote service, shared by every client that
// retries (S3, the lipsync provider): the AWS SDKs' "standard" mode with full jitter.
#pragma once

#include <functional>

namespace swha {

// Up to `max_attempts` attempts, waiting random() * min(base * 2^(attempt-1), max) seconds
// after retryable failure number `attempt`.
struct RetryPolicy {
  int max_attempts = 3;
  double base_delay_seconds = 1.0;
  double max_delay_seconds = 20.0;
  // Both must be thread-safe. Empty: std::this_thread::sleep_for, and a uniform [0, 1)
  // generator seeded from std::random_device (one per thread).
  std::function<void(double seconds)> sleep;
  std::function<double()> random;

  // A copy with the empty functions filled in and at least one attempt.
  RetryPolicy WithDefaults() const;
  // The jittered delay after failure number `attempt` (1-based). REQUIRES: WithDefaults().
  double BackoffSeconds(int attempt) const;
};

}  // namespace swha
