#include "service/catalog_check.h"

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "service/session_removal.h"
#include "storage/s3_audio_store.h"

namespace swha::service {
namespace {

// Every object the service writes lives under this prefix (S3AudioStore::ObjectKey).
constexpr std::string_view kAudioPrefix = "audio/";

struct LocalView {
  std::map<std::string, storage::LocalSessionDir> dirs;  // by session id
  bool Has(const std::string& session, const std::string& file) const {
    auto it = dirs.find(session);
    return it != dirs.end() &&
           std::binary_search(it->second.files.begin(), it->second.files.end(), file);
  }
};

// An object of one bucket (the primary or a replica, by name).
struct BucketObject {
  std::string bucket;
  storage::ListedObject object;
};

// Every bucket's objects under audio/.
struct S3View {
  std::set<std::pair<std::string, std::string>> keys;           // (bucket, key)
  std::map<std::string, std::vector<BucketObject>> by_session;  // parsed from keys
  std::vector<BucketObject> unparsed;  // under audio/ but not a session's key
};

}  // namespace

bool CatalogCheckReport::clean() const {
  const bool found =
      !missing_local.empty() || !missing_s3.empty() || !orphan_local.empty() || !orphan_s3.empty();
  // With repair, whatever was found and not fixed is in `unrepaired`.
  return unrepaired.empty() && (!found || repaired);
}

Result<CatalogCheckReport> CatalogChecker::Run(const CatalogCheckOptions& options) {
  CatalogCheckReport report;
  report.repaired = options.repair;
  // Audio last written at or before this second may be an orphan (with no grace, everything
  // up to now: times have whole seconds).
  const int64_t orphan_until = clock_->NowUnixSeconds() - options.orphan_grace_seconds;

  // The catalog first, then storage. A session made in between has audio but no row here: a
  // young orphan, which the grace period spares. (The other order would see its row without
  // its audio, and repair would delete a good session.) One deleted in between is a row
  // without audio, whose repair is the delete it was.
  SWHA_ASSIGN_OR_RETURN(
      std::vector<catalog::SessionRecord> rows,
      catalog_->SessionsCreatedBefore(std::nullopt, std::numeric_limits<int64_t>::max()));
  // Read second: a session whose removal began in between is in both lists, and is the
  // removal's (its audio may be going), not one to find missing.
  SWHA_ASSIGN_OR_RETURN(std::vector<catalog::SessionRecord> being_removed,
                        catalog_->SessionsBeingRemoved());
  std::set<std::string> removing;
  for (const catalog::SessionRecord& row : being_removed) removing.insert(row.session_id);
  std::erase_if(
      rows, [&](const catalog::SessionRecord& row) { return removing.contains(row.session_id); });

  LocalView local;
  SWHA_ASSIGN_OR_RETURN(std::vector<storage::LocalSessionDir> dirs,
                        storage_->local->ListSessionDirs());
  for (auto& dir : dirs) local.dirs.emplace(dir.session_id, std::move(dir));

  S3View s3;
  storage::S3AudioStore* const s3_store = storage_->use_s3_storage ? storage_->s3 : nullptr;
  // A row without a bucket was written before replicas existed: the primary holds it.
  std::string primary;
  if (s3_store != nullptr) {
    const std::vector<std::string> buckets = s3_store->TargetNames();
    primary = buckets.front();
    for (const std::string& bucket : buckets) {
      auto listed = s3_store->ListObjects(kAudioPrefix, bucket);
      if (!listed.ok()) return listed.status().WithContext("listing S3 bucket " + bucket);
      for (storage::ListedObject& object : *listed) {
        s3.keys.emplace(bucket, object.key);
        const std::string session = storage::S3AudioStore::SessionOfKey(object.key);
        BucketObject found{bucket, std::move(object)};
        if (session.empty()) {
          s3.unparsed.push_back(std::move(found));
        } else {
          s3.by_session[session].push_back(std::move(found));
        }
      }
    }
    report.s3_checked = true;
  }

  // A catalog with no sessions beside storage that holds some is more likely the wrong
  // catalog (a DATABASE_URL missing from this shell) than a store of orphans: repair would
  // delete everything.
  if (options.repair && !options.force && rows.empty() && being_removed.empty() &&
      (!local.dirs.empty() || !s3.by_session.empty())) {
    return Status::InvalidArgument(
        "the catalog has no sessions but storage holds some: is this the service's catalog "
        "(DATABASE_URL, DATA_DIR)? Nothing was deleted; --force repairs anyway");
  }

  std::set<std::string> described;
  std::set<std::pair<std::string, std::string>> referenced;  // (bucket, key) some row names
  const auto describe = [&](const catalog::SessionRecord& row) {
    described.insert(row.session_id);
    for (const catalog::SegmentRecord& seg : row.segments) {
      if (!storage::InS3(seg.location) || !seg.s3_key) continue;
      const std::string bucket = seg.s3_target.value_or(primary);
      referenced.emplace(bucket, *seg.s3_key);
      if (seg.marks_filename) {
        referenced.emplace(bucket, storage::SiblingKey(*seg.s3_key, *seg.marks_filename));
      }
    }
  };
  // Whatever a session being removed still has is the removal's to take, not an orphan.
  for (const catalog::SessionRecord& row : being_removed) {
    describe(row);
    report.removal_pending.push_back(row.session_id);
    if (!options.repair) continue;
    const DeleteReport removed = RemoveSessionAndRow(catalog_, *storage_, FromRecord(row));
    if (removed.finished()) {
      ++report.removals_finished;
      continue;
    }
    report.unrepaired.push_back(
        "session " + row.session_id + " is still being removed: " +
        (removed.complete()
             ? std::string("its catalog row could not be removed")
             : std::to_string(removed.local_failures.size() + removed.s3_failures.size()) +
                   " file(s) could not be removed"));
  }
  for (const catalog::SessionRecord& row : rows) {
    describe(row);
    ++report.sessions_checked;
    size_t copies_expected = 0;
    size_t copies_missing = 0;
    for (const catalog::SegmentRecord& seg : row.segments) {
      ++report.segments_checked;
      if (seg.location != storage::Location::kS3) {
        ++copies_expected;
        if (!local.Has(row.session_id, seg.filename)) {
          ++copies_missing;
          report.missing_local.push_back(row.session_id + "/" + seg.filename);
        }
        // Lost marks are reported, and left: only audio decides whether a row is repaired.
        if (seg.marks_filename && !local.Has(row.session_id, *seg.marks_filename)) {
          report.missing_local.push_back(row.session_id + "/" + *seg.marks_filename);
          report.unrepaired.push_back("session " + row.session_id + " lost the marks of " +
                                      seg.filename + " (local)");
        }
      }
      if (storage::InS3(seg.location) && !seg.s3_key) {
        report.unrepaired.push_back("session " + row.session_id + " segment " + seg.filename +
                                    " is recorded in S3 without a key");
        continue;
      }
      // An S3-only copy a lifecycle rule expired is known to be gone: not missing.
      const bool expired =
          row.audio_expired_at.has_value() && seg.location == storage::Location::kS3;
      if (storage::InS3(seg.location) && report.s3_checked && !expired) {
        ++copies_expected;
        if (s3.keys.count({seg.s3_target.value_or(primary), *seg.s3_key}) == 0) {
          ++copies_missing;
          report.missing_s3.push_back(*seg.s3_key);
        }
        if (seg.marks_filename) {
          const std::string marks_key = storage::SiblingKey(*seg.s3_key, *seg.marks_filename);
          if (s3.keys.count({seg.s3_target.value_or(primary), marks_key}) == 0) {
            report.missing_s3.push_back(marks_key);
            report.unrepaired.push_back("session " + row.session_id + " lost the marks of " +
                                        seg.filename + " (S3)");
          }
        }
      }
    }
    if (copies_missing == 0) continue;
    // S3 copies were only seen when S3 was listed: a row that may still have them is kept.
    const bool s3_unseen =
        !report.s3_checked && std::any_of(row.segments.begin(), row.segments.end(),
                                          [](const auto& g) { return storage::InS3(g.location); });
    if (copies_missing < copies_expected || s3_unseen) {
      report.unrepaired.push_back("session " + row.session_id + " lost " +
                                  std::to_string(copies_missing) + " of its " +
                                  std::to_string(copies_expected) + " audio copies");
    } else if (options.repair) {
      Status deleted = catalog_->DeleteSession(row.session_id);
      if (deleted.ok() || deleted.code() == StatusCode::kNotFound) {
        ++report.rows_removed;
      } else {
        report.unrepaired.push_back("session " + row.session_id + ": " + deleted.message());
      }
    }
  }

  for (const auto& [session, dir] : local.dirs) {
    if (described.count(session) != 0 || dir.newest_file_mtime > orphan_until) continue;
    report.orphan_local.push_back(session + "/");
    if (!options.repair) continue;
    auto removed = storage_->local->RemoveSessionDir(session);
    if (removed.ok()) {
      report.local_files_removed += *removed;
    } else if (removed.status().code() != StatusCode::kNotFound) {
      report.unrepaired.push_back(session + "/: " + removed.status().message());
    }
  }

  // An orphan object: of a session no row describes, or one its session's row does not name
  // (an upload whose undo failed: a segment left local, or stored in another bucket).
  std::map<std::string, std::vector<std::string>> orphans_by_bucket;
  for (const auto& [session, objects] : s3.by_session) {
    const bool session_described = described.count(session) != 0;
    for (const BucketObject& o : objects) {
      if (session_described && referenced.count({o.bucket, o.object.key}) != 0) continue;
      if (o.object.last_modified > orphan_until) continue;
      orphans_by_bucket[o.bucket].push_back(o.object.key);
      // A replica's object is named with its bucket: the same key may be in several.
      report.orphan_s3.push_back(o.bucket == primary ? o.object.key
                                                     : o.bucket + ":" + o.object.key);
    }
  }
  // Under audio/ but not in the service's layout: reported, never deleted (someone else's).
  for (const BucketObject& o : s3.unparsed) {
    report.unrepaired.push_back("object " + o.object.key + " (" + o.bucket +
                                ") is not in swha-tts's key layout");
  }
  if (!options.repair || s3_store == nullptr) return report;
  for (const auto& [bucket, keys] : orphans_by_bucket) {
    for (size_t begin = 0; begin < keys.size(); begin += storage::kMaxDeleteBatch) {
      const size_t end = std::min(keys.size(), begin + storage::kMaxDeleteBatch);
      const std::vector<std::string> batch(keys.begin() + static_cast<ptrdiff_t>(begin),
                                           keys.begin() + static_cast<ptrdiff_t>(end));
      const std::vector<std::string> failures = s3_store->RemoveObjects(batch, bucket);
      report.s3_objects_removed += static_cast<int64_t>(batch.size() - failures.size());
      report.unrepaired.insert(report.unrepaired.end(), failures.begin(), failures.end());
    }
  }
  return report;
}

}  // namespace swha::service
