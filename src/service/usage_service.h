// What the service keeps in storage and what S3 charges for it (the seed's "Monitor S3 storage
// costs"): objects, bytes and an estimated monthly cost, per user prefix or in total, from the
// catalog or from a full listing of the bucket. Superusers only. Knows no HTTP.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "service/session.h"
#include "service/storage_backends.h"
#include "util/clock.h"

namespace swha::service {

// Bytes in the GB that S3 prices are quoted per (AWS bills storage per GiB).
inline constexpr double kBytesPerBilledGb = 1024.0 * 1024.0 * 1024.0;

struct UsageLine {
  std::string owner;  // user id, "anonymous", or "other" (keys outside audio/); "" for a total
  std::optional<int64_t> sessions;  // from the catalog only
  int64_t s3_objects = 0;
  int64_t s3_bytes = 0;
  double monthly_cost = 0;  // s3_bytes in GB x the price
  // Local copies, from the catalog only (a listing sees the bucket alone).
  std::optional<int64_t> local_files;
  std::optional<int64_t> local_bytes;
};

struct UsageReport {
  std::string source;  // "catalog" or "scan"
  double price_per_gb_month = 0;
  std::vector<UsageLine> owners;  // ordered by owner; filled only when asked by user
  UsageLine total;
};

// Thread-safe.
class UsageService {
 public:
  // Borrowed pointers must outlive the service.
  UsageService(const StorageBackends* storage, catalog::Catalog* catalog, double price_per_gb_month)
      : storage_(storage), catalog_(catalog), price_per_gb_month_(price_per_gb_month) {}

  // Unauthenticated for an anonymous principal, PermissionDenied "Not enough permissions" for
  // anyone but a superuser or the operator. With `scan`, every object under audio/ is listed
  // (Unavailable when S3 is not configured or the listing fails); else the catalog is asked.
  Result<UsageReport> Report(const Principal& principal, bool by_user, bool scan) const;

  // The owner an object key belongs to: "audio/users/<id>/..." -> id, "audio/anonymous/..." ->
  // "anonymous", anything else -> "other".
  static std::string OwnerOfKey(std::string_view key);

 private:
  Result<std::vector<UsageLine>> FromCatalog() const;
  Result<std::vector<UsageLine>> FromListing() const;

  const StorageBackends* storage_;
  catalog::Catalog* catalog_;
  const double price_per_gb_month_;
};

// How long the stored totals behind the metrics' gauges are reused: a scrape every few seconds
// must not run the catalog's aggregate each time.
inline constexpr int64_t kStoredTotalsMaxAgeSeconds = 30;

// The catalog's totals (Report's, as the operator), read again at most every
// kStoredTotalsMaxAgeSeconds. Thread-safe.
class StoredTotalsCache {
 public:
  // Borrowed pointers must outlive the cache.
  StoredTotalsCache(const UsageService* usage, const Clock* clock) : usage_(usage), clock_(clock) {}
  // nullopt while the catalog cannot answer (logged).
  std::optional<UsageLine> Get();

 private:
  const UsageService* usage_;
  const Clock* clock_;
  std::mutex mu_;
  std::optional<UsageLine> totals_;  // guarded by mu_
  int64_t read_at_ = 0;              // guarded by mu_; unix seconds
};

}  // namespace swha::service
