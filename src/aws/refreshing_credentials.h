// Temporary credentials kept fresh: a background thread fetches new ones before the old expire
// (the AWS SDKs refresh 5 to 15 minutes ahead; here 5, or half the lifetime of short ones), so
// no request ever waits for a refresh. While a refresh fails, the last good credentials stay in
// force and the fetch is retried with back-off. Long-term credentials (no expiry) are fetched
// once and never again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "aws/credential_providers.h"
#include "metrics/service_metrics.h"
#include "storage/credentials_source.h"
#include "util/clock.h"
#include "util/locked_shared_ptr.h"
#include "util/status.h"

namespace swha::aws {

// Credentials that come back no newer than before (IMDS hands out the same set until shortly
// before it expires) are fetched again no sooner than this, and then with back-off.
inline constexpr int64_t kMinRefreshIntervalSeconds = 1;

struct RefreshOptions {
  int64_t refresh_ahead_seconds = 300;  // at most this long before the expiry
  double first_retry_seconds = 1;       // after a failed refresh, doubling up to ...
  double max_retry_seconds = 60;
  bool background = true;  // false: no thread; tests call RefreshIfDue themselves
  // When the first fetch fails: start anyway with no credentials (signing then fails and S3
  // is not used) and keep fetching with back-off, rather than fail. For the service, which
  // must not lose S3 for good to a moment's outage at start-up; a tool wants the error.
  bool start_without_credentials = false;
};

// When credentials fetched at `fetched_at` should be fetched again (unix seconds); nullopt
// when they never expire. Half their lifetime ahead for short-lived ones, so credentials that
// last a minute are refreshed after 30 s rather than at once.
std::optional<int64_t> RefreshDueAt(const storage::CredentialsSnapshot& snapshot,
                                    int64_t fetched_at, int64_t refresh_ahead_seconds);

// Thread-safe.
class RefreshingCredentials : public storage::CredentialsSource {
 public:
  // Fetches the first credentials now (unless `first` already holds them) and fails as that
  // fetch does, unless options.start_without_credentials. `clock` is borrowed; `metrics` (may be
  // null) counts refreshes.
  static Result<std::unique_ptr<RefreshingCredentials>> Start(
      std::unique_ptr<CredentialProvider> provider,
      std::optional<storage::CredentialsSnapshot> first, const Clock* clock,
      RefreshOptions options = {}, const metrics::ServiceMetrics* metrics = nullptr);
  ~RefreshingCredentials() override;
  RefreshingCredentials(const RefreshingCredentials&) = delete;
  RefreshingCredentials& operator=(const RefreshingCredentials&) = delete;

  std::shared_ptr<const storage::CredentialsSnapshot> Current() const override;
  bool IsCurrent(const storage::CredentialsSnapshot& held) const override;

  // Fetches when a refresh is due by the clock; returns whether it fetched and, if so, how
  // the fetch went. The background thread calls it; tests with a manual clock do.
  std::optional<Status> RefreshIfDue();
  // Unix seconds of the next refresh; nullopt when none is due (long-term keys).
  std::optional<int64_t> NextRefreshAt() const;
  // The last refresh's failure, or OK.
  Status LastError() const override;

 private:
  RefreshingCredentials(std::unique_ptr<CredentialProvider> provider, const Clock* clock,
                        RefreshOptions options, const metrics::ServiceMetrics* metrics);
  // Stores `snapshot` in current_, then its address in current_address_: a reader that sees the
  // new address sees the new current_ too. Two at once would leave the two disagreeing.
  // REQUIRES: mu_ held, or no other thread started yet.
  void SetCurrent(std::shared_ptr<const storage::CredentialsSnapshot> snapshot);
  // Makes `snapshot` current; returns whether it expires later than the one it replaced.
  bool Install(storage::CredentialsSnapshot snapshot, int64_t fetched_at);
  // After a failed or fruitless fetch: the next one after the back-off, which doubles.
  int64_t BackOff(int64_t now);  // REQUIRES: mu_ held
  void RunBackground();

  const std::unique_ptr<CredentialProvider> provider_;
  const Clock* const clock_;
  const RefreshOptions options_;
  const metrics::ServiceMetrics* const metrics_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  // Read without mu_ (every signature reads it: it has a lock of its own); written under mu_.
  LockedSharedPtr<const storage::CredentialsSnapshot> current_;
  // What current_ points to, for IsCurrent: a plain load, where current_'s costs a reference
  // count. A snapshot its caller holds cannot be freed, so its address is not reused meanwhile.
  std::atomic<const storage::CredentialsSnapshot*> current_address_{nullptr};
  std::optional<int64_t> due_at_;  // GUARDED_BY(mu_)
  double next_retry_seconds_ = 0;  // GUARDED_BY(mu_)
  Status last_error_;              // GUARDED_BY(mu_)
  bool stopping_ = false;          // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace swha::aws
