// Forwards every call to another Catalog; tests subclass it and override what should fail
// (LevelDB's EnvWrapper pattern).
#pragma once

#include "catalog/catalog.h"

namespace swha::catalog {

class CatalogWrapper : public Catalog {
 public:
  // `target` is borrowed and must outlive the wrapper.
  explicit CatalogWrapper(Catalog* target) : target_(target) {}

  Status Ping() override { return target_->Ping(); }
  Result<User> CreateUser(const User& user) override { return target_->CreateUser(user); }
  Result<User> FindUserById(int64_t id) override { return target_->FindUserById(id); }
  Result<User> FindUserByUsername(std::string_view username) override {
    return target_->FindUserByUsername(username);
  }
  Result<User> UpdateProfile(int64_t id, const ProfileFields& fields, int64_t now_unix) override {
    return target_->UpdateProfile(id, fields, now_unix);
  }
  Result<User> SetPassword(int64_t id, std::string_view password_hash, int64_t now_unix) override {
    return target_->SetPassword(id, password_hash, now_unix);
  }
  Result<User> SetUserFlags(int64_t id, std::optional<bool> is_active,
                            std::optional<bool> is_superuser, int64_t now_unix) override {
    return target_->SetUserFlags(id, is_active, is_superuser, now_unix);
  }
  Result<std::vector<User>> ListUsers(int64_t skip, int64_t limit) override {
    return target_->ListUsers(skip, limit);
  }
  Status DeleteUser(int64_t id) override { return target_->DeleteUser(id); }
  Result<ApiKey> CreateApiKey(const ApiKey& key) override { return target_->CreateApiKey(key); }
  Result<ApiKey> FindApiKeyByHash(std::string_view key_sha256) override {
    return target_->FindApiKeyByHash(key_sha256);
  }
  Result<std::vector<ApiKey>> ListApiKeys(int64_t user_id) override {
    return target_->ListApiKeys(user_id);
  }
  Status DeleteApiKey(int64_t user_id, int64_t id) override {
    return target_->DeleteApiKey(user_id, id);
  }
  Status TouchApiKey(int64_t id, int64_t now_unix) override {
    return target_->TouchApiKey(id, now_unix);
  }
  Status RecordSession(const SessionRecord& session) override {
    return target_->RecordSession(session);
  }
  Result<SessionRecord> GetSession(std::string_view session_id) override {
    return target_->GetSession(session_id);
  }
  Result<SessionPage> ListSessions(std::string_view owner, int limit,
                                   std::optional<std::string_view> cursor) override {
    return target_->ListSessions(owner, limit, cursor);
  }
  Result<std::vector<SessionRecord>> SessionsCreatedBefore(std::optional<std::string_view> owner,
                                                           int64_t cutoff_ms) override {
    return target_->SessionsCreatedBefore(owner, cutoff_ms);
  }
  Result<std::vector<OwnerUsage>> StorageUsage() override { return target_->StorageUsage(); }
  Status DeleteSession(std::string_view session_id) override {
    return target_->DeleteSession(session_id);
  }
  Status MarkS3AudioExpired(std::string_view session_id, std::string_view s3_target,
                            int64_t now_unix) override {
    return target_->MarkS3AudioExpired(session_id, s3_target, now_unix);
  }
  Status CreateLipsyncJob(const LipsyncJob& job) override { return target_->CreateLipsyncJob(job); }
  Result<LipsyncJob> GetLipsyncJob(std::string_view job_id) override {
    return target_->GetLipsyncJob(job_id);
  }
  Result<LipsyncJob> FindLipsyncJobByProviderId(std::string_view provider_job_id) override {
    return target_->FindLipsyncJobByProviderId(provider_job_id);
  }
  Result<LipsyncJob> ApplyLipsyncStatus(const LipsyncStatusUpdate& update) override {
    return target_->ApplyLipsyncStatus(update);
  }
  Result<LipsyncJobPage> ListLipsyncJobs(std::string_view owner, int limit,
                                         std::optional<std::string_view> cursor) override {
    return target_->ListLipsyncJobs(owner, limit, cursor);
  }
  Result<std::vector<LipsyncJob>> LeaseDueLipsyncJobs(std::string_view holder, int64_t now_ms,
                                                      int64_t lease_until_ms, int limit) override {
    return target_->LeaseDueLipsyncJobs(holder, now_ms, lease_until_ms, limit);
  }
  Status ScheduleLipsyncPoll(std::string_view job_id, std::string_view holder,
                             int64_t next_poll_at_ms, int64_t poll_failures) override {
    return target_->ScheduleLipsyncPoll(job_id, holder, next_poll_at_ms, poll_failures);
  }
  Result<int64_t> DeleteFinishedLipsyncJobs(std::string_view owner, int64_t cutoff_ms) override {
    return target_->DeleteFinishedLipsyncJobs(owner, cutoff_ms);
  }
  Result<SessionRecord> BeginSessionRemoval(std::string_view session_id, int64_t now_ms,
                                            int64_t retry_at_ms) override {
    return target_->BeginSessionRemoval(session_id, now_ms, retry_at_ms);
  }
  Result<std::vector<PendingRemoval>> ClaimDueSessionRemovals(int64_t now_ms,
                                                              int64_t claim_until_ms,
                                                              int limit) override {
    return target_->ClaimDueSessionRemovals(now_ms, claim_until_ms, limit);
  }
  Status RetrySessionRemovalLater(std::string_view session_id, int64_t next_attempt_ms,
                                  std::string_view last_error) override {
    return target_->RetrySessionRemovalLater(session_id, next_attempt_ms, last_error);
  }
  Result<std::vector<SessionRecord>> SessionsBeingRemoved() override {
    return target_->SessionsBeingRemoved();
  }
  Result<RemovalQueueStats> RemovalQueue() override { return target_->RemovalQueue(); }
  Result<std::vector<PendingUpload>> LeaseDueUploads(std::string_view holder, int64_t now_ms,
                                                     int64_t lease_until_ms, int limit) override {
    return target_->LeaseDueUploads(holder, now_ms, lease_until_ms, limit);
  }
  Status CompleteUpload(std::string_view session_id, int index, std::string_view holder,
                        storage::Location location, std::string_view s3_key,
                        std::string_view s3_target) override {
    return target_->CompleteUpload(session_id, index, holder, location, s3_key, s3_target);
  }
  Status RetryUploadLater(std::string_view session_id, int index, std::string_view holder,
                          int64_t next_attempt_ms, std::string_view last_error) override {
    return target_->RetryUploadLater(session_id, index, holder, next_attempt_ms, last_error);
  }
  Status ReleaseUploadLeases(std::string_view holder) override {
    return target_->ReleaseUploadLeases(holder);
  }
  Result<UploadQueueStats> UploadQueue() override { return target_->UploadQueue(); }

 private:
  Catalog* target_;
};

}  // namespace swha::catalog
