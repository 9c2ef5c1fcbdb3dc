// A catalog that times every call into swha_catalog_query_duration_seconds{operation}
// (metrics/service_metrics.h) and forwards it; the service wraps its catalog in one.
#pragma once

#include <string_view>

#include "catalog/catalog_wrapper.h"
#include "metrics/service_metrics.h"
#include "util/clock.h"

namespace swha::catalog {

class TimedCatalog : public CatalogWrapper {
 public:
  // Both are borrowed and must outlive this.
  TimedCatalog(Catalog* target, const metrics::ServiceMetrics* metrics)
      : CatalogWrapper(target), metrics_(metrics) {}

  Result<User> CreateUser(const User& user) override {
    return Timed("create_user", [&] { return CatalogWrapper::CreateUser(user); });
  }

  Result<User> FindUserById(int64_t id) override {
    return Timed("find_user_by_id", [&] { return CatalogWrapper::FindUserById(id); });
  }

  Result<User> FindUserByUsername(std::string_view username) override {
    return Timed("find_user_by_username",
                 [&] { return CatalogWrapper::FindUserByUsername(username); });
  }

  Result<User> UpdateProfile(int64_t id, const ProfileFields& fields, int64_t now_unix) override {
    return Timed("update_profile",
                 [&] { return CatalogWrapper::UpdateProfile(id, fields, now_unix); });
  }

  Result<User> SetPassword(int64_t id, std::string_view password_hash, int64_t now_unix) override {
    return Timed("set_password",
                 [&] { return CatalogWrapper::SetPassword(id, password_hash, now_unix); });
  }

  Result<User> SetUserFlags(int64_t id, std::optional<bool> is_active,
                            std::optional<bool> is_superuser, int64_t now_unix) override {
    return Timed("set_user_flags", [&] {
      return CatalogWrapper::SetUserFlags(id, is_active, is_superuser, now_unix);
    });
  }

  Result<std::vector<User>> ListUsers(int64_t skip, int64_t limit) override {
    return Timed("list_users", [&] { return CatalogWrapper::ListUsers(skip, limit); });
  }

  Status DeleteUser(int64_t id) override {
    return Timed("delete_user", [&] { return CatalogWrapper::DeleteUser(id); });
  }

  Result<ApiKey> CreateApiKey(const ApiKey& key) override {
    return Timed("create_api_key", [&] { return CatalogWrapper::CreateApiKey(key); });
  }

  Result<ApiKey> FindApiKeyByHash(std::string_view key_sha256) override {
    return Timed("find_api_key_by_hash",
                 [&] { return CatalogWrapper::FindApiKeyByHash(key_sha256); });
  }

  Result<std::vector<ApiKey>> ListApiKeys(int64_t user_id) override {
    return Timed("list_api_keys", [&] { return CatalogWrapper::ListApiKeys(user_id); });
  }

  Status DeleteApiKey(int64_t user_id, int64_t id) override {
    return Timed("delete_api_key", [&] { return CatalogWrapper::DeleteApiKey(user_id, id); });
  }

  Status TouchApiKey(int64_t id, int64_t now_unix) override {
    return Timed("touch_api_key", [&] { return CatalogWrapper::TouchApiKey(id, now_unix); });
  }

  Status RecordSession(const SessionRecord& session) override {
    return Timed("record_session", [&] { return CatalogWrapper::RecordSession(session); });
  }

  Result<SessionRecord> GetSession(std::string_view session_id) override {
    return Timed("get_session", [&] { return CatalogWrapper::GetSession(session_id); });
  }

  Result<SessionPage> ListSessions(std::string_view owner, int limit,
                                   std::optional<std::string_view> cursor) override {
    return Timed("list_sessions",
                 [&] { return CatalogWrapper::ListSessions(owner, limit, cursor); });
  }

  Result<std::vector<SessionRecord>> SessionsCreatedBefore(std::optional<std::string_view> owner,
                                                           int64_t cutoff_ms) override {
    return Timed("sessions_created_before",
                 [&] { return CatalogWrapper::SessionsCreatedBefore(owner, cutoff_ms); });
  }

  Result<std::vector<OwnerUsage>> StorageUsage() override {
    return Timed("storage_usage", [&] { return CatalogWrapper::StorageUsage(); });
  }

  Status DeleteSession(std::string_view session_id) override {
    return Timed("delete_session", [&] { return CatalogWrapper::DeleteSession(session_id); });
  }

  Result<SessionRecord> BeginSessionRemoval(std::string_view session_id, int64_t now_ms,
                                            int64_t retry_at_ms) override {
    return Timed("begin_session_removal", [&] {
      return CatalogWrapper::BeginSessionRemoval(session_id, now_ms, retry_at_ms);
    });
  }

  Status MarkS3AudioExpired(std::string_view session_id, std::string_view s3_target,
                            int64_t now_unix) override {
    return Timed("mark_s3_audio_expired", [&] {
      return CatalogWrapper::MarkS3AudioExpired(session_id, s3_target, now_unix);
    });
  }

  Status CreateLipsyncJob(const LipsyncJob& job) override {
    return Timed("create_lipsync_job", [&] { return CatalogWrapper::CreateLipsyncJob(job); });
  }

  Result<LipsyncJob> GetLipsyncJob(std::string_view job_id) override {
    return Timed("get_lipsync_job", [&] { return CatalogWrapper::GetLipsyncJob(job_id); });
  }

  Result<LipsyncJob> FindLipsyncJobByProviderId(std::string_view provider_job_id) override {
    return Timed("find_lipsync_job_by_provider_id",
                 [&] { return CatalogWrapper::FindLipsyncJobByProviderId(provider_job_id); });
  }

  Result<LipsyncJob> ApplyLipsyncStatus(const LipsyncStatusUpdate& update) override {
    return Timed("apply_lipsync_status",
                 [&] { return CatalogWrapper::ApplyLipsyncStatus(update); });
  }

  Result<LipsyncJobPage> ListLipsyncJobs(std::string_view owner, int limit,
                                         std::optional<std::string_view> cursor) override {
    return Timed("list_lipsync_jobs",
                 [&] { return CatalogWrapper::ListLipsyncJobs(owner, limit, cursor); });
  }

  Result<std::vector<LipsyncJob>> LeaseDueLipsyncJobs(std::string_view holder, int64_t now_ms,
                                                      int64_t lease_until_ms, int limit) override {
    return Timed("lease_due_lipsync_jobs", [&] {
      return CatalogWrapper::LeaseDueLipsyncJobs(holder, now_ms, lease_until_ms, limit);
    });
  }

  Status ScheduleLipsyncPoll(std::string_view job_id, std::string_view holder,
                             int64_t next_poll_at_ms, int64_t poll_failures) override {
    return Timed("schedule_lipsync_poll", [&] {
      return CatalogWrapper::ScheduleLipsyncPoll(job_id, holder, next_poll_at_ms, poll_failures);
    });
  }

  Result<int64_t> DeleteFinishedLipsyncJobs(std::string_view owner, int64_t cutoff_ms) override {
    return Timed("delete_finished_lipsync_jobs",
                 [&] { return CatalogWrapper::DeleteFinishedLipsyncJobs(owner, cutoff_ms); });
  }

 private:
  template <typename Call>
  auto Timed(std::string_view operation, const Call& call) -> decltype(call()) {
    const Stopwatch watch;
    auto result = call();
    metrics_->catalog_duration->HistogramFor({operation}).Observe(watch.ElapsedSeconds());
    return result;
  }

  const metrics::ServiceMetrics* metrics_;
};

}  // namespace swha::catalog
