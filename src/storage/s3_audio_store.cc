#include "storage/s3_audio_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>

#include "storage/s3_codec.h"
#include "storage/session_id.h"
#include "util/blocking.h"
#include "util/strings.h"

namespace swha::storage {
namespace {

constexpr size_t kMaxCachedUrls = 10000;
constexpr int64_t kSecondsPerDay = 86400;  // AWS's lifecycle day
// A cached URL is handed out again until this close to its expiry: a tenth of its lifetime,
// at most five minutes, so a caller never gets a URL that is about to die.
constexpr int64_t kMaxReuseMarginSeconds = 300;

// As Python's str(float) writes the speed the original stored: "1.0", "0.75".
std::string FormatSpeed(double speed) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), speed);
  std::string out(buf, ec == std::errc() ? end : buf);
  if (out.find_first_of(".e") == std::string::npos) out += ".0";
  return out;
}

// Base letters of U+00C0..U+00FF and U+0100..U+017F; '?' marks a letter spelled with two
// (see kLigatures) or a sign with no letter (dropped).
constexpr std::string_view kLatin1Letters =
    "AAAAAA?CEEEEIIIIDNOOOOO?OUUUUY??aaaaaa?ceeeeiiiidnooooo?ouuuuy?y";
constexpr std::string_view kLatinExtendedA =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSs"
    "SsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

// The ASCII spelling of one code point, or "" to drop it.
std::string_view AsciiFor(char32_t c) {
  struct Spelling {
    char32_t code_point;
    std::string_view ascii;
  };
  static constexpr Spelling kSpellings[] = {
      {0xC6, "AE"},   {0xE6, "ae"},   {0xDE, "Th"},   {0xFE, "th"},   {0xDF, "ss"},   {0x132, "IJ"},
      {0x133, "ij"},  {0x152, "OE"},  {0x153, "oe"},  {0x2018, "'"},  {0x2019, "'"},  {0x201A, "'"},
      {0x2032, "'"},  {0x201C, "\""}, {0x201D, "\""}, {0x201E, "\""}, {0xAB, "\""},   {0xBB, "\""},
      {0x2033, "\""}, {0x2013, "-"},  {0x2014, "-"},  {0x2212, "-"},  {0x2026, "..."}};
  for (const Spelling& s : kSpellings) {
    if (s.code_point == c) return s.ascii;
  }
  auto letter = [](std::string_view table, size_t i) -> std::string_view {
    return table[i] == '?' ? std::string_view() : table.substr(i, 1);
  };
  if (c >= 0xC0 && c <= 0xFF) return letter(kLatin1Letters, c - 0xC0);
  if (c >= 0x100 && c <= 0x17F) return letter(kLatinExtendedA, c - 0x100);
  return {};
}

bool IsUnicodeSpace(char32_t c) {
  return c == 0xA0 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x3000;
}

}  // namespace

std::string FoldToAsciiMetadata(std::string_view text, size_t max_chars) {
  std::string out;
  bool pending_space = false;
  for (size_t i = 0; i < text.size() && out.size() < max_chars;) {
    size_t len = 1;
    const char32_t c = DecodeUtf8At(text, i, &len);
    i += len;
    if (c >= 0x80 && len == 1) continue;  // not UTF-8: dropped, never guessed as Latin-1
    std::string_view ascii;
    char one = 0;
    if (c < 0x80) {
      if (c <= 0x20 || c == 0x7F) {  // controls and whitespace become one space
        pending_space = true;
        continue;
      }
      one = static_cast<char>(c);
      ascii = std::string_view(&one, 1);
    } else if (IsUnicodeSpace(c)) {
      pending_space = true;
      continue;
    } else {
      ascii = AsciiFor(c);
      if (ascii.empty()) continue;
    }
    if (pending_space && !out.empty()) out += ' ';
    pending_space = false;
    out += ascii;
  }
  if (out.size() > max_chars) out.resize(max_chars);
  return out;
}

