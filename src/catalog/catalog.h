// What the service remembers: users, their API keys, and every session it made with its
// segments (never the text itself). One interface; SQLite (embedded, the default) implements
// it here, and every implementation passes the same tests (catalog_test.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/audio_store.h"
#include "util/status.h"

namespace swha::catalog {

struct User {
  int64_t id = 0;
  std::string username;
  std::string email;
  std::optional<std::string> full_name;
  std::optional<std::string> bio;
  std::string password_hash;  // argon2id, libsodium's string form; never leaves the service
  bool is_active = true;
  bool is_superuser = false;
  // Raised on every password change; tokens carry the value they were issued under, so a
  // change ends every token issued before it.
  int64_t token_version = 0;
  int64_t created_at = 0;  // unix seconds
  std::optional<int64_t> updated_at;
};

// A key for programs: only its SHA-256 is kept; the key itself is shown once, when made.
struct ApiKey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string name;
  std::string prefix;      // the key's first characters, to tell keys apart in a listing
  std::string key_sha256;  // hex
  int64_t created_at = 0;  // unix seconds
  std::optional<int64_t> expires_at;
  std::optional<int64_t> last_used_at;
};

struct SegmentRecord {
  int index = 0;
  std::string filename;
  std::string graphemes;
  std::string phonemes;
  double duration_seconds = 0;
  int64_t byte_size = 0;
  std::string sha256_hex;  // of the stored file
  storage::Location location = storage::Location::kLocal;
  std::optional<std::string> s3_key;
  // The bucket holding it, "bucket@region" (S3_REPLICAS); nullopt in rows written before
  // replicas existed, which are in the primary bucket.
  std::optional<std::string> s3_target;
  // segment_NNN.marks.json, beside the audio wherever it is, when the marks were stored.
  std::optional<std::string> marks_filename;
  // Written only: RecordSession queues the segment in the upload outbox (it is local because
  // no S3 bucket took it). Reads leave it false.
  bool upload_pending = false;
};

// A segment in the upload outbox, leased to one instance for an attempt.
struct PendingUpload {
  std::string session_id;
  int index = 0;
  int64_t queued_at_ms = 0;
  int64_t attempts = 0;  // failed attempts so far
};

// The upload outbox as a whole, for its metrics.
struct UploadQueueStats {
  int64_t depth = 0;
  std::optional<int64_t> oldest_queued_at_ms;  // nullopt when empty
};

// The sessions being removed as a whole, for their metrics.
struct RemovalQueueStats {
  int64_t depth = 0;
  std::optional<int64_t> oldest_started_ms;  // nullopt when empty
};

struct SessionRecord {
  std::string session_id;
  std::string owner;  // user id as text, or "anonymous"
  int64_t created_at_ms = 0;
  std::string voice;
  std::string language_code;
  double speed = 1.0;
  std::string split_pattern;
  int64_t text_length = 0;  // characters
  // When the catalog learned that the S3 objects of its S3-only segments had expired (a bucket
  // lifecycle rule removed them); nullopt while they are there.
  std::optional<int64_t> audio_expired_at;
  std::vector<SegmentRecord> segments;
};

// A session being removed whose next attempt is due (ClaimDueSessionRemovals).
struct PendingRemoval {
  SessionRecord session;
  int64_t attempts = 0;  // failed attempts so far
};

// What one owner's sessions keep in storage, from the catalog: a segment with copies in both
// places counts in both.
struct OwnerUsage {
  std::string owner;  // user id as text, or "anonymous"
  int64_t sessions = 0;
  int64_t s3_objects = 0;
  int64_t s3_bytes = 0;
  int64_t local_files = 0;
  int64_t local_bytes = 0;
};

struct SessionPage {
  std::vector<SessionRecord> sessions;     // newest first
  std::optional<std::string> next_cursor;  // nullopt on the last page
};

