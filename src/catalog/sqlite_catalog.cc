// The embedded catalog: one SQLite connection behind a mutex. Each call is a few small
// statements, so serializing them costs less than a pool would, and WAL mode lets other
// processes (the CLI) read while the service writes.
#include <algorithm>
#include <mutex>

#include "catalog/catalog.h"
#include "catalog/rows.h"
#include "catalog/schema.h"
#include "catalog/sqlite_checkpointer.h"
#include "catalog/sqlite_statement.h"

namespace swha::catalog {
namespace {

// SQL written with PostgreSQL's $N placeholders (rows.h), as SQLite's ?N.
std::string SqliteNumbered(std::string_view sql) {
  std::string out(sql);
  std::replace(out.begin(), out.end(), '$', '?');
  return out;
}

constexpr int kBusyTimeoutMs = 5000;

// Binds the user's writable fields, in kUserColumns' order from username on, to ?1..?8.
Statement& BindUserFields(Statement* s, const User& u) {
  return s->Bind(1, u.username)
      .Bind(2, u.email)
      .Bind(3, u.full_name)
      .Bind(4, u.bio)
      .Bind(5, u.password_hash)
      .Bind(6, int64_t{u.is_active})
      .Bind(7, int64_t{u.is_superuser})
      .Bind(8, u.token_version);
}

class SqliteCatalog : public Catalog {
 public:
  explicit SqliteCatalog(sqlite3* db) : db_(db), statements_(db) {}
  // close_v2 waits for statements_ (destroyed after this body) to finalize its statements. The
  // checkpointer's connection closes first: the last connection's close folds the log in.
  ~SqliteCatalog() override {
    checkpointer_.reset();
    sqlite3_close_v2(db_);
  }

  // REQUIRES: called once, before the catalog is shared.
  Status StartCheckpointer(const std::string& path) {
    SWHA_ASSIGN_OR_RETURN(checkpointer_, SqliteCheckpointer::Start(db_, path));
    return Status::Ok();
  }

  Status Exec(std::string_view sql, std::string_view what) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error);
    sqlite3_free(error);
    return SqliteStatus(db_, rc == SQLITE_OK ? rc : sqlite3_extended_errcode(db_), what);
  }

  // Applies every migration newer than the file's version, in one transaction.
  Status Migrate() {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction("migrate", [this] { return MigrateLocked(); });
  }