S3AudioStore::S3AudioStore(std::vector<S3TargetClients> targets, AudioStore* local,
                           const Clock* clock, S3AudioStoreOptions options)
    : local_(local),
      clock_(clock),
      options_(options),
      uploads_(std::max<size_t>(1, options.max_concurrent_uploads)),
      background_stores_(std::max<size_t>(1, options.max_concurrent_uploads)) {
  for (S3TargetClients& clients : targets) {
    auto target = std::make_unique<Target>();
    target->name = clients.client->bucket() + "@" + clients.client->region();
    target->client = std::move(clients.client);
    target->probe = std::move(clients.probe);
    targets_.push_back(std::move(target));
  }
}

namespace {
std::vector<S3TargetClients> OneTarget(std::unique_ptr<S3Client> client,
                                       std::unique_ptr<S3Client> probe) {
  std::vector<S3TargetClients> targets;
  targets.push_back({std::move(client), std::move(probe)});
  return targets;
}
}  // namespace

S3AudioStore::S3AudioStore(std::unique_ptr<S3Client> client, std::unique_ptr<S3Client> probe,
                           AudioStore* local, const Clock* clock, S3AudioStoreOptions options)
    : S3AudioStore(OneTarget(std::move(client), std::move(probe)), local, clock, options) {}

std::string S3AudioStore::OwnerPrefix(std::string_view owner) {
  if (owner == "anonymous") return "audio/anonymous/";
  return "audio/users/" + std::string(owner) + "/";
}

std::string S3AudioStore::ObjectKey(std::string_view owner, std::string_view session_id,
                                    std::string_view filename) {
  return OwnerPrefix(owner) + std::string(session_id) + "/" + std::string(filename);
}

std::vector<std::string> S3AudioStore::TargetNames() const {
  std::vector<std::string> names;
  for (const auto& target : targets_) names.push_back(target->name);
  return names;
}

std::string S3AudioStore::TargetEndpoint(std::string_view target) const {
  const Target* found = FindTarget(target);
  return found == nullptr ? "" : found->client->BaseUrl();
}

S3AudioStore::Target* S3AudioStore::FindTarget(std::string_view name) const {
  if (name.empty()) return targets_.front().get();
  for (const auto& target : targets_) {
    if (target->name == name) return target.get();
  }
  return nullptr;
}

std::string S3AudioStore::PartsKey(const SessionDescription& description) {
  // A session stored whole has its segments in one attempt; only parts need to meet.
  if (!description.stored_in_parts) return "";
  return OwnerPrefix(description.owner) + description.session_id;
}

std::optional<S3Availability> S3AudioStore::BeginAttempt(Target* target,
                                                         const SessionDescription& description,
                                                         Attempt* attempt) {
  const std::string session = PartsKey(description);
  std::unique_lock<std::mutex> lock(mu_);
  S3Availability& availability = target->availability;
  if (!session.empty() && !availability.available && target->rechecking_session == session) {
    // A wait on S3, as any upload's: the HTTP worker this part may run on serves others.
    const BlockingRegion waiting_for_recheck;
    recheck_ended_.wait_for(lock, std::chrono::milliseconds(kSessionRecheckWaitMillis),
                            [&] { return target->rechecking_session != session; });
  }
  const int64_t now_ms = clock_->NowUnixMillis();
  *attempt = Attempt{.started_ms = now_ms, .parts_key = session};
  if (availability.available) return std::nullopt;
  if (now_ms / 1000 < availability.retry_at_unix) return availability;
  // This request re-checks the bucket; the others keep skipping it until it has an answer (or
  // until another window has passed, should it hang).
  availability.retry_at_unix = now_ms / 1000 + RecheckSeconds();
  attempt->rechecks = true;
  if (target->rechecking_session.has_value()) {
    recheck_ended_.notify_all();  // a re-check that hung: its session's parts wait no more
  }
  target->rechecking_session.reset();
  if (!session.empty()) target->rechecking_session = session;
  return std::nullopt;
}

