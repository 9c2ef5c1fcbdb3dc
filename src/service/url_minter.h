// Mints the URLs a client fetches audio with, when they are handed out (never stored): an S3
// presigned URL for a segment in S3, a signed local URL for one with a local copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/session.h"
#include "service/storage_backends.h"
#include "util/clock.h"

namespace swha::service {

// The expiry a caller asked for, checked: nullopt or 0 mean `default_seconds` (as in the
// original); anything else must be 1..kMaxUrlExpirySeconds, else InvalidField
// "presigned_url_expiry".
Result<int64_t> ResolveUrlExpiry(std::optional<int64_t> requested, int64_t default_seconds);

struct MintedUrl {
  std::string url;
  int64_t expires_at = 0;  // unix seconds
};

// Thread-safe.
class UrlMinter {
 public:
  // Borrowed pointers must outlive the minter.
  UrlMinter(const StorageBackends* storage, const Clock* clock)
      : storage_(storage), clock_(clock) {}

  // Fills every segment's local_url, presigned_url, expires_at and marks_url with URLs valid for
  // `expiry_seconds` (1..kMaxUrlExpirySeconds). A segment that cannot be given a URL it can be
  // fetched with (in S3 only, S3 not configured now) gets none, and a warning says so.
  // `use`: who will fetch them (storage::UrlUse).
  void Mint(const std::string& session_id, int64_t expiry_seconds, std::vector<Segment>* segments,
            std::vector<std::string>* warnings,
            storage::UrlUse use = storage::UrlUse::kClient) const;
  // The URL for S3 object `key` in bucket `target` ("" = the primary): presigned for that
  // bucket, or CloudFront's when configured. Unavailable "S3 is not configured now" without S3;
  // the store's error when signing fails.
  Result<MintedUrl> MintS3(std::string_view key, int64_t expiry_seconds,
                           std::string_view target = "",
                           storage::UrlUse use = storage::UrlUse::kClient) const;

 private:
  const StorageBackends* storage_;
  const Clock* clock_;
};

}  // namespace swha::service
