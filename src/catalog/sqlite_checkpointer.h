// SQLite's write-ahead log copied back into the database on a thread of its own, so that no
// commit waits for it. Internal to src/catalog (sqlite_catalog.cc).
//
// By default SQLite checkpoints inside the commit that takes the log past 1,000 pages: that
// request then waits for the copy and two fsyncs, 5 to 25 ms on this project's machines, about
// one generate in 130 (docs/performance.md). Here a commit only wakes the thread. The thread's
// PASSIVE checkpoints never block a writer; the log starts over at the first commit after one
// that copied everything, so no commit waits as long as a checkpoint fits between two commits.
// A writer that outruns the thread (every checkpoint overtaken by a new commit, as with slow
// fsyncs under steady load) still takes the log past kWalInlineCheckpointPages, and that commit
// checkpoints itself as SQLite would, after the thread's, copying only what the thread has not:
// the log's size stays bounded, and that commit waits.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "util/status.h"

namespace swha::catalog {

// How long the checkpoint connection waits for a lock at start-up (its schema read); PASSIVE
// checkpoints themselves never wait.
inline constexpr int kCheckpointBusyTimeoutMs = 5000;
// Log pages after a commit from which the thread is woken: SQLite's own default mark.
inline constexpr int kWalCheckpointPages = 1000;
// Log pages after a commit from which that commit checkpoints itself (16 MiB of 4 KiB pages).
inline constexpr int kWalInlineCheckpointPages = 4 * kWalCheckpointPages;

struct CheckpointCounts {
  int64_t background = 0;  // checkpoints the thread completed
  int64_t in_commit = 0;   // checkpoints a commit ran itself, past the inline mark
  int64_t busy = 0;        // either kind, given up at once on a lock held (tried again later)
  int64_t failed = 0;      // either kind, for any other reason
};

struct CheckpointerConfig {
  int background_pages = kWalCheckpointPages;
  int inline_pages = kWalInlineCheckpointPages;
};

// Thread-safe.
class SqliteCheckpointer {
 public:
  // Opens a connection of its own to `path`, which `writer` has put in WAL mode, starts the
  // thread and hooks `writer`'s commits. `writer` must outlive the checkpointer.
  static Result<std::unique_ptr<SqliteCheckpointer>> Start(sqlite3* writer, const std::string& path,
                                                           CheckpointerConfig config = {});
  // Stops the thread, closes its connection and gives `writer` back SQLite's own checkpoints.
  // REQUIRES: no commit on `writer` runs meanwhile.
  ~SqliteCheckpointer();
  SqliteCheckpointer(const SqliteCheckpointer&) = delete;
  SqliteCheckpointer& operator=(const SqliteCheckpointer&) = delete;

  CheckpointCounts counts() const;
  // Waits until no checkpoint is asked for or running; false when `timeout` passed first.
  bool WaitIdleForTesting(std::chrono::milliseconds timeout);

 private:
  SqliteCheckpointer(sqlite3* writer, sqlite3* own, CheckpointerConfig config);
  // sqlite3_wal_hook's callback: runs in the committing thread, after each commit.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int log_pages) noexcept;
  void Request();
  void Loop();
  // A PASSIVE checkpoint on `db`, one at a time.
  int Checkpoint(sqlite3* db, const char* schema);
  void Count(int rc, int64_t CheckpointCounts::*kind);

  sqlite3* const writer_;
  sqlite3* const own_;  // the thread's connection
  const CheckpointerConfig config_;
  std::mutex checkpoint_mu_;  // held through each checkpoint
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  bool requested_ = false;        // guarded by mu_
  bool running_ = false;          // guarded by mu_: the thread is in a checkpoint
  bool stopping_ = false;         // guarded by mu_
  CheckpointCounts counts_;       // guarded by mu_
  int last_failure_ = SQLITE_OK;  // guarded by mu_: a failure is logged when it changes
  std::thread thread_;
};

}  // namespace swha::catalog