// A lipsync job handed to the provider (sync.so) for a user. Its status only moves forward:
// SUBMITTING (ours: the provider has not answered the create yet) < PENDING < PROCESSING < a
// final status (see LipsyncStatusRank), whatever order the provider's answers arrive in.
struct LipsyncJob {
  std::string job_id;                          // ours, public
  std::string owner;                           // user id as text
  std::optional<std::string> provider_job_id;  // nullopt until the provider answered
  // Sent with the create; with the same body, the provider answers a resent create with the
  // job it already made.
  std::string idempotency_key;
  std::string request_body;  // the exact JSON sent, so an interrupted create can be resent
  // The caller's provider key, sealed with a key derived from SECRET_KEY; nullopt when the
  // server's own key (SYNC_API_KEY) is used.
  std::optional<std::string> sealed_api_key;
  std::string video_url;
  std::string audio_url;
  std::string audio_url_type;  // "presigned_s3", "local_static" or "external"
  std::string model;
  std::string sync_mode;
  std::optional<std::string> output_filename;
  std::string status = "SUBMITTING";
  std::optional<std::string> output_url;
  std::optional<double> output_duration;  // seconds
  std::optional<std::string> error_message;
  std::optional<std::string> error_code;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  std::optional<int64_t> completed_at_ms;  // when a final status was recorded
  // Background polling: when the job is next due, and how many polls in a row failed.
  int64_t next_poll_at_ms = 0;
  int64_t poll_failures = 0;
};

inline constexpr std::string_view kLipsyncSubmitting = "SUBMITTING";
// 0 SUBMITTING, 1 PENDING, 2 PROCESSING (and any status this release does not know),
// 3 COMPLETED, FAILED, REJECTED, CANCELED, TIMED_OUT.
int LipsyncStatusRank(std::string_view status);
inline constexpr int kLipsyncFinalRank = 3;
inline bool IsFinalLipsyncStatus(std::string_view status) {
  return LipsyncStatusRank(status) == kLipsyncFinalRank;
}

// What a source (create answer, status read, poll, webhook) says of a job now.
struct LipsyncStatusUpdate {
  std::string job_id;
  std::optional<std::string> provider_job_id;  // recorded only while none is
  std::string status;
  std::optional<std::string> output_url;
  std::optional<double> output_duration;
  std::optional<std::string> error_message;
  std::optional<std::string> error_code;
  int64_t now_ms = 0;
};

struct LipsyncJobPage {
  std::vector<LipsyncJob> jobs;            // newest first
  std::optional<std::string> next_cursor;  // nullopt on the last page
  int64_t total = 0;                       // the owner's jobs, on every page
};

// Error contract: NotFound for a missing row, AlreadyExists for a unique value taken (its
// field() is "username" or "email" for users), InvalidArgument for a malformed cursor, Unavailable
// when the database cannot be reached, Internal for anything else. Messages never hold a password,
// a hash or a connection string. Implementations are thread-safe.
class Catalog {
 public:
  virtual ~Catalog() = default;

  // One round trip to the database (GET /ready): Ok, or Unavailable when it cannot be reached.
  virtual Status Ping() = 0;

  // Users. Usernames and emails are unique regardless of letter case.
  virtual Result<User> CreateUser(const User& user) = 0;  // id, created_at assigned
  virtual Result<User> FindUserById(int64_t id) = 0;
  virtual Result<User> FindUserByUsername(std::string_view username) = 0;
  // Each write touches only its own columns, in one statement, so concurrent changes to one
  // user never undo each other (a profile edit cannot put back a replaced password hash).
  // Each sets updated_at to `now_unix` and returns the user as stored; NotFound without one.
  struct ProfileFields {
    std::optional<std::string> username;
    std::optional<std::string> email;
    std::optional<std::string> full_name;
    std::optional<std::string> bio;
  };
  virtual Result<User> UpdateProfile(int64_t id, const ProfileFields& fields, int64_t now_unix) = 0;
  // Replaces the hash and raises token_version, ending every token issued before.
  virtual Result<User> SetPassword(int64_t id, std::string_view password_hash,
                                   int64_t now_unix) = 0;
  virtual Result<User> SetUserFlags(int64_t id, std::optional<bool> is_active,
                                    std::optional<bool> is_superuser, int64_t now_unix) = 0;
  virtual Result<std::vector<User>> ListUsers(int64_t skip, int64_t limit) = 0;
  virtual Status DeleteUser(int64_t id) = 0;

