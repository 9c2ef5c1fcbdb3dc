#include "service/lipsync_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "lipsync/webhook_signature.h"
#include "util/blocking.h"
#include "util/crypto.h"

namespace swha::service {
namespace {

// How long the poller leaves a job it has given up on (reads still refresh it).
constexpr int64_t kAbandonedPollDelayMs = 30LL * 24 * 3600 * 1000;

// Answers that mean the provider heard the create and refused it: no job was made, so the
// job is recorded as failed rather than submitted again.
bool IsRefusal(const Status& s) {
  switch (s.code()) {
    case StatusCode::kUnauthenticated:
    case StatusCode::kPaymentRequired:
    case StatusCode::kInvalidArgument:
    case StatusCode::kTooLarge:
    case StatusCode::kRateLimited: return true;
    default: return false;
  }
}

// Within a process, a refresh of one job at a time; the others read the stored state.
class RefreshGuard {
 public:
  RefreshGuard(std::mutex* mu, std::set<std::string>* refreshing, std::string job_id)
      : mu_(mu), refreshing_(refreshing), job_id_(std::move(job_id)) {
    std::lock_guard<std::mutex> lock(*mu_);
    owned_ = refreshing_->insert(job_id_).second;
  }
  ~RefreshGuard() {
    if (!owned_) return;
    std::lock_guard<std::mutex> lock(*mu_);
    refreshing_->erase(job_id_);
  }
  RefreshGuard(const RefreshGuard&) = delete;
  RefreshGuard& operator=(const RefreshGuard&) = delete;
  bool owned() const { return owned_; }

 private:
  std::mutex* mu_;
  std::set<std::string>* refreshing_;
  std::string job_id_;
  bool owned_ = false;
};

}  // namespace

Status LipsyncConfig::Validate() const {
  if (refresh_after_ms < 0 || poll_interval_ms < 100 || max_poll_interval_ms < poll_interval_ms ||
      lease_ms < 1000 || poll_batch < 1 || poll_tick_ms < 10 || give_up_submitting_ms < 1000 ||
      create_grace_ms < 0 || max_poll_failures < 1) {
    return Status::InvalidArgument("lipsync polling intervals are out of range");
  }
  return Status::Ok();
}

std::string LipsyncConfig::ToString() const {
  return std::string("SYNC_API_KEY=") + (server_api_key.empty() ? "<unset>" : "<redacted>") +
         " SYNC_WEBHOOK_SECRET=" + (webhook_secret.empty() ? "<unset>" : "<redacted>") +
         " webhooks=" + (!webhook_secret.empty() && !public_base_url.empty() ? "on" : "off") +
         " poll_interval_ms=" + std::to_string(poll_interval_ms) +
         " max_poll_interval_ms=" + std::to_string(max_poll_interval_ms);
}

LipsyncService::LipsyncService(LipsyncConfig config, catalog::Catalog* catalog,
                               lipsync::LipsyncProvider* provider, const lipsync::KeySealer* sealer,
                               LipsyncRequestContext request_context, const Clock* clock,
                               std::string instance_id)
    : config_(std::move(config)),
      catalog_(catalog),
      provider_(provider),
      sealer_(sealer),
      request_context_(std::move(request_context)),
      clock_(clock),
      instance_id_(std::move(instance_id)) {
  // The configuration decides what the request context says of the public address.
  request_context_.public_base_url = config_.public_base_url;
  request_context_.webhooks_enabled =
      !config_.public_base_url.empty() && !config_.webhook_secret.empty();
}

LipsyncService::~LipsyncService() { Shutdown(); }

void LipsyncService::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (poller_.joinable() && poller_.get_id() != std::this_thread::get_id()) poller_.join();
}

std::vector<Status> LipsyncService::Validate(const LipsyncCreateRequest& request) const {
  return ValidateLipsyncRequest(request);
}

