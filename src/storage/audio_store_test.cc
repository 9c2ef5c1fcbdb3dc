#include "storage/audio_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <atomic>

#include "storage/session_id.h"
#include "util/file_system_testing.h"

namespace swha::storage {
namespace {

// Fails the n-th file written (1-based) with an I/O error, like a full disk.
class FailingWritesFileSystem : public FileSystemWrapper {
 public:
  FailingWritesFileSystem(FileSystem* target, int fail_at)
      : FileSystemWrapper(target), fail_at_(fail_at) {}
  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& p,
                                                         PendingFileOptions o) override {
    auto file = FileSystemWrapper::CreatePendingFile(p, o);
    return ++writes_ == fail_at_ ? FullDiskPendingFile::Wrap(std::move(file), p) : std::move(file);
  }

 private:
  int fail_at_;
  std::atomic<int> writes_{0};
};

class AudioStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-store-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    audio_dir_ = root_ + "/audio";
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }
  static void WriteFile(const std::string& path, std::string_view bytes) {
    ASSERT_TRUE(FileSystem::Default()->WriteFileAtomic(path, bytes, Durability::kNoSync).ok());
  }

  std::vector<SegmentFile> ThreeFiles() {
    return {{"segment_000.wav", "aaa"}, {"segment_001.wav", "bbbb"}, {"segment_002.wav", "cc"}};
  }

  std::string root_;
  std::string audio_dir_;
  ManualClock clock_{1'700'000'000'000};
};

TEST_F(AudioStoreTest, PublishWritesEveryFileAndSaysItIsLocal) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  auto session = store.Publish(id, ThreeFiles());
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ASSERT_EQ(session->segments.size(), 3u);
  EXPECT_EQ(session->segments[1].filename, "segment_001.wav");
  EXPECT_EQ(session->segments[1].location, Location::kLocal);
  EXPECT_FALSE(session->segments[1].s3_key.has_value());
  EXPECT_TRUE(session->warnings.empty());
  EXPECT_EQ(*FileSystem::Default()->ReadFile(audio_dir_ + "/" + id + "/segment_001.wav"), "bbbb");
  auto listing = FileSystem::Default()->ListDir(audio_dir_ + "/" + id);
  EXPECT_EQ(listing->size(), 3u);  // no temporary files left behind
  struct stat st {};
  ASSERT_EQ(::stat((audio_dir_ + "/" + id + "/segment_001.wav").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "audio is the service's alone";
}

// A segment with marks gets segment_NNN.marks.json beside it; one without, nothing more.
TEST_F(AudioStoreTest, MarksAreWrittenBesideTheirSegmentAndRemovedWithTheSession) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  std::vector<SegmentFile> files = ThreeFiles();
  files[1].marks_json = R"([{"time":0,"type":"viseme","value":"sil"}])";
  auto session = store.Publish(id, files);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_FALSE(session->segments[0].marks_filename.has_value());
  EXPECT_EQ(session->segments[1].marks_filename, "segment_001.marks.json");
  EXPECT_EQ(*FileSystem::Default()->ReadFile(audio_dir_ + "/" + id + "/segment_001.marks.json"),
            files[1].marks_json);
  EXPECT_EQ(FileSystem::Default()->ListDir(audio_dir_ + "/" + id)->size(), 4u);
  auto removed = store.RemoveSessionDir(id);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 4);
}

// Fails every write of a file whose path contains `part`.
class FailingWritesOfFileSystem : public FileSystemWrapper {
 public:
  FailingWritesOfFileSystem(FileSystem* target, std::string part)
      : FileSystemWrapper(target), part_(std::move(part)) {}
  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& p,
                                                         PendingFileOptions o) override {
    auto file = FileSystemWrapper::CreatePendingFile(p, o);
    if (p.find(part_) == std::string::npos) return file;
    return FullDiskPendingFile::Wrap(std::move(file), p);
  }

 private:
  std::string part_;
};

TEST_F(AudioStoreTest, AFailedMarksWriteLeavesNoPartialSession) {
  FailingWritesOfFileSystem fs(FileSystem::Default(), "segment_001.marks.json");
  AudioStore store(&fs, audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  std::vector<SegmentFile> files = ThreeFiles();
  files[1].marks_json = "[]";
  EXPECT_EQ(store.Publish(id, files).status().code(), StatusCode::kIOError);
  EXPECT_EQ(FileSystem::Default()->Stat(audio_dir_ + "/" + id).status().code(),
            StatusCode::kNotFound);
}

// The place made ready before the audio exists: published, the files are under their names and
// nothing else is left; a file not prepared for is written all the same.
// Counts the pending files made.
class CountingFileSystem : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& p,
                                                         PendingFileOptions o) override {
    ++created;
    return FileSystemWrapper::CreatePendingFile(p, o);
  }
  std::atomic<int> created{0};
};

