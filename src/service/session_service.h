// Use cases on sessions that already exist: list, fetch with fresh URLs, delete, clean up by
// age; and the storage's live state. Every session is its owner's alone: another user's is
// NotFound, never PermissionDenied, so its id is not confirmed. Knows no HTTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/session.h"
#include "service/session_removal.h"
#include "service/storage_backends.h"
#include "service/url_minter.h"
#include "util/clock.h"
#include "util/status.h"

namespace swha::service {

// The oldest cleanup cutoff accepted, in days (a century).
inline constexpr int64_t kMaxCleanupDays = 36500;
// Sessions per page of a listing: the default and the most one page may ask for.
inline constexpr int kDefaultSessionPageSize = 20;
inline constexpr int kMaxSessionPageSize = 100;

// The most items one batch presign may name (the seed's "batch presigned URL generation"), and
// the most URLs it may mint (sessions hold many segments each).
inline constexpr size_t kMaxPresignBatch = 1000;
inline constexpr size_t kMaxPresignBatchUrls = 10000;

struct SessionListing {
  std::vector<Session> sessions;  // newest first, without URLs
  std::optional<std::string> next_cursor;
};

struct CleanupRequest {
  int64_t days_old = 7;  // 0..kMaxCleanupDays: audio last modified longer ago than this goes
  bool cleanup_s3 = true;
};

struct CleanupReport {
  int64_t local_files_removed = 0;
  int64_t local_sessions_removed = 0;  // sessions removed whole: audio and catalog row
  int64_t local_errors = 0;
  std::vector<std::string> local_failures;  // no server paths (those are logged)
  int64_t s3_objects_deleted = 0;
  int64_t s3_objects_listed = 0;       // S3 copies among the sessions examined
  int64_t sessions_kept = 0;           // left whole: they have S3 copies and cleanup_s3 was false
  std::vector<std::string> s3_errors;  // never a secret
  bool s3_attempted = false;

  bool failed() const { return local_errors > 0 || !s3_errors.empty(); }
};

// One bucket's live state: the primary's, or a replica's (S3_REPLICAS).
struct S3TargetCheck {
  std::string name;        // "bucket@region"
  std::string endpoint;    // "scheme://host"
  bool reachable = false;  // its live HeadBucket answered
  std::optional<std::string> error;
  bool accepting_uploads = true;    // not being skipped after a failed upload
  std::optional<int64_t> retry_at;  // while skipped: when uploads try it again
};

struct S3Check {
  bool configured = false;  // S3 is on and could be set up (credentials found)
  bool reachable = false;   // the primary's live HeadBucket answered
  std::optional<std::string> error;
  double check_ms = 0;
  std::string credentials_source;
  std::optional<int64_t> credentials_expire_at;  // temporary credentials only
  // Set while fetching newer credentials fails; names no file, URL or secret.
  std::optional<std::string> credentials_error;
  std::string region;                  // the primary's, as resolved
  std::vector<S3TargetCheck> targets;  // the primary first, then the replicas in order
};

// Fresh URLs for many sessions, or many S3 objects, at once: exactly one list is given.
struct PresignBatchRequest {
  std::vector<std::string> session_ids;
  std::vector<std::string> s3_keys;
  std::optional<int64_t> url_expiry_seconds;  // ResolveUrlExpiry's rules
};

// The answer for one item, in the order asked. Exactly one of (session | url) and error is set.
// error is "not found" for anything the caller does not own, so nobody learns what exists.
struct PresignedItem {
  std::string name;                // the session id or S3 key asked for
  std::optional<Session> session;  // session_ids: its segments with URLs minted
  std::optional<std::string> url;  // s3_keys: the presigned GET URL
  std::optional<int64_t> expires_at;
  std::optional<std::string> error;
};

struct PresignBatch {
  int64_t expiry_seconds = 0;
  bool by_session = false;  // the items answer session_ids (else s3_keys)
  std::vector<PresignedItem> items;
};

// Thread-safe.
class SessionService {
 public:
  // Borrowed pointers must outlive the service.
  // `default_url_expiry_seconds`: S3_PRESIGNED_URL_EXPIRY, for a Get that names none.
  // REQUIRES: removal.Validate() is Ok.
  SessionService(const StorageBackends* storage, catalog::Catalog* catalog, const UrlMinter* minter,
                 const Clock* clock, int64_t default_url_expiry_seconds,
                 SessionRemovalConfig removal = {})
      : storage_(storage),
        catalog_(catalog),
        minter_(minter),
        clock_(clock),
        default_url_expiry_seconds_(default_url_expiry_seconds),
        remover_(removal, catalog, storage, clock) {}

