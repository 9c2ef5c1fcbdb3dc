#include "service/readiness_service.h"

#include <spdlog/spdlog.h>

namespace swha::service {
namespace {

Readiness Stopping() { return Readiness{.ready = false, .stopping = true, .checks = {}}; }

}  // namespace

ReadinessCheck ReadinessService::Outcome(std::string name, const Status& status,
                                         std::string failure_detail, bool required) {
  // The full status (which may name a path or an endpoint) goes to the log only, when a check
  // starts or stops failing: probes every few seconds must not flood it.
  const bool was_failing = failing_.contains(name);
  if (status.ok()) {
    if (was_failing) spdlog::info("ready again: {}", name);
    failing_.erase(name);
    return ReadinessCheck{.name = std::move(name), .ok = true, .required = required, .detail = ""};
  }
  if (!was_failing) spdlog::warn("not ready: {}: {}", name, status.ToString());
  failing_.insert(name);
  return ReadinessCheck{.name = std::move(name),
                        .ok = false,
                        .required = required,
                        .detail = std::move(failure_detail)};
}

ReadinessService::ReadinessService(catalog::Catalog* catalog, const StorageBackends* storage,
                                   const Clock* clock)
    : catalog_(catalog), storage_(storage), clock_(clock) {}

void ReadinessService::MarkStopping() { stopping_.store(true); }

std::optional<Readiness> ReadinessService::LastAnswer(bool fresh_only) {
  std::lock_guard<std::mutex> lock(answer_mu_);
  if (!last_) return std::nullopt;
  const int64_t now = clock_->NowUnixMillis();
  const bool fresh = now >= last_checked_ms_ && now - last_checked_ms_ < kReadinessReuseMs;
  if (fresh_only && !fresh) return std::nullopt;
  return last_;
}

Readiness ReadinessService::Check() {
  if (stopping_.load()) return Stopping();
  std::optional<Readiness> answer = LastAnswer(/*fresh_only=*/true);
  if (!answer) {
    std::unique_lock<std::mutex> checking(check_mu_, std::try_to_lock);
    if (!checking.owns_lock()) {
      // A check is under way (a database that takes its time to answer): probes must not pile
      // up behind it, each holding an HTTP worker. The last answer serves; without one, wait.
      answer = LastAnswer(/*fresh_only=*/false);
      if (!answer) {
        checking.lock();
        answer = LastAnswer(/*fresh_only=*/true);
      }
    }
    if (!answer) {
      answer = CheckNow();
      std::lock_guard<std::mutex> lock(answer_mu_);
      last_ = answer;
      last_checked_ms_ = clock_->NowUnixMillis();
    }
  }
  // A shutdown that began during the check wins over its answer.
  return stopping_.load() ? Stopping() : *answer;
}

Readiness ReadinessService::CheckNow() {
  Readiness r;
  r.checks.push_back(Outcome("catalog", catalog_->Ping(), "the database does not answer"));
  if (storage_->local != nullptr) {
    r.checks.push_back(Outcome("audio_dir", storage_->local->CheckWritable(),
                               "audio cannot be written to the audio directory"));
  }
  if (storage_->use_s3_storage) {
    if (storage_->s3 == nullptr) {
      r.checks.push_back(Outcome("s3", Status::Unavailable(storage_->s3_setup_error),
                                 "S3 storage is not set up (see /api/v1/tts/s3-info)"));
    } else {
      r.checks.push_back(Outcome("s3", storage_->s3->CheckReachable(),
                                 "the S3 bucket does not answer; audio is stored locally and "
                                 "queued for S3",
                                 /*required=*/false));
    }
  }
  r.ready = true;
  for (const ReadinessCheck& c : r.checks) {
    if (c.ok) continue;
    if (c.required) r.ready = false;
    r.degraded = true;
  }
  r.degraded = r.degraded && r.ready;
  return r;
}

}  // namespace swha::service
