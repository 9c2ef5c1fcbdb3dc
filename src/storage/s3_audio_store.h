// The S3 half of audio storage. With KEEP_LOCAL_COPY a session is written locally first
// (AudioStore) and then uploaded; without it, it is uploaded straight from memory and only what
// no bucket took is written locally. Segments are uploaded concurrently, and each is told where
// it ended up.
// Failure is honest and per segment: a segment whose upload failed stays local (and is handed
// out with a signed local URL), and the session is "s3" only when every segment is.
//
// Whether S3 is reachable is never decided once: after a session none of whose segments could
// be uploaded, S3 is skipped for `recheck_after_seconds` (so a dead endpoint does not cost every
// request its retries), then one request tries it again while the others keep skipping; a
// service started while S3 was down uses S3 once it is back.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "metrics/service_metrics.h"
#include "storage/audio_store.h"
#include "storage/cloudfront_signer.h"
#include "storage/s3_client.h"
#include "storage/s3_lifecycle.h"
#include "util/clock.h"
#include "util/status.h"
#include "util/thread_pool.h"

namespace swha::storage {

struct S3AudioStoreOptions {
  size_t max_concurrent_uploads = 8;  // across the whole process
  double recheck_after_seconds = 5;   // how long S3 is skipped after a failure
  bool keep_local_copy = true;        // false: the local file goes once its upload succeeded
  const metrics::ServiceMetrics* metrics = nullptr;  // borrowed; counts presign cache hits
  // Borrowed; when set, Presign hands out CloudFront signed URLs for the objects instead of S3
  // presigned ones (CLOUDFRONT_*).
  const CloudFrontSigner* cdn = nullptr;
  // How long a lifecycle "day" lasts on this S3 server (S3_LIFECYCLE_DAY_SECONDS): AWS's 86400,
  // or less on a test server that shortens days.
  int64_t lifecycle_day_seconds = 86400;
};

// What the uploads' x-amz-meta-* metadata describes (the original's fields).
struct SessionDescription {
  std::string owner;  // user id, or "anonymous"
  std::string session_id;
  std::string voice;
  std::string language_code;
  double speed = 1.0;
  std::vector<std::string> graphemes;  // per segment, same order as the files
  size_t first_index = 0;              // the first file's segment index (streams store one)
  // Stored apart from the session's other segments, while they are still being made
  // (StoreInBackground, a stream): one segment refused then says nothing of the bucket as a
  // whole, so only S3 found unreachable marks it down, as a session that got no segment at all
  // would; and the count of segments no bucket took is the caller's to say, for the session.
  bool stored_in_parts = false;
};

struct S3Availability {
  bool available = true;      // false while S3 is being skipped after a failure
  std::string last_error;     // "" when the last attempt succeeded
  int64_t retry_at_unix = 0;  // when S3 is next tried, while unavailable
};

// DeleteObjects' limit per request.
constexpr size_t kMaxDeleteBatch = 1000;

// Who will fetch a URL handed out. CLOUDFRONT_ALLOWED_IP binds URLs to the callers' network;
// a provider such as sync.so fetches from its own addresses, so its URLs are not bound.
enum class UrlUse { kClient, kProvider };

// One bucket the store may write to: the primary (S3_BUCKET_NAME) or a replica (S3_REPLICAS).
struct S3TargetClients {
  std::unique_ptr<S3Client> client;  // uploads, deletes, listings: with retries
  std::unique_ptr<S3Client> probe;   // the same bucket with a single attempt, for live checks
};

// Thread-safe.
class S3AudioStore {
 public:
  // `targets` in the order they are tried, the primary first (at least one). `local` and
  // `clock` are borrowed and must outlive this object.
  S3AudioStore(std::vector<S3TargetClients> targets, AudioStore* local, const Clock* clock,
               S3AudioStoreOptions options);
  // One bucket only.
  S3AudioStore(std::unique_ptr<S3Client> client, std::unique_ptr<S3Client> probe, AudioStore* local,
               const Clock* clock, S3AudioStoreOptions options);