void S3AudioStore::RecordOutcome(Target* target, const Attempt& attempt, size_t uploaded,
                                 const Status* failure) {
  const int64_t started_ms = attempt.started_ms;
  std::lock_guard<std::mutex> lock(mu_);
  // The re-check is over, unless another session's has taken its place (this one hung).
  if (attempt.rechecks && target->rechecking_session == attempt.parts_key) {
    target->rechecking_session.reset();
    recheck_ended_.notify_all();
  }
  S3Availability& availability = target->availability;
  if (uploaded > 0) {
    // The bucket works (a single refused object says nothing about it as a whole), unless a
    // failure was seen after this attempt began: an old success must not end a newer outage.
    if (availability.available || started_ms < target->last_failure_ms) return;
    spdlog::info("S3 {} is available again", target->name);
    availability = S3Availability{};
    return;
  }
  if (failure == nullptr) return;
  // Logged once per outage and again whenever a re-check fails, not once per request.
  spdlog::warn("S3 {} unavailable, skipped for {} s: {}", target->name, RecheckSeconds(),
               failure->message());
  target->last_failure_ms = clock_->NowUnixMillis();
  availability.available = false;
  availability.last_error = failure->message();
  availability.retry_at_unix = target->last_failure_ms / 1000 + RecheckSeconds();
}

int64_t S3AudioStore::RecheckSeconds() const {
  return static_cast<int64_t>(std::ceil(options_.recheck_after_seconds));
}

S3Availability S3AudioStore::availability(std::string_view target) const {
  const Target* found = FindTarget(target);
  std::lock_guard<std::mutex> lock(mu_);
  if (found == nullptr) return {.available = false, .last_error = "not configured"};
  return found->availability;
}

std::map<std::string, std::string> SegmentMetadata(const SessionDescription& d,
                                                   std::string_view filename, size_t index,
                                                   int64_t now_unix) {
  return {{"session-id", d.session_id},
          {"user-id", d.owner},
          {"generated-at", FormatIso8601Utc(now_unix)},
          {"filename", std::string(filename)},
          {"voice", d.voice},
          {"language-code", d.language_code},
          {"speed", FormatSpeed(d.speed)},
          {"segment-index", std::to_string(d.first_index + index)},
          {"graphemes", index < d.graphemes.size() ? FoldToAsciiMetadata(d.graphemes[index]) : ""}};
}

void S3AudioStore::NoteUnreachable(Target* target) {
  std::lock_guard<std::mutex> lock(mu_);
  target->last_failure_ms = clock_->NowUnixMillis();
}

bool S3AudioStore::FailedSince(const Target& target, int64_t since_ms) const {
  std::lock_guard<std::mutex> lock(mu_);
  return target.last_failure_ms >= since_ms;
}

std::vector<Status> S3AudioStore::UploadTo(Target* target, const SessionDescription& d,
                                           std::span<const SegmentFile> files,
                                           const std::vector<size_t>& pending,
                                           const std::vector<std::string>& keys, int64_t started_ms,
                                           std::vector<char>* attempted) {
  std::vector<Status> results(pending.size());
  attempted->assign(pending.size(), 0);
  // Once one segment found the bucket unreachable (after its retries), the segments still
  // queued, this session's or another's, do not each spend their own retries finding out again.
  uploads_.RunAll(pending.size(), [&](size_t j) {
    if (FailedSince(*target, started_ms)) {
      results[j] = Status::Unavailable("not attempted: S3 was found unreachable meanwhile");
      return;
    }
    (*attempted)[j] = 1;
    const size_t i = pending[j];
    const SegmentFile& file = files[i];
    const auto metadata = SegmentMetadata(d, file.filename, i, clock_->NowUnixSeconds());
    results[j] = target->client->PutObject(keys[i], file.bytes, ContentTypeOf(file.filename),
                                           metadata, file.sha256_hex);
    if (results[j].ok() && !file.marks_json.empty()) {
      // The marks go where their audio goes, or neither does: a segment is in S3 whole.
      const std::string marks = MarksFilename(file.filename);
      const std::string marks_key = SiblingKey(keys[i], marks);
      results[j] =
          target->client->PutObject(marks_key, file.marks_json, ContentTypeOf(marks), metadata);
      if (!results[j].ok()) {
        // The marks too: a PUT that timed out may have stored them all the same.
        Result<std::vector<DeleteError>> refused =
            target->client->DeleteObjects({keys[i], marks_key});
        if (!refused.ok() || !refused->empty()) {
          spdlog::warn(
              "S3 {}: {} (and its marks) may be left in the bucket, which no row names; "
              "`swha-tts catalog check --repair` removes them: {}",
              target->name, keys[i],
              refused.ok() ? refused->front().code + ": " + refused->front().message
                           : refused.status().message());
        }
        results[j] = Status(results[j].code(), "marks: " + results[j].message());
      }
    }
    if (results[j].code() == StatusCode::kUnavailable) NoteUnreachable(target);
  });
  return results;
}

