#include "catalog/schema.h"

#include <array>
#include <charconv>
#include <string>

#include "catalog/catalog.h"

namespace swha::catalog {
namespace {

// Usernames and emails are unique whatever their letter case, through an index on lower(),
// which both dialects support. Sessions keep a surrogate `id` so that listing pages are keyed
// on insertion order.
constexpr std::string_view kV1Sqlite = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  username TEXT NOT NULL,
  email TEXT NOT NULL,
  full_name TEXT,
  bio TEXT,
  password_hash TEXT NOT NULL,
  is_active INTEGER NOT NULL DEFAULT 1,
  is_superuser INTEGER NOT NULL DEFAULT 0,
  token_version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  session_id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  voice TEXT NOT NULL,
  language_code TEXT NOT NULL,
  speed REAL NOT NULL,
  split_pattern TEXT NOT NULL,
  text_length INTEGER NOT NULL
);
CREATE INDEX sessions_owner ON sessions (owner, id);
CREATE INDEX sessions_created ON sessions (created_at_ms);
CREATE TABLE segments (
  session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  filename TEXT NOT NULL,
  graphemes TEXT NOT NULL,
  phonemes TEXT NOT NULL,
  duration REAL NOT NULL,
  byte_size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  location TEXT NOT NULL,
  s3_key TEXT,
  PRIMARY KEY (session_id, idx)
);
)sql";

constexpr std::string_view kV1Postgres = R"sql(
CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  username TEXT NOT NULL,
  email TEXT NOT NULL,
  full_name TEXT,
  bio TEXT,
  password_hash TEXT NOT NULL,
  is_active BOOLEAN NOT NULL DEFAULT TRUE,
  is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
  token_version BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT
);
CREATE UNIQUE INDEX users_username ON users (lower(username));
CREATE UNIQUE INDEX users_email ON users (lower(email));
CREATE TABLE sessions (
  id BIGSERIAL PRIMARY KEY,
  session_id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  voice TEXT NOT NULL,
  language_code TEXT NOT NULL,
  speed DOUBLE PRECISION NOT NULL,
  split_pattern TEXT NOT NULL,
  text_length BIGINT NOT NULL
);
CREATE INDEX sessions_owner ON sessions (owner, id);
CREATE INDEX sessions_created ON sessions (created_at_ms);
CREATE TABLE segments (
  session_id TEXT NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  filename TEXT NOT NULL,
  graphemes TEXT NOT NULL,
  phonemes TEXT NOT NULL,
  duration DOUBLE PRECISION NOT NULL,
  byte_size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  location TEXT NOT NULL,
  s3_key TEXT,
  PRIMARY KEY (session_id, idx)
);
)sql";

// Version 2: API keys.
constexpr std::string_view kV2Sqlite = R"sql(
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_sha256 TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id);
)sql";

constexpr std::string_view kV2Postgres = R"sql(
CREATE TABLE api_keys (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  key_sha256 TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  last_used_at BIGINT
);
CREATE INDEX api_keys_user ON api_keys (user_id);
)sql";

// Version 3: lipsync jobs. status_rank orders statuses (LipsyncStatusRank) so that "never
// move backwards" is one condition in SQL; the lease columns let one instance poll a job.
constexpr std::string_view kV3Sqlite = R"sql(
CREATE TABLE lipsync_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  provider_job_id TEXT UNIQUE,
  idempotency_key TEXT NOT NULL,
  request_body TEXT NOT NULL,
  sealed_api_key TEXT,
  video_url TEXT NOT NULL,
  audio_url TEXT NOT NULL,
  audio_url_type TEXT NOT NULL,
  model TEXT NOT NULL,
  sync_mode TEXT NOT NULL,
  output_filename TEXT,
  status TEXT NOT NULL,
  status_rank INTEGER NOT NULL,
  output_url TEXT,
  output_duration REAL,
  error_message TEXT,
  error_code TEXT,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  completed_at_ms INTEGER,
  next_poll_at_ms INTEGER NOT NULL,
  poll_failures INTEGER NOT NULL DEFAULT 0,
  lease_holder TEXT,
  lease_until_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lipsync_jobs_owner ON lipsync_jobs (owner, id);
CREATE INDEX lipsync_jobs_due ON lipsync_jobs (status_rank, next_poll_at_ms);
)sql";

constexpr std::string_view kV3Postgres = R"sql(
CREATE TABLE lipsync_jobs (
  id BIGSERIAL PRIMARY KEY,
  job_id TEXT NOT NULL UNIQUE,
  owner TEXT NOT NULL,
  provider_job_id TEXT UNIQUE,
  idempotency_key TEXT NOT NULL,
  request_body TEXT NOT NULL,
  sealed_api_key TEXT,
  video_url TEXT NOT NULL,
  audio_url TEXT NOT NULL,
  audio_url_type TEXT NOT NULL,
  model TEXT NOT NULL,
  sync_mode TEXT NOT NULL,
  output_filename TEXT,
  status TEXT NOT NULL,
  status_rank INTEGER NOT NULL,
  output_url TEXT,
  output_duration DOUBLE PRECISION,
  error_message TEXT,
  error_code TEXT,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  completed_at_ms BIGINT,
  next_poll_at_ms BIGINT NOT NULL,
  poll_failures BIGINT NOT NULL DEFAULT 0,
  lease_holder TEXT,
  lease_until_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX lipsync_jobs_owner ON lipsync_jobs (owner, id);
CREATE INDEX lipsync_jobs_due ON lipsync_jobs (status_rank, next_poll_at_ms);
)sql";

// 4: sessions remember that a bucket lifecycle rule expired their S3 audio.
constexpr std::string_view kV4Sqlite = R"sql(
ALTER TABLE sessions ADD COLUMN audio_expired_at INTEGER;
)sql";

