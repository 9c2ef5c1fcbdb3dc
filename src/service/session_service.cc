#include "service/session_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "storage/limits.h"

namespace swha::service {

Result<Session> SessionService::FindOwned(const Principal& principal,
                                          std::string_view session_id) const {
  const Status not_found = Status::NotFound("Session not found");
  // A user's own sessions only: anonymous ones are listed and fetched by nobody.
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  auto record = catalog_->GetSession(session_id);
  if (!record.ok())
    return record.status().code() == StatusCode::kNotFound ? not_found : record.status();
  if (record->owner != principal.OwnerTag()) return not_found;
  return FromRecord(*std::move(record));
}

Result<MintedUrl> SessionService::MovedLocalAudio(std::string_view session_id,
                                                  std::string_view filename,
                                                  int64_t valid_until) const {
  const Status not_found = Status::NotFound("Not Found");
  auto record = catalog_->GetSession(session_id);
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound ? not_found : record.status();
  }
  const Session session = FromRecord(*std::move(record));
  const int64_t seconds_left =
      std::min(valid_until - clock_->NowUnixSeconds(), storage::kMaxUrlExpirySeconds);
  if (seconds_left < 1 || session.audio_expired_at.has_value()) return not_found;
  for (const Segment& seg : session.segments) {
    const storage::StoredSegment& stored = seg.stored;
    if (!storage::InS3(stored.location) || !stored.s3_key) continue;
    if (stored.filename == filename) {
      return minter_->MintS3(*stored.s3_key, seconds_left, stored.s3_target);
    }
    if (stored.marks_filename == filename) {
      if (std::optional<std::string> marks_key = stored.MarksS3Key()) {
        return minter_->MintS3(*marks_key, seconds_left, stored.s3_target);
      }
    }
  }
  return not_found;
}

Result<SessionListing> SessionService::List(const Principal& principal, int limit,
                                            std::optional<std::string_view> cursor) const {
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  if (limit < 1 || limit > kMaxSessionPageSize) {
    return Status::InvalidField(
        "limit", "must be an integer from 1 to " + std::to_string(kMaxSessionPageSize));
  }
  catalog::SessionPage page;
  SWHA_ASSIGN_OR_RETURN(page, catalog_->ListSessions(principal.OwnerTag(), limit, cursor));
  SessionListing out;
  for (catalog::SessionRecord& r : page.sessions) out.sessions.push_back(FromRecord(std::move(r)));
  out.next_cursor = std::move(page.next_cursor);
  return out;
}

Result<Session> SessionService::Get(const Principal& principal, std::string_view session_id,
                                    std::optional<int64_t> url_expiry_seconds,
                                    storage::UrlUse use) const {
  int64_t expiry = 0;
  SWHA_ASSIGN_OR_RETURN(expiry, ResolveUrlExpiry(url_expiry_seconds, default_url_expiry_seconds_));
  Session session;
  SWHA_ASSIGN_OR_RETURN(session, FindOwned(principal, session_id));
  SWHA_RETURN_IF_ERROR(NoteExpiredAudio(&session));
  if (session.audio_expired_at.has_value()) {
    return Status::Gone(
        "Session audio expired: the S3 bucket's lifecycle rule removed it (noticed " +
        FormatIso8601Utc(*session.audio_expired_at) + ")");
  }
  minter_->Mint(session.session_id, expiry, &session.segments, &session.warnings, use);
  return session;
}

Status SessionService::NoteExpiredAudio(Session* session) const {
  if (session->audio_expired_at.has_value() || storage_->s3 == nullptr) return Status::Ok();
  // A session's objects in one bucket were uploaded together, so they expire together: one
  // object per bucket tells for all of that bucket's (replicas may hold some of them).
  std::map<std::string, std::string> key_by_bucket;
  for (const Segment& seg : session->segments) {
    if (storage::InS3(seg.stored.location) && seg.stored.s3_key.has_value()) {
      key_by_bucket.emplace(seg.stored.s3_target, *seg.stored.s3_key);
    }
  }
  const int64_t now = clock_->NowUnixSeconds();
  bool changed = false;
  for (const auto& [bucket, key] : key_by_bucket) {
    const std::optional<int64_t> due =
        storage_->s3->ExpiresAt(key, session->created_at_ms / 1000, bucket);
    if (!due.has_value() || now < *due) continue;
    Result<bool> exists = storage_->s3->ObjectExists(key, bucket);
    if (!exists.ok() || *exists) continue;
    spdlog::info("session {}: its S3 audio in {} expired under the bucket's lifecycle rule",
                 session->session_id, bucket.empty() ? "the primary bucket" : bucket);
    SWHA_RETURN_IF_ERROR(catalog_->MarkS3AudioExpired(session->session_id, bucket, now));
    changed = true;
  }
  if (!changed) return Status::Ok();
  SWHA_ASSIGN_OR_RETURN(catalog::SessionRecord record, catalog_->GetSession(session->session_id));
  *session = FromRecord(std::move(record));
  return Status::Ok();
}

