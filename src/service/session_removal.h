// Removing a session for good, and finishing the removals that storage held up.
//
// A delete (or a cleanup) first marks the session in the catalog, which hides it from then on
// and takes its segments out of the upload outbox; then every stored copy of its audio goes
// (S3 objects first, then local files); then the row is forgotten. A storage failure never
// brings the session back: an S3 delete whose answer was lost may have removed some of its
// objects or all of them, so a row put back could name audio that is gone. The session stays
// marked instead, and SessionRemover tries again, waiting longer after each failure, until
// storage has let go of all of it. A crash at any step leaves a marked row, taken up again
// once its claim runs out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "service/reconciler.h"
#include "service/session.h"
#include "service/storage_backends.h"
#include "util/clock.h"
#include "util/periodic_thread.h"
#include "util/status.h"

namespace swha::service {

// What removing one session's audio (and row) did, and what it could not do.
struct DeleteReport {
  int64_t local_files_removed = 0;
  int64_t s3_objects_removed = 0;
  // One line each; no server paths, no secrets.
  std::vector<std::string> local_failures;
  std::vector<std::string> s3_failures;
  bool row_removed = false;  // the catalog forgot the session (RemoveSessionAndRow)
  bool complete() const { return local_failures.empty() && s3_failures.empty(); }
  // Nothing is left of the session: no audio, no row.
  bool finished() const { return complete() && row_removed; }
};

// Removes every stored copy of `session`'s segments, S3 objects first; an already absent copy
// counts as removed. Everything that can go goes, whatever failed before it. Used by session
// removal and by a generate whose record failed (its audio has no row).
DeleteReport RemoveStoredAudio(const StorageBackends& storage, const Session& session);

// The last steps of removing `session`, which the catalog has marked (BeginSessionRemoval):
// its audio, then, when all of it went, its row (one another attempt forgot first counts as
// forgotten). Used by SessionRemover and by `catalog check --repair`.
DeleteReport RemoveSessionAndRow(catalog::Catalog* catalog, const StorageBackends& storage,
                                 const Session& session);

struct SessionRemovalConfig {
  // S3_OUTBOX_POLL_SECONDS: how often due removals are looked for, and the wait before the
  // first retry (doubling with each failure, up to kMaxRetryDelayMs).
  int64_t retry_interval_ms = 5000;
  // How long an attempt holds its session before another may take it up (a lease, as the
  // upload outbox's): an attempt starts only while half of it is left.
  int64_t claim_ms = kReconcilerLeaseMs;
  int batch = kReconcilerBatch;  // sessions claimed per round

  Status Validate() const;
  std::string ToString() const;
};

// Thread-safe.
class SessionRemover {
 public:
  // Borrowed pointers must outlive the remover. REQUIRES: config.Validate() is Ok.
  SessionRemover(SessionRemovalConfig config, catalog::Catalog* catalog,
                 const StorageBackends* storage, const Clock* clock);

  // Marks, removes and forgets session `session_id` (the caller has checked that it may). What
  // storage or the catalog did not let go of is retried later: the report says what is left.
  // NotFound when there is no such session, or its removal has begun already.
  Result<DeleteReport> Remove(std::string_view session_id) const;

  // One round: claims the removals that are due and tries each once; how many finished.
  int RunOnce();
  // Runs RunOnce every retry interval on a thread of its own until Stop.
  void Start();
  // Asks the thread to end after the session in progress, without waiting; the destructor
  // waits.
  void Stop();

 private:
  // One attempt at a marked session: its audio, then its row; otherwise the next attempt is
  // scheduled. `failures`: the attempts that failed before this one.
  DeleteReport Attempt(const Session& session, int64_t failures) const;

  const SessionRemovalConfig config_;
  catalog::Catalog* const catalog_;
  const StorageBackends* const storage_;
  const Clock* const clock_;
  PeriodicThread thread_;  // last: it stops (and joins) before the members it uses go
};

}  // namespace swha::service