void S3AudioStore::MarkUploaded(const SessionDescription& description, const SegmentFile& file,
                                const std::string& key, const Target& target, LocalCopy local,
                                StoredSegment* segment, std::vector<std::string>* warnings) const {
  segment->s3_key = key;
  segment->s3_target = target.name;
  segment->upload_pending = false;
  segment->location = Location::kLocalAndS3;
  if (local == LocalCopy::kKeep) return;
  if (local == LocalCopy::kNone) {
    segment->location = Location::kS3;
    return;
  }
  Status removed = local_->RemoveSegment(description.session_id, file.filename);
  // A copy that could not be removed is still served, so it stays a location; the error names
  // a server path, so it goes to the log only.
  if (removed.ok()) {
    segment->location = Location::kS3;
    // Then the marks, which S3 now serves. One that cannot go is only a leftover: the segment
    // is S3's, and deleting the session sweeps its marks file whatever the location.
    if (segment->marks_filename) {
      Status marks = local_->RemoveSegment(description.session_id, *segment->marks_filename);
      if (!marks.ok()) {
        spdlog::warn("local copy of {}/{} not removed: {}", description.session_id,
                     *segment->marks_filename, marks.message());
      }
    }
    return;
  }
  spdlog::warn("local copy of {}/{} not removed: {}", description.session_id, file.filename,
               removed.message());
  warnings->push_back(file.filename + ": local copy could not be removed; still served locally");
}

Result<StoredSession> S3AudioStore::Store(const SessionDescription& description,
                                          std::span<const SegmentFile> files) {
  if (options_.keep_local_copy) {
    StoredSession session;
    SWHA_ASSIGN_OR_RETURN(session, local_->Publish(description.session_id, files));
    UploadSegments(description, files, LocalCopy::kKeep, &session);
    return session;
  }
  StoredSession session;
  session.segments.reserve(files.size());
  for (const SegmentFile& f : files) session.segments.push_back(StoredSegmentOf(f));
  UploadSegments(description, files, LocalCopy::kNone, &session);
  std::vector<SegmentFile> left;  // a copy, but only on the rare path where S3 failed
  for (size_t i = 0; i < files.size(); ++i) {
    if (!InS3(session.segments[i].location)) left.push_back(files[i]);
  }
  if (left.empty()) return session;
  if (Result<StoredSession> written = local_->Publish(description.session_id, left);
      !written.ok()) {
    // Taken back segment by segment: a rare path, where batching would only add bookkeeping.
    for (const StoredSegment& seg : session.segments) {
      if (!InS3(seg.location)) continue;
      std::vector<std::string> keys = {*seg.s3_key};
      if (auto marks = seg.MarksS3Key()) keys.push_back(*marks);
      for (const std::string& failure : RemoveObjects(keys, seg.s3_target)) {
        spdlog::error("session {} not stored and not removed: S3 {}", description.session_id,
                      failure);
      }
    }
    return written.status();
  }
  return session;
}

std::future<Result<StoredSession>> S3AudioStore::StoreInBackground(
    SessionDescription description, std::span<const SegmentFile> files) {
  // A promise rather than a packaged_task: the pool's tasks are std::functions, which copy.
  auto answer = std::make_shared<std::promise<Result<StoredSession>>>();
  std::future<Result<StoredSession>> future = answer->get_future();
  background_stores_.Submit([this, answer, description = std::move(description), files] {
    try {
      answer->set_value(Store(description, files));
    } catch (const std::exception& e) {
      // The pool's tasks must not throw; whoever waits gets the fault instead.
      answer->set_value(Status::Internal(std::string("storing a segment failed: ") + e.what()));
    } catch (...) {
      answer->set_value(Status::Internal("storing a segment failed"));
    }
  });
  return future;
}

