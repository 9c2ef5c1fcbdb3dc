// Token buckets by key (a user, an address, a username): each key's bucket holds up to
// `capacity` tokens and refills at `tokens_per_second`; an action takes one token, and with
// none left it must wait. A key that is not tracked has a full bucket, so a bucket that has
// refilled can be forgotten: memory stays bounded however many keys come and go.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/clock.h"

namespace swha {

// Keys tracked per shard at most; past it, full buckets are forgotten first, then those used
// longest ago (whose keys then start afresh with a full bucket: the cost of bounding memory
// under a flood of keys; a key under attack now is among the last to go).
inline constexpr size_t kMaxTrackedKeysPerShard = 4096;

// Thread-safe.
class TokenBuckets {
 public:
  // Borrowed clock; it must outlive the buckets. REQUIRES: capacity >= 1, tokens_per_second > 0.
  TokenBuckets(double capacity, double tokens_per_second, const Clock* clock);

  // Takes a token from `key`'s bucket: 0 when it had one, else the whole seconds (at least 1)
  // until it will, and nothing is taken.
  int Take(std::string_view key);
  // The seconds until `key`'s bucket holds a token (0: it does now); takes nothing.
  int SecondsUntilToken(std::string_view key);
  // Gives back a token taken by Take() (up to capacity): the action it was taken for did not
  // count after all.
  void GiveBack(std::string_view key);

  size_t tracked_keys();  // for tests

 private:
  struct Bucket {
    double tokens = 0;
    int64_t updated_ms = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;  // guarded by mu
  };

  Shard& ShardFor(std::string_view key);
  // The bucket refilled to now (a fresh full one when not tracked). REQUIRES: shard.mu held.
  Bucket Refilled(Shard& shard, std::string_view key, int64_t now_ms) const;
  int SecondsUntilOne(const Bucket& bucket) const;
  // Stores `bucket` for `key`, making room first if the shard is full. REQUIRES: shard.mu held.
  void Store(Shard& shard, std::string_view key, const Bucket& bucket, int64_t now_ms) const;

  const double capacity_;
  const double tokens_per_ms_;
  const Clock* clock_;
  std::array<Shard, 16> shards_;
};

}  // namespace swha
