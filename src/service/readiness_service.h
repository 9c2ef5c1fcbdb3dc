// GET /ready: whether this instance can do its work now (the catalog answers, audio can be
// written where it goes), as opposed to GET /health (the process runs). Orchestrators and load
// balancers ask every few seconds from every node, so one answer serves all who ask within
// kReadinessReuseMs, and concurrent askers wait for the one check in progress rather than
// starting their own.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "service/storage_backends.h"
#include "util/clock.h"

namespace swha::service {

// How long one readiness answer is reused.
inline constexpr int64_t kReadinessReuseMs = 1000;

struct ReadinessCheck {
  std::string name;  // "catalog", "audio_dir", "s3"
  bool ok = false;
  // Whether a failure makes the instance not ready. S3 that does not answer does not: audio
  // then goes to the local fallback and the upload outbox moves it later, and taking every
  // instance out of rotation would turn an S3 outage into an outage of the service.
  bool required = true;
  // Why not, in words that name no secret, path or address (the endpoint is unauthenticated).
  std::string detail;
};

struct Readiness {
  bool ready = false;
  bool degraded = false;  // ready, but a check that is not required failed
  bool stopping = false;  // shutting down: not ready, whatever the checks would say
  std::vector<ReadinessCheck> checks;
};

// Thread-safe.
class ReadinessService {
 public:
  // Borrowed pointers must outlive the service.
  ReadinessService(catalog::Catalog* catalog, const StorageBackends* storage, const Clock* clock);

  // The catalog answers a query; the local audio directory takes a write (it is the fallback
  // even when S3 is primary); with USE_S3_STORAGE, S3 is set up (required) and its primary
  // bucket answers (reported, not required). A caller that comes while a check is under way
  // gets the last answer rather than waiting for a slow database or bucket.
  Readiness Check();

  // From the start of a shutdown on, Check() says "stopping" without checking anything.
  void MarkStopping();

 private:
  // The last answer, if any (only if still within kReadinessReuseMs with `fresh_only`).
  std::optional<Readiness> LastAnswer(bool fresh_only);
  Readiness CheckNow();  // REQUIRES: check_mu_ held
  ReadinessCheck Outcome(std::string name, const Status& status, std::string failure_detail,
                         bool required = true);

  catalog::Catalog* catalog_;
  const StorageBackends* storage_;
  const Clock* clock_;

  // Atomic, so that a shutdown never waits behind a check that waits for a database.
  std::atomic<bool> stopping_{false};
  std::mutex check_mu_;            // held across a check: the single flight
  std::set<std::string> failing_;  // guarded by check_mu_: the checks that failed last time
  std::mutex answer_mu_;           // never held across a check
  std::optional<Readiness> last_;  // guarded by answer_mu_
  int64_t last_checked_ms_ = 0;    // guarded by answer_mu_
};

}  // namespace swha::service
