#include "catalog/sqlite_checkpointer.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "util/file_system.h"

namespace swha::catalog {
namespace {

constexpr int kPageSize = 4096;
constexpr int kFrameBytes = kPageSize + 24;  // a WAL frame: its header and one page
constexpr int kWalHeaderBytes = 32;

// A WAL database in a temporary directory, on one raw connection (the catalog's writer).
class WalDatabase {
 public:
  WalDatabase() {
    char tmpl[] = "/tmp/swha-checkpoint-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/test.db";
    EXPECT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    sqlite3_busy_timeout(db_, 5000);  // as the catalog's
    Exec("PRAGMA page_size = 4096");
    Exec("PRAGMA journal_mode = WAL");
    Exec("PRAGMA synchronous = NORMAL");
    Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
  }
  ~WalDatabase() {
    sqlite3_close_v2(db_);
    (void)RemoveTree(FileSystem::Default(), dir_);
  }

  void Exec(const char* sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db_, sql, nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error ? error : "");
    sqlite3_free(error);
  }
  // One commit of one row about a page long: a frame or two of log.
  void CommitARow() { Exec("INSERT INTO t (body) VALUES (randomblob(3000))"); }
  // The log file's size in frames: the most it ever held since it was made, since SQLite
  // writes it over from the start and does not shrink it.
  int64_t LogFrames() const {
    struct stat st {};
    if (stat((path_ + "-wal").c_str(), &st) != 0) return 0;
    return (st.st_size - kWalHeaderBytes) / kFrameBytes;
  }

  sqlite3* db() const { return db_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST(SqliteCheckpointerTest, MarksOutOfOrderAreRefused) {
  WalDatabase wal;
  auto c = SqliteCheckpointer::Start(wal.db(), wal.path(),
                                     {.background_pages = 100, .inline_pages = 100});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  c = SqliteCheckpointer::Start(wal.db(), wal.path(), {.background_pages = 0, .inline_pages = 9});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
}

// Batches of commits, each taking the log past the thread's mark, with the thread given time
// to finish between them (however slow the disk): the log starts over after every batch, so it
// never reaches the inline mark and no commit checkpoints itself. Without the thread the log
// would hold all the batches' frames and pass the inline mark many times over.
TEST(SqliteCheckpointerTest, TheThreadCheckpointsAndNoCommitWaitsForIt) {
  WalDatabase wal;
  constexpr int kBackgroundPages = 16;
  // A batch writes about three frames a commit (the row's page, its parent, the header page):
  // one batch stays under this mark, two without a checkpoint between them would not.
  constexpr int kInlinePages = 8 * kBackgroundPages;
  auto c = SqliteCheckpointer::Start(
      wal.db(), wal.path(), {.background_pages = kBackgroundPages, .inline_pages = kInlinePages});
  ASSERT_TRUE(c.ok()) << c.status().message();
  constexpr int kBatches = 20;
  constexpr int kBatchCommits = kBackgroundPages + 8;  // a frame or more each
  for (int batch = 0; batch < kBatches; ++batch) {
    for (int i = 0; i < kBatchCommits; ++i) wal.CommitARow();
    ASSERT_TRUE((*c)->WaitIdleForTesting(std::chrono::seconds(60))) << "batch " << batch;
  }
  const CheckpointCounts counts = (*c)->counts();
  EXPECT_EQ(counts.in_commit, 0);
  EXPECT_EQ(counts.failed, 0);
  EXPECT_GE(counts.background, kBatches);
  // One batch's frames at most; all the batches' would be well over a thousand.
  EXPECT_LT(wal.LogFrames(), kInlinePages) << "the log never started over";
}

// A writer that never pauses overtakes every background checkpoint; past the inline mark its
// own commit checkpoints, so the log stays bounded whatever the thread manages.
TEST(SqliteCheckpointerTest, AWriterThatOutrunsTheThreadKeepsTheLogBounded) {
  WalDatabase wal;
  constexpr int kInlinePages = 64;
  auto c = SqliteCheckpointer::Start(wal.db(), wal.path(),
                                     {.background_pages = 8, .inline_pages = kInlinePages});
  ASSERT_TRUE(c.ok()) << c.status().message();
  constexpr int kCommits = 3000;
  for (int i = 0; i < kCommits; ++i) wal.CommitARow();
  const CheckpointCounts counts = (*c)->counts();
  EXPECT_EQ(counts.failed, 0);
  EXPECT_GE(counts.background + counts.in_commit, 1);
  // A commit adds a few frames beyond the mark before it checkpoints; the file cannot hold
  // much more than the mark (3,000 commits would be thousands of frames).
  EXPECT_LE(wal.LogFrames(), kInlinePages + 16);
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(wal.db(), "SELECT count(*) FROM t", -1, &count, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(count, 0), kCommits);
  sqlite3_finalize(count);
}

// Once the checkpointer is gone its connection is closed and SQLite's own checkpoint is back:
// the writer's commits keep the log bounded again at SQLite's mark.
TEST(SqliteCheckpointerTest, StoppingGivesTheWriterSqlitesCheckpointsBack) {
  WalDatabase wal;
  {
    auto c = SqliteCheckpointer::Start(wal.db(), wal.path(),
                                       {.background_pages = 8, .inline_pages = 1 << 30});
    ASSERT_TRUE(c.ok()) << c.status().message();
    wal.CommitARow();
  }
  for (int i = 0; i < 3 * kWalCheckpointPages; ++i) wal.CommitARow();
  EXPECT_LE(wal.LogFrames(), kWalCheckpointPages + 16);
}

}  // namespace
}  // namespace swha::catalog
