// The lipsync use cases: hand audio to the provider (sync.so) as a job its caller owns, and
// keep every job's status true — refreshed when read, polled in the background (one instance
// per job, through a lease in the catalog), and pushed by signed webhooks. Jobs live in the
// catalog, so they survive restarts; another user's job is NotFound. Knows no HTTP.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "catalog/catalog.h"
#include "lipsync/key_sealer.h"
#include "lipsync/provider.h"
#include "service/lipsync_request.h"
#include "util/clock.h"
#include "util/status.h"

namespace swha::service {

// Jobs per page of a listing: the default and the most one page may ask for.
inline constexpr int kDefaultLipsyncPageSize = 20;
inline constexpr int kMaxLipsyncPageSize = 100;
// The longest a wait may be asked to last, and the range of its poll interval.
inline constexpr int64_t kMaxLipsyncWaitSeconds = 3600;
// The original's defaults for wait's timeout and poll_interval, and cleanup's hours_old.
inline constexpr int64_t kDefaultLipsyncWaitSeconds = 300;
inline constexpr int64_t kDefaultLipsyncPollIntervalSeconds = 10;
inline constexpr int64_t kDefaultLipsyncCleanupHours = 24;
inline constexpr int64_t kMinLipsyncPollIntervalSeconds = 1;
inline constexpr int64_t kMaxLipsyncPollIntervalSeconds = 300;
// The oldest cleanup cutoff accepted, in hours (a century).
inline constexpr int64_t kMaxLipsyncCleanupHours = 24 * 36500;

struct LipsyncConfig {
  std::string server_api_key;   // SYNC_API_KEY (secret); used when a caller gives none
  std::string webhook_secret;   // SYNC_WEBHOOK_SECRET (secret); webhooks are refused without
  std::string public_base_url;  // PUBLIC_BASE_URL; with the secret, jobs carry a webhookUrl
  // A read asks the provider when the job was last heard of longer ago than this.
  int64_t refresh_after_ms = 5000;
  // Background polling: the first interval, growing with the job's age up to the maximum.
  int64_t poll_interval_ms = 10000;
  int64_t max_poll_interval_ms = 300000;
  int64_t lease_ms = 60000;     // how long one instance holds a job it polls
  int poll_batch = 16;          // jobs leased per round
  int64_t poll_tick_ms = 1000;  // how often the poller looks for due jobs
  // A job the provider never acknowledged is given up (FAILED) after this long.
  int64_t give_up_submitting_ms = 24LL * 3600 * 1000;
  // A new job is not due for the poller before its own create has had every attempt (3 x
  // SYNC_API_TIMEOUT_MS, back-off and Retry-After): the two would send the create at once.
  int64_t create_grace_ms = 120000;
  // After this many failed polls in a row (a revoked key, a SECRET_KEY that changed), the
  // poller stops asking; reads still do.
  int64_t max_poll_failures = 30;

  Status Validate() const;
  std::string ToString() const;  // no secrets
};

struct LipsyncWaitResult {
  catalog::LipsyncJob job;
  bool timed_out = false;
};

// Thread-safe.
class LipsyncService {
 public:
  // Borrowed pointers must outlive the service. `instance_id` names this process in leases.
  // The request context's public_base_url and webhooks_enabled follow `config`.
  LipsyncService(LipsyncConfig config, catalog::Catalog* catalog,
                 lipsync::LipsyncProvider* provider, const lipsync::KeySealer* sealer,
                 LipsyncRequestContext request_context, const Clock* clock,
                 std::string instance_id);
  ~LipsyncService();  // stops the poller
  LipsyncService(const LipsyncService&) = delete;
  LipsyncService& operator=(const LipsyncService&) = delete;