Result<catalog::LipsyncJob> LipsyncService::Create(const Principal& principal,
                                                   const LipsyncCreateRequest& request) {
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  if (std::vector<Status> errors = Validate(request); !errors.empty()) return errors.front();
  const std::string api_key = request.api_key.value_or(config_.server_api_key);
  if (api_key.empty()) {
    return Status::InvalidField(
        "api_key", "is required: pass your sync.so API key (this server has no SYNC_API_KEY)");
  }
  catalog::LipsyncJob job;
  job.job_id = crypto::RandomHex(16);
  SWHA_ASSIGN_OR_RETURN(ResolvedLipsyncRequest resolved,
                        ResolveLipsyncRequest(request_context_, principal, request, job.job_id));
  const int64_t now = clock_->NowUnixMillis();
  job.owner = principal.OwnerTag();
  job.idempotency_key = "swha-" + job.job_id;
  job.request_body = std::move(resolved.body);
  if (request.api_key) job.sealed_api_key = sealer_->Seal(*request.api_key);
  job.video_url = request.video_url;
  job.audio_url = std::move(resolved.audio_url);
  job.audio_url_type = std::move(resolved.audio_url_type);
  job.model = request.model;
  job.sync_mode = request.sync_mode;
  job.output_filename = request.output_filename;
  job.created_at_ms = now;
  job.updated_at_ms = now;
  // Due for the poller once this create has had every attempt: should this process die before
  // the provider answers, another (or the next) one submits it again under the same key.
  job.next_poll_at_ms = now + config_.create_grace_ms;
  SWHA_RETURN_IF_ERROR(catalog_->CreateLipsyncJob(job));

  RefreshGuard guard(&mu_, &refreshing_, job.job_id);
  Result<catalog::LipsyncJob> submitted = Submit(job, api_key);
  const StatusCode code = submitted.status().code();
  if (submitted.ok() || (code != StatusCode::kUnavailable && code != StatusCode::kBadGateway)) {
    return submitted;
  }
  // Not acknowledged: the job may exist at the provider. It is kept, and sent again under the
  // same Idempotency-Key by the next read or poll; the caller is told where to follow it.
  const Status& why = submitted.status();
  spdlog::warn("lipsync job {}: create not acknowledged, kept for resubmission: {}", job.job_id,
               why.ToString());
  return Status::BadGateway(why.message() + "; job " + job.job_id +
                            " was recorded and will be submitted again with the same "
                            "Idempotency-Key: follow it at /api/v1/lipsync/status/" +
                            job.job_id);
}

Result<catalog::LipsyncJob> LipsyncService::Submit(const catalog::LipsyncJob& job,
                                                   const std::string& key) {
  Result<lipsync::ProviderJob> seen = provider_->Create(key, job.idempotency_key, job.request_body);
  if (seen.ok()) return Record(job.job_id, *seen);
  // Heard and refused: no job was made, and the job's row says so.
  if (IsRefusal(seen.status())) {
    (void)RecordFailure(job.job_id, seen.status(), "not_submitted");
  }
  return seen.status();
}

Result<catalog::LipsyncJob> LipsyncService::FindOwned(const Principal& principal,
                                                      std::string_view job_id) {
  const Status not_found = Status::NotFound("Lipsync job not found");
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  auto job = catalog_->GetLipsyncJob(job_id);
  if (!job.ok()) return job.status().code() == StatusCode::kNotFound ? not_found : job.status();
  if (job->owner != principal.OwnerTag()) return not_found;
  return job;
}

Result<catalog::LipsyncJob> LipsyncService::Get(const Principal& principal, std::string_view job_id,
                                                const std::optional<std::string>& api_key) {
  SWHA_ASSIGN_OR_RETURN(catalog::LipsyncJob job, FindOwned(principal, job_id));
  if (catalog::IsFinalLipsyncStatus(job.status)) return job;
  const int64_t now = clock_->NowUnixMillis();
  if (now - job.updated_at_ms < config_.refresh_after_ms) return job;
  {
    // A provider that keeps failing is not asked again by every read.
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_tried_.find(job.job_id);
    if (it != last_tried_.end() && now - it->second < config_.refresh_after_ms) return job;
    last_tried_[job.job_id] = now;
  }
  Result<catalog::LipsyncJob> fresh = Refresh(job, api_key);
  if (fresh.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    last_tried_.erase(job.job_id);
    return fresh;
  }
  spdlog::warn("lipsync job {}: refresh failed, answering with the stored state: {}", job.job_id,
               fresh.status().ToString());
  return catalog_->GetLipsyncJob(job_id);
}

