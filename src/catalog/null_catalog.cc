// A catalog that remembers nothing: what the service did before it had one. It exists only as
// the baseline of the catalog benchmark (bench/catalog_bench.cc, SWHA_BENCH_NULL_CATALOG=1),
// so that "generate with a catalog" is compared with "generate without" in the same build.
// Sessions are accepted and forgotten; every lookup is NotFound; accounts cannot be made.
#include "catalog/catalog.h"

namespace swha::catalog {
namespace {

Status NoAccounts() {
  return Status::Unavailable("accounts need a catalog; this server runs without one");
}

class NullCatalog : public Catalog {
 public:
  Status Ping() override { return Status::Ok(); }
  Result<User> CreateUser(const User&) override { return NoAccounts(); }
  Result<User> FindUserById(int64_t) override { return Status::NotFound("User not found"); }
  Result<User> FindUserByUsername(std::string_view) override {
    return Status::NotFound("User not found");
  }
  Result<User> UpdateProfile(int64_t, const ProfileFields&, int64_t) override {
    return Status::NotFound("User not found");
  }
  Result<User> SetPassword(int64_t, std::string_view, int64_t) override {
    return Status::NotFound("User not found");
  }
  Result<User> SetUserFlags(int64_t, std::optional<bool>, std::optional<bool>, int64_t) override {
    return Status::NotFound("User not found");
  }
  Result<std::vector<User>> ListUsers(int64_t, int64_t) override { return std::vector<User>{}; }
  Status DeleteUser(int64_t) override { return Status::NotFound("User not found"); }
  Result<ApiKey> CreateApiKey(const ApiKey&) override { return NoAccounts(); }
  Result<ApiKey> FindApiKeyByHash(std::string_view) override {
    return Status::NotFound("API key not found");
  }
  Result<std::vector<ApiKey>> ListApiKeys(int64_t) override { return std::vector<ApiKey>{}; }
  Status DeleteApiKey(int64_t, int64_t) override { return Status::NotFound("API key not found"); }
  Status TouchApiKey(int64_t, int64_t) override { return Status::Ok(); }
  Status RecordSession(const SessionRecord&) override { return Status::Ok(); }
  Result<SessionRecord> GetSession(std::string_view) override {
    return Status::NotFound("Session not found");
  }
  Result<SessionPage> ListSessions(std::string_view, int,
                                   std::optional<std::string_view>) override {
    return SessionPage{};
  }
  Result<std::vector<SessionRecord>> SessionsCreatedBefore(std::optional<std::string_view>,
                                                           int64_t) override {
    return std::vector<SessionRecord>{};
  }
  Status DeleteSession(std::string_view) override { return Status::NotFound("Session not found"); }
  Result<SessionRecord> BeginSessionRemoval(std::string_view, int64_t, int64_t) override {
    return Status::NotFound("Session not found");
  }
  Result<std::vector<PendingRemoval>> ClaimDueSessionRemovals(int64_t, int64_t, int) override {
    return std::vector<PendingRemoval>{};
  }
  Status RetrySessionRemovalLater(std::string_view, int64_t, std::string_view) override {
    return Status::Ok();
  }
  Result<std::vector<SessionRecord>> SessionsBeingRemoved() override {
    return std::vector<SessionRecord>{};
  }
  Result<RemovalQueueStats> RemovalQueue() override { return RemovalQueueStats{}; }
  Status MarkS3AudioExpired(std::string_view, std::string_view, int64_t) override {
    return Status::NotFound("Session not found");
  }
  Result<std::vector<OwnerUsage>> StorageUsage() override { return std::vector<OwnerUsage>{}; }
  Status CreateLipsyncJob(const LipsyncJob&) override { return NoAccounts(); }
  Result<LipsyncJob> GetLipsyncJob(std::string_view) override { return JobNotFound(); }
  Result<LipsyncJob> FindLipsyncJobByProviderId(std::string_view) override { return JobNotFound(); }
  Result<LipsyncJob> ApplyLipsyncStatus(const LipsyncStatusUpdate&) override {
    return JobNotFound();
  }
  Result<LipsyncJobPage> ListLipsyncJobs(std::string_view, int,
                                         std::optional<std::string_view>) override {
    return LipsyncJobPage{};
  }
  Result<std::vector<LipsyncJob>> LeaseDueLipsyncJobs(std::string_view, int64_t, int64_t,
                                                      int) override {
    return std::vector<LipsyncJob>{};
  }
  Status ScheduleLipsyncPoll(std::string_view, std::string_view, int64_t, int64_t) override {
    return Status::Ok();
  }
  Result<int64_t> DeleteFinishedLipsyncJobs(std::string_view, int64_t) override {
    return int64_t{0};
  }
  // Nothing is recorded, so nothing is queued.
  Result<std::vector<PendingUpload>> LeaseDueUploads(std::string_view, int64_t, int64_t,
                                                     int) override {
    return std::vector<PendingUpload>{};
  }
  Status CompleteUpload(std::string_view, int, std::string_view, storage::Location,
                        std::string_view, std::string_view) override {
    return Status::NotFound("Session not found");
  }
  Status RetryUploadLater(std::string_view, int, std::string_view, int64_t,
                          std::string_view) override {
    return Status::Ok();
  }
  Status ReleaseUploadLeases(std::string_view) override { return Status::Ok(); }
  Result<UploadQueueStats> UploadQueue() override { return UploadQueueStats{}; }

 private:
  static Status JobNotFound() { return Status::NotFound("Lipsync job not found"); }
};

}  // namespace

std::unique_ptr<Catalog> NewNullCatalog() { return std::make_unique<NullCatalog>(); }

}  // namespace swha::catalog
