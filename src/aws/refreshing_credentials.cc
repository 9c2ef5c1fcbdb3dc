#include "aws/refreshing_credentials.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace swha::aws {

std::optional<int64_t> RefreshDueAt(const storage::CredentialsSnapshot& snapshot,
                                    int64_t fetched_at, int64_t refresh_ahead_seconds) {
  if (!snapshot.expires_at_unix) return std::nullopt;
  const int64_t expires = *snapshot.expires_at_unix;
  const int64_t lifetime = std::max<int64_t>(expires - fetched_at, 0);
  return expires - std::min(refresh_ahead_seconds, lifetime / 2);
}

Result<std::unique_ptr<RefreshingCredentials>> RefreshingCredentials::Start(
    std::unique_ptr<CredentialProvider> provider, std::optional<storage::CredentialsSnapshot> first,
    const Clock* clock, RefreshOptions options, const metrics::ServiceMetrics* metrics) {
  if (provider == nullptr || clock == nullptr) {
    return Status::Internal("RefreshingCredentials: a provider and a clock are required");
  }
  Status first_failure;
  if (!first) {
    Result<storage::CredentialsSnapshot> fetched = provider->Fetch();
    if (!fetched.ok() && !options.start_without_credentials) return fetched.status();
    first_failure = fetched.status();
    if (fetched.ok()) first = *std::move(fetched);
  }
  auto made = std::unique_ptr<RefreshingCredentials>(
      new RefreshingCredentials(std::move(provider), clock, options, metrics));
  const int64_t now = clock->NowUnixSeconds();
  if (first) {
    made->Install(*std::move(first), now);
  } else {
    // Empty credentials sign nothing (S3Client says why); the thread keeps trying.
    made->SetCurrent(std::make_shared<const storage::CredentialsSnapshot>());
    std::lock_guard<std::mutex> lock(made->mu_);
    made->last_error_ = first_failure;
    made->next_retry_seconds_ = options.first_retry_seconds;
    const int64_t wait = made->BackOff(now);
    spdlog::warn(
        "AWS credentials ({}) not fetched: {}; S3 is not used until they are (again in "
        "{} s)",
        made->provider_->source(), first_failure.message(), wait);
  }
  if (options.background && made->NextRefreshAt()) {
    made->thread_ = std::thread([raw = made.get()] { raw->RunBackground(); });
  }
  return made;
}

RefreshingCredentials::RefreshingCredentials(std::unique_ptr<CredentialProvider> provider,
                                             const Clock* clock, RefreshOptions options,
                                             const metrics::ServiceMetrics* metrics)
    : provider_(std::move(provider)), clock_(clock), options_(options), metrics_(metrics) {}

RefreshingCredentials::~RefreshingCredentials() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<const storage::CredentialsSnapshot> RefreshingCredentials::Current() const {
  return current_.Load();
}

bool RefreshingCredentials::IsCurrent(const storage::CredentialsSnapshot& held) const {
  return current_address_.load(std::memory_order_acquire) == &held;
}

void RefreshingCredentials::SetCurrent(
    std::shared_ptr<const storage::CredentialsSnapshot> snapshot) {
  const storage::CredentialsSnapshot* address = snapshot.get();
  current_.Store(std::move(snapshot));
  current_address_.store(address, std::memory_order_release);
}

std::optional<int64_t> RefreshingCredentials::NextRefreshAt() const {
  std::lock_guard<std::mutex> lock(mu_);
  return due_at_;
}

Status RefreshingCredentials::LastError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_error_;
}

bool RefreshingCredentials::Install(storage::CredentialsSnapshot snapshot, int64_t fetched_at) {
  auto fresh = std::make_shared<const storage::CredentialsSnapshot>(std::move(snapshot));
  std::lock_guard<std::mutex> lock(mu_);
  const std::shared_ptr<const storage::CredentialsSnapshot> old = current_.Load();
  const bool newer = old == nullptr || !old->expires_at_unix || !fresh->expires_at_unix ||
                     *fresh->expires_at_unix > *old->expires_at_unix;
  SetCurrent(fresh);
  last_error_ = Status::Ok();
  if (!newer) {
    BackOff(fetched_at);
    return false;
  }
  due_at_ = RefreshDueAt(*fresh, fetched_at, options_.refresh_ahead_seconds);
  if (due_at_) due_at_ = std::max(*due_at_, fetched_at + kMinRefreshIntervalSeconds);
  next_retry_seconds_ = options_.first_retry_seconds;
  return true;
}

int64_t RefreshingCredentials::BackOff(int64_t now) {
  const int64_t wait = std::max<int64_t>(static_cast<int64_t>(std::ceil(next_retry_seconds_)),
                                         kMinRefreshIntervalSeconds);
  due_at_ = now + wait;
  next_retry_seconds_ = std::min(next_retry_seconds_ * 2, options_.max_retry_seconds);
  return wait;
}

std::optional<Status> RefreshingCredentials::RefreshIfDue() {
  const int64_t now = clock_->NowUnixSeconds();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!due_at_ || now < *due_at_) return std::nullopt;
  }
  // Fetched without the lock: Current() keeps answering with the old credentials meanwhile.
  Result<storage::CredentialsSnapshot> fetched = provider_->Fetch();
  const std::string source(provider_->source());
  if (fetched.ok()) {
    if (metrics_ != nullptr) metrics_->credential_refreshes->CounterFor({source, "success"}).Add();
    const bool newer = Install(*std::move(fetched), now);
    spdlog::info("AWS credentials ({}) refreshed{}; next refresh at {}", source,
                 newer ? "" : ", but they expire no later than before",
                 FormatIso8601Utc(NextRefreshAt().value_or(0)));
    return Status::Ok();
  }
  if (metrics_ != nullptr) metrics_->credential_refreshes->CounterFor({source, "failed"}).Add();
  int64_t wait = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = fetched.status();
    wait = BackOff(now);
  }
  const std::shared_ptr<const storage::CredentialsSnapshot> current = Current();
  spdlog::warn(
      "AWS credentials ({}) not refreshed, the last ones stay in force{}: {}; again in "
      "{} s",
      source,
      current->expires_at_unix && *current->expires_at_unix <= now ? " though they have expired"
                                                                   : "",
      fetched.status().message(), wait);
  return fetched.status();
}

void RefreshingCredentials::RunBackground() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!due_at_) return;  // long-term credentials: nothing to do, ever
    const int64_t wait_seconds = std::max<int64_t>(*due_at_ - clock_->NowUnixSeconds(), 0);
    if (wait_seconds > 0) {
      // Woken early only to stop; the clock decides whether the refresh is due.
      wake_.wait_for(lock, std::chrono::seconds(wait_seconds), [this] { return stopping_; });
      continue;
    }
    lock.unlock();
    RefreshIfDue();
    lock.lock();
  }
}

}  // namespace swha::aws
