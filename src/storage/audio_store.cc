#include "storage/audio_store.h"

#include <algorithm>

#include "storage/session_id.h"

namespace swha::storage {
namespace {

// The write probe's file is a pending file's temporary, ".write-probe.part-<random>": a dot
// name, which is never a session id, so ListSessionDirs and the catalog check pass it by.
constexpr std::string_view kWriteProbeName = "write-probe";
// One file system block, so that a full disk refuses it (a byte may fit in a partial block).
constexpr size_t kWriteProbeSize = 4096;

// Audio is written without an fsync: that would cost more than synthesizing a sentence (about
// 4 ms against 3 ms here), audio can be made again, and a file cut short by a power failure is
// caught when served (the WAV header states its length). Only the service reads it.
constexpr PendingFileOptions kAudioFileOptions{.durability = Durability::kNoSync,
                                               .owner_only = true};

}  // namespace

StoredSegment StoredSegmentOf(const SegmentFile& file) {
  StoredSegment stored;
  stored.filename = file.filename;
  if (!file.marks_json.empty()) stored.marks_filename = MarksFilename(file.filename);
  return stored;
}

std::string SiblingKey(std::string_view key, std::string_view filename) {
  const size_t slash = key.rfind('/');
  return std::string(slash == std::string_view::npos ? "" : key.substr(0, slash + 1)) +
         std::string(filename);
}

std::optional<std::string> StoredSegment::MarksS3Key() const {
  if (!marks_filename || !s3_key) return std::nullopt;
  return SiblingKey(*s3_key, *marks_filename);
}

AudioStore::AudioStore(FileSystem* fs, std::string audio_dir)
    : fs_(fs), audio_dir_(std::move(audio_dir)) {}

Result<std::unique_ptr<PreparedSession>> AudioStore::Prepare(
    const std::string& session_id, std::span<const std::string> filenames) {
  if (!IsValidSessionId(session_id)) return Status::Internal("malformed session id");
  const std::string dir = JoinPath(audio_dir_, session_id);
  // Any failure here is the server's, whatever errno said: a 500, never a 404 naming a path.
  if (Status s = fs_->CreateDirs(dir); !s.ok()) return Status::IOError(s.message());
  std::unique_ptr<PreparedSession> prepared(new PreparedSession(fs_, dir));
  prepared->files_.reserve(filenames.size());
  for (const std::string& name : filenames) {
    Result<std::unique_ptr<PendingFile>> file =
        fs_->CreatePendingFile(JoinPath(dir, name), kAudioFileOptions);
    if (!file.ok()) return Status::IOError(file.status().message());  // the destructor tidies
    prepared->files_.emplace_back(name, std::move(*file));
  }
  return prepared;
}

Result<StoredSession> AudioStore::Publish(const std::string& session_id,
                                          std::span<const SegmentFile> files) {
  // Nothing prepared ahead: each file is opened when written, so a long session holds one open
  // file at a time.
  Result<std::unique_ptr<PreparedSession>> prepared = Prepare(session_id, {});
  if (!prepared.ok()) {
    // As when a write fails: a session stored in parts loses its earlier parts too.
    if (IsValidSessionId(session_id)) (void)RemoveTree(fs_, JoinPath(audio_dir_, session_id));
    return prepared.status();
  }
  return (*prepared)->Publish(files);
}

PreparedSession::~PreparedSession() {
  if (published_) return;
  files_.clear();  // each pending file removes itself
  // Fails, as it should, when the directory holds a session's earlier parts.
  (void)fs_->RemoveDir(dir_);
}

Result<std::unique_ptr<PendingFile>> PreparedSession::TakeFile(const std::string& filename) {
  for (auto& [name, file] : files_) {
    if (name == filename && file != nullptr) return std::move(file);
  }
  return fs_->CreatePendingFile(JoinPath(dir_, filename), kAudioFileOptions);
}

Result<StoredSession> PreparedSession::Publish(std::span<const SegmentFile> files) {
  published_ = true;  // from here on a failure removes the whole directory
  StoredSession session;
  for (const SegmentFile& f : files) {
    const StoredSegment& stored = session.segments.emplace_back(StoredSegmentOf(f));
    Status s = Write(f.filename, f.bytes);
    if (s.ok() && stored.marks_filename) s = Write(*stored.marks_filename, f.marks_json);
    if (!s.ok()) {
      files_.clear();
      (void)RemoveTree(fs_, dir_);  // never leave a partial session behind
      return Status::IOError(s.message());
    }
  }
  files_.clear();  // any prepared file not published goes
  return session;
}

Status PreparedSession::Write(const std::string& filename, std::string_view bytes) {
  std::unique_ptr<PendingFile> file;
  SWHA_ASSIGN_OR_RETURN(file, TakeFile(filename));
  SWHA_RETURN_IF_ERROR(file->Append(bytes));
  return file->Commit();
}

Result<std::unique_ptr<RandomAccessFile>> AudioStore::OpenSegment(const std::string& session_id,
                                                                  const std::string& filename) {
  const std::string dir = JoinPath(audio_dir_, session_id);
  auto info = fs_->Stat(dir);
  if (!info.ok()) return info.status();
  if (!info->is_directory) return Status::NotFound("no such session");  // symlinks included
  return fs_->OpenForRead(JoinPath(dir, filename));
}

Status AudioStore::CheckWritable() {
  SWHA_RETURN_IF_ERROR(fs_->CreateDirs(audio_dir_));
  // A pending file is never committed: its temporary name is unique, and it goes when the
  // probe is destroyed, so concurrent probes and a crash mid-probe leave nothing.
  SWHA_ASSIGN_OR_RETURN(std::unique_ptr<PendingFile> probe,
                        fs_->CreatePendingFile(JoinPath(audio_dir_, kWriteProbeName),
                                               {.durability = Durability::kSync}));
  return probe->Append(std::string(kWriteProbeSize, '\0'));
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

Result<std::vector<LocalSessionDir>> AudioStore::ListSessionDirs() {
  std::vector<LocalSessionDir> out;
  auto entries = fs_->ListDir(audio_dir_);
  if (!entries.ok()) {
    if (entries.status().code() == StatusCode::kNotFound) return out;
    return entries.status();
  }
  for (const DirEntry& entry : *entries) {
    if (!entry.info.is_directory || !IsValidSessionId(entry.name)) continue;
    auto files = fs_->ListDir(JoinPath(audio_dir_, entry.name));
    if (!files.ok()) {
      if (files.status().code() == StatusCode::kNotFound) continue;  // removed meanwhile
      return files.status();
    }
    LocalSessionDir dir{.session_id = entry.name,
                        .mtime_unix = entry.info.mtime_unix_seconds,
                        .newest_file_mtime = entry.info.mtime_unix_seconds,
                        .files = {}};
    for (const DirEntry& file : *files) {
      if (!file.info.is_regular) continue;
      dir.files.push_back(file.name);
      dir.newest_file_mtime = std::max(dir.newest_file_mtime, file.info.mtime_unix_seconds);
    }
    std::sort(dir.files.begin(), dir.files.end());
    out.push_back(std::move(dir));
  }
  std::sort(out.begin(), out.end(), [](const LocalSessionDir& a, const LocalSessionDir& b) {
    return a.session_id < b.session_id;
  });
  return out;
}

Result<int64_t> AudioStore::RemoveSessionDir(const std::string& session_id) {
  if (!IsValidSessionId(session_id)) return Status::NotFound("no such session");
  const std::string dir = JoinPath(audio_dir_, session_id);
  auto info = fs_->Stat(dir);
  if (!info.ok()) return info.status();
  if (!info->is_directory) return Status::NotFound("no such session");  // symlinks included
  SWHA_ASSIGN_OR_RETURN(std::vector<DirEntry> files, fs_->ListDir(dir));
  int64_t removed = 0;
  for (const DirEntry& file : files) {
    // Only what this service writes there, and the temporary files of a writer that died
    // before renaming them; anything else stays, and so does the directory.
    const std::optional<std::string> temp_target = TempFileTarget(file.name);
    const std::string& stored = temp_target ? *temp_target : file.name;
    if (!file.info.is_regular || !IsValidStoredFilename(stored)) continue;
    SWHA_RETURN_IF_ERROR(fs_->RemoveFile(JoinPath(dir, file.name)));
    ++removed;
  }
  SWHA_RETURN_IF_ERROR(fs_->RemoveDir(dir));
  return removed;
}

}  // namespace swha::storage
