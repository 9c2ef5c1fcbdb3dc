// SQLite for the catalog: result codes translated into a Status in one place, and prepared
// statements cached per connection. Internal to src/catalog (sqlite_catalog.cc and its
// lipsync part); nothing here is thread-safe, the catalog's mutex guards it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/schema.h"
#include "util/status.h"

namespace swha::catalog {

// The one place SQLite's result codes become a Status.
inline Status SqliteStatus(sqlite3* db, int rc, std::string_view what) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  const std::string detail = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  const int primary = rc & 0xFF;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Status::AlreadyExists(std::string(what) + ": " + detail, UniqueFieldOfIndex(detail));
  }
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_CANTOPEN) {
    return Status::Unavailable(std::string(what) + ": " + detail);
  }
  return Status::Internal(std::string(what) + ": " + detail);
}

// Prepared statements kept for the connection's life, by SQL text: preparing costs more than
// running most of the catalog's statements. Not thread-safe (the catalog's mutex guards it).
class StatementCache {
 public:
  explicit StatementCache(sqlite3* db) : db_(db) {}
  ~StatementCache() {
    for (auto& [sql, entry] : entries_) sqlite3_finalize(entry.stmt);
  }
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  sqlite3* db() const { return db_; }
  // The statement for `sql`, ready to bind, and marked in use; nullptr with *rc set when it
  // does not prepare. A statement already in use (the same SQL, nested) gets a private copy,
  // finalized by Release.
  sqlite3_stmt* Acquire(std::string_view sql, int* rc) {
    auto it = entries_.find(sql);
    if (it != entries_.end() && !it->second.in_use) {
      it->second.in_use = true;
      return it->second.stmt;
    }
    sqlite3_stmt* stmt = nullptr;
    *rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (*rc != SQLITE_OK || it != entries_.end()) return stmt;
    entries_.emplace(std::string(sql), Entry{stmt, true});
    return stmt;
  }
  void Release(sqlite3_stmt* stmt) {
    if (stmt == nullptr) return;
    for (auto& [sql, entry] : entries_) {
      if (entry.stmt == stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
        entry.in_use = false;
        return;
      }
    }
    sqlite3_finalize(stmt);  // a private copy
  }

 private:
  struct Entry {
    sqlite3_stmt* stmt;
    bool in_use;
  };
  sqlite3* db_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// A statement from the cache, handed back on scope exit. Binding is 1-based, as in SQLite.
class Statement {
 public:
  Statement(StatementCache* cache, std::string_view sql) : cache_(cache), db_(cache->db()) {
    stmt_ = cache->Acquire(sql, &rc_);
  }
  ~Statement() { cache_->Release(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Status prepared() const { return SqliteStatus(db_, rc_, "prepare"); }
  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, double v) {
    sqlite3_bind_double(stmt_, i, v);
    return *this;
  }
  Statement& Bind(int i, const std::string& v) { return Bind(i, std::string_view{v}); }
  Statement& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, const std::optional<std::string>& v) {
    if (v) return Bind(i, std::string_view{*v});
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& Bind(int i, const std::optional<int64_t>& v) {
    if (v) return Bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  Statement& Bind(int i, const std::optional<double>& v) {
    if (v) return Bind(i, *v);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // SQLITE_ROW → true, SQLITE_DONE → false, anything else an error.
  Result<bool> Step(std::string_view what) {
    SWHA_RETURN_IF_ERROR(prepared());
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return SqliteStatus(db_, sqlite3_extended_errcode(db_), what);
  }
  Status Run(std::string_view what) {
    auto r = Step(what);
    return r.ok() ? Status::Ok() : r.status();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  bool Bool(int col) const { return Int(col) != 0; }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p == nullptr ? std::string() : std::string(p, sqlite3_column_bytes(stmt_, col));
  }
  std::optional<std::string> OptionalText(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Text(col);
  }
  std::optional<int64_t> OptionalInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }

 private:
  StatementCache* cache_;
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_OK;
};

}  // namespace swha::catalog
