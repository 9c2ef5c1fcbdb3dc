#include "util/file_system.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

namespace swha {
namespace {

class PendingFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-fs-test-XXXXXX";
    root_ = mkdtemp(tmpl);
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }

  std::vector<std::string> Names() {
    std::vector<std::string> names;
    auto listed = FileSystem::Default()->ListDir(root_);  // kept: the loop reads into it
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (!listed.ok()) return names;
    for (const DirEntry& e : *listed) names.push_back(e.name);
    return names;
  }

  std::string root_;
};

TEST_F(PendingFileTest, AppearsWholeOnlyWhenCommitted) {
  FileSystem* fs = FileSystem::Default();
  const std::string path = root_ + "/book.wav";
  auto file = fs->CreatePendingFile(path, {});
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  ASSERT_TRUE((*file)->Append("HEADER--").ok());
  ASSERT_TRUE((*file)->Append("samples").ok());
  EXPECT_FALSE(fs->Stat(path).ok());  // not under its name yet
  ASSERT_TRUE((*file)->WriteAt(6, "ok").ok());
  ASSERT_TRUE((*file)->Commit().ok());
  EXPECT_EQ(*fs->ReadFile(path), "HEADERoksamples");
  EXPECT_EQ(Names(), std::vector<std::string>{"book.wav"});  // no temporary file left
}

// The service's audio: committed without an fsync, readable by its owner only. A user's file
// from the command line: readable by others, as the umask allows.
TEST_F(PendingFileTest, AnOwnerOnlyFileIsNotReadableByOthersAndOthersAreAsTheUmaskSays) {
  // A umask that lets 0644 through (set before any file is made; the suite runs one test at a
  // time in its process), and the one there was put back however the test ends.
  struct RestoreUmask {
    mode_t before;
    ~RestoreUmask() { ::umask(before); }
  } const restore{::umask(022)};
  FileSystem* fs = FileSystem::Default();
  auto audio = fs->CreatePendingFile(root_ + "/segment_000.wav",
                                     {.durability = Durability::kNoSync, .owner_only = true});
  auto book = fs->CreatePendingFile(root_ + "/book.wav", {.durability = Durability::kSync});
  ASSERT_TRUE(audio.ok() && book.ok());
  ASSERT_TRUE((*audio)->Append("RIFF").ok());
  ASSERT_TRUE((*audio)->Commit().ok());
  ASSERT_TRUE((*book)->Commit().ok());
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/segment_000.wav").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((root_ + "/book.wav").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(*fs->ReadFile(root_ + "/segment_000.wav"), "RIFF");
}

TEST_F(PendingFileTest, AWriterThatGivesUpLeavesNothing) {
  FileSystem* fs = FileSystem::Default();
  const std::string path = root_ + "/book.mp3";
  ASSERT_TRUE(fs->WriteFileAtomic(path, "the old book", Durability::kNoSync).ok());
  {
    auto file = fs->CreatePendingFile(path, {});
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("half a new one").ok());
  }
  EXPECT_EQ(Names(), std::vector<std::string>{"book.mp3"});
  EXPECT_EQ(*fs->ReadFile(path), "the old book");  // untouched
  EXPECT_EQ(fs->CreatePendingFile(root_ + "/missing/x.wav", {}).status().code(),
            StatusCode::kNotFound);
}

TEST_F(PendingFileTest, AWritersTemporaryFileIsKnownForWhatItWasWritingAndNothingElseIs) {
  FileSystem* fs = FileSystem::Default();
  auto file = fs->CreatePendingFile(root_ + "/segment_002.wav", {});
  ASSERT_TRUE(file.ok());
  const std::vector<std::string> names = Names();  // the temporary file, as a crash leaves it
  ASSERT_EQ(names.size(), 1u);
  EXPECT_EQ(TempFileTarget(names[0]), "segment_002.wav") << names[0];
  EXPECT_EQ(TempFileTarget(".a.b.tmp-0123456789ab"), "a.b");
  EXPECT_EQ(TempFileTarget(".x.wav.new-abcdef012345"), "x.wav");
  for (std::string_view other :
       {"segment_002.wav", ".x.wav.tmp-0123456789aB", ".x.wav.tmp-0123", "x.wav.tmp-0123456789ab",
        ".x.wav.old-0123456789ab", ".tmp-0123456789ab", ""}) {
    EXPECT_EQ(TempFileTarget(other), std::nullopt) << other;
  }
}

}  // namespace
}  // namespace swha