  // Every field error of `request`, as ValidateLipsyncRequest.
  std::vector<Status> Validate(const LipsyncCreateRequest& request) const;
  // Records the job, then submits it. On the provider's refusal the job is recorded as FAILED
  // and the refusal returned (Unauthenticated, PaymentRequired, RateLimited, InvalidArgument);
  // when the provider could not be heard (Unavailable, BadGateway) the job stays SUBMITTING and
  // is sent again, with the same Idempotency-Key, by the next read or poll.
  Result<catalog::LipsyncJob> Create(const Principal& principal,
                                     const LipsyncCreateRequest& request);
  // The job, asked of the provider first when it is not final and was last heard of more than
  // refresh_after_ms ago (with `api_key` if given, else the one it was created with). A failed
  // refresh is logged; the stored state is returned.
  Result<catalog::LipsyncJob> Get(const Principal& principal, std::string_view job_id,
                                  const std::optional<std::string>& api_key);
  // Returns as soon as the job is final, or after `timeout_seconds` with timed_out set; looks
  // again every `poll_interval_seconds` and whenever this instance hears of the job. The
  // thread waits inside a BlockingRegion. InvalidField "timeout" / "poll_interval".
  Result<LipsyncWaitResult> Wait(const Principal& principal, std::string_view job_id,
                                 int64_t timeout_seconds, int64_t poll_interval_seconds,
                                 const std::optional<std::string>& api_key);
  Result<catalog::LipsyncJobPage> List(const Principal& principal, int limit,
                                       std::optional<std::string_view> cursor);
  // Forgets the caller's final jobs last updated more than `hours_old` hours ago; how many.
  Result<int64_t> Cleanup(const Principal& principal, int64_t hours_old);
  // A webhook delivery: BadRequest for a missing, wrong or stale signature (nothing changes);
  // NotFound when no job of ours matches (by provider id, or by `job_id` from the webhook URL
  // for a job whose create answer has not been recorded yet), so the provider delivers again;
  // else the job as stored afterwards.
  Result<catalog::LipsyncJob> ApplyWebhook(std::string_view signature_header, std::string_view body,
                                           const std::optional<std::string>& job_id);

  // One round of background polling: leases due jobs and refreshes each.
  void PollDueJobs();
  // Runs PollDueJobs every poll_tick_ms on a thread of its own until Shutdown.
  void StartPoller();
  // Ends every Wait (Unavailable) and stops the poller; for a server that is stopping, so no
  // request is left waiting for a job. Idempotent.
  void Shutdown();

  const LipsyncConfig& config() const { return config_; }

 private:
  Result<catalog::LipsyncJob> FindOwned(const Principal& principal, std::string_view job_id);
  // The key to use for `job`: `override` if given, the sealed one, else the server's.
  Result<std::string> KeyFor(const catalog::LipsyncJob& job,
                             const std::optional<std::string>& override_key) const;
  // Asks the provider (or, for a job still SUBMITTING, submits it again with the key it was made
  // with, never `api_key`) and records the answer.
  Result<catalog::LipsyncJob> Refresh(const catalog::LipsyncJob& job,
                                      const std::optional<std::string>& api_key);
  // Sends the job's create (again); the caller holds the job's RefreshGuard.
  Result<catalog::LipsyncJob> Submit(const catalog::LipsyncJob& job, const std::string& key);
  Result<catalog::LipsyncJob> Record(const std::string& job_id, const lipsync::ProviderJob& seen);
  Result<catalog::LipsyncJob> RecordFailure(const std::string& job_id, const Status& why,
                                            std::string_view error_code);
  int64_t NextPollDelayMs(const catalog::LipsyncJob& job) const;
  void NotifyChanged();
  void PollerLoop();

  const LipsyncConfig config_;
  catalog::Catalog* const catalog_;
  lipsync::LipsyncProvider* const provider_;
  const lipsync::KeySealer* const sealer_;
  LipsyncRequestContext request_context_;  // set in the constructor, then read-only
  const Clock* const clock_;
  const std::string instance_id_;

  std::mutex mu_;
  std::condition_variable changed_;            // a job changed, or the service is ending
  uint64_t change_count_ = 0;                  // guarded by mu_
  std::set<std::string> refreshing_;           // jobs being refreshed now; guarded by mu_
  std::map<std::string, int64_t> last_tried_;  // job → last refresh attempt (ms); guarded by mu_
  bool stopping_ = false;                      // guarded by mu_
  std::thread poller_;
};

}  // namespace swha::service
