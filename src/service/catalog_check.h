// Compares the catalog with what storage holds: rows whose audio is gone, and audio (local or
// in S3) that no row describes. Repair removes what can only be an orphan and rows left with no
// audio at all; what it cannot fix (a row that lost some of its audio) it reports.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "service/storage_backends.h"
#include "util/clock.h"

namespace swha::service {

// Audio younger than this is never called an orphan: a generation writes its audio before its
// row, and may be between the two.
constexpr int64_t kDefaultOrphanGraceSeconds = 15 * 60;

struct CatalogCheckOptions {
  bool repair = false;
  // Repair even when the catalog is empty but storage is not (normally refused: it suggests
  // the wrong catalog, and would delete everything).
  bool force = false;
  int64_t orphan_grace_seconds = kDefaultOrphanGraceSeconds;
};

struct CatalogCheckReport {
  int64_t sessions_checked = 0;
  int64_t segments_checked = 0;
  bool s3_checked = false;  // false when S3 is off or unconfigured: S3 copies were not looked at

  // Found. Local entries are "<session>/<file>", S3 entries object keys.
  std::vector<std::string> missing_local;  // a row says local, the file is not there
  std::vector<std::string> missing_s3;     // a row says S3, the object is not there
  std::vector<std::string> orphan_local;   // session directories no row describes ("<session>/")
  std::vector<std::string> orphan_s3;      // objects no row names
  // Sessions deleted whose audio storage has not let go of yet (the service retries them; a
  // repair finishes them): their leftovers are neither missing nor orphans.
  std::vector<std::string> removal_pending;

  // Done by repair (when `repaired`: the check ran with repair on).
  bool repaired = false;
  int64_t rows_removed = 0;         // sessions that had no audio left anywhere
  int64_t local_files_removed = 0;  // in orphan session directories
  int64_t s3_objects_removed = 0;   // orphans
  int64_t removals_finished = 0;    // of the removal_pending sessions
  // Rows that lost part of their audio (kept: the rest still plays), and what repair failed.
  std::vector<std::string> unrepaired;

  // Nothing found, or everything found was repaired.
  bool clean() const;
};

class CatalogChecker {
 public:
  // Borrowed pointers; they must outlive the checker.
  CatalogChecker(catalog::Catalog* catalog, const StorageBackends* storage, const Clock* clock)
      : catalog_(catalog), storage_(storage), clock_(clock) {}

  // An error only when the check itself could not run (catalog or storage unreadable).
  Result<CatalogCheckReport> Run(const CatalogCheckOptions& options);

 private:
  catalog::Catalog* catalog_;
  const StorageBackends* storage_;
  const Clock* clock_;
};

}  // namespace swha::service
