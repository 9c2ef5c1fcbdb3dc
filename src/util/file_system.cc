#include "util/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/crypto.h"

namespace swha {
namespace {

// The one place errno becomes a Status.
Status ErrnoStatus(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " ";
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
  if (err == EACCES || err == EPERM || err == ELOOP) return Status::PermissionDenied(msg);
  if (err == EEXIST) return Status::AlreadyExists(msg);
  return Status::IOError(msg);
}

FileInfo InfoFromStat(const struct stat& st) {
  FileInfo info;
  info.is_regular = S_ISREG(st.st_mode);
  info.is_directory = S_ISDIR(st.st_mode);
  info.is_symlink = S_ISLNK(st.st_mode);
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime_unix_seconds = st.st_mtim.tv_sec;
  return info;
}

class PosixRandomAccessFile : public RandomAccessFile {
 public:
  PosixRandomAccessFile(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }
  uint64_t Size() const override { return size_; }
  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read", path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    out->resize(done);
    return Status::Ok();
  }

 private:
  int fd_;
  uint64_t size_;
  std::string path_;
};

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    done += static_cast<size_t>(w);
  }
  return Status::Ok();
}

// The directory part of `path` ("." when it has none).
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// What a temporary file is written for, in its name: ".<name><tag><random hex>".
constexpr std::string_view kAtomicTag = ".tmp-";     // WriteFileAtomic
constexpr std::string_view kExclusiveTag = ".new-";  // CreateFileExclusive
constexpr std::string_view kPendingTag = ".part-";   // CreatePendingFile
constexpr size_t kTempRandomBytes = 6;               // hex-encoded: twice as many characters

// The name of a new temporary file beside `path`, for the writer `tag` names.
std::string TempPathBeside(const std::string& path, std::string_view tag) {
  const size_t slash = path.rfind('/');
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return JoinPath(DirectoryOf(path),
                  "." + base + std::string(tag) + crypto::RandomHex(kTempRandomBytes));
}

// Writes `data` to a new, uniquely named file beside `path` and returns its name; nothing is
// left behind on failure.
Result<std::string> WriteTempBeside(const std::string& path, std::string_view tag,
                                    std::string_view data, Durability durability) {
  const std::string tmp = TempPathBeside(path, tag);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("create", tmp, errno);
  Status s = WriteAll(fd, data, tmp);
  if (s.ok() && durability == Durability::kSync && ::fsync(fd) != 0) {
    s = ErrnoStatus("fsync", tmp, errno);
  }
  if (::close(fd) != 0 && s.ok()) s = ErrnoStatus("close", tmp, errno);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return tmp;
}

// Fsyncs directory `dir`, so that a rename or link in it survives a power failure.
Status SyncDirectory(const std::string& dir) {
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoStatus("open", dir, errno);
  Status s;
  if (::fsync(dir_fd) != 0) s = ErrnoStatus("fsync", dir, errno);
  ::close(dir_fd);
  return s;
}

class PosixPendingFile : public PendingFile {
 public:
  PosixPendingFile(int fd, std::string tmp, std::string path, Durability durability)
      : fd_(fd), tmp_(std::move(tmp)), path_(std::move(path)), durability_(durability) {}
  ~PosixPendingFile() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(tmp_.c_str());
  }
  PosixPendingFile(const PosixPendingFile&) = delete;
  PosixPendingFile& operator=(const PosixPendingFile&) = delete;

  Status Append(std::string_view data) override { return WriteAll(fd_, data, tmp_); }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t w =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", tmp_, errno);
      }
      done += static_cast<size_t>(w);
    }
    return Status::Ok();
  }

  Status Commit() override {
    const bool sync = durability_ == Durability::kSync;
    if (sync && ::fsync(fd_) != 0) return ErrnoStatus("fsync", tmp_, errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) return ErrnoStatus("close", tmp_, errno);
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) return ErrnoStatus("rename", path_, errno);
    committed_ = true;
    return sync ? SyncDirectory(DirectoryOf(path_)) : Status::Ok();
  }

 private:
  int fd_;
  const std::string tmp_;
  const std::string path_;
  const Durability durability_;
  bool committed_ = false;
};

class PosixFileSystem : public FileSystem {
 public:
  Status CreateDirs(const std::string& path) override {
    if (path.empty()) return Status::InvalidArgument("empty directory path");
    // The common case, one new directory under an existing parent, costs a single mkdir.
    if (::mkdir(path.c_str(), 0750) == 0) return Status::Ok();
    std::string partial;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      partial = path.substr(0, pos);
      if (partial.empty()) continue;
      if (::mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST) {
        return ErrnoStatus("mkdir", partial, errno);
      }
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
    if (!S_ISDIR(st.st_mode)) return Status::IOError(path + " exists and is not a directory");
    return Status::Ok();
  }