void S3AudioStore::Upload(const SessionDescription& description, std::span<const SegmentFile> files,
                          StoredSession* session) {
  UploadSegments(description, files,
                 options_.keep_local_copy ? LocalCopy::kKeep : LocalCopy::kRemoveAfterUpload,
                 session);
}

void S3AudioStore::UploadKeepingLocalCopies(const SessionDescription& description,
                                            std::span<const SegmentFile> files,
                                            StoredSession* session) {
  UploadSegments(description, files, LocalCopy::kKeep, session);
}

Result<ObjectInfo> S3AudioStore::HeadObject(std::string_view key, std::string_view target) {
  const Target* found = FindTarget(target);
  if (found == nullptr) {
    return Status::Unavailable("S3 bucket " + std::string(target) + " is not configured now");
  }
  return found->probe->HeadObject(key);
}

void S3AudioStore::UploadSegments(const SessionDescription& description,
                                  std::span<const SegmentFile> files, LocalCopy local,
                                  StoredSession* session) {
  if (files.empty()) return;
  std::vector<std::string> keys(files.size());
  std::vector<size_t> pending(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    keys[i] = ObjectKey(description.owner, description.session_id, files[i].filename);
    pending[i] = i;
  }
  // With one bucket the warnings say "S3", as they always did; with replicas, which bucket.
  const bool replicated = targets_.size() > 1;
  for (const auto& target : targets_) {
    if (pending.empty()) break;
    const std::string subject = replicated ? "S3 " + target->name : "S3";
    Attempt attempt;
    if (std::optional<S3Availability> down = BeginAttempt(target.get(), description, &attempt)) {
      session->warnings.push_back(subject + " is unavailable (last error: " + down->last_error +
                                  ")" + (replicated ? "" : "; audio stored locally") + ". " +
                                  (replicated ? "It" : "S3") + " is tried again from " +
                                  FormatIso8601Utc(down->retry_at_unix));
      continue;
    }
    std::vector<char> attempted;
    const std::vector<Status> results =
        UploadTo(target.get(), description, files, pending, keys, attempt.started_ms, &attempted);
    size_t uploaded = 0;
    const Status* first_failure = nullptr;  // of those tried: the others say nothing new
    std::vector<size_t> still_pending;
    for (size_t j = 0; j < pending.size(); ++j) {
      const size_t i = pending[j];
      if (results[j].ok()) {
        ++uploaded;
        MarkUploaded(description, files[i], keys[i], *target, local, &session->segments[i],
                     &session->warnings);
        if (target != targets_.front()) {
          session->warnings.push_back(files[i].filename + ": stored in replica " + target->name);
        }
        continue;
      }
      if (first_failure == nullptr && attempted[j] != 0) first_failure = &results[j];
      session->warnings.push_back(files[i].filename + ": " + subject + " upload failed (" +
                                  results[j].message() + ")" +
                                  (replicated ? "" : "; stored locally"));
      still_pending.push_back(i);
    }
    if (description.stored_in_parts && first_failure != nullptr &&
        first_failure->code() != StatusCode::kUnavailable) {
      first_failure = nullptr;  // a refusal of this segment only: the bucket is not down
    }
    RecordOutcome(target.get(), attempt, uploaded, first_failure);
    pending = std::move(still_pending);
  }
  // Kept locally only because no bucket took them: the upload outbox tries them again.
  for (size_t i : pending) session->segments[i].upload_pending = true;
  if (description.stored_in_parts) return;
  if (std::optional<std::string> warning = NoBucketTookWarning(pending.size())) {
    session->warnings.push_back(std::move(*warning));
  }
}

std::optional<std::string> S3AudioStore::NoBucketTookWarning(size_t count) const {
  // Segments stay local only once every bucket was tried (a bucket known down counts as tried).
  if (targets_.size() < 2 || count == 0) return std::nullopt;
  std::string names;
  for (const auto& target : targets_) names += (names.empty() ? "" : ", ") + target->name;
  return std::to_string(count) + " segment(s) stored locally: no S3 bucket took them (tried " +
         names + ")";
}

