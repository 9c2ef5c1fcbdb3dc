// Limits of storage that several modules check (settings, the API, the CLI): one constant each.
#pragma once

#include <cstddef>
#include <cstdint>

namespace swha::storage {

// The longest life of a URL handed out: S3's limit for SigV4 presigned URLs (7 days). Signed
// local URLs keep the same limit, so a client sees one rule whatever the storage.
inline constexpr int64_t kMaxUrlExpirySeconds = 604800;

// Lifecycle rules (s3_lifecycle.h): the most days a rule may say (a century, as the cleanup
// cutoff), and the longest key prefix (S3 allows rule IDs of 255 characters; ours is a
// marker followed by the prefix).
inline constexpr int kMaxLifecycleDays = 36500;
inline constexpr size_t kMaxLifecyclePrefixBytes = 200;

}  // namespace swha::storage
