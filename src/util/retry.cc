#include "util/retry.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

namespace swha {
namespace {

void DefaultSleep(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

double DefaultRandom() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

RetryPolicy RetryPolicy::WithDefaults() const {
  RetryPolicy out = *this;
  out.max_attempts = std::max(out.max_attempts, 1);
  if (!out.sleep) out.sleep = DefaultSleep;
  if (!out.random) out.random = DefaultRandom;
  return out;
}

double RetryPolicy::BackoffSeconds(int attempt) const {
  const double cap = std::min(base_delay_seconds * std::pow(2.0, attempt - 1), max_delay_seconds);
  return std::clamp(random(), 0.0, 1.0) * cap;
}

}  // namespace swha
