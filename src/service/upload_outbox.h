// Nothing lost when S3 is down: a segment kept locally because no S3 bucket took it is queued in
// the catalog with its session (catalog::SegmentRecord::upload_pending), and this reconciler puts
// it in S3 once S3 is back. Any instance may take a queued segment, under a lease, so two
// instances never upload it at once. Each upload is checked (a HEAD: the size, and the ETag
// against the MD5 of the bytes when the ETag is one), then the catalog records where the segment
// is, and only then is the local copy removed (KEEP_LOCAL_COPY=false): a crash at any point
// leaves a row that names audio that exists.
#pragma once

#include <cstdint>
#include <string>

#include "catalog/catalog.h"
#include "metrics/service_metrics.h"
#include "service/reconciler.h"
#include "service/storage_backends.h"
#include "util/clock.h"
#include "util/periodic_thread.h"
#include "util/status.h"

namespace swha::service {

struct UploadOutboxConfig {
  int64_t poll_interval_ms = 5000;        // S3_OUTBOX_POLL_SECONDS; also the first retry's wait
  int64_t lease_ms = kReconcilerLeaseMs;  // an attempt starts only while half of it is left
  int batch = kReconcilerBatch;           // segments leased per round
  bool keep_local_copy = true;            // KEEP_LOCAL_COPY

  Status Validate() const;
  std::string ToString() const;
};

// Counts what the reconciler did (swha_upload_outbox_uploads_total{outcome}).
enum class OutboxOutcome { kUploaded, kFailed, kDropped };

// Thread-safe.
class UploadOutbox {
 public:
  // Borrowed pointers must outlive the outbox; `metrics` may be null. `instance_id` names this
  // process in leases. REQUIRES: config.Validate() is Ok, storage->s3 is set.
  UploadOutbox(UploadOutboxConfig config, catalog::Catalog* catalog, const StorageBackends* storage,
               const Clock* clock, std::string instance_id, const metrics::ServiceMetrics* metrics);
  UploadOutbox(const UploadOutbox&) = delete;
  UploadOutbox& operator=(const UploadOutbox&) = delete;

  // One round: leases the segments that are due and tries each once; how many reached S3.
  int RunOnce();
  // Runs RunOnce every poll interval on a thread of its own until Shutdown.
  void Start();
  // Asks the thread to stop after the segment in progress, without waiting (a shutdown's drain
  // must not wait behind an upload); the destructor waits.
  void Stop();

 private:
  // The attempt at one segment: kUploaded once it is in S3 and recorded, kDropped when its
  // session went first; an error when it is to be tried again.
  Result<OutboxOutcome> Attempt(const catalog::PendingUpload& item);
  // Whether the catalog's row of `item` names S3 object `key` in bucket `target` (an error
  // other than NotFound counts as yes: when unsure, nothing is removed).
  bool RowNames(const catalog::PendingUpload& item, const std::string& key,
                const std::string& target) const;
  void Count(OutboxOutcome outcome) const;

  const UploadOutboxConfig config_;
  catalog::Catalog* const catalog_;
  const StorageBackends* const storage_;
  const Clock* const clock_;
  const std::string instance_id_;
  const metrics::ServiceMetrics* const metrics_;
  PeriodicThread thread_;  // last: it stops (and joins) before the members it uses go
};

}  // namespace swha::service