Result<LipsyncWaitResult> LipsyncService::Wait(const Principal& principal, std::string_view job_id,
                                               int64_t timeout_seconds,
                                               int64_t poll_interval_seconds,
                                               const std::optional<std::string>& api_key) {
  if (timeout_seconds < 0 || timeout_seconds > kMaxLipsyncWaitSeconds) {
    return Status::InvalidField(
        "timeout", "must be between 0 and " + std::to_string(kMaxLipsyncWaitSeconds) + " seconds");
  }
  if (poll_interval_seconds < kMinLipsyncPollIntervalSeconds ||
      poll_interval_seconds > kMaxLipsyncPollIntervalSeconds) {
    return Status::InvalidField(
        "poll_interval", "must be between " + std::to_string(kMinLipsyncPollIntervalSeconds) +
                             " and " + std::to_string(kMaxLipsyncPollIntervalSeconds) + " seconds");
  }
  using SteadyClock = std::chrono::steady_clock;
  const auto deadline = SteadyClock::now() + std::chrono::seconds(timeout_seconds);
  // The whole wait, provider calls included: the thread that waits is never a server worker.
  BlockingRegion waiting;
  while (true) {
    uint64_t seen_changes = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_changes = change_count_;
    }
    SWHA_ASSIGN_OR_RETURN(catalog::LipsyncJob job, Get(principal, job_id, api_key));
    if (catalog::IsFinalLipsyncStatus(job.status)) return LipsyncWaitResult{std::move(job), false};
    const auto now = SteadyClock::now();
    if (now >= deadline) return LipsyncWaitResult{std::move(job), true};
    const auto until = std::min(deadline, now + std::chrono::seconds(poll_interval_seconds));
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_until(lock, until, [&] { return stopping_ || change_count_ != seen_changes; });
    if (stopping_) return Status::Unavailable("the server is shutting down");
  }
}

Result<catalog::LipsyncJobPage> LipsyncService::List(const Principal& principal, int limit,
                                                     std::optional<std::string_view> cursor) {
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  if (limit < 1 || limit > kMaxLipsyncPageSize) {
    return Status::InvalidField("limit",
                                "must be between 1 and " + std::to_string(kMaxLipsyncPageSize));
  }
  return catalog_->ListLipsyncJobs(principal.OwnerTag(), limit, cursor);
}

Result<int64_t> LipsyncService::Cleanup(const Principal& principal, int64_t hours_old) {
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  if (hours_old < 0 || hours_old > kMaxLipsyncCleanupHours) {
    return Status::InvalidField("hours_old",
                                "must be between 0 and " + std::to_string(kMaxLipsyncCleanupHours));
  }
  const int64_t cutoff = clock_->NowUnixMillis() - hours_old * 3600 * 1000;
  return catalog_->DeleteFinishedLipsyncJobs(principal.OwnerTag(), cutoff);
}

Result<catalog::LipsyncJob> LipsyncService::ApplyWebhook(std::string_view signature_header,
                                                         std::string_view body,
                                                         const std::optional<std::string>& job_id) {
  if (config_.webhook_secret.empty()) {
    return Status::BadRequest("webhooks are not accepted: SYNC_WEBHOOK_SECRET is not set");
  }
  SWHA_RETURN_IF_ERROR(lipsync::VerifyWebhookSignature(
      signature_header, body, config_.webhook_secret, clock_->NowUnixSeconds()));
  Result<lipsync::ProviderJob> seen = lipsync::ParseProviderJob(body);
  if (!seen.ok()) return Status::BadRequest("the webhook body is not a sync.so job");
  const Status not_found = Status::NotFound("Lipsync job not found");
  auto job = catalog_->FindLipsyncJobByProviderId(seen->id);
  if (!job.ok() && job.status().code() == StatusCode::kNotFound && job_id) {
    // The create's answer is not recorded yet (lost, or still on its way): the webhook URL
    // names our job, which must not belong to another provider job.
    job = catalog_->GetLipsyncJob(*job_id);
    if (job.ok() && job->provider_job_id && *job->provider_job_id != seen->id) return not_found;
  }
  if (!job.ok()) return job.status().code() == StatusCode::kNotFound ? not_found : job.status();
  return Record(job->job_id, *seen);
}

Result<std::string> LipsyncService::KeyFor(const catalog::LipsyncJob& job,
                                           const std::optional<std::string>& override_key) const {
  if (override_key && !override_key->empty()) return *override_key;
  if (job.sealed_api_key) return sealer_->Open(*job.sealed_api_key);
  if (!config_.server_api_key.empty()) return config_.server_api_key;
  return Status::Unavailable("no sync.so API key for this job (SYNC_API_KEY is not set)");
}