TEST_F(AudioStoreTest, APreparedSessionPublishesIntoItsFilesAndTheOnesNotPreparedFor) {
  CountingFileSystem fs(FileSystem::Default());
  AudioStore store(&fs, audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  const std::vector<std::string> names = {"segment_000.wav", "segment_001.wav"};
  auto prepared = store.Prepare(id, names);
  ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  EXPECT_EQ(FileSystem::Default()->ListDir(audio_dir_ + "/" + id)->size(), 2u);  // pending
  std::vector<SegmentFile> files = ThreeFiles();
  files[0].marks_json = "[]";
  auto session = (*prepared)->Publish(files);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ASSERT_EQ(session->segments.size(), 3u);
  EXPECT_EQ(session->segments[0].marks_filename, "segment_000.marks.json");
  for (const SegmentFile& f : files) {
    EXPECT_EQ(*FileSystem::Default()->ReadFile(audio_dir_ + "/" + id + "/" + f.filename), f.bytes);
  }
  EXPECT_EQ(*FileSystem::Default()->ReadFile(audio_dir_ + "/" + id + "/segment_000.marks.json"),
            "[]");
  EXPECT_EQ(FileSystem::Default()->ListDir(audio_dir_ + "/" + id)->size(), 4u);
  // The two prepared files were used, not made again: two more for the rest.
  EXPECT_EQ(fs.created, 4);
}

// A synthesis that failed: the prepared files go, and the directory with them, unless it holds
// a session's earlier parts.
TEST_F(AudioStoreTest, APreparedSessionNeverPublishedLeavesOnlyWhatWasThereBefore) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  {
    auto prepared = store.Prepare(id, std::vector<std::string>{"segment_000.wav"});
    ASSERT_TRUE(prepared.ok()) << prepared.status().ToString();
  }
  EXPECT_EQ(FileSystem::Default()->Stat(audio_dir_ + "/" + id).status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(store.Publish(id, std::vector<SegmentFile>{{"segment_000.wav", "aaa"}}).ok());
  {
    auto next = store.Prepare(id, std::vector<std::string>{"segment_001.wav"});
    ASSERT_TRUE(next.ok()) << next.status().ToString();
  }
  auto left = FileSystem::Default()->ListDir(audio_dir_ + "/" + id);
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].name, "segment_000.wav");
}

TEST(StoredSegmentTest, TheMarksKeyIsTheAudiosWithItsFileName) {
  StoredSegment seg{.filename = "segment_002.mp3",
                    .location = Location::kLocalAndS3,
                    .s3_key = "audio/users/7/s/segment_002.mp3",
                    .s3_target = "",
                    .marks_filename = "segment_002.marks.json"};
  EXPECT_EQ(seg.MarksS3Key(), "audio/users/7/s/segment_002.marks.json");
  seg.s3_key.reset();
  EXPECT_FALSE(seg.MarksS3Key().has_value());
  seg.s3_key = "audio/users/7/s/segment_002.mp3";
  seg.marks_filename.reset();
  EXPECT_FALSE(seg.MarksS3Key().has_value());
}

TEST_F(AudioStoreTest, AFailedWriteLeavesNoPartialSession) {
  FailingWritesFileSystem fs(FileSystem::Default(), /*fail_at=*/2);
  AudioStore store(&fs, audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  auto session = store.Publish(id, ThreeFiles());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.status().code(), StatusCode::kIOError);
  EXPECT_EQ(FileSystem::Default()->Stat(audio_dir_ + "/" + id).status().code(),
            StatusCode::kNotFound);
}

TEST_F(AudioStoreTest, OpenSegmentRefusesSymlinks) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  ASSERT_TRUE(store.Publish(id, ThreeFiles()).ok());
  auto file = store.OpenSegment(id, "segment_000.wav");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->Size(), 3u);

  const std::string linked_session = NewSessionId(clock_, "anonymous");
  ASSERT_EQ(symlink((audio_dir_ + "/" + id).c_str(), (audio_dir_ + "/" + linked_session).c_str()),
            0);
  EXPECT_FALSE(store.OpenSegment(linked_session, "segment_000.wav").ok());

  ASSERT_EQ(symlink("/etc/passwd", (audio_dir_ + "/" + id + "/segment_009.wav").c_str()), 0);
  EXPECT_FALSE(store.OpenSegment(id, "segment_009.wav").ok());
}

TEST_F(AudioStoreTest, RemoveSegmentDropsTheDirectoryWithItsLastFile) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  ASSERT_TRUE(store.Publish(id, ThreeFiles()).ok());
  ASSERT_TRUE(store.RemoveSegment(id, "segment_000.wav").ok());
  ASSERT_TRUE(store.RemoveSegment(id, "segment_001.wav").ok());
  EXPECT_TRUE(FileSystem::Default()->Stat(audio_dir_ + "/" + id).ok());
  ASSERT_TRUE(store.RemoveSegment(id, "segment_002.wav").ok());
  EXPECT_FALSE(FileSystem::Default()->Stat(audio_dir_ + "/" + id).ok());
  EXPECT_EQ(store.RemoveSegment(id, "segment_002.wav").code(), StatusCode::kNotFound);
}

