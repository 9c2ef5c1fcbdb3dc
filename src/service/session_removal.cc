#include "service/session_removal.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>

#include "storage/s3_audio_store.h"

namespace swha::service {
namespace {

// The most of an attempt's failures kept with the row (removal_error): enough to see why.
constexpr size_t kMaxRemovalErrorChars = 500;

std::string DescribeLeft(const DeleteReport& report) {
  std::string out;
  for (const auto* lines : {&report.s3_failures, &report.local_failures}) {
    for (const std::string& line : *lines) {
      if (out.size() >= kMaxRemovalErrorChars) break;
      out += (out.empty() ? "" : "; ") + line;
    }
  }
  if (!report.row_removed && report.complete()) out = "the catalog row was not removed";
  return out.substr(0, kMaxRemovalErrorChars);
}

}  // namespace

DeleteReport RemoveStoredAudio(const StorageBackends& storage, const Session& session) {
  DeleteReport report;
  // Each bucket (primary or replica) gets one DeleteObjects for the keys it holds.
  std::map<std::string, std::vector<std::string>> keys_by_target;
  for (const Segment& seg : session.segments) {
    const storage::StoredSegment& stored = seg.stored;
    if (storage::InS3(stored.location) && stored.s3_key) {
      keys_by_target[stored.s3_target].push_back(*stored.s3_key);
      if (auto marks = stored.MarksS3Key()) keys_by_target[stored.s3_target].push_back(*marks);
    }
  }
  for (const auto& [target, keys] : keys_by_target) {
    if (storage.s3 == nullptr) {
      report.s3_failures.push_back(std::to_string(keys.size()) +
                                   " S3 object(s) not removed: S3 is not configured now");
      continue;
    }
    std::vector<std::string> failures = storage.s3->RemoveObjects(keys, target);
    report.s3_objects_removed += static_cast<int64_t>(keys.size() - failures.size());
    report.s3_failures.insert(report.s3_failures.end(), failures.begin(), failures.end());
  }
  for (const Segment& seg : session.segments) {
    const storage::StoredSegment& stored = seg.stored;
    std::vector<std::string> local_files;
    // Marks are tried even for a segment in S3 only: a local copy that could not be removed
    // when the audio went to S3 (storage/s3_audio_store.cc) goes now.
    if (stored.marks_filename) local_files.push_back(*stored.marks_filename);
    if (storage::HasLocalCopy(stored.location)) local_files.push_back(stored.filename);
    for (const std::string& file : local_files) {
      Status s = storage.local->RemoveSegment(session.session_id, file);
      if (s.ok() || s.code() == StatusCode::kNotFound) {
        report.local_files_removed += s.ok() ? 1 : 0;
      } else {
        spdlog::warn("delete {}/{}: {}", session.session_id, file, s.message());
        report.local_failures.push_back(file + ": local file not removed");
      }
    }
  }
  return report;
}

DeleteReport RemoveSessionAndRow(catalog::Catalog* catalog, const StorageBackends& storage,
                                 const Session& session) {
  DeleteReport report = RemoveStoredAudio(storage, session);
  if (!report.complete()) return report;
  const Status forgotten = catalog->DeleteSession(session.session_id);
  report.row_removed = forgotten.ok() || forgotten.code() == StatusCode::kNotFound;
  if (!report.row_removed) {
    spdlog::warn("session {}: audio removed, row not yet: {}", session.session_id,
                 forgotten.ToString());
  }
  return report;
}

Status SessionRemovalConfig::Validate() const {
  return ValidateReconciler("session removal", retry_interval_ms, claim_ms, batch);
}

std::string SessionRemovalConfig::ToString() const {
  return fmt::format("retry every {} ms (doubling), claim {} ms, {} per round", retry_interval_ms,
                     claim_ms, batch);
}

SessionRemover::SessionRemover(SessionRemovalConfig config, catalog::Catalog* catalog,
                               const StorageBackends* storage, const Clock* clock)
    : config_(config),
      catalog_(catalog),
      storage_(storage),
      clock_(clock),
      thread_(config_.retry_interval_ms, [this] { RunOnce(); }) {}

Result<DeleteReport> SessionRemover::Remove(std::string_view session_id) const {
  const int64_t now = clock_->NowUnixMillis();
  catalog::SessionRecord marked;
  SWHA_ASSIGN_OR_RETURN(marked,
                        catalog_->BeginSessionRemoval(session_id, now, now + config_.claim_ms));
  return Attempt(FromRecord(std::move(marked)), /*failures=*/0);
}

DeleteReport SessionRemover::Attempt(const Session& session, int64_t failures) const {
  DeleteReport report = RemoveSessionAndRow(catalog_, *storage_, session);
  if (report.finished()) return report;
  const std::string left = DescribeLeft(report);
  spdlog::warn("session {} not wholly removed yet ({} attempt(s)): {}", session.session_id,
               failures + 1, left);
  const Status later = catalog_->RetrySessionRemovalLater(
      session.session_id,
      clock_->NowUnixMillis() + RetryDelayMs(config_.retry_interval_ms, failures + 1), left);
  if (!later.ok()) {
    // It stays marked, due again when its claim runs out.
    spdlog::warn("session {}: next removal attempt not scheduled: {}", session.session_id,
                 later.ToString());
  }
  return report;
}

int SessionRemover::RunOnce() {
  const int64_t now = clock_->NowUnixMillis();
  const int64_t claim_until = now + config_.claim_ms;
  auto due = catalog_->ClaimDueSessionRemovals(now, claim_until, config_.batch);
  if (!due.ok()) {
    spdlog::warn("session removal: cannot claim due removals: {}", due.status().ToString());
    return 0;
  }
  int finished = 0;
  for (catalog::PendingRemoval& item : *due) {
    // What is not tried stays claimed until the claim runs out (stops and hung storage are
    // rare); no session is worked on by two instances at once.
    if (thread_.stopping() ||
        !EnoughLeaseLeft(claim_until, clock_->NowUnixMillis(), config_.claim_ms)) {
      break;
    }
    const int64_t failures = item.attempts;
    const DeleteReport report = Attempt(FromRecord(std::move(item.session)), failures);
    if (report.finished()) ++finished;
  }
  return finished;
}

void SessionRemover::Start() { thread_.Start(); }

void SessionRemover::Stop() { thread_.Stop(); }

}  // namespace swha::service
