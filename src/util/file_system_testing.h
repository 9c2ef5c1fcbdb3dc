// For tests that make a file system fail: a pending file on a disk that is full.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "util/file_system.h"

namespace swha {

// Refuses every write, as a full disk does, while its real temporary file exists (and goes when
// it is destroyed, as any uncommitted pending file's does), so a test also sees what a failed
// writer leaves behind.
class FullDiskPendingFile : public PendingFile {
 public:
  FullDiskPendingFile(std::unique_ptr<PendingFile> real, std::string path)
      : real_(std::move(real)), path_(std::move(path)) {}
  Status Append(std::string_view /*data*/) override { return Full(); }
  Status WriteAt(uint64_t /*offset*/, std::string_view /*data*/) override { return Full(); }
  Status Commit() override { return Full(); }

  // What a fault-injecting FileSystem::CreatePendingFile answers: the real file, wrapped.
  static Result<std::unique_ptr<PendingFile>> Wrap(Result<std::unique_ptr<PendingFile>> real,
                                                   const std::string& path) {
    if (!real.ok()) return real.status();
    return std::unique_ptr<PendingFile>(
        std::make_unique<FullDiskPendingFile>(std::move(*real), path));
  }

 private:
  Status Full() const { return Status::IOError("write " + path_ + ": No space left on device"); }

  std::unique_ptr<PendingFile> real_;
  const std::string path_;
};

}  // namespace swha
