// Where synthesized audio goes first: written atomically under AUDIO_DIR/<session>/.
// S3AudioStore (s3_audio_store.h) may then copy or move segments to S3.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/file_system.h"
#include "util/status.h"

namespace swha::storage {

struct SegmentFile {
  std::string filename;  // segment_NNN.wav
  std::string bytes;
  // Its speech marks (a JSON array), stored beside it as MarksFilename(filename); "" for none.
  std::string marks_json;
  // SHA-256 of `bytes`, lowercase hex, computed once where the bytes are made: the catalog
  // records it and an S3 upload signs it (S3Client hashes the body itself when it is "").
  std::string sha256_hex;
};

// Where a segment's audio is kept. URLs are not stored: they are minted when handed out
// (service/url_minter.h), local signing and S3 presigning alike.
enum class Location { kLocal, kS3, kLocalAndS3 };
inline bool HasLocalCopy(Location l) { return l != Location::kS3; }
inline bool InS3(Location l) { return l != Location::kLocal; }
// The original's storage_type: "s3" when S3 holds the segment, else "local".
inline std::string_view StorageTypeName(Location l) { return InS3(l) ? "s3" : "local"; }

struct StoredSegment {
  std::string filename;  // segment_NNN.wav
  Location location = Location::kLocal;
  std::optional<std::string> s3_key;  // set exactly when InS3(location)
  // The bucket holding the S3 copy, "bucket@region"; "" means the primary (S3_BUCKET_NAME).
  std::string s3_target;
  // segment_NNN.marks.json when the segment's marks are stored too. They share the audio's
  // fate: in the same places (the same directory, the same bucket), removed with it.
  std::optional<std::string> marks_filename;
  // S3 was asked for and no bucket took it: it is kept locally and queued for the upload
  // outbox (service/upload_outbox.h), which moves it once S3 is back.
  bool upload_pending = false;

  // The S3 key of the marks: the audio's key with its file name replaced; nullopt when there
  // are no marks or no S3 copy.
  std::optional<std::string> MarksS3Key() const;
};

// What `file` becomes once stored locally: its name, its marks' name, kLocal.
StoredSegment StoredSegmentOf(const SegmentFile& file);

// "audio/users/7/<session>/segment_000.mp3" and "x.marks.json" give
// "audio/users/7/<session>/x.marks.json".
std::string SiblingKey(std::string_view key, std::string_view filename);

struct StoredSession {
  std::vector<StoredSegment> segments;
  std::vector<std::string> warnings;  // for the caller: why a segment is not where it was asked
};

// A session directory as found on disk (for the catalog check).
struct LocalSessionDir {
  std::string session_id;
  int64_t mtime_unix = 0;          // the directory's
  int64_t newest_file_mtime = 0;   // its newest file's, or mtime_unix when empty
  std::vector<std::string> files;  // regular files only, sorted
};

class AudioStore;

// A session's directory and files made ready before its audio exists (while it is synthesized):
// the directory and each file's inode are what storing costs most here (ext4 allocates them), so
// that publishing then only writes and renames. Destroyed unpublished, it leaves nothing behind:
// its files go, and its directory too when nothing else is in it. Holds one open file per name
// prepared. REQUIRES: the AudioStore's FileSystem outlives it. One thread uses it.
class PreparedSession {
 public:
  ~PreparedSession();
  PreparedSession(const PreparedSession&) = delete;
  PreparedSession& operator=(const PreparedSession&) = delete;

  // Writes `files` under their names, each into the file prepared for it (or a new one), and
  // gives each its name; if any fails, removes the session's directory, earlier files included,
  // and returns the error, so a session is either complete or absent. Call once.
  Result<StoredSession> Publish(std::span<const SegmentFile> files);

 private:
  friend class AudioStore;
  PreparedSession(FileSystem* fs, std::string dir) : fs_(fs), dir_(std::move(dir)) {}
  // The file prepared for `filename`, or a new one.
  Result<std::unique_ptr<PendingFile>> TakeFile(const std::string& filename);
  // `bytes` under `filename`, in the session's directory.
  Status Write(const std::string& filename, std::string_view bytes);

  FileSystem* fs_;
  const std::string dir_;
  std::vector<std::pair<std::string, std::unique_ptr<PendingFile>>> files_;  // by name
  bool published_ = false;
};

// Thread-safe.
class AudioStore {
 public:
  // Borrowed pointers must outlive the store.
  AudioStore(FileSystem* fs, std::string audio_dir);

  // Writes every file of a new session (or, for a session stored segment by segment, the next
  // ones); if any write fails, removes the session's directory, earlier files included, and
  // returns the error, so a session is either complete or absent.
  Result<StoredSession> Publish(const std::string& session_id, std::span<const SegmentFile> files);
  // The first half of Publish, done before the files' bytes exist: creates the session's
  // directory and a pending file for each of `filenames` (segment and marks names).
  Result<std::unique_ptr<PreparedSession>> Prepare(const std::string& session_id,
                                                   std::span<const std::string> filenames);

  // REQUIRES: ids already validated by the caller (IsValidSessionId / IsValidSegmentFilename).
  // Refuses symlinks anywhere below AUDIO_DIR.
  Result<std::unique_ptr<RandomAccessFile>> OpenSegment(const std::string& session_id,
                                                        const std::string& filename);

  // Removes one file of a session (a segment's audio or marks, once it is safely elsewhere), and
  // the session directory if that left it empty. REQUIRES: ids already validated, as for
  // OpenSegment.
  Status RemoveSegment(const std::string& session_id, const std::string& filename);

  // Every session directory under AUDIO_DIR (valid session id, a real directory, never a
  // symlink), sorted by id; empty when AUDIO_DIR does not exist.
  Result<std::vector<LocalSessionDir>> ListSessionDirs();

  // Removes a session directory and the segment and marks files in it; returns how many went.
  // Anything else in it is left, and the directory with it (an error says so).
  // Refuses a symlinked session directory, as OpenSegment does. NotFound when it is not there.
  Result<int64_t> RemoveSessionDir(const std::string& session_id);

  // Whether a segment could be written now (GET /ready): creates AUDIO_DIR if need be, then
  // writes a small temporary file in it and removes it again, so a read-only or full file
  // system, a missing mount or wrong ownership all show. Nothing is left behind.
  Status CheckWritable();

  const std::string& audio_dir() const { return audio_dir_; }

 private:
  FileSystem* fs_;
  std::string audio_dir_;
};

}  // namespace swha::storage