  // "audio/users/<owner>/<session>/<file>", or "audio/anonymous/<session>/<file>".
  static std::string ObjectKey(std::string_view owner, std::string_view session_id,
                               std::string_view filename);
  // The prefix under which ObjectKey puts every session of `owner`.
  static std::string OwnerPrefix(std::string_view owner);

  // Every bucket's name ("bucket@region"), the primary first.
  std::vector<std::string> TargetNames() const;
  // With replicas, the warning that `count` segments of a session stayed local because no
  // bucket took them, naming every bucket; nothing with one bucket (each segment's own warning
  // says it) or none left local. Store says it of the files it is given; a session stored in
  // parts says it once for all of them.
  std::optional<std::string> NoBucketTookWarning(size_t count) const;
  // The endpoint ("scheme://host") of bucket `target` ("" = the primary).
  std::string TargetEndpoint(std::string_view target) const;

  // Stores the files of a new session (or a streamed session's next ones) in S3 and, as
  // needed, locally: with keep_local_copy, Publish then Upload; without it, each segment is
  // uploaded from memory and only those no bucket took are written locally (Publish), so a
  // segment that reaches S3 never costs a local write and delete. A local write that fails
  // takes back what was uploaded and is returned: the session is whole or absent.
  Result<StoredSession> Store(const SessionDescription& description,
                              std::span<const SegmentFile> files);
  // Store on a thread of the store's own, while the caller goes on making the session's next
  // segments (a generate uploads segment N while it synthesizes N+1, instead of all of them
  // after the last). At most max_concurrent_uploads such stores run at once, the rest wait their
  // turn; their PUTs count against the same bound as every other upload. The answer is Store's.
  // REQUIRES: `files` stay valid, unchanged, until the answer is ready.
  std::future<Result<StoredSession>> StoreInBackground(SessionDescription description,
                                                       std::span<const SegmentFile> files);

  // Uploads `files` (already in `session`, stored locally) and updates `session` in place: each
  // uploaded segment gets its s3_key, s3_target and location (kS3 once its local copy is gone,
  // when keep_local_copy is false); every segment left local gets a warning saying why. Each
  // segment goes to the first bucket that is available and takes it: the primary, else the
  // replicas in order; local only when every bucket failed, the warnings naming each.
  // REQUIRES: session->segments[i] is files[i].
  void Upload(const SessionDescription& description, std::span<const SegmentFile> files,
              StoredSession* session);

  // The upload outbox's form of Upload: every local copy stays (location kLocalAndS3), for the
  // caller to remove once the catalog records where the segment is now, so a crash in between
  // never leaves a row pointing at a file that is gone. Warnings go to session->warnings.
  void UploadKeepingLocalCopies(const SessionDescription& description,
                                std::span<const SegmentFile> files, StoredSession* session);

  // HeadObject of `key` in bucket `target` (one attempt): its size, ETag and metadata, to check
  // an upload against the bytes it came from.
  Result<ObjectInfo> HeadObject(std::string_view key, std::string_view target = "");

  // A presigned GET URL for `key` in bucket `target` ("" = the primary), signed for that
  // bucket's region (a CloudFront signed URL for the primary's objects when options.cdn is
  // set). The same (key, expiry) within one window returns the same URL until shortly before
  // it expires; `expires_at_unix` receives its real expiry. Unavailable for a bucket that is
  // not configured (any more): the server's configuration, not the caller's fault.
  Result<std::string> Presign(std::string_view key, int64_t expiry_seconds,
                              int64_t* expires_at_unix, std::string_view target = "",
                              UrlUse use = UrlUse::kClient);

  // The key of a presigned GET URL of one of these buckets (X-Amz-Signature in its query) or of
  // a CloudFront URL options.cdn signed, or nullopt when `url` is not one: tells the URLs we
  // handed out from anybody else's.
  std::optional<std::string> KeyOfPresignedUrl(std::string_view url) const;