Result<std::string> S3AudioStore::Presign(std::string_view key, int64_t expiry_seconds,
                                          int64_t* expires_at_unix, std::string_view target,
                                          UrlUse use) {
  const Target* found = FindTarget(target);
  if (found == nullptr) {
    return Status::Unavailable("S3 bucket " + std::string(target) + " is not configured now");
  }
  const int64_t now = clock_->NowUnixSeconds();
  auto cache_key = std::make_tuple(found->name, std::string(key), expiry_seconds, use);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = presign_cache_.find(cache_key);
    if (it != presign_cache_.end() && now < it->second.reuse_until) {
      *expires_at_unix = it->second.expires_at;
      if (options_.metrics != nullptr) options_.metrics->presigned_urls->CounterFor({"hit"}).Add();
      return it->second.url;
    }
  }
  if (options_.metrics != nullptr) options_.metrics->presigned_urls->CounterFor({"miss"}).Add();
  std::string url;
  int64_t expires_at = now + expiry_seconds;
  // The distribution's origin is the primary bucket; a replica's objects are presigned by S3.
  if (options_.cdn != nullptr && found == targets_.front().get()) {
    SWHA_ASSIGN_OR_RETURN(url, options_.cdn->Sign(options_.cdn->ResourceUrl(key), expires_at,
                                                  use == UrlUse::kClient));
  } else {
    // Temporary credentials may cut the expiry short: the URL says when it really ends.
    SWHA_ASSIGN_OR_RETURN(url, found->client->PresignGet(key, expiry_seconds, &expires_at));
  }
  *expires_at_unix = expires_at;
  // A URL cut short by expiring credentials is not handed out again: after the refresh, a new
  // one lasts as long as asked.
  if (expires_at < now + expiry_seconds) return url;
  const int64_t lifetime = expires_at - now;
  CachedUrl entry{url, expires_at, expires_at - std::min(kMaxReuseMarginSeconds, lifetime / 10)};
  std::lock_guard<std::mutex> lock(mu_);
  if (presign_cache_.size() >= kMaxCachedUrls) {
    std::erase_if(presign_cache_, [now](const auto& kv) { return kv.second.reuse_until <= now; });
    if (presign_cache_.size() >= kMaxCachedUrls) presign_cache_.clear();
  }
  presign_cache_.insert_or_assign(std::move(cache_key), std::move(entry));
  return url;
}

Status S3AudioStore::CheckReachable(std::string_view target) {
  Target* found = FindTarget(target);
  if (found == nullptr) {
    return Status::Unavailable("S3 bucket " + std::string(target) + " is not configured now");
  }
  const int64_t now_ms = clock_->NowUnixMillis();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (found->probe_checked_ms != 0 && now_ms - found->probe_checked_ms < kProbeCacheMillis) {
      return found->probe_result;
    }
  }
  Status s = found->probe->HeadBucket();
  std::lock_guard<std::mutex> lock(mu_);
  found->probe_result = s;
  found->probe_checked_ms = now_ms;
  return s;
}

std::vector<LifecycleRule> S3AudioStore::CurrentLifecycleRules(Target* target) {
  const int64_t now_ms = clock_->NowUnixMillis();
  {
    std::lock_guard<std::mutex> lock(mu_);
    const bool fresh = target->lifecycle_read_ms != 0 &&
                       now_ms - target->lifecycle_read_ms < kLifecycleRefreshSeconds * 1000;
    if (fresh || target->lifecycle_reading || !target->availability.available) {
      return target->lifecycle_rules;
    }
    target->lifecycle_reading = true;
  }
  Result<std::vector<LifecycleRule>> rules = ReadLifecycleRules(*target->probe);
  std::lock_guard<std::mutex> lock(mu_);
  target->lifecycle_reading = false;
  target->lifecycle_read_ms = now_ms;  // a failed read is not retried at once either
  if (rules.ok()) {
    target->lifecycle_rules = *std::move(rules);
  } else {
    spdlog::warn("S3 {}: lifecycle rules not read (kept what was known): {}", target->name,
                 rules.status().message());
  }
  return target->lifecycle_rules;
}

