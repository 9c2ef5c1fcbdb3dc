#include "service/usage_service.h"

#include <spdlog/spdlog.h>

#include <map>

namespace swha::service {

std::string UsageService::OwnerOfKey(std::string_view key) {
  constexpr std::string_view kUsers = "audio/users/";
  constexpr std::string_view kAnonymous = "audio/anonymous/";
  if (key.starts_with(kAnonymous)) return "anonymous";
  if (key.starts_with(kUsers)) {
    const std::string_view rest = key.substr(kUsers.size());
    const size_t slash = rest.find('/');
    if (slash != std::string_view::npos && slash > 0) return std::string(rest.substr(0, slash));
  }
  return "other";
}

Result<std::vector<UsageLine>> UsageService::FromCatalog() const {
  std::vector<catalog::OwnerUsage> rows;
  SWHA_ASSIGN_OR_RETURN(rows, catalog_->StorageUsage());
  std::vector<UsageLine> lines;
  lines.reserve(rows.size());
  for (const catalog::OwnerUsage& row : rows) {
    lines.push_back({.owner = row.owner,
                     .sessions = row.sessions,
                     .s3_objects = row.s3_objects,
                     .s3_bytes = row.s3_bytes,
                     .local_files = row.local_files,
                     .local_bytes = row.local_bytes});
  }
  return lines;
}

Result<std::vector<UsageLine>> UsageService::FromListing() const {
  if (storage_->s3 == nullptr) {
    return Status::Unavailable(storage_->use_s3_storage
                                   ? "S3 is not configured: " + storage_->s3_setup_error
                                   : "S3 storage is off (USE_S3_STORAGE=false): nothing to scan");
  }
  // Every bucket, replicas included: each is billed.
  std::map<std::string, UsageLine> by_owner;
  for (const std::string& bucket : storage_->s3->TargetNames()) {
    std::vector<storage::ListedObject> objects;
    SWHA_ASSIGN_OR_RETURN(objects, storage_->s3->ListObjects("audio/", bucket));
    for (const storage::ListedObject& object : objects) {
      UsageLine& line = by_owner[OwnerOfKey(object.key)];
      line.s3_objects += 1;
      line.s3_bytes += static_cast<int64_t>(object.size);
    }
  }
  std::vector<UsageLine> lines;
  lines.reserve(by_owner.size());
  for (auto& [owner, line] : by_owner) {
    line.owner = owner;
    lines.push_back(std::move(line));
  }
  return lines;
}

Result<UsageReport> UsageService::Report(const Principal& principal, bool by_user,
                                         bool scan) const {
  if (principal.anonymous()) return Status::Unauthenticated("Not authenticated");
  if (!principal.is_superuser) return Status::PermissionDenied("Not enough permissions");
  UsageReport report;
  report.source = scan ? "scan" : "catalog";
  report.price_per_gb_month = price_per_gb_month_;
  std::vector<UsageLine> lines;
  SWHA_ASSIGN_OR_RETURN(lines, scan ? FromListing() : FromCatalog());
  UsageLine& total = report.total;
  if (!scan) {
    total.sessions = 0;
    total.local_files = 0;
    total.local_bytes = 0;
  }
  for (UsageLine& line : lines) {
    line.monthly_cost =
        static_cast<double>(line.s3_bytes) / kBytesPerBilledGb * price_per_gb_month_;
    total.s3_objects += line.s3_objects;
    total.s3_bytes += line.s3_bytes;
    if (!scan) {
      *total.sessions += line.sessions.value_or(0);
      *total.local_files += line.local_files.value_or(0);
      *total.local_bytes += line.local_bytes.value_or(0);
    }
  }
  total.monthly_cost =
      static_cast<double>(total.s3_bytes) / kBytesPerBilledGb * price_per_gb_month_;
  if (by_user) report.owners = std::move(lines);
  return report;
}

std::optional<UsageLine> StoredTotalsCache::Get() {
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t now = clock_->NowUnixSeconds();
  if (read_at_ != 0 && now - read_at_ < kStoredTotalsMaxAgeSeconds) return totals_;
  read_at_ = now;
  Result<UsageReport> report = usage_->Report(Principal::Operator(), false, false);
  if (!report.ok()) {
    spdlog::warn("stored totals for the metrics: {}", report.status().message());
    totals_.reset();
  } else {
    totals_ = report->total;
  }
  return totals_;
}

}  // namespace swha::service