  // A live HeadBucket of `target` (one attempt), for s3-info; the answer is reused for 2 s so
  // that callers cannot turn it into a flood. It does not change availability(), which only
  // uploads decide (a bucket that answers HEAD may still refuse PUTs).
  Status CheckReachable(std::string_view target = "");
  S3Availability availability(std::string_view target = "") const;

  // When object `key` of bucket `target`, written at `created_unix`, is due to expire under
  // that bucket's lifecycle rules (ExpirationDaysFor), or nullopt when no rule surely applies.
  // With AWS's day, as S3 counts: the days after creation, rounded up to the next midnight UTC.
  // The rules are read from the bucket when first needed and again every
  // kLifecycleRefreshSeconds, by one caller while the others use what was read before; a read
  // that fails keeps the old rules.
  std::optional<int64_t> ExpiresAt(std::string_view key, int64_t created_unix,
                                   std::string_view target = "");
  // Whether object `key` is in bucket `target`: one HEAD, one attempt. An absent object is
  // false; S3 that cannot answer is an error.
  Result<bool> ObjectExists(std::string_view key, std::string_view target = "");
  // ApplyExpirationRule on bucket `target` (S3_LIFECYCLE_DAYS at start-up); its rules are read
  // again afterwards.
  Result<LifecycleChange> EnsureExpirationRule(std::string_view prefix, int days,
                                               std::string_view target = "");

  // Every object under `prefix` in bucket `target` ("" = the primary), all pages.
  Result<std::vector<ListedObject>> ListObjects(std::string_view prefix,
                                                std::string_view target = "");
  // The session id in an ObjectKey, or "" when `key` is not one.
  static std::string SessionOfKey(std::string_view key);

  // Deletes `keys` from bucket `target` (S3Client::DeleteObjects: one call per 1000 keys); an
  // absent key counts as deleted, as S3 does. Returns one line per key that could not be
  // deleted.
  std::vector<std::string> RemoveObjects(const std::vector<std::string>& keys,
                                         std::string_view target = "");

 private:
  struct CachedUrl {
    std::string url;
    int64_t expires_at = 0;
    int64_t reuse_until = 0;
  };

  // A bucket and what is known of it. The clients are immutable; the rest is guarded by mu_.
  struct Target {
    std::string name;  // "bucket@region"
    std::unique_ptr<S3Client> client;
    std::unique_ptr<S3Client> probe;
    S3Availability availability;
    int64_t last_failure_ms = 0;
    Status probe_result;
    int64_t probe_checked_ms = 0;
    std::vector<LifecycleRule> lifecycle_rules;
    int64_t lifecycle_read_ms = 0;  // 0: not read yet, or to be read again now
    bool lifecycle_reading = false;
    // The session stored in parts one of whose parts is re-checking this bucket now (nullopt
    // when none is): the session's other parts wait for that answer (BeginAttempt).
    std::optional<std::string> rechecking_session;
  };

  static constexpr int64_t kProbeCacheMillis = 2000;
  // How long a part of a session waits for another part's re-check of a bucket (which may hang
  // on an unreachable endpoint for its retries) before it goes on to the next bucket anyway.
  static constexpr int64_t kSessionRecheckWaitMillis = 10000;
  static constexpr int64_t kLifecycleRefreshSeconds = 300;

