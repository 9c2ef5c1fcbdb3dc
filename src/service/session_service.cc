#include "service/session_service.h"

#include <spdlog/spdlog.h>

#include <cmath>

namespace swha::service {

Result<CleanupReport> SessionService::Cleanup(const Principal& principal,
                                              const CleanupRequest& request) const {
  if (request.days_old < 0 || request.days_old > kMaxCleanupDays) {
    return Status::InvalidField("days_old",
                                "must be an integer from 0 to " + std::to_string(kMaxCleanupDays));
  }
  const std::string owner = principal.OwnerTag();
  // Both ages are compared in UTC unix seconds: file mtimes and S3's LastModified alike.
  const int64_t cutoff = clock_->NowUnixSeconds() - request.days_old * 86400;
  CleanupReport report;
  storage::LocalCleanupResult local = storage_->local->RemoveLocalOlderThan(cutoff, owner);
  report.local_files_removed = local.files_removed;
  report.local_sessions_removed = local.sessions_removed;
  report.local_errors = static_cast<int64_t>(local.errors.size());
  for (const std::string& e : local.errors) spdlog::warn("cleanup: {}", e);
  if (!request.cleanup_s3 || !storage_->use_s3_storage) return report;
  report.s3_attempted = true;
  if (storage_->s3 == nullptr) {
    report.s3_errors.push_back("S3 storage is off: " + storage_->s3_setup_error);
    return report;
  }
  storage::S3CleanupResult s3 =
      storage_->s3->RemoveOlderThan(storage::S3AudioStore::OwnerPrefix(owner), cutoff);
  report.s3_objects_deleted = s3.objects_deleted;
  report.s3_objects_listed = s3.objects_listed;
  report.s3_errors = std::move(s3.errors);
  return report;
}

S3Check SessionService::CheckS3() const {
  S3Check check;
  if (!storage_->use_s3_storage) return check;
  if (storage_->s3 == nullptr) {
    check.error = storage_->s3_setup_error;
    return check;
  }
  check.configured = true;
  check.credentials_source = storage_->s3_credentials_source;
  Stopwatch watch;
  const Status reachable = storage_->s3->CheckReachable();
  check.check_ms = std::round(watch.ElapsedSeconds() * 10000) / 10;
  check.reachable = reachable.ok();
  if (!reachable.ok()) check.error = reachable.message();
  return check;
}

}  // namespace swha::service