  Status Ping() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, std::string(kPingSql));
    return s.Step("ping").status();
  }

  Result<User> CreateUser(const User& user) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "INSERT INTO users (username, email, full_name, bio, password_hash, is_active, "
                "is_superuser, token_version, created_at) VALUES (?,?,?,?,?,?,?,?,?) "
                "RETURNING id");
    BindUserFields(&s, user).Bind(9, user.created_at);
    SWHA_ASSIGN_OR_RETURN(bool row, s.Step("create user"));
    if (!row) return Status::Internal("create user: no id returned");
    User out = user;
    out.id = s.Int(0);
    return out;
  }

  Result<User> FindUserById(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?");
    s.Bind(1, id);
    return OneUser(&s);
  }

  Result<User> FindUserByUsername(std::string_view username) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "SELECT " + std::string(kUserColumns) +
                                  " FROM users WHERE lower(username) = lower(?)");
    s.Bind(1, username);
    return OneUser(&s);
  }

  Result<User> UpdateProfile(int64_t id, const ProfileFields& f, int64_t now_unix) override {
    std::lock_guard<std::mutex> lock(mu_);
    // COALESCE keeps a column whose new value is NULL (not given).
    Statement s(&statements_,
                "UPDATE users SET username = COALESCE(?, username), email = COALESCE(?, email), "
                "full_name = COALESCE(?, full_name), bio = COALESCE(?, bio), updated_at = ? "
                "WHERE id = ? RETURNING " +
                    std::string(kUserColumns));
    s.Bind(1, f.username).Bind(2, f.email).Bind(3, f.full_name).Bind(4, f.bio);
    s.Bind(5, now_unix).Bind(6, id);
    return OneUser(&s);
  }

  Result<User> SetPassword(int64_t id, std::string_view password_hash, int64_t now_unix) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "UPDATE users SET password_hash = ?, token_version = token_version + 1, "
                "updated_at = ? WHERE id = ? RETURNING " +
                    std::string(kUserColumns));
    s.Bind(1, password_hash).Bind(2, now_unix).Bind(3, id);
    return OneUser(&s);
  }

  Result<User> SetUserFlags(int64_t id, std::optional<bool> is_active,
                            std::optional<bool> is_superuser, int64_t now_unix) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "UPDATE users SET is_active = COALESCE(?, is_active), "
                "is_superuser = COALESCE(?, is_superuser), updated_at = ? WHERE id = ? "
                "RETURNING " +
                    std::string(kUserColumns));
    auto flag = [](std::optional<bool> b) {
      return b ? std::optional<int64_t>(*b ? 1 : 0) : std::nullopt;
    };
    s.Bind(1, flag(is_active)).Bind(2, flag(is_superuser)).Bind(3, now_unix).Bind(4, id);
    return OneUser(&s);
  }

  Result<std::vector<User>> ListUsers(int64_t skip, int64_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "SELECT " + std::string(kUserColumns) + " FROM users ORDER BY id LIMIT ? OFFSET ?");
    s.Bind(1, limit).Bind(2, skip);
    std::vector<User> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("list users"));
      if (!row) return out;
      out.push_back(ReadUser(s));
    }
  }

  Status DeleteUser(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "DELETE FROM users WHERE id = ?");
    s.Bind(1, id);
    SWHA_RETURN_IF_ERROR(s.Run("delete user"));
    return sqlite3_changes(db_) == 0 ? Status::NotFound("User not found") : Status::Ok();
  }

  Result<ApiKey> CreateApiKey(const ApiKey& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "INSERT INTO api_keys (user_id, name, prefix, key_sha256, created_at, expires_at) "
                "VALUES (?,?,?,?,?,?) RETURNING id");
    s.Bind(1, key.user_id)
        .Bind(2, key.name)
        .Bind(3, key.prefix)
        .Bind(4, key.key_sha256)
        .Bind(5, key.created_at)
        .Bind(6, key.expires_at);
    SWHA_ASSIGN_OR_RETURN(bool row, s.Step("create API key"));
    if (!row) return Status::Internal("create API key: no id returned");
    ApiKey out = key;
    out.id = s.Int(0);
    return out;
  }

  Result<ApiKey> FindApiKeyByHash(std::string_view key_sha256) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "SELECT " + std::string(kApiKeyColumns) + " FROM api_keys WHERE key_sha256 = ?");
    s.Bind(1, key_sha256);
    SWHA_ASSIGN_OR_RETURN(bool row, s.Step("find API key"));
    if (!row) return Status::NotFound("API key not found");
    return ReadApiKey(s);
  }

  Result<std::vector<ApiKey>> ListApiKeys(int64_t user_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "SELECT " + std::string(kApiKeyColumns) +
                                  " FROM api_keys WHERE user_id = ? ORDER BY id");
    s.Bind(1, user_id);
    std::vector<ApiKey> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("list API keys"));
      if (!row) return out;
      out.push_back(ReadApiKey(s));
    }
  }

  Status DeleteApiKey(int64_t user_id, int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "DELETE FROM api_keys WHERE id = ? AND user_id = ?");
    s.Bind(1, id).Bind(2, user_id);
    SWHA_RETURN_IF_ERROR(s.Run("delete API key"));
    return sqlite3_changes(db_) == 0 ? Status::NotFound("API key not found") : Status::Ok();
  }

  Status TouchApiKey(int64_t id, int64_t now_unix) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "UPDATE api_keys SET last_used_at = ? WHERE id = ?");
    s.Bind(1, now_unix).Bind(2, id);
    return s.Run("touch API key");
  }

  Status RecordSession(const SessionRecord& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction("record session", [this, &r] { return RecordSessionLocked(r); });
  }

  Result<SessionRecord> GetSession(std::string_view session_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "SELECT " + std::string(kSessionColumns) +
                                  " FROM sessions WHERE session_id = ? AND " +
                                  std::string(kNotBeingRemoved));
    s.Bind(1, session_id);
    return OneSessionLocked(&s, "get session");
  }

  Result<SessionPage> ListSessions(std::string_view owner, int limit,
                                   std::optional<std::string_view> cursor) override {
    std::lock_guard<std::mutex> lock(mu_);
    SessionPage page;
    SWHA_ASSIGN_OR_RETURN(
        page.next_cursor,
        PageLocked(kSessionColumns, "sessions", kNotBeingRemoved, owner, limit, cursor,
                   [&](const Statement& row) { page.sessions.push_back(ReadSession(row)); }));
    for (SessionRecord& r : page.sessions) SWHA_RETURN_IF_ERROR(LoadSegmentsLocked(&r));
    return page;
  }

  Result<std::vector<SessionRecord>> SessionsCreatedBefore(std::optional<std::string_view> owner,
                                                           int64_t cutoff_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "SELECT " + std::string(kSessionColumns) +
                    " FROM sessions WHERE created_at_ms < ? AND (? IS NULL OR owner = ?) AND " +
                    std::string(kNotBeingRemoved) + " ORDER BY id");
    s.Bind(1, cutoff_ms);
    const std::optional<std::string> owner_text =
        owner ? std::optional<std::string>(std::string(*owner)) : std::nullopt;
    s.Bind(2, owner_text).Bind(3, owner_text);
    return AllSessionsLocked(&s, "old sessions");
  }

  Result<std::vector<OwnerUsage>> StorageUsage() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, std::string(kStorageUsageSql));
    std::vector<OwnerUsage> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("storage usage"));
      if (!row) break;
      out.push_back(ReadOwnerUsage(s));
    }
    return out;
  }

  Status DeleteSession(std::string_view session_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, "DELETE FROM sessions WHERE session_id = ?");
    s.Bind(1, session_id);
    SWHA_RETURN_IF_ERROR(s.Run("delete session"));
    return sqlite3_changes(db_) == 0 ? Status::NotFound("Session not found") : Status::Ok();
  }

  Result<SessionRecord> BeginSessionRemoval(std::string_view session_id, int64_t now_ms,
                                            int64_t retry_at_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Result<SessionRecord> marked = Status::NotFound("Session not found");
    // One writer at a time: an upload recorded before the mark is in the row read here, and
    // none can be recorded after it (its outbox entry is gone).
    SWHA_RETURN_IF_ERROR(InTransaction("begin session removal", [&]() -> Status {
      Statement mark(&statements_,
                     "UPDATE sessions SET removal_started_ms = ?1, removal_next_attempt_ms = ?2 "
                     "WHERE session_id = ?3 AND " +
                         std::string(kNotBeingRemoved));
      mark.Bind(1, now_ms).Bind(2, retry_at_ms).Bind(3, session_id);
      SWHA_RETURN_IF_ERROR(mark.Run("begin session removal"));
      if (sqlite3_changes(db_) == 0) return Status::NotFound("Session not found");
      Statement dequeue(&statements_, "DELETE FROM upload_outbox WHERE session_id = ?");
      dequeue.Bind(1, session_id);
      SWHA_RETURN_IF_ERROR(dequeue.Run("begin session removal"));
      Statement read(&statements_, "SELECT " + std::string(kSessionColumns) +
                                       " FROM sessions WHERE session_id = ?");
      read.Bind(1, session_id);
      marked = OneSessionLocked(&read, "begin session removal");
      return marked.status();
    }));
    return marked;
  }

  Result<std::vector<PendingRemoval>> ClaimDueSessionRemovals(int64_t now_ms,
                                                              int64_t claim_until_ms,
                                                              int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    // One statement, one writer at a time: a session claimed here is not due for another
    // process until the claim ends.
    Statement s(&statements_,
                "UPDATE sessions SET removal_next_attempt_ms = ?1 WHERE id IN (SELECT id FROM "
                "sessions WHERE removal_started_ms IS NOT NULL AND removal_next_attempt_ms <= ?2 "
                "ORDER BY removal_next_attempt_ms LIMIT ?3) RETURNING " +
                    std::string(kSessionColumns) + ", removal_attempts");
    s.Bind(1, claim_until_ms).Bind(2, now_ms).Bind(3, int64_t{limit});
    std::vector<PendingRemoval> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("claim session removals"));
      if (!row) break;
      out.push_back({.session = ReadSession(s), .attempts = s.Int(kSessionColumnCount)});
    }
    for (PendingRemoval& p : out) SWHA_RETURN_IF_ERROR(LoadSegmentsLocked(&p.session));
    return out;
  }

  Status RetrySessionRemovalLater(std::string_view session_id, int64_t next_attempt_ms,
                                  std::string_view last_error) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "UPDATE sessions SET removal_attempts = removal_attempts + 1, "
                "removal_next_attempt_ms = ?1, removal_error = ?2 WHERE session_id = ?3 AND "
                "removal_started_ms IS NOT NULL");
    s.Bind(1, next_attempt_ms).Bind(2, last_error).Bind(3, session_id);
    return s.Run("retry session removal later");
  }

  Result<std::vector<SessionRecord>> SessionsBeingRemoved() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "SELECT " + std::string(kSessionColumns) +
                    " FROM sessions WHERE removal_started_ms IS NOT NULL ORDER BY id");
    return AllSessionsLocked(&s, "sessions being removed");
  }

  Result<RemovalQueueStats> RemovalQueue() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, std::string(kRemovalQueueSql));
    SWHA_ASSIGN_OR_RETURN(bool row, s.Step("removal queue"));
    RemovalQueueStats stats;
    if (row) {
      stats.depth = s.Int(0);
      stats.oldest_started_ms = s.OptionalInt(1);
    }
    return stats;
  }

  Status MarkS3AudioExpired(std::string_view session_id, std::string_view s3_target,
                            int64_t now_unix) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction("mark S3 audio expired", [&]() -> Status {
      Statement exists(&statements_, "SELECT 1 FROM sessions WHERE session_id = ?");
      exists.Bind(1, session_id);
      SWHA_ASSIGN_OR_RETURN(bool row, exists.Step("mark S3 audio expired"));
      if (!row) return Status::NotFound("Session not found");
      Statement drop(&statements_, SqliteNumbered(kDropExpiredS3CopiesSql));
      drop.Bind(1, session_id).Bind(2, s3_target);
      SWHA_RETURN_IF_ERROR(drop.Run("mark S3 audio expired"));
      Statement mark(&statements_, SqliteNumbered(kMarkAudioExpiredSql));
      mark.Bind(1, session_id).Bind(2, now_unix).Bind(3, s3_target);
      return mark.Run("mark S3 audio expired");
    });
  }

  Status CreateLipsyncJob(const LipsyncJob& job) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string sql =
        "INSERT INTO lipsync_jobs (" + std::string(kLipsyncJobInsertColumns) + ") VALUES (?";
    for (int i = 1; i < kLipsyncJobInsertColumnCount; ++i) sql += ",?";
    sql += ")";
    Statement s(&statements_, sql);
    int i = 0;
    BindLipsyncJobValues(job, [&](const auto& v) { s.Bind(++i, v); });
    return s.Run("record lipsync job");
  }

  Result<LipsyncJob> GetLipsyncJob(std::string_view job_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return OneJobLocked("job_id", job_id);
  }

  Result<LipsyncJob> FindLipsyncJobByProviderId(std::string_view provider_job_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return OneJobLocked("provider_job_id", provider_job_id);
  }

  Result<LipsyncJob> ApplyLipsyncStatus(const LipsyncStatusUpdate& u) override {
    std::lock_guard<std::mutex> lock(mu_);
    static const std::string sql =
        LipsyncStatusUpdateSql([](int n) { return "?" + std::to_string(n); });
    const int64_t rank = LipsyncStatusRank(u.status);
    Statement s(&statements_, sql);
    s.Bind(1, u.status)
        .Bind(2, rank)
        .Bind(3, u.output_url)
        .Bind(4, u.output_duration)
        .Bind(5, u.error_message)
        .Bind(6, u.error_code)
        .Bind(7, u.now_ms)
        .Bind(8, u.provider_job_id)
        .Bind(9, u.job_id)
        .Bind(10, rank);
    SWHA_RETURN_IF_ERROR(s.Run("update lipsync job"));
    return OneJobLocked("job_id", u.job_id);
  }

  Result<LipsyncJobPage> ListLipsyncJobs(std::string_view owner, int limit,
                                         std::optional<std::string_view> cursor) override {
    std::lock_guard<std::mutex> lock(mu_);
    LipsyncJobPage page;
    SWHA_ASSIGN_OR_RETURN(
        page.next_cursor,
        PageLocked(kLipsyncJobColumns, "lipsync_jobs", "", owner, limit, cursor,
                   [&](const Statement& row) { page.jobs.push_back(ReadLipsyncJob(row)); }));
    Statement count(&statements_, "SELECT count(*) FROM lipsync_jobs WHERE owner = ?");
    count.Bind(1, owner);
    SWHA_ASSIGN_OR_RETURN(bool row, count.Step("count lipsync jobs"));
    if (row) page.total = count.Int(0);
    return page;
  }

  Result<std::vector<LipsyncJob>> LeaseDueLipsyncJobs(std::string_view holder, int64_t now_ms,
                                                      int64_t lease_until_ms, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    // One statement, and SQLite has one writer at a time: a job leased here is not due for
    // another process until the lease ends.
    Statement s(&statements_,
                "UPDATE lipsync_jobs SET lease_holder = ?1, lease_until_ms = ?2 WHERE id IN "
                "(SELECT id FROM lipsync_jobs WHERE status_rank < 3 AND next_poll_at_ms <= ?3 "
                "AND lease_until_ms <= ?3 ORDER BY next_poll_at_ms LIMIT ?4) RETURNING " +
                    std::string(kLipsyncJobColumns));
    s.Bind(1, holder).Bind(2, lease_until_ms).Bind(3, now_ms).Bind(4, int64_t{limit});
    std::vector<LipsyncJob> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("lease lipsync jobs"));
      if (!row) break;
      out.push_back(ReadLipsyncJob(s));
    }
    return out;
  }

  Status ScheduleLipsyncPoll(std::string_view job_id, std::string_view holder,
                             int64_t next_poll_at_ms, int64_t poll_failures) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "UPDATE lipsync_jobs SET next_poll_at_ms = ?1, poll_failures = ?2, "
                "lease_holder = NULL, lease_until_ms = 0 WHERE job_id = ?4 AND lease_holder = ?3");
    s.Bind(1, next_poll_at_ms).Bind(2, poll_failures).Bind(3, holder).Bind(4, job_id);
    return s.Run("schedule lipsync poll");
  }

  Result<std::vector<PendingUpload>> LeaseDueUploads(std::string_view holder, int64_t now_ms,
                                                     int64_t lease_until_ms, int limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    // One statement, one writer at a time: a segment leased here is not due for another
    // process until the lease ends.
    Statement s(&statements_,
                "UPDATE upload_outbox SET lease_holder = ?1, lease_until_ms = ?2 WHERE "
                "(session_id, idx) IN (SELECT session_id, idx FROM upload_outbox WHERE "
                "next_attempt_at_ms <= ?3 AND lease_until_ms <= ?3 ORDER BY queued_at_ms "
                "LIMIT ?4) RETURNING " +
                    std::string(kPendingUploadColumns));
    s.Bind(1, holder).Bind(2, lease_until_ms).Bind(3, now_ms).Bind(4, int64_t{limit});
    std::vector<PendingUpload> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("lease uploads"));
      if (!row) break;
      out.push_back(ReadPendingUpload(s));
    }
    return out;
  }

  Status CompleteUpload(std::string_view session_id, int index, std::string_view holder,
                        storage::Location location, std::string_view s3_key,
                        std::string_view s3_target) override {
    std::lock_guard<std::mutex> lock(mu_);
    return InTransaction("complete upload", [&]() -> Status {
      Statement q(&statements_,
                  "DELETE FROM upload_outbox WHERE session_id = ?1 AND idx = ?2 AND "
                  "lease_holder = ?3");
      q.Bind(1, session_id).Bind(2, int64_t{index}).Bind(3, holder);
      SWHA_RETURN_IF_ERROR(q.Run("complete upload"));
      if (sqlite3_changes(db_) == 0) return Status::NotFound("not queued under this lease");
      Statement g(&statements_,
                  "UPDATE segments SET location = ?1, s3_key = ?2, s3_target = ?3 "
                  "WHERE session_id = ?4 AND idx = ?5");
      g.Bind(1, LocationName(location))
          .Bind(2, s3_key)
          .Bind(3, s3_target)
          .Bind(4, session_id)
          .Bind(5, int64_t{index});
      return g.Run("complete upload");
    });
  }

  Status RetryUploadLater(std::string_view session_id, int index, std::string_view holder,
                          int64_t next_attempt_ms, std::string_view last_error) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "UPDATE upload_outbox SET attempts = attempts + 1, next_attempt_at_ms = ?1, "
                "last_error = ?2, lease_holder = NULL, lease_until_ms = 0 "
                "WHERE session_id = ?3 AND idx = ?4 AND lease_holder = ?5");
    s.Bind(1, next_attempt_ms)
        .Bind(2, last_error)
        .Bind(3, session_id)
        .Bind(4, int64_t{index})
        .Bind(5, holder);
    return s.Run("retry upload later");
  }

  Status ReleaseUploadLeases(std::string_view holder) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "UPDATE upload_outbox SET lease_holder = NULL, lease_until_ms = 0 "
                "WHERE lease_holder = ?1");
    s.Bind(1, holder);
    return s.Run("release upload leases");
  }

  Result<UploadQueueStats> UploadQueue() override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_, std::string(kUploadQueueSql));
    SWHA_ASSIGN_OR_RETURN(bool row, s.Step("upload queue"));
    UploadQueueStats stats;
    if (row) {
      stats.depth = s.Int(0);
      stats.oldest_queued_at_ms = s.OptionalInt(1);
    }
    return stats;
  }

  Result<int64_t> DeleteFinishedLipsyncJobs(std::string_view owner, int64_t cutoff_ms) override {
    std::lock_guard<std::mutex> lock(mu_);
    Statement s(&statements_,
                "DELETE FROM lipsync_jobs WHERE owner = ? AND status_rank >= 3 AND "
                "updated_at_ms < ?");
    s.Bind(1, owner).Bind(2, cutoff_ms);
    SWHA_RETURN_IF_ERROR(s.Run("delete lipsync jobs"));
    return int64_t{sqlite3_changes(db_)};
  }

 private:
  // Runs `body` in a write transaction: committed if it succeeds, rolled back otherwise, and
  // rolled back too if the COMMIT itself fails (SQLite may leave the transaction open then,
  // and every later BEGIN would fail). REQUIRES: mu_ held.
  template <typename Body>
  Status InTransaction(std::string_view what, const Body& body) {
    SWHA_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE", what));
    Status s = body();
    if (s.ok()) s = Exec("COMMIT", what);
    if (!s.ok() && sqlite3_get_autocommit(db_) == 0) (void)Exec("ROLLBACK", what);
    return s;
  }

  // REQUIRES: mu_ held, inside a transaction.
  Status MigrateLocked() {
    SWHA_RETURN_IF_ERROR(
        Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", "migrate"));
    int64_t version = 0;
    {
      Statement s(&statements_, "SELECT max(version) FROM schema_version");
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("migrate"));
      if (row && !s.IsNull(0)) version = s.Int(0);
    }
    SWHA_RETURN_IF_ERROR(CheckSchemaNotNewer(version));
    for (const Migration& m : Migrations()) {
      if (m.version <= version) continue;
      SWHA_RETURN_IF_ERROR(Exec(m.sqlite, "migration " + std::to_string(m.version)));
      Statement s(&statements_, "INSERT INTO schema_version (version) VALUES (?)");
      s.Bind(1, int64_t{m.version});
      SWHA_RETURN_IF_ERROR(s.Run("migrate"));
    }
    return Status::Ok();
  }

  // One page of `owner`'s rows of `table` (whose `columns` start with its id) that meet
  // `condition` ("" for all), newest first: `limit` rows with ids below `cursor`'s, each
  // handed to `add`. Returns the next page's cursor, nullopt on the last page. REQUIRES: mu_
  // held.
  template <typename Add>
  Result<std::optional<std::string>> PageLocked(std::string_view columns, std::string_view table,
                                                std::string_view condition, std::string_view owner,
                                                int limit, std::optional<std::string_view> cursor,
                                                const Add& add) {
    int64_t before = INT64_MAX;
    if (cursor) {
      SWHA_ASSIGN_OR_RETURN(before, ParseSessionCursor(*cursor));
    }
    const std::string also = condition.empty() ? "" : " AND " + std::string(condition);
    Statement s(&statements_, "SELECT " + std::string(columns) + " FROM " + std::string(table) +
                                  " WHERE owner = ? AND id < ?" + also +
                                  " ORDER BY id DESC LIMIT ?");
    s.Bind(1, owner).Bind(2, before).Bind(3, int64_t{limit} + 1);
    int64_t last_id = 0;
    for (int taken = 0;; ++taken) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("list " + std::string(table)));
      if (!row) return std::optional<std::string>();
      // One more than a page was asked for: if it came, there is a next page.
      if (taken == limit) return std::optional<std::string>(std::to_string(last_id));
      last_id = s.Int(0);
      add(s);
    }
  }

  // The job whose `column` (job_id or provider_job_id) is `value`. REQUIRES: mu_ held.
  Result<LipsyncJob> OneJobLocked(std::string_view column, std::string_view value) {
    Statement s(&statements_, "SELECT " + std::string(kLipsyncJobColumns) +
                                  " FROM lipsync_jobs WHERE " + std::string(column) + " = ?");
    s.Bind(1, value);
    SWHA_ASSIGN_OR_RETURN(bool row, s.Step("find lipsync job"));
    if (!row) return Status::NotFound("Lipsync job not found");
    return ReadLipsyncJob(s);
  }

  // REQUIRES: mu_ held.
  Result<User> OneUser(Statement* s) {
    SWHA_ASSIGN_OR_RETURN(bool row, s->Step("find user"));
    if (!row) return Status::NotFound("User not found");
    return ReadUser(*s);
  }

  // REQUIRES: mu_ held, inside a transaction.
  Status RecordSessionLocked(const SessionRecord& r) {
    Statement s(&statements_,
                "INSERT INTO sessions (session_id, owner, created_at_ms, voice, language_code, "
                "speed, split_pattern, text_length) VALUES (?,?,?,?,?,?,?,?)");
    s.Bind(1, r.session_id)
        .Bind(2, r.owner)
        .Bind(3, r.created_at_ms)
        .Bind(4, r.voice)
        .Bind(5, r.language_code)
        .Bind(6, r.speed)
        .Bind(7, r.split_pattern)
        .Bind(8, r.text_length);
    SWHA_RETURN_IF_ERROR(s.Run("record session"));
    for (const SegmentRecord& seg : r.segments) {
      Statement g(&statements_,
                  "INSERT INTO segments (session_id, idx, filename, graphemes, phonemes, "
                  "duration, byte_size, sha256, location, s3_key, s3_target, marks_filename) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
      g.Bind(1, r.session_id)
          .Bind(2, int64_t{seg.index})
          .Bind(3, seg.filename)
          .Bind(4, seg.graphemes)
          .Bind(5, seg.phonemes)
          .Bind(6, seg.duration_seconds)
          .Bind(7, seg.byte_size)
          .Bind(8, seg.sha256_hex)
          .Bind(9, LocationName(seg.location))
          .Bind(10, seg.s3_key)
          .Bind(11, seg.s3_target)
          .Bind(12, seg.marks_filename);
      SWHA_RETURN_IF_ERROR(g.Run("record segment"));
      if (seg.upload_pending) {
        Statement q(&statements_,
                    "INSERT INTO upload_outbox (session_id, idx, queued_at_ms, "
                    "next_attempt_at_ms) VALUES (?1, ?2, ?3, ?3)");
        q.Bind(1, r.session_id).Bind(2, int64_t{seg.index}).Bind(3, r.created_at_ms);
        SWHA_RETURN_IF_ERROR(q.Run("queue upload"));
      }
    }
    return Status::Ok();
  }

  // The one session `s` selects (kSessionColumns), with its segments. REQUIRES: mu_ held.
  Result<SessionRecord> OneSessionLocked(Statement* s, std::string_view what) {
    SWHA_ASSIGN_OR_RETURN(bool row, s->Step(what));
    if (!row) return Status::NotFound("Session not found");
    SessionRecord r = ReadSession(*s);
    SWHA_RETURN_IF_ERROR(LoadSegmentsLocked(&r));
    return r;
  }

  // Every session `s` selects (kSessionColumns), with its segments. REQUIRES: mu_ held.
  Result<std::vector<SessionRecord>> AllSessionsLocked(Statement* s, std::string_view what) {
    std::vector<SessionRecord> out;
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s->Step(what));
      if (!row) break;
      out.push_back(ReadSession(*s));
    }
    for (SessionRecord& r : out) SWHA_RETURN_IF_ERROR(LoadSegmentsLocked(&r));
    return out;
  }

  // REQUIRES: mu_ held.
  Status LoadSegmentsLocked(SessionRecord* r) {
    Statement s(&statements_, "SELECT " + std::string(kSegmentColumns) +
                                  " FROM segments WHERE session_id = ? ORDER BY idx");
    s.Bind(1, r->session_id);
    while (true) {
      SWHA_ASSIGN_OR_RETURN(bool row, s.Step("load segments"));
      if (!row) return Status::Ok();
      SWHA_ASSIGN_OR_RETURN(SegmentRecord seg, ReadSegment(s));
      r->segments.push_back(std::move(seg));
    }
  }

  std::mutex mu_;
  sqlite3* const db_;          // guarded by mu_
  StatementCache statements_;  // guarded by mu_
  // Set once by StartCheckpointer, before the catalog is shared; not guarded.
  std::unique_ptr<SqliteCheckpointer> checkpointer_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(db, rc, "open the catalog database");
    sqlite3_close_v2(db);
    return s;
  }
  auto catalog = std::make_unique<SqliteCatalog>(db);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // NORMAL is durable in WAL mode except for the last commits before a power failure, which
  // lose sessions whose audio was not fsynced either (docs/decisions.md).
  for (std::string_view pragma :
       {"PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"}) {
    SWHA_RETURN_IF_ERROR(catalog->Exec(pragma, "configure the catalog database"));
  }
  SWHA_RETURN_IF_ERROR(catalog->Migrate());
  SWHA_RETURN_IF_ERROR(catalog->StartCheckpointer(path));
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace swha::catalog
