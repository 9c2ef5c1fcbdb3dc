#include "catalog/sqlite_checkpointer.h"

#include <spdlog/spdlog.h>

#include <system_error>

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
  sqlite3_busy_timeout(own, kCheckpointBusyTimeoutMs);
  // A connection that has never read the schema checkpoints nothing and still answers OK; this
  // read is what makes the thread's checkpoints copy anything (Checkpoint also checks).
  const int schema =
      sqlite3_exec(own, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if (schema != SQLITE_OK) {
    Status s = SqliteStatus(own, schema, "read the schema on the catalog's checkpoint connection");
    sqlite3_close_v2(own);
    return s;
  }
  std::unique_ptr<SqliteCheckpointer> checkpointer(new SqliteCheckpointer(writer, own, config));
  try {
    checkpointer->thread_ = std::thread([c = checkpointer.get()] { c->Loop(); });
  } catch (const std::system_error& e) {
    return Status::Internal(std::string("start the catalog's checkpoint thread: ") + e.what());
  }
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

int SqliteCheckpointer::OnCommit(void* self, sqlite3* db, const char* schema,
                                 int log_pages) noexcept {
  auto* c = static_cast<SqliteCheckpointer*>(self);
  if (log_pages >= c->config_.inline_pages) {
    c->Count(c->Checkpoint(db, schema), &CheckpointCounts::in_commit);
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
    running_ = true;
    lock.unlock();
    const int rc = Checkpoint(own_, nullptr);
    Count(rc, &CheckpointCounts::background);
    lock.lock();
    running_ = false;
    idle_.notify_all();
  }
}

bool SqliteCheckpointer::WaitIdleForTesting(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_.wait_for(lock, timeout, [this] { return !requested_ && !running_; });
}

int SqliteCheckpointer::Checkpoint(sqlite3* db, const char* schema) {
  // SQLite answers BUSY at once, busy handler or not, to a checkpoint begun while another runs:
  // a commit past the inline mark waits here for the thread's instead, then copies the rest.
  std::lock_guard<std::mutex> lock(checkpoint_mu_);
  int log_frames = 0;
  int copied_frames = 0;
  const int rc =
      sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied_frames);
  // -1: the connection is not in WAL mode, or has not read the schema, and copied nothing.
  if (rc == SQLITE_OK && log_frames < 0) return SQLITE_MISUSE;
  return rc;
}

void SqliteCheckpointer::Count(int rc, int64_t CheckpointCounts::*kind) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // BUSY: a lock the checkpoint needs for an instant was held (a commit starting the log
    // over); the next commit past the mark asks again.
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
    if (rc == last_failure_) return;  // said once, until a checkpoint succeeds again
    last_failure_ = rc;
  }
  // The log grows until a checkpoint succeeds; the commits themselves go on.
  spdlog::warn("{}", SqliteStatus(nullptr, rc, "checkpoint the catalog's log").ToString());
}

}  // namespace swha::catalog