Result<catalog::LipsyncJob> LipsyncService::Refresh(const catalog::LipsyncJob& job,
                                                    const std::optional<std::string>& api_key) {
  RefreshGuard guard(&mu_, &refreshing_, job.job_id);
  if (!guard.owned()) return job;
  if (job.provider_job_id) {
    SWHA_ASSIGN_OR_RETURN(std::string key, KeyFor(job, api_key));
    SWHA_ASSIGN_OR_RETURN(lipsync::ProviderJob seen, provider_->Get(key, *job.provider_job_id));
    return Record(job.job_id, seen);
  }
  // Never acknowledged: sent again as it was, under the key it was made with (idempotency keys
  // belong to an account), so the provider answers with the job it made, if it made one.
  if (clock_->NowUnixMillis() - job.created_at_ms > config_.give_up_submitting_ms) {
    return RecordFailure(job.job_id,
                         Status::Unavailable("sync.so never acknowledged the job; given up"),
                         "not_submitted");
  }
  SWHA_ASSIGN_OR_RETURN(std::string key, KeyFor(job, std::nullopt));
  return Submit(job, key);
}

Result<catalog::LipsyncJob> LipsyncService::Record(const std::string& job_id,
                                                   const lipsync::ProviderJob& seen) {
  catalog::LipsyncStatusUpdate update;
  update.job_id = job_id;
  update.provider_job_id = seen.id;
  update.status = seen.status;
  update.output_url = seen.output_url;
  update.output_duration = seen.output_duration;
  update.error_message = seen.error;
  update.error_code = seen.error_code;
  update.now_ms = clock_->NowUnixMillis();
  Result<catalog::LipsyncJob> stored = catalog_->ApplyLipsyncStatus(update);
  NotifyChanged();
  return stored;
}

Result<catalog::LipsyncJob> LipsyncService::RecordFailure(const std::string& job_id,
                                                          const Status& why,
                                                          std::string_view error_code) {
  catalog::LipsyncStatusUpdate update;
  update.job_id = job_id;
  update.status = "FAILED";
  update.error_message = why.message();
  update.error_code = std::string(error_code);
  update.now_ms = clock_->NowUnixMillis();
  Result<catalog::LipsyncJob> stored = catalog_->ApplyLipsyncStatus(update);
  NotifyChanged();
  return stored;
}

void LipsyncService::NotifyChanged() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++change_count_;
  }
  changed_.notify_all();
}

int64_t LipsyncService::NextPollDelayMs(const catalog::LipsyncJob& job) const {
  // A tenth of the job's age: young jobs are looked at often, old ones rarely.
  const int64_t age = clock_->NowUnixMillis() - job.created_at_ms;
  return std::clamp(age / 10, config_.poll_interval_ms, config_.max_poll_interval_ms);
}

void LipsyncService::PollDueJobs() {
  const int64_t now = clock_->NowUnixMillis();
  auto due =
      catalog_->LeaseDueLipsyncJobs(instance_id_, now, now + config_.lease_ms, config_.poll_batch);
  if (!due.ok()) {
    spdlog::warn("lipsync poller: cannot lease due jobs: {}", due.status().ToString());
    return;
  }
  for (const catalog::LipsyncJob& job : *due) {
    Result<catalog::LipsyncJob> fresh = Refresh(job, std::nullopt);
    int64_t failures = 0;
    int64_t delay = NextPollDelayMs(job);
    if (!fresh.ok()) {
      failures = job.poll_failures + 1;
      delay = std::min(config_.poll_interval_ms << std::min<int64_t>(failures, 16),
                       config_.max_poll_interval_ms);
      if (fresh.status().code() == StatusCode::kRateLimited) {
        delay = std::max(delay, int64_t{fresh.status().retry_after_seconds()} * 1000);
      }
      if (failures >= config_.max_poll_failures) {
        // Asking again will not help (a revoked key, a changed SECRET_KEY): reads still may.
        delay = kAbandonedPollDelayMs;
      }
      spdlog::warn("lipsync job {}: poll failed ({} in a row): {}", job.job_id, failures,
                   fresh.status().ToString());
    }
    Status scheduled = catalog_->ScheduleLipsyncPoll(job.job_id, instance_id_,
                                                     clock_->NowUnixMillis() + delay, failures);
    if (!scheduled.ok()) {
      spdlog::warn("lipsync job {}: cannot schedule its next poll: {}", job.job_id,
                   scheduled.ToString());
    }
  }
}

void LipsyncService::StartPoller() {
  if (poller_.joinable()) return;
  poller_ = std::thread([this] { PollerLoop(); });
}

void LipsyncService::PollerLoop() {
  while (true) {
    PollDueJobs();
    std::unique_lock<std::mutex> lock(mu_);
    // Woken by changes too, which is harmless: a round with nothing due costs one query.
    if (changed_.wait_for(lock, std::chrono::milliseconds(config_.poll_tick_ms),
                          [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace swha::service
