// Use cases on sessions that already exist: cleanup by age, and the storage's live state.
// Knows no HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/session.h"
#include "service/storage_backends.h"
#include "util/clock.h"
#include "util/status.h"

namespace swha::service {

// The oldest cleanup cutoff accepted, in days (a century).
inline constexpr int64_t kMaxCleanupDays = 36500;

struct CleanupRequest {
  int64_t days_old = 7;  // 0..kMaxCleanupDays: audio last modified longer ago than this goes
  bool cleanup_s3 = true;
};

struct CleanupReport {
  int64_t local_files_removed = 0;
  int64_t local_sessions_removed = 0;
  // Local removals that failed; their details (server paths) are logged, not reported.
  int64_t local_errors = 0;
  int64_t s3_objects_deleted = 0;
  int64_t s3_objects_listed = 0;
  std::vector<std::string> s3_errors;  // never a secret
  bool s3_attempted = false;

  bool failed() const { return local_errors > 0 || !s3_errors.empty(); }
};

struct S3Check {
  bool configured = false;  // S3 is on and could be set up (credentials found)
  bool reachable = false;   // the live HeadBucket answered
  std::optional<std::string> error;
  double check_ms = 0;
  std::string credentials_source;
};

// Thread-safe.
class SessionService {
 public:
  // Borrowed pointers must outlive the service.
  SessionService(const StorageBackends* storage, const Clock* clock)
      : storage_(storage), clock_(clock) {}

  // Removes `principal`'s audio older than request.days_old days: local files, and S3 objects
  // (compared by LastModified, UTC) when asked and S3 is on. InvalidField("days_old") when out
  // of range. Failures to remove are counted in the report, never hidden.
  Result<CleanupReport> Cleanup(const Principal& principal, const CleanupRequest& request) const;

  // A live check of the bucket (one attempt, reused for 2 s) when S3 is on; else not configured.
  S3Check CheckS3() const;

 private:
  const StorageBackends* storage_;
  const Clock* clock_;
};

}  // namespace swha::service