  // `principal`'s sessions, newest first. Unauthenticated for an anonymous principal (anonymous
  // sessions are listed by nobody); InvalidField "limit" / "cursor".
  Result<SessionListing> List(const Principal& principal, int limit,
                              std::optional<std::string_view> cursor) const;
  // One session with URLs freshly minted for `url_expiry_seconds` (ResolveUrlExpiry's rules;
  // presigned in S3, signed locally otherwise). Gone when a bucket lifecycle rule expired its
  // audio (NoteExpiredAudio), rather than URLs that would 404.
  // `use`: who will fetch the URLs (storage::UrlUse; lipsync hands them to its provider).
  Result<Session> Get(const Principal& principal, std::string_view session_id,
                      std::optional<int64_t> url_expiry_seconds,
                      storage::UrlUse use = storage::UrlUse::kClient) const;
  // URLs for up to kMaxPresignBatch of `principal`'s sessions or S3 objects (batch_presign.cc);
  // a repeated name is answered again from the first answer. Unauthenticated for an anonymous
  // principal; InvalidField "session_ids" (also when the sessions hold more than
  // kMaxPresignBatchUrls segments) / "s3_keys" / "presigned_url_expiry"; a catalog failure
  // fails the whole batch.
  Result<PresignBatch> Presign(const Principal& principal,
                               const PresignBatchRequest& request) const;
  // Where a segment's local file (audio or marks) `filename` of `session_id` went: a URL for its
  // S3 object, valid until `valid_until` (unix seconds) at the latest, when the upload outbox
  // moved it there after a signed local URL for it was handed out (KEEP_LOCAL_COPY=false). The
  // signed URL is the holder's authority, so no principal: NotFound when the session, the file
  // or its S3 copy is not there, or the time is up.
  Result<MintedUrl> MovedLocalAudio(std::string_view session_id, std::string_view filename,
                                    int64_t valid_until) const;
  // Removes the session for good (SessionRemover::Remove): it is gone for its owner at once,
  // and what storage did not let go of yet is retried in the background (the report says
  // what). NotFound when it is not (or no longer) there.
  Result<DeleteReport> Delete(const Principal& principal, std::string_view session_id) const;

  // Removes the sessions made more than request.days_old days ago, as Delete does:
  // `principal`'s own, or everyone's (anonymous ones included) for a superuser.
  // Unauthenticated for an anonymous principal; InvalidField("days_old") out of range. What
  // storage did not let go of is counted as an error, and retried in the background.
  Result<CleanupReport> Cleanup(const Principal& principal, const CleanupRequest& request) const;

  // A live check of every bucket (one attempt each, reused for 2 s) when S3 is on; else not
  // configured.
  S3Check CheckS3() const;

  // The background retries of removals (the server starts them).
  SessionRemover* remover() { return &remover_; }

 private:
  // The session, when `principal` owns it; NotFound otherwise.
  Result<Session> FindOwned(const Principal& principal, std::string_view session_id) const;
  // A bucket lifecycle rule may have expired the session's S3 copies since it was recorded.
  // For a session past its rule's age, one of its objects is looked at (HEAD); when it is gone,
  // the catalog is told (MarkS3AudioExpired) and `session` reloaded to match. S3 that cannot
  // answer changes nothing: the URLs are minted as before.
  Status NoteExpiredAudio(Session* session) const;

  const StorageBackends* storage_;
  catalog::Catalog* catalog_;
  const UrlMinter* minter_;
  const Clock* clock_;
  const int64_t default_url_expiry_seconds_;
  SessionRemover remover_;
};

}  // namespace swha::service
