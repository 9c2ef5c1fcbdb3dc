// Limits of storage that several modules check (settings, the API, the CLI): one constant each.
#pragma once

#include <cstdint>

namespace swha::storage {

// The longest life of a URL handed out: S3's limit for SigV4 presigned URLs (7 days). Signed
// local URLs keep the same limit, so a client sees one rule whatever the storage.
inline constexpr int64_t kMaxUrlExpirySeconds = 604800;

}  // namespace swha::storage