std::optional<int64_t> S3AudioStore::ExpiresAt(std::string_view key, int64_t created_unix,
                                               std::string_view target) {
  Target* found = FindTarget(target);
  if (found == nullptr) return std::nullopt;
  const std::optional<int> days = ExpirationDaysFor(CurrentLifecycleRules(found), key);
  if (!days.has_value()) return std::nullopt;
  const int64_t day = options_.lifecycle_day_seconds;
  const int64_t due = created_unix + int64_t{*days} * day;
  if (day != kSecondsPerDay) return due;
  return (due + kSecondsPerDay - 1) / kSecondsPerDay * kSecondsPerDay;
}

Result<bool> S3AudioStore::ObjectExists(std::string_view key, std::string_view target) {
  Result<ObjectInfo> info = HeadObject(key, target);
  if (info.ok()) return true;
  if (info.status().code() == StatusCode::kNotFound) return false;
  return info.status();
}

Result<LifecycleChange> S3AudioStore::EnsureExpirationRule(std::string_view prefix, int days,
                                                           std::string_view target) {
  Target* found = FindTarget(target);
  if (found == nullptr) {
    return Status::Unavailable("S3 bucket " + std::string(target) + " is not configured now");
  }
  Result<LifecycleChange> change = ApplyExpirationRule(*found->client, prefix, days);
  std::lock_guard<std::mutex> lock(mu_);
  found->lifecycle_read_ms = 0;
  return change;
}

std::vector<std::string> S3AudioStore::RemoveObjects(const std::vector<std::string>& keys,
                                                     std::string_view target) {
  std::vector<std::string> errors;
  if (keys.empty()) return errors;
  const Target* found = FindTarget(target);
  if (found == nullptr) {
    for (const std::string& key : keys) {
      errors.push_back(key + ": S3 bucket " + std::string(target) + " is not configured now");
    }
    return errors;
  }
  Result<std::vector<DeleteError>> refused = found->client->DeleteObjects(keys);
  if (!refused.ok()) {
    for (const std::string& key : keys) errors.push_back(key + ": " + refused.status().message());
    return errors;
  }
  for (const DeleteError& e : *refused) errors.push_back(e.key + ": " + e.code + ": " + e.message);
  return errors;
}

Result<std::vector<ListedObject>> S3AudioStore::ListObjects(std::string_view prefix,
                                                            std::string_view target) {
  const Target* found = FindTarget(target);
  if (found == nullptr) {
    return Status::Unavailable("S3 bucket " + std::string(target) + " is not configured now");
  }
  return found->client->ListObjectsV2(prefix);
}

std::optional<std::string> S3AudioStore::KeyOfPresignedUrl(std::string_view url) const {
  if (options_.cdn != nullptr) {
    if (auto key = options_.cdn->KeyOfSignedUrl(url)) return key;
  }
  const size_t query = url.find('?');
  if (query == std::string_view::npos ||
      url.find("X-Amz-Signature=", query) == std::string_view::npos) {
    return std::nullopt;
  }
  for (const auto& target : targets_) {
    const std::string prefix = target->client->ObjectUrlPrefix();
    if (!url.starts_with(prefix) || query < prefix.size()) continue;
    std::string key;
    if (!UrlDecode(url.substr(prefix.size(), query - prefix.size()), &key) || key.empty()) {
      return std::nullopt;
    }
    return key;
  }
  return std::nullopt;
}

std::string S3AudioStore::SessionOfKey(std::string_view key) {
  // audio/users/<owner>/<session>/<file> or audio/anonymous/<session>/<file>
  const size_t file_slash = key.rfind('/');
  if (file_slash == std::string_view::npos || !key.starts_with("audio/")) return "";
  const std::string_view dir = key.substr(0, file_slash);
  const std::string_view session = dir.substr(dir.rfind('/') + 1);
  if (!IsValidSessionId(session)) return "";
  const std::string rebuilt = ObjectKey(SessionOwner(session), session, key.substr(file_slash + 1));
  return rebuilt == key ? std::string(session) : "";
}

}  // namespace swha::storage