  Status WriteFileAtomic(const std::string& path, std::string_view data,
                         Durability durability) override {
    std::string tmp;
    SWHA_ASSIGN_OR_RETURN(tmp, WriteTempBeside(path, kAtomicTag, data, durability));
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      Status s = ErrnoStatus("rename", path, errno);
      ::unlink(tmp.c_str());
      return s;
    }
    return Status::Ok();
  }

  Status CreateFileExclusive(const std::string& path, std::string_view data,
                             Durability durability) override {
    std::string tmp;
    SWHA_ASSIGN_OR_RETURN(tmp, WriteTempBeside(path, kExclusiveTag, data, durability));
    // link() fails with EEXIST instead of replacing, so of several writers exactly one wins,
    // and readers only ever see a complete file.
    Status s;
    if (::link(tmp.c_str(), path.c_str()) != 0) s = ErrnoStatus("link", path, errno);
    ::unlink(tmp.c_str());
    if (s.ok() && durability == Durability::kSync) s = SyncDirectory(DirectoryOf(path));
    return s;
  }

  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& path,
                                                         PendingFileOptions options) override {
    const std::string tmp = TempPathBeside(path, kPendingTag);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    options.owner_only ? 0600 : 0644);
    if (fd < 0) return ErrnoStatus("create", tmp, errno);
    return std::unique_ptr<PendingFile>(
        std::make_unique<PosixPendingFile>(fd, tmp, path, options.durability));
  }

  Result<std::string> ReadFile(const std::string& path) override {
    auto file = OpenForRead(path);
    if (!file.ok()) return file.status();
    std::string out;
    SWHA_RETURN_IF_ERROR((*file)->Read(0, (*file)->Size(), &out));
    return out;
  }

  Result<std::unique_ptr<RandomAccessFile>> OpenForRead(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      Status s = ErrnoStatus("fstat", path, errno);
      ::close(fd);
      return s;
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::NotFound(path + " is not a regular file");
    }
    return std::unique_ptr<RandomAccessFile>(
        new PosixRandomAccessFile(fd, static_cast<uint64_t>(st.st_size), path));
  }

  Result<FileInfo> Stat(const std::string& path) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
    return InfoFromStat(st);
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return ErrnoStatus("opendir", path, errno);
    std::vector<DirEntry> entries;
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      struct stat st {};
      if (::fstatat(::dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // raced
      entries.push_back({std::move(name), InfoFromStat(st)});
    }
    ::closedir(dir);
    return entries;
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
    return Status::Ok();
  }

  Status RemoveDir(const std::string& path) override {
    if (::rmdir(path.c_str()) != 0) return ErrnoStatus("rmdir", path, errno);
    return Status::Ok();
  }
};

}  // namespace

FileSystem* FileSystem::Default() {
  static PosixFileSystem* fs = new PosixFileSystem();  // intentionally leaked
  return fs;
}

std::optional<std::string> TempFileTarget(std::string_view name) {
  const size_t random_chars = 2 * kTempRandomBytes;
  if (name.size() < 1 + random_chars || name[0] != '.') return std::nullopt;
  const std::string_view random = name.substr(name.size() - random_chars);
  if (!std::all_of(random.begin(), random.end(),
                   [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); })) {
    return std::nullopt;
  }
  const std::string_view rest = name.substr(1, name.size() - 1 - random_chars);
  for (std::string_view tag : {kAtomicTag, kExclusiveTag, kPendingTag}) {
    if (rest.size() > tag.size() && rest.ends_with(tag)) {
      return std::string(rest.substr(0, rest.size() - tag.size()));
    }
  }
  return std::nullopt;
}

Status RemoveTree(FileSystem* fs, const std::string& path) {
  auto info = fs->Stat(path);
  if (!info.ok())
    return info.status().code() == StatusCode::kNotFound ? Status::Ok() : info.status();
  if (!info->is_directory) return fs->RemoveFile(path);
  Status first;
  auto entries = fs->ListDir(path);
  if (!entries.ok()) return entries.status();
  for (const DirEntry& e : *entries) {
    Status s = RemoveTree(fs, JoinPath(path, e.name));
    if (first.ok() && !s.ok()) first = s;
  }
  Status s = fs->RemoveDir(path);
  return first.ok() ? s : first;
}

std::string JoinPath(std::string_view a, std::string_view b) {
  std::string out(a);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(b);
  return out;
}

}  // namespace swha
