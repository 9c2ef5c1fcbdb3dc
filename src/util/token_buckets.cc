#include "util/token_buckets.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>
#include <vector>

namespace swha {

TokenBuckets::TokenBuckets(double capacity, double tokens_per_second, const Clock* clock)
    : capacity_(std::max(1.0, capacity)),
      tokens_per_ms_(std::max(1e-9, tokens_per_second) / 1000.0),
      clock_(clock) {}

TokenBuckets::Shard& TokenBuckets::ShardFor(std::string_view key) {
  return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

TokenBuckets::Bucket TokenBuckets::Refilled(Shard& shard, std::string_view key,
                                            int64_t now_ms) const {
  const auto it = shard.buckets.find(std::string(key));
  if (it == shard.buckets.end()) return Bucket{.tokens = capacity_, .updated_ms = now_ms};
  Bucket bucket = it->second;
  // A clock set back refills nothing rather than draining the bucket.
  const auto elapsed = static_cast<double>(std::max<int64_t>(0, now_ms - bucket.updated_ms));
  bucket.tokens = std::min(capacity_, bucket.tokens + elapsed * tokens_per_ms_);
  bucket.updated_ms = now_ms;
  return bucket;
}

int TokenBuckets::SecondsUntilOne(const Bucket& bucket) const {
  if (bucket.tokens >= 1.0) return 0;
  const double ms = (1.0 - bucket.tokens) / tokens_per_ms_;
  return std::max(1, static_cast<int>(std::ceil(ms / 1000.0)));
}

void TokenBuckets::Store(Shard& shard, std::string_view key, const Bucket& bucket,
                         int64_t now_ms) const {
  std::string name(key);
  if (shard.buckets.size() >= kMaxTrackedKeysPerShard && !shard.buckets.contains(name)) {
    std::erase_if(shard.buckets, [&](const auto& entry) {
      const double elapsed =
          static_cast<double>(std::max<int64_t>(0, now_ms - entry.second.updated_ms));
      return entry.second.tokens + elapsed * tokens_per_ms_ >= capacity_;
    });
    // Still full of active keys (a flood): the quarter used longest ago goes at once, so that
    // the sweep above runs once per many new keys rather than at every one.
    if (shard.buckets.size() >= kMaxTrackedKeysPerShard) {
      std::vector<std::pair<int64_t, std::string>> by_age;
      by_age.reserve(shard.buckets.size());
      for (const auto& [k, b] : shard.buckets) by_age.emplace_back(b.updated_ms, k);
      const auto quarter = static_cast<std::ptrdiff_t>(by_age.size() / 4);
      std::nth_element(by_age.begin(), by_age.begin() + quarter, by_age.end());
      for (auto it = by_age.begin(); it != by_age.begin() + quarter; ++it) {
        shard.buckets.erase(it->second);
      }
    }
  }
  shard.buckets.insert_or_assign(std::move(name), bucket);
}

int TokenBuckets::Take(std::string_view key) {
  Shard& shard = ShardFor(key);
  const int64_t now_ms = clock_->NowUnixMillis();
  std::lock_guard<std::mutex> lock(shard.mu);
  Bucket bucket = Refilled(shard, key, now_ms);
  const int wait = SecondsUntilOne(bucket);
  // Stored refused too: the refill so far is kept, and a clock set back re-bases the bucket.
  if (wait == 0) bucket.tokens -= 1.0;
  Store(shard, key, bucket, now_ms);
  return wait;
}

int TokenBuckets::SecondsUntilToken(std::string_view key) {
  Shard& shard = ShardFor(key);
  const int64_t now_ms = clock_->NowUnixMillis();
  std::lock_guard<std::mutex> lock(shard.mu);
  return SecondsUntilOne(Refilled(shard, key, now_ms));
}

void TokenBuckets::GiveBack(std::string_view key) {
  Shard& shard = ShardFor(key);
  const int64_t now_ms = clock_->NowUnixMillis();
  std::lock_guard<std::mutex> lock(shard.mu);
  if (!shard.buckets.contains(std::string(key))) return;  // untracked: full already
  Bucket bucket = Refilled(shard, key, now_ms);
  bucket.tokens = std::min(capacity_, bucket.tokens + 1.0);
  Store(shard, key, bucket, now_ms);
}

size_t TokenBuckets::tracked_keys() {
  size_t n = 0;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

}  // namespace swha