  // API keys; a user's are deleted with the user.
  virtual Result<ApiKey> CreateApiKey(const ApiKey& key) = 0;  // id assigned
  virtual Result<ApiKey> FindApiKeyByHash(std::string_view key_sha256) = 0;
  virtual Result<std::vector<ApiKey>> ListApiKeys(int64_t user_id) = 0;
  // NotFound unless key `id` exists and is `user_id`'s.
  virtual Status DeleteApiKey(int64_t user_id, int64_t id) = 0;
  virtual Status TouchApiKey(int64_t id, int64_t now_unix) = 0;

  // Sessions. Recorded once their audio is stored; removed after their audio. A session being
  // removed (BeginSessionRemoval) is not there for GetSession, ListSessions and
  // SessionsCreatedBefore.
  virtual Status RecordSession(const SessionRecord& session) = 0;
  virtual Result<SessionRecord> GetSession(std::string_view session_id) = 0;
  // `owner`'s sessions, newest first, `limit` at a time; `cursor` from the previous page.
  // Stable under concurrent inserts: a page never repeats or skips an older session.
  virtual Result<SessionPage> ListSessions(std::string_view owner, int limit,
                                           std::optional<std::string_view> cursor) = 0;
  // Sessions created before `cutoff_ms`: `owner`'s only, or everyone's when nullopt.
  virtual Result<std::vector<SessionRecord>> SessionsCreatedBefore(
      std::optional<std::string_view> owner, int64_t cutoff_ms) = 0;
  // NotFound when it is not there (any more): of concurrent deletes, exactly one succeeds.
  virtual Status DeleteSession(std::string_view session_id) = 0;
  // Removing a session takes three steps, so that neither a crash nor a storage failure ever
  // leaves a row naming audio that may be gone (an S3 delete whose answer was lost may have
  // removed everything). First this marks the session as being removed, and takes its segments
  // out of the upload outbox, in one transaction; then its audio goes; then DeleteSession
  // forgets the row. Returns the row read after the mark (so it holds any upload recorded
  // before it; none can be recorded after). Its next attempt is due at `retry_at_ms`. NotFound
  // when there is no such session, or its removal has begun already.
  virtual Result<SessionRecord> BeginSessionRemoval(std::string_view session_id, int64_t now_ms,
                                                    int64_t retry_at_ms) = 0;
  // Up to `limit` sessions being removed whose next attempt is due (at or before `now_ms`),
  // the most overdue taken first (returned in no particular order), each due again only at
  // `claim_until_ms`: of instances asking at once, each session goes to one.
  virtual Result<std::vector<PendingRemoval>> ClaimDueSessionRemovals(int64_t now_ms,
                                                                      int64_t claim_until_ms,
                                                                      int limit) = 0;
  // An attempt left some audio: one more failure, the next attempt at `next_attempt_ms`.
  virtual Status RetrySessionRemovalLater(std::string_view session_id, int64_t next_attempt_ms,
                                          std::string_view last_error) = 0;
  // Every session being removed, with its segments (`catalog check`).
  virtual Result<std::vector<SessionRecord>> SessionsBeingRemoved() = 0;
  virtual Result<RemovalQueueStats> RemovalQueue() = 0;
  // The session's S3 copies in bucket `s3_target` (as its segments record it; "" for none)
  // are gone (a bucket lifecycle rule expired them), in one transaction: those segments that
  // also had a local copy become local only; when one had no other copy, the session's
  // audio_expired_at becomes `now_unix` (kept once set). NotFound when the session is not there.
  virtual Status MarkS3AudioExpired(std::string_view session_id, std::string_view s3_target,
                                    int64_t now_unix) = 0;
  // Every owner with a session that has segments (and is not being removed), by owner, in one
  // aggregate query.
  virtual Result<std::vector<OwnerUsage>> StorageUsage() = 0;