TEST_F(AudioStoreTest, SessionDirectoriesAreListedWithTheirFilesAndTimes) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string old_id = NewSessionId(clock_, "anonymous");
  const std::string new_id = NewSessionId(clock_, "123");
  ASSERT_TRUE(store.Publish(old_id, ThreeFiles()).ok());
  ASSERT_TRUE(store.Publish(new_id, ThreeFiles()).ok());
  const timeval old_times[2] = {{1000, 0}, {1000, 0}};
  for (const auto& f : ThreeFiles()) {
    ASSERT_EQ(utimes((audio_dir_ + "/" + old_id + "/" + f.filename).c_str(), old_times), 0);
  }
  ASSERT_EQ(utimes((audio_dir_ + "/" + old_id).c_str(), old_times), 0);
  // Neither a stray file, nor a directory that is not a session, nor a symlink is listed.
  WriteFile(audio_dir_ + "/stray.wav", "x");
  ASSERT_TRUE(FileSystem::Default()->CreateDirs(audio_dir_ + "/not-a-session").ok());
  ASSERT_EQ(symlink((audio_dir_ + "/" + new_id).c_str(),
                    (audio_dir_ + "/" + NewSessionId(clock_, "9")).c_str()),
            0);
  auto dirs = store.ListSessionDirs();
  ASSERT_TRUE(dirs.ok()) << dirs.status().ToString();
  ASSERT_EQ(dirs->size(), 2u);
  for (const LocalSessionDir& dir : *dirs) {
    EXPECT_EQ(dir.files.size(), 3u);
    EXPECT_EQ(dir.files[0], "segment_000.wav");
    if (dir.session_id == old_id) {
      EXPECT_EQ(dir.newest_file_mtime, 1000);
    } else {
      EXPECT_EQ(dir.session_id, new_id);
      EXPECT_GT(dir.newest_file_mtime, 1000);
    }
  }
}

TEST_F(AudioStoreTest, RemovingASessionDirectoryCountsItsFilesAndRefusesSymlinks) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  const std::string id = NewSessionId(clock_, "anonymous");
  ASSERT_TRUE(store.Publish(id, ThreeFiles()).ok());
  auto removed = store.RemoveSessionDir(id);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 3);
  EXPECT_FALSE(FileSystem::Default()->Stat(audio_dir_ + "/" + id).ok());
  EXPECT_EQ(store.RemoveSessionDir(id).status().code(), StatusCode::kNotFound);

  // A session directory swapped for a symlink to elsewhere: nothing there is touched.
  const std::string elsewhere = root_ + "/elsewhere";
  ASSERT_TRUE(FileSystem::Default()->CreateDirs(elsewhere).ok());
  WriteFile(elsewhere + "/keep.wav", "precious");
  const std::string linked = NewSessionId(clock_, "anonymous");
  ASSERT_EQ(symlink(elsewhere.c_str(), (audio_dir_ + "/" + linked).c_str()), 0);
  EXPECT_EQ(store.RemoveSessionDir(linked).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(FileSystem::Default()->Stat(elsewhere + "/keep.wav").ok());
}

TEST_F(AudioStoreTest, ACrashedWritersTemporaryFilesGoWithTheirSessionAndNothingElseDoes) {
  AudioStore store(FileSystem::Default(), audio_dir_);
  // What a process killed while publishing leaves: files whole, and one still being written.
  const std::string id = NewSessionId(clock_, "anonymous");
  ASSERT_TRUE(store.Publish(id, ThreeFiles()).ok());
  WriteFile(audio_dir_ + "/" + id + "/.segment_003.wav.tmp-0123456789ab", "RIFF-half");
  auto removed = store.RemoveSessionDir(id);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 4);
  EXPECT_FALSE(FileSystem::Default()->Stat(audio_dir_ + "/" + id).ok());

  // Someone else's file, even one named like a leftover of something we never write, stays.
  const std::string other = NewSessionId(clock_, "anonymous");
  ASSERT_TRUE(store.Publish(other, ThreeFiles()).ok());
  const std::string foreign = audio_dir_ + "/" + other + "/.notes.txt.tmp-0123456789ab";
  WriteFile(foreign, "mine");
  EXPECT_FALSE(store.RemoveSessionDir(other).ok());
  EXPECT_TRUE(FileSystem::Default()->Stat(foreign).ok());
}

TEST_F(AudioStoreTest, ListingAMissingDirectoryIsEmptyNotAnError) {
  AudioStore store(FileSystem::Default(), root_ + "/nowhere");
  auto dirs = store.ListSessionDirs();
  ASSERT_TRUE(dirs.ok());
  EXPECT_TRUE(dirs->empty());
}

}  // namespace
}  // namespace swha::storage
