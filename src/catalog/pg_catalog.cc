// The shared catalog: PostgreSQL, for several instances acting as one service. Each call
// borrows a pooled connection for its few statements; writes that span rows run in a
// transaction, and migrations run under an advisory lock so that instances starting together
// apply each exactly once.
#include "catalog/pg_catalog.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "catalog/rows.h"
#include "catalog/schema.h"

namespace swha::catalog {
namespace {

// pg_advisory_xact_lock key for migrations: "swhamigr" in ASCII, so no other application
// sharing the database is likely to pick it.
constexpr int64_t kMigrationLockKey = 0x7377'6861'6d69'6772;

std::string Select(std::string_view columns, std::string_view rest) {
  std::string sql = "SELECT ";
  sql.append(columns).append(" ").append(rest);
  return sql;
}

std::string Returning(std::string_view statement, std::string_view columns) {
  std::string sql(statement);
  sql.append(" RETURNING ").append(columns);
  return sql;
}

// A PostgreSQL array literal of `values` ({"a","b",NULL}): every element quoted, with quotes
// and backslashes escaped, so no value can break out of its element.
template <typename T, typename Text>
std::string ArrayLiteral(const std::vector<T>& values, const Text& text_of) {
  std::string out = "{";
  for (const T& v : values) {
    if (out.size() > 1) out += ',';
    const std::optional<std::string> text = text_of(v);
    if (!text) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (char c : *text) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

// kSegmentColumns as columns of the segments table joined as `g` ("g.idx, g.filename, …"),
// built once.
const std::string& JoinedSegmentColumns() {
  static const std::string columns = [] {
    std::string out;
    for (std::string_view rest = kSegmentColumns; !rest.empty();) {
      const size_t comma = rest.find(", ");
      out += out.empty() ? "g." : ", g.";
      out += rest.substr(0, comma);
      rest = comma == std::string_view::npos ? "" : rest.substr(comma + 2);
    }
    return out;
  }();
  return columns;
}

// Every row, read by `read`.
template <typename Read>
auto ReadAll(const PgRows& rows, Read read) {
  std::vector<decltype(read(rows.row(0)))> out;
  out.reserve(static_cast<size_t>(rows.size()));
  for (int i = 0; i < rows.size(); ++i) out.push_back(read(rows.row(i)));
  return out;
}

Result<User> OneUser(Result<PgRows> rows) {
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return Status::NotFound("User not found");
  return ReadUser(rows->row(0));
}

class PostgresCatalog : public Catalog {
 public:
  explicit PostgresCatalog(PgPoolConfig config) : pool_(std::move(config)) {}

  // Applies every migration newer than the database's version in one transaction, holding a
  // transaction-scoped advisory lock so that concurrent starts wait for each other.
  Status Migrate() {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn->InTransaction("migrate", [&]() -> Status {
      SWHA_RETURN_IF_ERROR(conn->Query("SELECT pg_advisory_xact_lock($1)",
                                       PgParams().Add(kMigrationLockKey), "migrate")
                               .status());
      SWHA_RETURN_IF_ERROR(conn->Exec(
          "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)", "migrate"));
      SWHA_ASSIGN_OR_RETURN(PgRows rows,
                            conn->Query("SELECT max(version) FROM schema_version", {}, "migrate"));
      const int64_t version = rows.row(0).OptionalInt(0).value_or(0);
      SWHA_RETURN_IF_ERROR(CheckSchemaNotNewer(version));
      for (const Migration& m : Migrations()) {
        if (m.version <= version) continue;
        SWHA_RETURN_IF_ERROR(conn->Exec(m.postgres, "migration " + std::to_string(m.version)));
        SWHA_RETURN_IF_ERROR(conn->Query("INSERT INTO schema_version (version) VALUES ($1)",
                                         PgParams().Add(m.version), "migrate")
                                 .status());
      }
      return Status::Ok();
    });
  }

  Status Ping() override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn->Query(std::string(kPingSql), PgParams(), "ping").status();
  }

  Result<User> CreateUser(const User& u) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->DurableQuery("INSERT INTO users (username, email, full_name, bio, password_hash, "
                           "is_active, is_superuser, token_version, created_at) "
                           "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
                           PgParams()
                               .Add(u.username)
                               .Add(u.email)
                               .Add(u.full_name)
                               .Add(u.bio)
                               .Add(u.password_hash)
                               .Add(u.is_active)
                               .Add(u.is_superuser)
                               .Add(u.token_version)
                               .Add(u.created_at),
                           "create user"));
    if (rows.size() != 1) return Status::Internal("create user: no id returned");
    User out = u;
    out.id = rows.row(0).Int(0);
    return out;
  }

