#include "catalog/sqlite_checkpointer.h"

#include <spdlog/spdlog.h>

#include "catalog/sqlite_statement.h"

namespace swha::catalog {

Result<std::unique_ptr<SqliteCheckpointer>> SqliteCheckpointer::Start(sqlite3* writer,
                                                                      const std::string& path,
                                                                      CheckpointerConfig config) {
  if (config.background_pages < 1 || config.inline_pages <= config.background_pages) {
    return Status::InvalidArgument("checkpoint marks: 1 <= background < inline");
  }
  sqlite3* own = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &own, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status s = SqliteStatus(own, rc, "open the catalog's checkpoint connection");
    sqlite3_close_v2(own);
    return s;
  }
  // The writer's durability: its checkpoints fsync the log and then the database, no more.
  const int sync = sqlite3_exec(own, "PRAGMA synchronous = NORMAL", nullptr, nullptr, nullptr);
  if (sync != SQLITE_OK) {
    Status s = SqliteStatus(own, sync, "configure the catalog's checkpoint connection");
    sqlite3_close_v2(own);
    return s;
  }
  std::unique_ptr<SqliteCheckpointer> checkpointer(new SqliteCheckpointer(writer, own, config));
  checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->Loop(); });
  // Replaces SQLite's own hook, the one that checkpoints inside the commit.
  sqlite3_wal_hook(writer, &SqliteCheckpointer::OnCommit, checkpointer.get());
  return checkpointer;
}

SqliteCheckpointer::SqliteCheckpointer(sqlite3* writer, sqlite3* own, CheckpointerConfig config)
    : writer_(writer), own_(own), config_(config) {}

SqliteCheckpointer::~SqliteCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_, kWalCheckpointPages);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(own_);
}

CheckpointCounts SqliteCheckpointer::counts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

int SqliteCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema, int log_pages) {
  auto* c = static_cast<SqliteCheckpointer*>(self);
  if (log_pages >= c->config_.inline_pages) {
    c->Count(c->Checkpoint(db, schema), &CheckpointCounts::inline_);
  } else if (log_pages >= c->config_.background_pages) {
    c->Request();
  }
  // The commit itself succeeded whatever became of the checkpoint.
  return SQLITE_OK;
}

void SqliteCheckpointer::Request() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (requested_) return;
    requested_ = true;
  }
  wake_.notify_one();
}

void SqliteCheckpointer::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return requested_ || stopping_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    Count(Checkpoint(own_, nullptr), &CheckpointCounts::background);
    lock.lock();
  }
}

int SqliteCheckpointer::Checkpoint(sqlite3* db, const char* schema) {
  // SQLite answers BUSY at once, busy handler or not, to a checkpoint begun while another runs:
  // a commit past the inline mark waits here for the thread's instead, then copies the rest.
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  return sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
}

void SqliteCheckpointer::Count(int rc, int64_t CheckpointCounts::*kind) {
  std::lock_guard<std::mutex> lock(mu_);
  // BUSY: a lock the checkpoint needs for an instant was held (a commit starting the log over);
  // the next commit past the mark asks again.
  if (rc == SQLITE_BUSY) {
    ++counts_.busy;
    return;
  }
  if (rc == SQLITE_OK) {
    ++(counts_.*kind);
    last_failure_ = SQLITE_OK;
    return;
  }
  ++counts_.failed;
  if (rc != last_failure_) {
    // The log grows until a checkpoint succeeds; the commits themselves go on.
    spdlog::warn("catalog checkpoint failed: {}", sqlite3_errstr(rc));
    last_failure_ = rc;
  }
}

}  // namespace swha::catalog
