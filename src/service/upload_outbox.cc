#include "service/upload_outbox.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <span>

#include "storage/s3_audio_store.h"
#include "util/crypto.h"

namespace swha::service {
namespace {

std::string_view OutcomeName(OutboxOutcome outcome) {
  switch (outcome) {
    case OutboxOutcome::kUploaded: return "uploaded";
    case OutboxOutcome::kFailed: return "failed";
    case OutboxOutcome::kDropped: return "dropped";
  }
  return "failed";
}

// The whole of a local file.
Result<std::string> ReadLocal(storage::AudioStore* local, const std::string& session_id,
                              const std::string& filename) {
  SWHA_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                        local->OpenSegment(session_id, filename));
  std::string bytes;
  SWHA_RETURN_IF_ERROR(file->Read(0, file->Size(), &bytes));
  return bytes;
}

// An ETag is the MD5 of the body for a single PUT without KMS encryption (32 hex digits);
// multipart and KMS ETags are something else, and then the size and the signed payload hash
// (S3 refuses a body whose SHA-256 differs from x-amz-content-sha256) are the check.
bool IsMd5Etag(std::string_view etag) {
  return etag.size() == 32 && std::ranges::all_of(etag, [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Whether S3's object is the bytes that were sent.
Status CheckUploaded(storage::S3AudioStore* s3, const std::string& key, const std::string& target,
                     std::string_view bytes) {
  SWHA_ASSIGN_OR_RETURN(storage::ObjectInfo info, s3->HeadObject(key, target));
  if (info.size != bytes.size()) {
    return Status::Internal(
        fmt::format("S3 holds {} bytes of {} where {} were sent", info.size, key, bytes.size()));
  }
  if (IsMd5Etag(info.etag) && info.etag != crypto::HexEncode(crypto::Md5(bytes))) {
    return Status::Internal("S3's ETag of " + key + " is not the MD5 of the bytes sent");
  }
  return Status::Ok();
}

}  // namespace

Status UploadOutboxConfig::Validate() const {
  return ValidateReconciler("upload outbox", poll_interval_ms, lease_ms, batch);
}

std::string UploadOutboxConfig::ToString() const {
  return fmt::format("poll every {} ms, lease {} ms, {} per round, {} local copies",
                     poll_interval_ms, lease_ms, batch, keep_local_copy ? "keeping" : "removing");
}

UploadOutbox::UploadOutbox(UploadOutboxConfig config, catalog::Catalog* catalog,
                           const StorageBackends* storage, const Clock* clock,
                           std::string instance_id, const metrics::ServiceMetrics* metrics)
    : config_(config),
      catalog_(catalog),
      storage_(storage),
      clock_(clock),
      instance_id_(std::move(instance_id)),
      metrics_(metrics),
      thread_(config_.poll_interval_ms, [this] { RunOnce(); }) {}

void UploadOutbox::Count(OutboxOutcome outcome) const {
  if (metrics_ != nullptr) {
    metrics_->outbox_uploads->CounterFor({std::string(OutcomeName(outcome))}).Add();
  }
}

int UploadOutbox::RunOnce() {
  const int64_t now = clock_->NowUnixMillis();
  auto due = catalog_->LeaseDueUploads(instance_id_, now, now + config_.lease_ms, config_.batch);
  if (!due.ok()) {
    spdlog::warn("upload outbox: cannot lease queued segments: {}", due.status().ToString());
    return 0;
  }
  int uploaded = 0;
  size_t tried = 0;
  const int64_t lease_until = now + config_.lease_ms;
  for (const catalog::PendingUpload& item : *due) {
    if (thread_.stopping()) break;
    // An entry is never uploaded by two instances at once.
    if (!EnoughLeaseLeft(lease_until, clock_->NowUnixMillis(), config_.lease_ms)) break;
    ++tried;
    const Result<OutboxOutcome> attempt = Attempt(item);
    if (attempt.ok()) {
      Count(*attempt);
      if (*attempt == OutboxOutcome::kUploaded) ++uploaded;
      continue;
    }
    Count(OutboxOutcome::kFailed);
    const int64_t failures = item.attempts + 1;
    spdlog::warn("upload outbox: {} segment {} not in S3 yet ({} attempt(s)): {}", item.session_id,
                 item.index, failures, attempt.status().ToString());
    const Status later = catalog_->RetryUploadLater(
        item.session_id, item.index, instance_id_,
        clock_->NowUnixMillis() + RetryDelayMs(config_.poll_interval_ms, failures),
        attempt.status().message());
    if (!later.ok()) {
      spdlog::warn("upload outbox: {} segment {}: cannot schedule the next attempt: {}",
                   item.session_id, item.index, later.ToString());
    }
  }
  if (tried < due->size()) {
    // Stopped, or short of lease: what was not tried goes back now (every attempt made
    // released its own), so a shutdown does not hold segments for the rest of the lease.
    const Status released = catalog_->ReleaseUploadLeases(instance_id_);
    if (!released.ok()) {
      spdlog::warn("upload outbox: leases not given back; due again when they run out: {}",
                   released.ToString());
    }
  }
  return uploaded;
}

bool UploadOutbox::RowNames(const catalog::PendingUpload& item, const std::string& key,
                            const std::string& target) const {
  Result<catalog::SessionRecord> session = catalog_->GetSession(item.session_id);
  if (!session.ok()) return session.status().code() != StatusCode::kNotFound;  // unsure: keep
  const auto seg = std::ranges::find(session->segments, item.index, &catalog::SegmentRecord::index);
  return seg != session->segments.end() && storage::InS3(seg->location) && seg->s3_key == key &&
         seg->s3_target.value_or("") == target;
}

Result<OutboxOutcome> UploadOutbox::Attempt(const catalog::PendingUpload& item) {
  storage::S3AudioStore* s3 = storage_->s3;
  Result<catalog::SessionRecord> session = catalog_->GetSession(item.session_id);
  if (!session.ok() && session.status().code() == StatusCode::kNotFound) {
    return OutboxOutcome::kDropped;  // deleted meanwhile; its queue entry went with it
  }
  SWHA_RETURN_IF_ERROR(session.status());
  const auto seg = std::ranges::find(session->segments, item.index, &catalog::SegmentRecord::index);
  if (seg == session->segments.end()) return OutboxOutcome::kDropped;

  storage::SegmentFile file{.filename = seg->filename};
  SWHA_ASSIGN_OR_RETURN(file.bytes, ReadLocal(storage_->local, item.session_id, seg->filename));
  if (seg->marks_filename) {
    SWHA_ASSIGN_OR_RETURN(file.marks_json,
                          ReadLocal(storage_->local, item.session_id, *seg->marks_filename));
  }
  // What goes to S3 is what the catalog vouches for: a local copy that changed is not spread.
  file.sha256_hex = crypto::HexEncode(crypto::Sha256(file.bytes));
  if (file.sha256_hex != seg->sha256_hex) {
    return Status::Internal("the local copy no longer matches its recorded SHA-256");
  }

  const storage::SessionDescription description{.owner = session->owner,
                                                .session_id = session->session_id,
                                                .voice = session->voice,
                                                .language_code = session->language_code,
                                                .speed = session->speed,
                                                .graphemes = {seg->graphemes},
                                                .first_index = static_cast<size_t>(seg->index)};
  storage::StoredSession stored;
  stored.segments.push_back(storage::StoredSegmentOf(file));
  s3->UploadKeepingLocalCopies(description, std::span(&file, 1), &stored);
  const storage::StoredSegment& placed = stored.segments.front();
  if (!storage::InS3(placed.location)) {
    std::string why;
    for (const std::string& w : stored.warnings) why += (why.empty() ? "" : "; ") + w;
    return Status::Unavailable(why.empty() ? "no S3 bucket took it" : why);
  }
  SWHA_RETURN_IF_ERROR(CheckUploaded(s3, *placed.s3_key, placed.s3_target, file.bytes));

  const storage::Location location =
      config_.keep_local_copy ? storage::Location::kLocalAndS3 : storage::Location::kS3;
  const Status recorded = catalog_->CompleteUpload(item.session_id, item.index, instance_id_,
                                                   location, *placed.s3_key, placed.s3_target);
  if (recorded.code() == StatusCode::kNotFound) {
    // No longer ours to record: the session was deleted or is being deleted (its entries were
    // dequeued first), or the lease ran out and another instance recorded the same object.
    // The row says which; objects it does not name belong to nothing.
    if (!RowNames(item, *placed.s3_key, placed.s3_target)) {
      std::vector<std::string> keys = {*placed.s3_key};
      if (auto marks = placed.MarksS3Key()) keys.push_back(*marks);
      for (const std::string& failure : s3->RemoveObjects(keys, placed.s3_target)) {
        spdlog::warn("upload outbox: {} went meanwhile; S3 {} not removed", item.session_id,
                     failure);
      }
    }
    return OutboxOutcome::kDropped;
  }
  SWHA_RETURN_IF_ERROR(recorded);
  spdlog::info("upload outbox: {} segment {} is in S3 {} now, {} ms after it was queued",
               item.session_id, item.index, placed.s3_target,
               clock_->NowUnixMillis() - item.queued_at_ms);

  if (!config_.keep_local_copy) {
    // The row names S3 alone now; a copy that cannot go is a stray file for `catalog check`.
    for (const std::optional<std::string>& name :
         {std::optional<std::string>(seg->filename), seg->marks_filename}) {
      if (!name) continue;
      if (Status removed = storage_->local->RemoveSegment(item.session_id, *name); !removed.ok()) {
        spdlog::warn("upload outbox: local copy of {}/{} not removed: {}", item.session_id, *name,
                     removed.message());
      }
    }
  }
  return OutboxOutcome::kUploaded;
}

void UploadOutbox::Start() { thread_.Start(); }

void UploadOutbox::Stop() { thread_.Stop(); }

}  // namespace swha::service