  Result<User> FindUserById(int64_t id) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return OneUser(conn->Query(Select(kUserColumns, "FROM users WHERE id = $1"), PgParams().Add(id),
                               "find user"));
  }

  Result<User> FindUserByUsername(std::string_view username) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return OneUser(conn->Query(Select(kUserColumns, "FROM users WHERE lower(username) = lower($1)"),
                               PgParams().Add(username), "find user"));
  }

  Result<User> UpdateProfile(int64_t id, const ProfileFields& f, int64_t now_unix) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    // COALESCE keeps a column whose new value is NULL (not given).
    return OneUser(conn->DurableQuery(
        Returning("UPDATE users SET username = COALESCE($1, username), "
                  "email = COALESCE($2, email), full_name = COALESCE($3, full_name), "
                  "bio = COALESCE($4, bio), updated_at = $5 WHERE id = $6",
                  kUserColumns),
        PgParams().Add(f.username).Add(f.email).Add(f.full_name).Add(f.bio).Add(now_unix).Add(id),
        "update user"));
  }

  Result<User> SetPassword(int64_t id, std::string_view password_hash, int64_t now_unix) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return OneUser(conn->DurableQuery(
        Returning("UPDATE users SET password_hash = $1, "
                  "token_version = token_version + 1, updated_at = $2 WHERE id = $3",
                  kUserColumns),
        PgParams().Add(password_hash).Add(now_unix).Add(id), "set password"));
  }

  Result<User> SetUserFlags(int64_t id, std::optional<bool> is_active,
                            std::optional<bool> is_superuser, int64_t now_unix) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return OneUser(conn->DurableQuery(
        Returning("UPDATE users SET is_active = COALESCE($1, is_active), "
                  "is_superuser = COALESCE($2, is_superuser), updated_at = $3 WHERE id = $4",
                  kUserColumns),
        PgParams().Add(is_active).Add(is_superuser).Add(now_unix).Add(id), "set user flags"));
  }

  Result<std::vector<User>> ListUsers(int64_t skip, int64_t limit) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows, conn->Query(Select(kUserColumns, "FROM users ORDER BY id LIMIT $1 OFFSET $2"),
                                 PgParams().Add(limit).Add(skip), "list users"));
    return ReadAll(rows, ReadUser<PgRows::Row>);
  }

  Status DeleteUser(int64_t id) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows, conn->DurableQuery("DELETE FROM users WHERE id = $1",
                                                          PgParams().Add(id), "delete user"));
    return rows.affected() == 0 ? Status::NotFound("User not found") : Status::Ok();
  }

  Result<ApiKey> CreateApiKey(const ApiKey& key) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->DurableQuery("INSERT INTO api_keys (user_id, name, prefix, key_sha256, created_at, "
                           "expires_at) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
                           PgParams()
                               .Add(key.user_id)
                               .Add(key.name)
                               .Add(key.prefix)
                               .Add(key.key_sha256)
                               .Add(key.created_at)
                               .Add(key.expires_at),
                           "create API key"));
    if (rows.size() != 1) return Status::Internal("create API key: no id returned");
    ApiKey out = key;
    out.id = rows.row(0).Int(0);
    return out;
  }

  Result<ApiKey> FindApiKeyByHash(std::string_view key_sha256) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows,
                          conn->Query(Select(kApiKeyColumns, "FROM api_keys WHERE key_sha256 = $1"),
                                      PgParams().Add(key_sha256), "find API key"));
    if (rows.size() == 0) return Status::NotFound("API key not found");
    return ReadApiKey(rows.row(0));
  }

  Result<std::vector<ApiKey>> ListApiKeys(int64_t user_id) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->Query(Select(kApiKeyColumns, "FROM api_keys WHERE user_id = $1 ORDER BY id"),
                    PgParams().Add(user_id), "list API keys"));
    return ReadAll(rows, ReadApiKey<PgRows::Row>);
  }

  Status DeleteApiKey(int64_t user_id, int64_t id) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows,
                          conn->DurableQuery("DELETE FROM api_keys WHERE id = $1 AND user_id = $2",
                                             PgParams().Add(id).Add(user_id), "delete API key"));
    return rows.affected() == 0 ? Status::NotFound("API key not found") : Status::Ok();
  }

  Status TouchApiKey(int64_t id, int64_t now_unix) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn
        ->Query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2",
                PgParams().Add(now_unix).Add(id), "touch API key")
        .status();
  }

  // One statement (so one round trip, atomic by itself): the session row, and its segments
  // from parallel arrays. Committed asynchronously (the connection's default; see
  // kServerOptions): a database crash may lose the last fraction of a second of sessions,
  // whose audio `catalog check` then finds as orphans.
  Status RecordSession(const SessionRecord& r) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    using Seg = SegmentRecord;
    auto column = [&r](auto text_of) { return ArrayLiteral(r.segments, text_of); };
    auto text = [](auto member) {
      return [member](const Seg& g) { return std::optional<std::string>(g.*member); };
    };
    PgParams params;
    params.Add(r.session_id)
        .Add(r.owner)
        .Add(r.created_at_ms)
        .Add(r.voice)
        .Add(r.language_code)
        .Add(r.speed)
        .Add(r.split_pattern)
        .Add(r.text_length)
        .Add(column([](const Seg& g) { return std::optional(std::to_string(g.index)); }))
        .Add(column(text(&Seg::filename)))
        .Add(column(text(&Seg::graphemes)))
        .Add(column(text(&Seg::phonemes)))
        .Add(column([](const Seg& g) { return std::optional(PgDoubleText(g.duration_seconds)); }))
        .Add(column([](const Seg& g) { return std::optional(std::to_string(g.byte_size)); }))
        .Add(column(text(&Seg::sha256_hex)))
        .Add(column([](const Seg& g) {
          return std::optional<std::string>(std::string(LocationName(g.location)));
        }))
        .Add(column([](const Seg& g) { return g.s3_key; }))
        .Add(column([](const Seg& g) { return g.s3_target; }))
        .Add(column([](const Seg& g) { return g.marks_filename; }))
        // The indexes queued for upload (NULL for the others, which ANY() never matches).
        .Add(column([](const Seg& g) {
          return g.upload_pending ? std::optional(std::to_string(g.index)) : std::nullopt;
        }));
    // One statement: the session, its segments and its outbox entries, or none of them.
    return conn
        ->Query(
            "WITH session AS (INSERT INTO sessions (session_id, owner, created_at_ms, voice, "
            "language_code, speed, split_pattern, text_length) "
            "VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING session_id), "
            "segment AS (INSERT INTO segments (session_id, idx, filename, graphemes, phonemes, "
            "duration, byte_size, sha256, location, s3_key, s3_target, marks_filename) "
            "SELECT session.session_id, g.* FROM session, unnest($9::integer[], $10::text[], "
            "$11::text[], $12::text[], $13::float8[], $14::bigint[], $15::text[], $16::text[], "
            "$17::text[], $18::text[], $19::text[]) AS g RETURNING session_id, idx) "
            "INSERT INTO upload_outbox (session_id, idx, queued_at_ms, next_attempt_at_ms) "
            "SELECT segment.session_id, segment.idx, $3, $3 FROM segment "
            "WHERE segment.idx = ANY($20::integer[])",
            params, "record session")
        .status();
  }

  Result<SessionRecord> GetSession(std::string_view session_id) override {
    SWHA_ASSIGN_OR_RETURN(
        std::vector<SessionRecord> found,
        SelectSessions("WHERE session_id = $1 AND " + std::string(kNotBeingRemoved), "",
                       PgParams().Add(session_id), "get session", nullptr));
    if (found.empty()) return Status::NotFound("Session not found");
    return std::move(found.front());
  }

  Result<SessionPage> ListSessions(std::string_view owner, int limit,
                                   std::optional<std::string_view> cursor) override {
    int64_t before = INT64_MAX;
    if (cursor) {
      SWHA_ASSIGN_OR_RETURN(before, ParseSessionCursor(*cursor));
    }
    std::vector<int64_t> ids;
    SWHA_ASSIGN_OR_RETURN(
        std::vector<SessionRecord> found,
        SelectSessions("WHERE owner = $1 AND id < $2 AND " + std::string(kNotBeingRemoved) +
                           " ORDER BY id DESC LIMIT $3",
                       "DESC", PgParams().Add(owner).Add(before).Add(int64_t{limit} + 1),
                       "list sessions", &ids));
    SessionPage page;
    // One more than a page was asked for: if it came, there is a next page.
    if (static_cast<int>(found.size()) > limit) {
      found.resize(static_cast<size_t>(limit));
      if (limit > 0) page.next_cursor = std::to_string(ids[static_cast<size_t>(limit) - 1]);
    }
    page.sessions = std::move(found);
    return page;
  }

  Result<std::vector<SessionRecord>> SessionsCreatedBefore(std::optional<std::string_view> owner,
                                                           int64_t cutoff_ms) override {
    const std::optional<std::string> owner_text =
        owner ? std::optional<std::string>(std::string(*owner)) : std::nullopt;
    return SelectSessions(
        "WHERE created_at_ms < $1 AND ($2::text IS NULL OR owner = $2::text) AND " +
            std::string(kNotBeingRemoved) + " ORDER BY id",
        "", PgParams().Add(cutoff_ms).Add(owner_text), "old sessions", nullptr);
  }

  Result<std::vector<OwnerUsage>> StorageUsage() override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows,
                          conn->Query(std::string(kStorageUsageSql), PgParams(), "storage usage"));
    std::vector<OwnerUsage> out;
    out.reserve(rows.size());
    for (int i = 0; i < rows.size(); ++i) out.push_back(ReadOwnerUsage(rows.row(i)));
    return out;
  }

  Status DeleteSession(std::string_view session_id) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows, conn->Query("DELETE FROM sessions WHERE session_id = $1",
                                                   PgParams().Add(session_id), "delete session"));
    return rows.affected() == 0 ? Status::NotFound("Session not found") : Status::Ok();
  }

  Result<SessionRecord> BeginSessionRemoval(std::string_view session_id, int64_t now_ms,
                                            int64_t retry_at_ms) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    Result<SessionRecord> marked = Status::NotFound("Session not found");
    // One transaction, so that a session is never marked without its row read back. The mark
    // and the dequeue are one statement: an upload being recorded holds its outbox entry's lock
    // until it commits, so the read (a later statement, a later snapshot under READ COMMITTED)
    // holds it; after the dequeue none can be recorded.
    SWHA_RETURN_IF_ERROR(conn->InTransaction("begin session removal", [&]() -> Status {
      SWHA_ASSIGN_OR_RETURN(
          PgRows rows,
          conn->Query("WITH marked AS (UPDATE sessions SET removal_started_ms = $1, "
                      "removal_next_attempt_ms = $2 WHERE session_id = $3 AND " +
                          std::string(kNotBeingRemoved) +
                          " RETURNING session_id), dequeued AS (DELETE FROM upload_outbox WHERE "
                          "session_id IN (SELECT session_id FROM marked)) "
                          "SELECT COUNT(*) FROM marked",
                      PgParams().Add(now_ms).Add(retry_at_ms).Add(session_id),
                      "begin session removal"));
      if (rows.row(0).Int(0) == 0) return Status::NotFound("Session not found");
      SWHA_ASSIGN_OR_RETURN(
          std::vector<SessionRecord> found,
          SelectSessionsOn(conn.get(), "WHERE session_id = $1", "", PgParams().Add(session_id),
                           "begin session removal", nullptr));
      if (found.empty()) return Status::Internal("a session marked for removal could not be read");
      marked = std::move(found.front());
      return Status::Ok();
    }));
    return marked;
  }

  Result<std::vector<PendingRemoval>> ClaimDueSessionRemovals(int64_t now_ms,
                                                              int64_t claim_until_ms,
                                                              int limit) override {
    std::map<std::string, int64_t> attempts;
    {
      SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
      // SKIP LOCKED: instances claiming at the same moment take different sessions.
      SWHA_ASSIGN_OR_RETURN(
          PgRows rows,
          conn->Query("UPDATE sessions SET removal_next_attempt_ms = $1 WHERE id IN (SELECT id "
                      "FROM sessions WHERE removal_started_ms IS NOT NULL AND "
                      "removal_next_attempt_ms <= $2 ORDER BY removal_next_attempt_ms LIMIT $3 "
                      "FOR UPDATE SKIP LOCKED) RETURNING session_id, removal_attempts",
                      PgParams().Add(claim_until_ms).Add(now_ms).Add(int64_t{limit}),
                      "claim session removals"));
      for (int i = 0; i < rows.size(); ++i) attempts[rows.row(i).Text(0)] = rows.row(i).Int(1);
    }
    std::vector<PendingRemoval> out;
    if (attempts.empty()) return out;
    std::vector<std::string> ids;
    ids.reserve(attempts.size());
    for (const auto& [id, count] : attempts) ids.push_back(id);
    SWHA_ASSIGN_OR_RETURN(
        std::vector<SessionRecord> found,
        SelectSessions(
            "WHERE session_id = ANY($1::text[]) ORDER BY id", "",
            PgParams().Add(ArrayLiteral(
                ids, [](const std::string& id) { return std::optional<std::string>(id); })),
            "claim session removals", nullptr));
    for (SessionRecord& session : found) {
      const int64_t failed = attempts.at(session.session_id);
      out.push_back({.session = std::move(session), .attempts = failed});
    }
    return out;
  }

  Status RetrySessionRemovalLater(std::string_view session_id, int64_t next_attempt_ms,
                                  std::string_view last_error) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn
        ->Query(
            "UPDATE sessions SET removal_attempts = removal_attempts + 1, "
            "removal_next_attempt_ms = $1, removal_error = $2 WHERE session_id = $3 AND "
            "removal_started_ms IS NOT NULL",
            PgParams().Add(next_attempt_ms).Add(last_error).Add(session_id),
            "retry session removal later")
        .status();
  }

  Result<std::vector<SessionRecord>> SessionsBeingRemoved() override {
    return SelectSessions("WHERE removal_started_ms IS NOT NULL ORDER BY id", "", PgParams(),
                          "sessions being removed", nullptr);
  }

  Result<RemovalQueueStats> RemovalQueue() override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows,
                          conn->Query(std::string(kRemovalQueueSql), PgParams(), "removal queue"));
    RemovalQueueStats stats;
    if (rows.size() > 0) {
      stats.depth = rows.row(0).Int(0);
      stats.oldest_started_ms = rows.row(0).OptionalInt(1);
    }
    return stats;
  }

  Status MarkS3AudioExpired(std::string_view session_id, std::string_view s3_target,
                            int64_t now_unix) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn->InTransaction("mark S3 audio expired", [&]() -> Status {
      SWHA_ASSIGN_OR_RETURN(PgRows exists,
                            conn->Query("SELECT 1 FROM sessions WHERE session_id = $1 FOR UPDATE",
                                        PgParams().Add(session_id), "mark S3 audio expired"));
      if (exists.size() == 0) return Status::NotFound("Session not found");
      SWHA_RETURN_IF_ERROR(conn->Query(kDropExpiredS3CopiesSql,
                                       PgParams().Add(session_id).Add(s3_target),
                                       "mark S3 audio expired")
                               .status());
      return conn
          ->Query(kMarkAudioExpiredSql, PgParams().Add(session_id).Add(now_unix).Add(s3_target),
                  "mark S3 audio expired")
          .status();
    });
  }

  Status CreateLipsyncJob(const LipsyncJob& job) override {
    static const std::string sql = [] {
      std::string out =
          "INSERT INTO lipsync_jobs (" + std::string(kLipsyncJobInsertColumns) + ") VALUES ($1";
      for (int i = 2; i <= kLipsyncJobInsertColumnCount; ++i) out += ",$" + std::to_string(i);
      return out + ")";
    }();
    PgParams params;
    BindLipsyncJobValues(job, [&](const auto& v) { params.Add(v); });
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    // Durable before the provider is called: a job it makes must never be forgotten by us.
    return conn->DurableQuery(sql, params, "record lipsync job").status();
  }

  Result<LipsyncJob> GetLipsyncJob(std::string_view job_id) override {
    return OneJob("job_id", job_id);
  }

  Result<LipsyncJob> FindLipsyncJobByProviderId(std::string_view provider_job_id) override {
    return OneJob("provider_job_id", provider_job_id);
  }

  Result<LipsyncJob> ApplyLipsyncStatus(const LipsyncStatusUpdate& u) override {
    static const std::string sql = LipsyncStatusUpdateSql([](int n) {
      // The guard compares ranks: typed so that $2 and $10 read as integers.
      return "$" + std::to_string(n) + (n == 2 || n == 10 ? "::int" : "");
    });
    const int64_t rank = LipsyncStatusRank(u.status);
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_RETURN_IF_ERROR(conn->Query(sql,
                                     PgParams()
                                         .Add(u.status)
                                         .Add(rank)
                                         .Add(u.output_url)
                                         .Add(u.output_duration)
                                         .Add(u.error_message)
                                         .Add(u.error_code)
                                         .Add(u.now_ms)
                                         .Add(u.provider_job_id)
                                         .Add(u.job_id)
                                         .Add(rank),
                                     "update lipsync job")
                             .status());
    return OneJobOn(conn.get(), "job_id", u.job_id);
  }

  Result<LipsyncJobPage> ListLipsyncJobs(std::string_view owner, int limit,
                                         std::optional<std::string_view> cursor) override {
    int64_t before = INT64_MAX;
    if (cursor) {
      SWHA_ASSIGN_OR_RETURN(before, ParseSessionCursor(*cursor));
    }
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->Query(Select(kLipsyncJobColumns,
                           "FROM lipsync_jobs WHERE owner = $1 AND id < $2 ORDER BY id DESC "
                           "LIMIT $3"),
                    PgParams().Add(owner).Add(before).Add(int64_t{limit} + 1),
                    "list lipsync jobs"));
    SWHA_ASSIGN_OR_RETURN(PgRows count,
                          conn->Query("SELECT count(*) FROM lipsync_jobs WHERE owner = $1",
                                      PgParams().Add(owner), "count lipsync jobs"));
    LipsyncJobPage page;
    page.total = count.row(0).Int(0);
    for (int i = 0; i < rows.size() && i < limit; ++i) {
      page.jobs.push_back(ReadLipsyncJob(rows.row(i)));
    }
    if (rows.size() > limit && limit > 0)
      page.next_cursor = std::to_string(rows.row(limit - 1).Int(0));
    return page;
  }

  Result<std::vector<LipsyncJob>> LeaseDueLipsyncJobs(std::string_view holder, int64_t now_ms,
                                                      int64_t lease_until_ms, int limit) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    // SKIP LOCKED: instances leasing at the same moment take different jobs instead of
    // waiting for each other's rows.
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->Query(Returning("UPDATE lipsync_jobs SET lease_holder = $1, lease_until_ms = $2 "
                              "WHERE id IN (SELECT id FROM lipsync_jobs WHERE status_rank < 3 "
                              "AND next_poll_at_ms <= $3 AND lease_until_ms <= $3 ORDER BY "
                              "next_poll_at_ms LIMIT $4 FOR UPDATE SKIP LOCKED)",
                              kLipsyncJobColumns),
                    PgParams().Add(holder).Add(lease_until_ms).Add(now_ms).Add(int64_t{limit}),
                    "lease lipsync jobs"));
    return ReadAll(rows, [](const PgRows::Row& row) { return ReadLipsyncJob(row); });
  }

  Status ScheduleLipsyncPoll(std::string_view job_id, std::string_view holder,
                             int64_t next_poll_at_ms, int64_t poll_failures) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn
        ->Query(
            "UPDATE lipsync_jobs SET next_poll_at_ms = $1, poll_failures = $2, "
            "lease_holder = CASE WHEN lease_holder = $3 THEN NULL ELSE lease_holder END, "
            "lease_until_ms = CASE WHEN lease_holder = $3 THEN 0 ELSE lease_until_ms END "
            "WHERE job_id = $4",
            PgParams().Add(next_poll_at_ms).Add(poll_failures).Add(holder).Add(job_id),
            "schedule lipsync poll")
        .status();
  }

  Result<std::vector<PendingUpload>> LeaseDueUploads(std::string_view holder, int64_t now_ms,
                                                     int64_t lease_until_ms, int limit) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    // SKIP LOCKED: instances leasing at the same moment take different segments.
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->Query("UPDATE upload_outbox SET lease_holder = $1, lease_until_ms = $2 WHERE "
                    "(session_id, idx) IN (SELECT session_id, idx FROM upload_outbox WHERE "
                    "next_attempt_at_ms <= $3 AND lease_until_ms <= $3 ORDER BY queued_at_ms "
                    "LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING " +
                        std::string(kPendingUploadColumns),
                    PgParams().Add(holder).Add(lease_until_ms).Add(now_ms).Add(int64_t{limit}),
                    "lease uploads"));
    return ReadAll(rows, [](const PgRows::Row& row) { return ReadPendingUpload(row); });
  }

  Status CompleteUpload(std::string_view session_id, int index, std::string_view holder,
                        storage::Location location, std::string_view s3_key,
                        std::string_view s3_target) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    // One statement: the entry leaves the outbox under this lease, and only then does the
    // segment move (the entry's foreign key keeps the segment there meanwhile).
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows,
        conn->Query("WITH mine AS (DELETE FROM upload_outbox WHERE session_id = $4 AND idx = $5 "
                    "AND lease_holder = $6 RETURNING idx), moved AS (UPDATE segments SET "
                    "location = $1, s3_key = $2, s3_target = $3 WHERE session_id = $4 AND "
                    "idx = $5 AND EXISTS (SELECT 1 FROM mine) RETURNING idx) "
                    "SELECT COUNT(*) FROM moved",
                    PgParams()
                        .Add(LocationName(location))
                        .Add(s3_key)
                        .Add(s3_target)
                        .Add(session_id)
                        .Add(int64_t{index})
                        .Add(holder),
                    "complete upload"));
    return rows.row(0).Int(0) == 0 ? Status::NotFound("not queued under this lease") : Status::Ok();
  }

  Status RetryUploadLater(std::string_view session_id, int index, std::string_view holder,
                          int64_t next_attempt_ms, std::string_view last_error) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn
        ->Query(
            "UPDATE upload_outbox SET attempts = attempts + 1, next_attempt_at_ms = $1, "
            "last_error = $2, lease_holder = NULL, lease_until_ms = 0 "
            "WHERE session_id = $3 AND idx = $4 AND lease_holder = $5",
            PgParams()
                .Add(next_attempt_ms)
                .Add(last_error)
                .Add(session_id)
                .Add(int64_t{index})
                .Add(holder),
            "retry upload later")
        .status();
  }

  Status ReleaseUploadLeases(std::string_view holder) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return conn
        ->Query(
            "UPDATE upload_outbox SET lease_holder = NULL, lease_until_ms = 0 "
            "WHERE lease_holder = $1",
            PgParams().Add(holder), "release upload leases")
        .status();
  }

  Result<UploadQueueStats> UploadQueue() override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows,
                          conn->Query(std::string(kUploadQueueSql), PgParams(), "upload queue"));
    UploadQueueStats stats;
    stats.depth = rows.row(0).Int(0);
    stats.oldest_queued_at_ms = rows.row(0).OptionalInt(1);
    return stats;
  }

  Result<int64_t> DeleteFinishedLipsyncJobs(std::string_view owner, int64_t cutoff_ms) override {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    SWHA_ASSIGN_OR_RETURN(PgRows rows,
                          conn->Query("DELETE FROM lipsync_jobs WHERE owner = $1 AND "
                                      "status_rank >= 3 AND updated_at_ms < $2",
                                      PgParams().Add(owner).Add(cutoff_ms), "delete lipsync jobs"));
    return rows.affected();
  }

 private:
  // The sessions `where` selects (the rest of the query after FROM sessions: conditions,
  // order, limit), each with its segments, in one statement: one round trip, and one snapshot,
  // so a session deleted meanwhile is whole or absent, never a row without its segments.
  // `order` ("DESC" or "") must repeat the order of `where` by id. `ids` (if given) receives
  // each session's row id.
  Result<std::vector<SessionRecord>> SelectSessions(std::string_view where, std::string_view order,
                                                    const PgParams& params, std::string_view what,
                                                    std::vector<int64_t>* ids) {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return SelectSessionsOn(conn.get(), where, order, params, what, ids);
  }

  // SelectSessions on `conn` (inside its transaction, if it has one).
  static Result<std::vector<SessionRecord>> SelectSessionsOn(
      PgConnection* conn, std::string_view where, std::string_view order, const PgParams& params,
      std::string_view what, std::vector<int64_t>* ids) {
    const std::string sql = "WITH picked AS (SELECT " + std::string(kSessionColumns) +
                            " FROM sessions " + std::string(where) + ") SELECT picked.*, " +
                            JoinedSegmentColumns() +
                            " FROM picked LEFT JOIN segments g ON g.session_id = "
                            "picked.session_id ORDER BY picked.id " +
                            std::string(order) + ", g.idx";
    SWHA_ASSIGN_OR_RETURN(PgRows rows, conn->Query(sql, params, what));
    std::vector<SessionRecord> out;
    int64_t current_id = 0;
    for (int i = 0; i < rows.size(); ++i) {
      const PgRows::Row row = rows.row(i);
      const int64_t id = row.Int(0);
      if (out.empty() || id != current_id) {
        out.push_back(ReadSession(row));
        current_id = id;
        if (ids != nullptr) ids->push_back(id);
      }
      if (row.IsNull(kSessionColumnCount)) continue;  // a session without segments
      SWHA_ASSIGN_OR_RETURN(SegmentRecord seg, ReadSegment(ShiftedRow{row, kSessionColumnCount}));
      out.back().segments.push_back(std::move(seg));
    }
    return out;
  }

  Result<LipsyncJob> OneJob(std::string_view column, std::string_view value) {
    SWHA_ASSIGN_OR_RETURN(PgPool::Lease conn, pool_.Acquire());
    return OneJobOn(conn.get(), column, value);
  }

  // The job whose `column` (job_id or provider_job_id) is `value`.
  static Result<LipsyncJob> OneJobOn(PgConnection* conn, std::string_view column,
                                     std::string_view value) {
    SWHA_ASSIGN_OR_RETURN(
        PgRows rows, conn->Query(Select(kLipsyncJobColumns,
                                        "FROM lipsync_jobs WHERE " + std::string(column) + " = $1"),
                                 PgParams().Add(value), "find lipsync job"));
    if (rows.size() == 0) return Status::NotFound("Lipsync job not found");
    return ReadLipsyncJob(rows.row(0));
  }

  // A row read from column `offset` on.
  struct ShiftedRow {
    const PgRows::Row& row;
    int offset;
    std::string Text(int col) const { return row.Text(col + offset); }
    int64_t Int(int col) const { return row.Int(col + offset); }
    double Double(int col) const { return row.Double(col + offset); }
    bool Bool(int col) const { return row.Bool(col + offset); }
    std::optional<std::string> OptionalText(int col) const {
      return row.OptionalText(col + offset);
    }
    std::optional<int64_t> OptionalInt(int col) const { return row.OptionalInt(col + offset); }
  };

  PgPool pool_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenPostgresCatalog(const PgPoolConfig& config) {
  SWHA_RETURN_IF_ERROR(config.Validate());
  auto catalog = std::make_unique<PostgresCatalog>(config);
  SWHA_RETURN_IF_ERROR(catalog->Migrate());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace swha::catalog