constexpr std::string_view kV4Postgres = R"sql(
ALTER TABLE sessions ADD COLUMN audio_expired_at BIGINT;
)sql";

// 5: which bucket (primary or replica, "bucket@region") holds a segment's S3 copy.
constexpr std::string_view kV5Sqlite = R"sql(
ALTER TABLE segments ADD COLUMN s3_target TEXT;
)sql";

constexpr std::string_view kV5Postgres = R"sql(
ALTER TABLE segments ADD COLUMN s3_target TEXT;
)sql";

// 6: the file beside a segment's audio holding its speech marks (segment_NNN.marks.json).
constexpr std::string_view kV6 = R"sql(
ALTER TABLE segments ADD COLUMN marks_filename TEXT;
)sql";

// 7: the upload outbox: segments kept locally because no S3 bucket took them, until the
// reconciler (service/upload_outbox.h) has put them in S3. Leased like lipsync jobs, so one
// instance uploads each; gone with its segment.
constexpr std::string_view kV7Sqlite = R"sql(
CREATE TABLE upload_outbox (
  session_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  queued_at_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at_ms INTEGER NOT NULL,
  lease_holder TEXT,
  lease_until_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (session_id, idx),
  FOREIGN KEY (session_id, idx) REFERENCES segments (session_id, idx) ON DELETE CASCADE
);
CREATE INDEX upload_outbox_due ON upload_outbox (next_attempt_at_ms);
)sql";

constexpr std::string_view kV7Postgres = R"sql(
CREATE TABLE upload_outbox (
  session_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  queued_at_ms BIGINT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at_ms BIGINT NOT NULL,
  lease_holder TEXT,
  lease_until_ms BIGINT NOT NULL DEFAULT 0,
  last_error TEXT,
  PRIMARY KEY (session_id, idx),
  FOREIGN KEY (session_id, idx) REFERENCES segments (session_id, idx) ON DELETE CASCADE
);
CREATE INDEX upload_outbox_due ON upload_outbox (next_attempt_at_ms);
)sql";

// 8: sessions being removed. A delete marks its session first (hidden from then on), removes the
// audio, and forgets the row last; what storage does not let go of is retried
// (service/session_removal.h) until it goes, so no row ever names audio that may be gone.
constexpr std::string_view kV8Sqlite = R"sql(
ALTER TABLE sessions ADD COLUMN removal_started_ms INTEGER;
ALTER TABLE sessions ADD COLUMN removal_next_attempt_ms INTEGER;
ALTER TABLE sessions ADD COLUMN removal_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN removal_error TEXT;
CREATE INDEX sessions_removal_due ON sessions (removal_next_attempt_ms)
  WHERE removal_started_ms IS NOT NULL;
)sql";

constexpr std::string_view kV8Postgres = R"sql(
ALTER TABLE sessions ADD COLUMN removal_started_ms BIGINT;
ALTER TABLE sessions ADD COLUMN removal_next_attempt_ms BIGINT;
ALTER TABLE sessions ADD COLUMN removal_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN removal_error TEXT;
CREATE INDEX sessions_removal_due ON sessions (removal_next_attempt_ms)
  WHERE removal_started_ms IS NOT NULL;
)sql";

constexpr std::array kMigrations = {
    Migration{1, kV1Sqlite, kV1Postgres}, Migration{2, kV2Sqlite, kV2Postgres},
    Migration{3, kV3Sqlite, kV3Postgres}, Migration{4, kV4Sqlite, kV4Postgres},
    Migration{5, kV5Sqlite, kV5Postgres}, Migration{6, kV6, kV6},
    Migration{7, kV7Sqlite, kV7Postgres}, Migration{8, kV8Sqlite, kV8Postgres}};

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return kMigrations.back().version; }

Status CheckSchemaNotNewer(int64_t version) {
  if (version <= LatestSchemaVersion()) return Status::Ok();
  return Status::Internal("the catalog database has schema version " + std::to_string(version) +
                          ", newer than this swha-tts knows (" +
                          std::to_string(LatestSchemaVersion()) +
                          "): it was written by a newer release; upgrade swha-tts");
}

std::string_view LocationName(storage::Location location) {
  switch (location) {
    case storage::Location::kLocal: return "local";
    case storage::Location::kS3: return "s3";
    case storage::Location::kLocalAndS3: return "local+s3";
  }
  return "local";
}

Result<storage::Location> ParseLocationName(std::string_view name) {
  if (name == "local") return storage::Location::kLocal;
  if (name == "s3") return storage::Location::kS3;
  if (name == "local+s3") return storage::Location::kLocalAndS3;
  return Status::Internal("unknown segment location in the catalog: " + std::string(name));
}

std::string UniqueFieldOfIndex(std::string_view index_or_message) {
  if (index_or_message.find("users_email") != std::string_view::npos) return "email";
  if (index_or_message.find("users_username") != std::string_view::npos) return "username";
  return "";
}

int LipsyncStatusRank(std::string_view status) {
  if (status == kLipsyncSubmitting) return 0;
  if (status == "PENDING") return 1;
  for (std::string_view final_status :
       {"COMPLETED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT"}) {
    if (status == final_status) return kLipsyncFinalRank;
  }
  return 2;  // PROCESSING, or a status newer than this release: in progress, not final
}

Result<int64_t> ParseSessionCursor(std::string_view cursor) {
  int64_t id = 0;
  const auto [end, error] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), id);
  if (cursor.empty() || error != std::errc() || end != cursor.data() + cursor.size() || id <= 0) {
    return Status::InvalidField("cursor", "not a cursor this service handed out");
  }
  return id;
}

}  // namespace swha::catalog
