#include "storage/audio_store.h"

#include "storage/session_id.h"

namespace swha::storage {

AudioStore::AudioStore(FileSystem* fs, std::string audio_dir)
    : fs_(fs), audio_dir_(std::move(audio_dir)) {}

Result<StoredSession> AudioStore::Publish(const std::string& session_id,
                                          const std::vector<SegmentFile>& files) {
  if (!IsValidSessionId(session_id)) return Status::Internal("malformed session id");
  const std::string dir = JoinPath(audio_dir_, session_id);
  // Any failure here is the server's, whatever errno said: a 500, never a 404 naming a path.
  if (Status s = fs_->CreateDirs(dir); !s.ok()) return Status::IOError(s.message());
  for (const SegmentFile& f : files) {
    // No fsync: it would cost more than synthesizing a sentence (about 4 ms against 3 ms
    // here), audio can be made again, and a file cut short by a power failure is caught when
    // served (the WAV header states its length).
    Status s = fs_->WriteFileAtomic(JoinPath(dir, f.filename), f.bytes, Durability::kNoSync);
    if (!s.ok()) {
      (void)RemoveTree(fs_, dir);  // never leave a partial session behind
      return Status::IOError(s.message());
    }
  }
  StoredSession session;
  for (const SegmentFile& f : files) session.segments.push_back({f.filename, Location::kLocal, {}});
  return session;
}

Result<std::unique_ptr<RandomAccessFile>> AudioStore::OpenSegment(const std::string& session_id,
                                                                  const std::string& filename) {
  const std::string dir = JoinPath(audio_dir_, session_id);
  auto info = fs_->Stat(dir);
  if (!info.ok()) return info.status();
  if (!info->is_directory) return Status::NotFound("no such session");  // symlinks included
  return fs_->OpenForRead(JoinPath(dir, filename));
}

Status AudioStore::RemoveSegment(const std::string& session_id, const std::string& filename) {
  const std::string dir = JoinPath(audio_dir_, session_id);
  // As in OpenSegment: a session directory replaced by a symlink leads nowhere, so a delete
  // can never unlink a file outside AUDIO_DIR.
  auto info = fs_->Stat(dir);
  if (!info.ok()) return info.status();
  if (!info->is_directory) return Status::NotFound("no such session");
  SWHA_RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(dir, filename)));
  auto left = fs_->ListDir(dir);
  if (left.ok() && left->empty()) {
    // A concurrent removal of the last other segment may get there first; both are fine.
    Status s = fs_->RemoveDir(dir);
    if (!s.ok() && s.code() != StatusCode::kNotFound) return s;
  }
  return Status::Ok();
}

LocalCleanupResult AudioStore::RemoveLocalOlderThan(int64_t cutoff_unix, std::string_view owner) {
  LocalCleanupResult result;
  // SessionOwner() is "" for anything that is not a session directory: never match that.
  if (owner.empty()) {
    result.errors.push_back("cleanup needs an owner");
    return result;
  }
  auto sessions = fs_->ListDir(audio_dir_);
  if (!sessions.ok()) {
    if (sessions.status().code() != StatusCode::kNotFound) {
      result.errors.push_back(sessions.status().message());
    }
    return result;
  }
  for (const DirEntry& session : *sessions) {
    // Only what this service wrote: a session directory, never a symlink or a stray file.
    if (!session.info.is_directory || SessionOwner(session.name) != owner) continue;
    const std::string dir = JoinPath(audio_dir_, session.name);
    auto files = fs_->ListDir(dir);
    if (!files.ok()) {
      result.errors.push_back(files.status().message());
      continue;
    }
    size_t remaining = files->size();
    for (const DirEntry& file : *files) {
      if (!file.info.is_regular || file.info.mtime_unix_seconds >= cutoff_unix) continue;
      Status s = fs_->RemoveFile(JoinPath(dir, file.name));
      if (s.ok()) {
        ++result.files_removed;
        --remaining;
      } else {
        result.errors.push_back(s.message());
      }
    }
    // An empty directory is removed only if this pass emptied it or it is old itself: a fresh,
    // still empty one belongs to a generation that is about to write its first file.
    const bool emptied_here = remaining == 0 && remaining < files->size();
    if (remaining == 0 && (emptied_here || session.info.mtime_unix_seconds < cutoff_unix)) {
      Status s = fs_->RemoveDir(dir);
      if (s.ok()) {
        ++result.sessions_removed;
      } else if (s.code() != StatusCode::kNotFound) {
        result.errors.push_back(s.message());
      }
    }
  }
  return result;
}

}  // namespace swha::storage
