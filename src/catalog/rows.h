// What both SQL implementations share: the column lists they select and how a row becomes a
// record. `Row` is the implementation's row accessor; it provides Int, Double, Bool, Text,
// OptionalText and OptionalInt by 0-based column.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "catalog/schema.h"
#include "storage/session_id.h"

namespace swha::catalog {

constexpr std::string_view kUserColumns =
    "id, username, email, full_name, bio, password_hash, is_active, is_superuser, "
    "token_version, created_at, updated_at";

constexpr std::string_view kApiKeyColumns =
    "id, user_id, name, prefix, key_sha256, created_at, expires_at, last_used_at";

// `id` first: listings page on it.
constexpr std::string_view kSessionColumns =
    "id, session_id, owner, created_at_ms, voice, language_code, speed, split_pattern, "
    "text_length, audio_expired_at";

constexpr int kSessionColumnCount = 10;
static_assert(std::ranges::count(kSessionColumns, ',') + 1 == kSessionColumnCount);

constexpr std::string_view kSegmentColumns =
    "idx, filename, graphemes, phonemes, duration, byte_size, sha256, location, s3_key, "
    "s3_target, marks_filename";

// `id` first: listings page on it. The sealed key is read only by the service's poller.
constexpr std::string_view kLipsyncJobColumns =
    "id, job_id, owner, provider_job_id, idempotency_key, request_body, sealed_api_key, "
    "video_url, audio_url, audio_url_type, model, sync_mode, output_filename, status, "
    "output_url, output_duration, error_message, error_code, created_at_ms, updated_at_ms, "
    "completed_at_ms, next_poll_at_ms, poll_failures";

// The columns an insert writes, in LipsyncJobValues' order (kLipsyncJobColumns without id and
// with status_rank).
constexpr std::string_view kLipsyncJobInsertColumns =
    "job_id, owner, provider_job_id, idempotency_key, request_body, sealed_api_key, video_url, "
    "audio_url, audio_url_type, model, sync_mode, output_filename, status, status_rank, "
    "output_url, output_duration, error_message, error_code, created_at_ms, updated_at_ms, "
    "completed_at_ms, next_poll_at_ms, poll_failures";
constexpr int kLipsyncJobInsertColumnCount = 23;
static_assert(std::ranges::count(kLipsyncJobInsertColumns, ',') + 1 ==
              kLipsyncJobInsertColumnCount);

// Binds a job's values in kLipsyncJobInsertColumns' order through `bind(value)`.
template <typename Bind>
void BindLipsyncJobValues(const LipsyncJob& j, Bind&& bind) {
  bind(j.job_id);
  bind(j.owner);
  bind(j.provider_job_id);
  bind(j.idempotency_key);
  bind(j.request_body);
  bind(j.sealed_api_key);
  bind(j.video_url);
  bind(j.audio_url);
  bind(j.audio_url_type);
  bind(j.model);
  bind(j.sync_mode);
  bind(j.output_filename);
  bind(j.status);
  bind(int64_t{LipsyncStatusRank(j.status)});
  bind(j.output_url);
  bind(j.output_duration);
  bind(j.error_message);
  bind(j.error_code);
  bind(j.created_at_ms);
  bind(j.updated_at_ms);
  bind(j.completed_at_ms);
  bind(j.next_poll_at_ms);
  bind(j.poll_failures);
}

// MarkS3AudioExpired's two statements, in PostgreSQL's placeholders: ($1 the session id, $2
// the bucket as the segments record it, '' for none) and ($1 the session id, $2 the time, $3
// the bucket). SQLite reads them with each '$' made '?' (its ?NNN numbered parameters). Only
// that bucket's copies are touched.
constexpr std::string_view kDropExpiredS3CopiesSql =
    "UPDATE segments SET location = 'local', s3_key = NULL, s3_target = NULL"
    " WHERE session_id = $1 AND location = 'local+s3' AND COALESCE(s3_target, '') = $2";
constexpr std::string_view kMarkAudioExpiredSql =
    "UPDATE sessions SET audio_expired_at = $2"
    " WHERE session_id = $1 AND audio_expired_at IS NULL AND EXISTS"
    " (SELECT 1 FROM segments g WHERE g.session_id = $1 AND g.location = 's3'"
    " AND COALESCE(g.s3_target, '') = $3)";

// Catalog::Ping: reads the schema's version, so a database that answers but lost its tables (or
// a SQLite file that went away underneath) is not taken for a working one.
constexpr std::string_view kPingSql = "SELECT max(version) FROM schema_version";

// One row per owner: owner, sessions, S3 objects and bytes, local files and bytes (OwnerUsage);
// the same SQL for SQLite and PostgreSQL. An S3-only segment of a session whose S3 audio
// expired is no longer stored anywhere.
constexpr std::string_view kStorageUsageSql =
    "SELECT s.owner, COUNT(DISTINCT s.session_id),"
    " SUM(CASE WHEN g.location = 'local+s3' OR (g.location = 's3' AND s.audio_expired_at IS NULL)"
    " THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN g.location = 'local+s3' OR (g.location = 's3' AND s.audio_expired_at IS NULL)"
    " THEN g.byte_size ELSE 0 END),"
    " SUM(CASE WHEN g.location IN ('local', 'local+s3') THEN 1 ELSE 0 END),"
    " SUM(CASE WHEN g.location IN ('local', 'local+s3') THEN g.byte_size ELSE 0 END)"
    " FROM sessions s JOIN segments g ON g.session_id = s.session_id"
    " WHERE s.removal_started_ms IS NULL"  // deleted sessions: gone for their owner too
    " GROUP BY s.owner ORDER BY s.owner";

// OwnerUsage from a row of kStorageUsageSql (SQLite's Statement or PostgreSQL's PgRows::Row).
template <typename Row>
OwnerUsage ReadOwnerUsage(const Row& row) {
  return {.owner = row.Text(0),
          .sessions = row.Int(1),
          .s3_objects = row.Int(2),
          .s3_bytes = row.Int(3),
          .local_files = row.Int(4),
          .local_bytes = row.Int(5)};
}

// The status update as SQL: applied only when the stored rank is below final and not above the
// new one. Parameters, in order: status, rank, output_url, output_duration, error_message,
// error_code, now_ms (updated_at, and completed_at when the rank is final), provider_job_id,
// job_id, rank (again, for the guard). `P(n)` is the dialect's n-th placeholder.
template <typename Placeholder>
std::string LipsyncStatusUpdateSql(Placeholder P) {
  return "UPDATE lipsync_jobs SET status = " + P(1) + ", status_rank = " + P(2) +
         ", output_url = coalesce(" + P(3) + ", output_url), output_duration = coalesce(" + P(4) +
         ", output_duration), error_message = coalesce(" + P(5) +
         ", error_message), error_code = coalesce(" + P(6) +
         ", error_code), updated_at_ms = " + P(7) + ", completed_at_ms = CASE WHEN " + P(2) +
         " >= 3 THEN " + P(7) +
         " ELSE completed_at_ms END, provider_job_id = coalesce(provider_job_id, " + P(8) +
         ") WHERE job_id = " + P(9) + " AND status_rank < 3 AND status_rank <= " + P(10);
}

template <typename Row>
User ReadUser(const Row& row) {
  User u;
  u.id = row.Int(0);
  u.username = row.Text(1);
  u.email = row.Text(2);
  u.full_name = row.OptionalText(3);
  u.bio = row.OptionalText(4);
  u.password_hash = row.Text(5);
  u.is_active = row.Bool(6);
  u.is_superuser = row.Bool(7);
  u.token_version = row.Int(8);
  u.created_at = row.Int(9);
  u.updated_at = row.OptionalInt(10);
  return u;
}

template <typename Row>
ApiKey ReadApiKey(const Row& row) {
  ApiKey k;
  k.id = row.Int(0);
  k.user_id = row.Int(1);
  k.name = row.Text(2);
  k.prefix = row.Text(3);
  k.key_sha256 = row.Text(4);
  k.created_at = row.Int(5);
  k.expires_at = row.OptionalInt(6);
  k.last_used_at = row.OptionalInt(7);
  return k;
}

// Without its segments, which come from their own table.
template <typename Row>
SessionRecord ReadSession(const Row& row) {
  SessionRecord r;
  r.session_id = row.Text(1);
  r.owner = row.Text(2);
  r.created_at_ms = row.Int(3);
  r.voice = row.Text(4);
  r.language_code = row.Text(5);
  r.speed = row.Double(6);
  r.split_pattern = row.Text(7);
  r.text_length = row.Int(8);
  r.audio_expired_at = row.OptionalInt(9);
  return r;
}

template <typename Row>
LipsyncJob ReadLipsyncJob(const Row& row) {
  LipsyncJob j;
  j.job_id = row.Text(1);
  j.owner = row.Text(2);
  j.provider_job_id = row.OptionalText(3);
  j.idempotency_key = row.Text(4);
  j.request_body = row.Text(5);
  j.sealed_api_key = row.OptionalText(6);
  j.video_url = row.Text(7);
  j.audio_url = row.Text(8);
  j.audio_url_type = row.Text(9);
  j.model = row.Text(10);
  j.sync_mode = row.Text(11);
  j.output_filename = row.OptionalText(12);
  j.status = row.Text(13);
  j.output_url = row.OptionalText(14);
  if (!row.IsNull(15)) j.output_duration = row.Double(15);
  j.error_message = row.OptionalText(16);
  j.error_code = row.OptionalText(17);
  j.created_at_ms = row.Int(18);
  j.updated_at_ms = row.Int(19);
  j.completed_at_ms = row.OptionalInt(20);
  j.next_poll_at_ms = row.Int(21);
  j.poll_failures = row.Int(22);
  return j;
}

// The condition of a session that is not being removed (Catalog::BeginSessionRemoval): the only
// ones GetSession, ListSessions and SessionsCreatedBefore see.
constexpr std::string_view kNotBeingRemoved = "removal_started_ms IS NULL";
// The sessions being removed: how many, and since when the oldest (RemovalQueueStats).
constexpr std::string_view kRemovalQueueSql =
    "SELECT COUNT(*), MIN(removal_started_ms) FROM sessions WHERE removal_started_ms IS NOT NULL";

// The upload outbox: a PendingUpload per row (ReadPendingUpload), and its depth and oldest
// entry (UploadQueueStats); the same SQL for SQLite and PostgreSQL.
constexpr std::string_view kPendingUploadColumns = "session_id, idx, queued_at_ms, attempts";
constexpr std::string_view kUploadQueueSql =
    "SELECT COUNT(*), MIN(queued_at_ms) FROM upload_outbox";

template <typename Row>
PendingUpload ReadPendingUpload(const Row& row) {
  PendingUpload p;
  p.session_id = row.Text(0);
  p.index = static_cast<int>(row.Int(1));
  p.queued_at_ms = row.Int(2);
  p.attempts = row.Int(3);
  return p;
}

template <typename Row>
Result<SegmentRecord> ReadSegment(const Row& row) {
  SegmentRecord seg;
  seg.index = static_cast<int>(row.Int(0));
  seg.filename = row.Text(1);
  seg.graphemes = row.Text(2);
  seg.phonemes = row.Text(3);
  seg.duration_seconds = row.Double(4);
  seg.byte_size = row.Int(5);
  seg.sha256_hex = row.Text(6);
  SWHA_ASSIGN_OR_RETURN(seg.location, ParseLocationName(row.Text(7)));
  seg.s3_key = row.OptionalText(8);
  seg.s3_target = row.OptionalText(9);
  seg.marks_filename = row.OptionalText(10);
  // Used as a file name and in a key: only a name this service writes is taken.
  if (seg.marks_filename && !storage::IsValidMarksFilename(*seg.marks_filename)) {
    return Status::Internal("segment " + seg.filename + " names a malformed marks file");
  }
  return seg;
}

}  // namespace swha::catalog