  // Lipsync jobs. AlreadyExists when job_id is taken.
  virtual Status CreateLipsyncJob(const LipsyncJob& job) = 0;
  virtual Result<LipsyncJob> GetLipsyncJob(std::string_view job_id) = 0;
  virtual Result<LipsyncJob> FindLipsyncJobByProviderId(std::string_view provider_job_id) = 0;
  // Records `update` unless the stored status is final or ranks above it, in one statement,
  // so a late answer never undoes a newer one; completed_at_ms is set with the first final
  // status. Returns the job as stored afterwards, changed or not; NotFound without it.
  virtual Result<LipsyncJob> ApplyLipsyncStatus(const LipsyncStatusUpdate& update) = 0;
  // `owner`'s jobs, newest first, as ListSessions pages sessions.
  virtual Result<LipsyncJobPage> ListLipsyncJobs(std::string_view owner, int limit,
                                                 std::optional<std::string_view> cursor) = 0;
  // Up to `limit` jobs that are not final, due (next_poll_at_ms <= now_ms) and not leased to
  // anyone until after now_ms, now leased to `holder` until `lease_until_ms`, most overdue
  // first. Of instances asking at once, each job goes to one.
  virtual Result<std::vector<LipsyncJob>> LeaseDueLipsyncJobs(std::string_view holder,
                                                              int64_t now_ms,
                                                              int64_t lease_until_ms,
                                                              int limit) = 0;
  // After a poll: when the job is next due and its failure count, and `holder`'s lease ends.
  // Nothing changes unless `holder` still holds the job (its lease may have run out and the
  // job gone to another instance).
  virtual Status ScheduleLipsyncPoll(std::string_view job_id, std::string_view holder,
                                     int64_t next_poll_at_ms, int64_t poll_failures) = 0;
  // Deletes `owner`'s jobs that are final and were last updated before `cutoff_ms`; how many.
  virtual Result<int64_t> DeleteFinishedLipsyncJobs(std::string_view owner, int64_t cutoff_ms) = 0;

  // The upload outbox (filled by RecordSession). Up to `limit` segments due for an attempt
  // (next attempt at or before now_ms) and not leased past now_ms, now leased to `holder` until
  // `lease_until_ms`, oldest first; of instances asking at once, each segment goes to one.
  virtual Result<std::vector<PendingUpload>> LeaseDueUploads(std::string_view holder,
                                                             int64_t now_ms, int64_t lease_until_ms,
                                                             int limit) = 0;
  // The segment is in S3 now: in one transaction it leaves the outbox and its row gets
  // `location`, `s3_key` and `s3_target`, provided `holder` still holds its lease. NotFound
  // otherwise (the session was deleted, its entries dequeued, or the lease ran out and went to
  // another instance): nothing changes, and the caller finds out from the row what became of it.
  virtual Status CompleteUpload(std::string_view session_id, int index, std::string_view holder,
                                storage::Location location, std::string_view s3_key,
                                std::string_view s3_target) = 0;
  // An attempt failed: one more failure, the next attempt at `next_attempt_ms`, the lease
  // released. Nothing changes unless `holder` still holds it.
  virtual Status RetryUploadLater(std::string_view session_id, int index, std::string_view holder,
                                  int64_t next_attempt_ms, std::string_view last_error) = 0;
  // Gives back every lease `holder` still has (attempts untouched): an instance that leased
  // more than it could try (it is shutting down, or its lease ran short) lets the others take
  // those segments now rather than when the lease would run out.
  virtual Status ReleaseUploadLeases(std::string_view holder) = 0;
  virtual Result<UploadQueueStats> UploadQueue() = 0;
};

// SQLite at `path` (WAL, busy timeout, foreign keys on), migrated to the current schema. Its log
// is checkpointed on a thread of its own (sqlite_checkpointer.h), not inside a commit.
// FailedPrecondition-like Internal error when the file's schema is newer than this binary's.
Result<std::unique_ptr<Catalog>> OpenSqliteCatalog(const std::string& path);

// Remembers nothing (the catalog benchmark's baseline only; see null_catalog.cc).
std::unique_ptr<Catalog> NewNullCatalog();

// The schema version this binary writes.
int LatestSchemaVersion();

}  // namespace swha::catalog
