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
  // Why not, in words that name no secret, path or address (the endpoint is unauthenticated).
  std::string detail;
};

struct Readiness {
  bool ready = false;
  bool stopping = false;  // shutting down: not ready, whatever the checks would say
  std::vector<ReadinessCheck> checks;
};

// Thread-safe.
class ReadinessService {
 public:
  // Borrowed pointers must outlive the service.
  ReadinessService(catalog::Catalog* catalog, const StorageBackends* storage, const Clock* clock);

  // The catalog answers a query; the local audio directory takes a write (it is the fallback
  // even when S3 is primary); with USE_S3_STORAGE, S3 is set up and its bucket answers.
  Readiness Check();

  // From the start of a shutdown on, Check() says "stopping" without checking anything.
  void MarkStopping();

 private:
  Readiness CheckNow();  // REQUIRES: mu_ held
  ReadinessCheck Outcome(std::string name, const Status& status, std::string failure_detail);

  catalog::Catalog* catalog_;
  const StorageBackends* storage_;
  const Clock* clock_;
  // Atomic, so that a shutdown never waits behind a check that waits for a database.
  std::atomic<bool> stopping_{false};
  std::mutex mu_;                  // held across a check: the single flight
  std::optional<Readiness> last_;  // guarded by mu_
  int64_t last_checked_ms_ = 0;    // guarded by mu_
  std::set<std::string> failing_;  // guarded by mu_: the checks that failed last time
};

}  // namespace swha::service
