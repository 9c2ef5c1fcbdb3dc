// Where synthesized audio goes first: written atomically under AUDIO_DIR/<session>/, then handed
// back as signed local URLs. S3AudioStore (s3_audio_store.h) may then move segments to S3.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/local_url_signer.h"
#include "util/clock.h"
#include "util/file_system.h"
#include "util/status.h"

namespace swha::storage {

struct SegmentFile {
  std::string filename;  // segment_NNN.wav
  std::string bytes;
};

struct StoredSegment {
  std::string filename;
  std::optional<std::string> local_url;
  std::optional<std::string> presigned_url;
  std::optional<std::string> s3_key;
  std::optional<double> expires_at;  // unix seconds of the URL handed out
  std::string storage_type;          // "local" or "s3"
};

struct StoredSession {
  std::vector<StoredSegment> segments;
  std::string storage_type;  // "s3" only when every segment is in S3
  std::vector<std::string> warnings;
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
  AudioStore(FileSystem* fs, const Clock* clock, const LocalUrlSigner* signer,
             std::string audio_dir);

  // Writes every file of a new session; if any write fails, removes what was written and
  // returns the error, so a session is either complete or absent. URLs expire after
  // `url_expiry_seconds`.
  Result<StoredSession> Publish(const std::string& session_id,
                                const std::vector<SegmentFile>& files, int64_t url_expiry_seconds);

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
  const Clock* clock_;
  const LocalUrlSigner* signer_;
  std::string audio_dir_;
};

}  // namespace swha::storage
