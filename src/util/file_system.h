// The filesystem as an injectable side effect (after LevelDB's Env). Production code takes a
// FileSystem*; tests wrap the real one with FileSystemWrapper and fail chosen calls to prove
// that nothing is lost or left half-written. All errno values are translated to Status in
// file_system.cc and nowhere else.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha {

struct FileInfo {
  bool is_regular = false;
  bool is_directory = false;
  bool is_symlink = false;  // lstat semantics: symlinks are reported, never followed
  uint64_t size = 0;
  int64_t mtime_unix_seconds = 0;
};

struct DirEntry {
  std::string name;
  FileInfo info;
};

// A file opened for positioned reads. Thread-safe (pread).
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  virtual uint64_t Size() const = 0;
  // Reads up to `n` bytes at `offset` into `out` (resized to what was read).
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
};

// Whether WriteFileAtomic, CreateFileExclusive and a PendingFile wait for the data to reach
// the disk.
enum class Durability {
  // fsync before the rename: after a power failure the file is whole or absent.
  kSync,
  // No fsync: atomic against process crashes and concurrent readers (temp file + rename), but
  // after a power failure the file may be empty or short; readers must check completeness.
  kNoSync,
};

// How CreatePendingFile makes a file: how durably it is committed, and who may read it.
struct PendingFileOptions {
  Durability durability = Durability::kSync;
  bool owner_only = false;  // mode 0600 rather than 0644 (before the umask)
};

// A file written piece by piece that appears at its path only when committed: until then it is
// a temporary file beside it, which goes if the writer gives up (destruction without Commit),
// so an interrupted writer never leaves a partial file behind under the real name. One writer.
class PendingFile {
 public:
  virtual ~PendingFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Overwrites bytes already written at `offset` (a header whose sizes are known only at the
  // end). REQUIRES: offset + data.size() <= bytes appended so far.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Renames the file over the path; with Durability::kSync (PendingFileOptions), fsyncs the
  // file first and the directory after. Call once, last.
  virtual Status Commit() = 0;
};

// Implementations are thread-safe.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // mkdir -p with mode 0750.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Writes `data` to a temporary file in the same directory and renames it over `path`, so
  // readers see either nothing or the whole file; see Durability for power failures.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data,
                                 Durability durability) = 0;
  // Creates `path` holding `data` only if nothing is there yet (AlreadyExists otherwise): of
  // several processes racing, exactly one wins, and no reader sees a partial file. With kSync
  // the file and then its directory are fsynced.
  virtual Status CreateFileExclusive(const std::string& path, std::string_view data,
                                     Durability durability) = 0;
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Opens a regular file; refuses symlinks (O_NOFOLLOW) so nothing outside a tree leaks.
  virtual Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) = 0;
  virtual Result<FileInfo> Stat(const std::string& path) = 0;
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Removes an empty directory.
  virtual Status RemoveDir(const std::string& path) = 0;
  // A PendingFile that becomes `path` when committed.
  virtual Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& path,
                                                                 PendingFileOptions options) = 0;

  // The real POSIX filesystem. Never destroyed.
  static FileSystem* Default();
};

// Forwards every call to `target`; subclass and override what a test needs to fail.
class FileSystemWrapper : public FileSystem {
 public:
  explicit FileSystemWrapper(FileSystem* target) : target_(target) {}
  Status CreateDirs(const std::string& p) override { return target_->CreateDirs(p); }
  Status CreateFileExclusive(const std::string& p, std::string_view d, Durability u) override {
    return target_->CreateFileExclusive(p, d, u);
  }
  Status WriteFileAtomic(const std::string& p, std::string_view d, Durability u) override {
    return target_->WriteFileAtomic(p, d, u);
  }
  Result<std::string> ReadFile(const std::string& p) override { return target_->ReadFile(p); }
  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& p) override {
    return target_->OpenForRead(p);
  }
  Result<FileInfo> Stat(const std::string& p) override { return target_->Stat(p); }
  Result<std::vector<DirEntry>> ListDir(const std::string& p) override {
    return target_->ListDir(p);
  }
  Status RemoveFile(const std::string& p) override { return target_->RemoveFile(p); }
  Status RemoveDir(const std::string& p) override { return target_->RemoveDir(p); }
  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& p,
                                                         PendingFileOptions o) override {
    return target_->CreatePendingFile(p, o);
  }

 private:
  FileSystem* target_;
};

// When `name` (a file name, no directory) is one of the temporary files the writers above create
// beside their target, and leave behind only when the process dies mid-write: the target's
// name. Lets a cleanup remove a crashed writer's leftovers and nothing else.
std::optional<std::string> TempFileTarget(std::string_view name);

// Removes `path` and everything under it, without following symlinks. Best effort over the
// whole tree; returns the first error met.
Status RemoveTree(FileSystem* fs, const std::string& path);

std::string JoinPath(std::string_view a, std::string_view b);

}  // namespace swha