  // `name`'s bucket ("" = the primary), or nullptr when it is not configured.
  Target* FindTarget(std::string_view name) const;
  // An attempt at uploading to a bucket, from BeginAttempt to RecordOutcome.
  struct Attempt {
    int64_t started_ms = 0;
    std::string parts_key;  // PartsKey of the attempt's session
    bool rechecks = false;  // it re-checks a bucket that was down
  };
  // nullopt: go ahead (`*attempt` says when, and whether it re-checks); else `target` is being
  // skipped, and why. While one part of a session stored in parts re-checks a bucket that was
  // down, the session's other parts wait for its answer (up to kSessionRecheckWaitMillis,
  // lending an HTTP worker meanwhile), rather than go to the next bucket and leave the session
  // split between two.
  std::optional<S3Availability> BeginAttempt(Target* target, const SessionDescription& description,
                                             Attempt* attempt);
  // After a session's uploads to `target`: up if any segment got there, down if none did; the
  // re-check, if this attempt was it, is over.
  void RecordOutcome(Target* target, const Attempt& attempt, size_t uploaded,
                     const Status* failure);
  // What identifies the parts of one session stored in parts; "" for a session stored whole.
  static std::string PartsKey(const SessionDescription& description);
  int64_t RecheckSeconds() const;
  // An upload to `target` found it unreachable now (after its retries); RecordOutcome, at the
  // end of the session, then marks it down.
  void NoteUnreachable(Target* target);
  // Whether an upload (any request's) found `target` unreachable at or after `since_ms`.
  bool FailedSince(const Target& target, int64_t since_ms) const;
  // Uploads files[i] for every i in `pending` to `target`; one Status per entry of `pending`,
  // and in (*attempted)[j] whether entry j was tried at all. An entry is not tried once S3 was
  // found unreachable after `started_ms`, by this session or another: a gateway that hangs
  // would otherwise hold every queued upload for its own retries, one slot at a time.
  std::vector<Status> UploadTo(Target* target, const SessionDescription& description,
                               std::span<const SegmentFile> files,
                               const std::vector<size_t>& pending,
                               const std::vector<std::string>& keys, int64_t started_ms,
                               std::vector<char>* attempted);
  // What becomes of a segment's local copy once it is in S3.
  enum class LocalCopy {
    kNone,               // none was written: the segment is S3's alone (kS3)
    kKeep,               // it stays (kLocalAndS3)
    kRemoveAfterUpload,  // it goes now (kS3), or stays a location if it cannot be removed
  };
  // Upload, with `local` saying what becomes of each uploaded segment's local copy.
  void UploadSegments(const SessionDescription& description, std::span<const SegmentFile> files,
                      LocalCopy local, StoredSession* session);
  // Records that `file` is in `target` under `key`, and deals with its local copy.
  void MarkUploaded(const SessionDescription& description, const SegmentFile& file,
                    const std::string& key, const Target& target, LocalCopy local,
                    StoredSegment* segment, std::vector<std::string>* warnings) const;
  // `target`'s lifecycle rules, read again when stale (see ExpiresAt).
  std::vector<LifecycleRule> CurrentLifecycleRules(Target* target);

  std::vector<std::unique_ptr<Target>> targets_;  // the primary first; never empty
  AudioStore* const local_;
  const Clock* const clock_;
  const S3AudioStoreOptions options_;
  ThreadPool uploads_;  // runs PUTs; its slots bound them across the process

  mutable std::mutex mu_;                  // guards the targets' state and the cache
  std::condition_variable recheck_ended_;  // a Target's rechecking_session was cleared
  // By (bucket, key, expiry, use).
  std::map<std::tuple<std::string, std::string, int64_t, UrlUse>, CachedUrl> presign_cache_;
  // Runs StoreInBackground's stores. Each store's lone PUT runs on its own thread, holding a
  // slot of uploads_ (whose RunAll must never be called from one of uploads_'s threads). Last:
  // destroyed first, it finishes the stores it holds while everything they use is still there.
  ThreadPool background_stores_;
};

// The x-amz-meta-* fields (names without the prefix) of segment `index` (`filename`) of the
// session `d`, written at `now_unix`: the original's session-id, user-id, generated-at,
// filename, voice, language-code, speed, segment-index and graphemes.
std::map<std::string, std::string> SegmentMetadata(const SessionDescription& d,
                                                   std::string_view filename, size_t index,
                                                   int64_t now_unix);

// The graphemes metadata value: letters with diacritics folded to their base letter, anything
// else outside printable ASCII dropped, whitespace runs made one space, at most 100 characters.
std::string FoldToAsciiMetadata(std::string_view text, size_t max_chars = 100);

}  // namespace swha::storage