Result<DeleteReport> SessionService::Delete(const Principal& principal,
                                            std::string_view session_id) const {
  SWHA_RETURN_IF_ERROR(FindOwned(principal, session_id).status());
  return remover_.Remove(session_id);
}

Result<CleanupReport> SessionService::Cleanup(const Principal& principal,
                                              const CleanupRequest& request) const {
  if (request.days_old < 0 || request.days_old > kMaxCleanupDays) {
    return Status::InvalidField("days_old",
                                "must be an integer from 0 to " + std::to_string(kMaxCleanupDays));
  }
  if (principal.anonymous()) return Status::Unauthenticated("Not authenticated");
  // A superuser cleans everyone's sessions, anonymous ones included; a user only their own.
  const std::optional<std::string> owner =
      principal.is_superuser ? std::nullopt : std::optional<std::string>(principal.OwnerTag());
  const int64_t cutoff_ms = clock_->NowUnixMillis() - request.days_old * kSecondsPerDay * 1000;
  std::vector<catalog::SessionRecord> old;
  SWHA_ASSIGN_OR_RETURN(old, catalog_->SessionsCreatedBefore(owner, cutoff_ms));
  CleanupReport report;
  report.s3_attempted = request.cleanup_s3 && storage_->use_s3_storage;
  for (const catalog::SessionRecord& record : old) {
    const bool has_s3_copy = std::ranges::any_of(
        record.segments,
        [](const catalog::SegmentRecord& seg) { return storage::InS3(seg.location); });
    // Without cleanup_s3 a session with S3 copies stays whole, so the catalog never describes
    // copies that are gone. One whose queued segment the outbox records between this read and
    // the removal's mark goes whole, S3 copy included: the catalog stays true, and the window
    // is one upload wide.
    if (has_s3_copy && !request.cleanup_s3) {
      ++report.sessions_kept;
      continue;
    }
    Result<DeleteReport> removed = remover_.Remove(record.session_id);
    if (!removed.ok()) {
      if (removed.status().code() == StatusCode::kNotFound) continue;  // a concurrent delete
      return removed.status();
    }
    for (const catalog::SegmentRecord& seg : record.segments) {
      if (storage::InS3(seg.location)) report.s3_objects_listed += seg.marks_filename ? 2 : 1;
    }
    report.local_files_removed += removed->local_files_removed;
    report.s3_objects_deleted += removed->s3_objects_removed;
    report.local_failures.insert(report.local_failures.end(), removed->local_failures.begin(),
                                 removed->local_failures.end());
    report.s3_errors.insert(report.s3_errors.end(), removed->s3_failures.begin(),
                            removed->s3_failures.end());
    if (removed->finished()) {
      ++report.local_sessions_removed;
    } else if (removed->complete()) {
      report.local_failures.push_back(record.session_id +
                                      ": audio removed, catalog row not yet (retried)");
    }
  }
  report.local_errors = static_cast<int64_t>(report.local_failures.size());
  return report;
}

S3Check SessionService::CheckS3() const {
  S3Check check;
  if (!storage_->use_s3_storage) return check;
  if (storage_->s3 == nullptr) {
    check.error = storage_->s3_setup_error;
    return check;
  }
  check.configured = true;
  check.credentials_source = storage_->s3_credentials_source;
  check.region = storage_->s3_region;
  if (storage_->s3_credentials != nullptr) {
    check.credentials_expire_at = storage_->s3_credentials->Current()->expires_at_unix;
    if (!storage_->s3_credentials->LastError().ok()) {
      check.credentials_error =
          "the last fetch of the AWS credentials failed; retrying (details in the server log)";
    }
  }
  Stopwatch watch;
  for (const std::string& name : storage_->s3->TargetNames()) {
    S3TargetCheck target{.name = name, .endpoint = storage_->s3->TargetEndpoint(name)};
    const Status reachable = storage_->s3->CheckReachable(name);
    target.reachable = reachable.ok();
    if (!reachable.ok()) target.error = reachable.message();
    const storage::S3Availability availability = storage_->s3->availability(name);
    target.accepting_uploads = availability.available;
    if (!availability.available) target.retry_at = availability.retry_at_unix;
    check.targets.push_back(std::move(target));
  }
  check.check_ms = std::round(watch.ElapsedSeconds() * 10000) / 10;
  check.reachable = check.targets.front().reachable;
  check.error = check.targets.front().error;
  return check;
}

}  // namespace swha::service
