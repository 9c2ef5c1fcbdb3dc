// Where synthesized audio goes first: written atomically under AUDIO_DIR/<session>/.
// S3AudioStore (s3_audio_store.h) may then copy or move segments to S3.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/file_system.h"
#include "util/status.h"

namespace swha::storage {

struct SegmentFile {
  std::string filename;  // segment_NNN.wav
  std::string bytes;
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
};

struct StoredSession {
  std::vector<StoredSegment> segments;
  std::vector<std::string> warnings;  // for the caller: why a segment is not where it was asked
};

struct LocalCleanupResult {
  int64_t files_removed = 0;
  int64_t sessions_removed = 0;
  std::vector<std::string> errors;
};

// Thread-safe.
class AudioStore {
 public:
  // Borrowed pointers must outlive the store.
  AudioStore(FileSystem* fs, std::string audio_dir);

  // Writes every file of a new session; if any write fails, removes what was written and
  // returns the error, so a session is either complete or absent.
  Result<StoredSession> Publish(const std::string& session_id,
                                const std::vector<SegmentFile>& files);

  // REQUIRES: ids already validated by the caller (IsValidSessionId / IsValidSegmentFilename).
  // Refuses symlinks anywhere below AUDIO_DIR.
  Result<std::unique_ptr<RandomAccessFile>> OpenSegment(const std::string& session_id,
                                                        const std::string& filename);

  // Removes one segment file (once it is safely elsewhere), and the session directory if that
  // left it empty. REQUIRES: ids already validated, as for OpenSegment.
  Status RemoveSegment(const std::string& session_id, const std::string& filename);

  // Removes the segment files of `owner`'s sessions last modified before `cutoff_unix`, and
  // session directories left empty. Counts files, not directories.
  LocalCleanupResult RemoveLocalOlderThan(int64_t cutoff_unix, std::string_view owner);

  const std::string& audio_dir() const { return audio_dir_; }

 private:
  FileSystem* fs_;
  std::string audio_dir_;
};

}  // namespace swha::storage
