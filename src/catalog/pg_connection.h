// PostgreSQL through libpq: one connection with its prepared statements, and a small pool of
// them that replaces connections the server has dropped (a restart, a failover), so the
// service answers again without being restarted itself.
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/status.h"

namespace swha::catalog {

struct PgPoolConfig {
  std::string url;  // postgresql://… (a libpq URI); its password is secret
  int max_connections = 8;
  // How long a caller waits for a connection when all are busy before Unavailable.
  std::chrono::milliseconds acquire_timeout{10000};
  int connect_timeout_seconds = 5;

  // The URL must parse as libpq's; the message never quotes it.
  Status Validate() const;
  std::string ToString() const;  // the pool's sizes and timeouts, not the URL
};

// The shortest text that PostgreSQL reads back as the same double.
std::string PgDoubleText(double v);

// Positional parameters ($1, $2, …) in libpq's text format; nullopt is SQL NULL.
class PgParams {
 public:
  PgParams& Add(int64_t v);
  PgParams& Add(int v) { return Add(int64_t{v}); }
  PgParams& Add(double v);  // shortest text that reads back as the same double
  PgParams& Add(bool v);
  PgParams& Add(std::string_view v);
  PgParams& Add(const std::string& v) { return Add(std::string_view{v}); }
  PgParams& Add(const char* v) { return Add(std::string_view{v}); }
  PgParams& Add(const std::optional<std::string>& v);
  PgParams& Add(const std::optional<int64_t>& v);
  PgParams& Add(const std::optional<double>& v);
  PgParams& Add(std::optional<bool> v);

  int size() const { return static_cast<int>(values_.size()); }
  // A value holds a NUL character, which libpq's text format cannot carry.
  bool has_nul() const { return has_nul_; }
  // Pointers into this object; valid while it lives and is not added to.
  std::vector<const char*> Pointers() const;

 private:
  std::vector<std::optional<std::string>> values_;
  bool has_nul_ = false;
};

// A query's rows; columns are read by 0-based index, in the row accessor shape of
// catalog/rows.h.
class PgRows {
 public:
  explicit PgRows(PGresult* result) : result_(result) {}
  int size() const { return PQntuples(result_.get()); }
  int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched

  class Row {
   public:
    Row(const PGresult* r, int row) : r_(r), row_(row) {}
    bool IsNull(int col) const { return PQgetisnull(r_, row_, col) != 0; }
    std::string Text(int col) const;
    int64_t Int(int col) const;
    double Double(int col) const;
    bool Bool(int col) const;
    std::optional<std::string> OptionalText(int col) const;
    std::optional<int64_t> OptionalInt(int col) const;

   private:
    const PGresult* r_;
    int row_;
  };
  Row row(int i) const { return Row(result_.get(), i); }

 private:
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

class PgConnection {
 public:
  // Connects; Unavailable (with libpq's reason, which holds no password) when it cannot.
  static Result<std::unique_ptr<PgConnection>> Open(const PgPoolConfig& config);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement, prepared on this connection the first time it is seen.
  Result<PgRows> Query(std::string_view sql, const PgParams& params, std::string_view what);
  // Query in a transaction committed synchronously (the WAL flushed before it returns),
  // whatever the connection's default: for writes that must outlive a database crash, such as
  // a password change or a revoked key.
  Result<PgRows> DurableQuery(std::string_view sql, const PgParams& params, std::string_view what);
  // Runs statements without parameters (several, separated by ';', are allowed).
  Status Exec(std::string_view sql, std::string_view what);

  // Runs `body` between `begin` and COMMIT; rolls back when it or the COMMIT fails.
  template <typename Body>
  Status InTransaction(std::string_view what, const Body& body, std::string_view begin = "BEGIN") {
    SWHA_RETURN_IF_ERROR(Exec(begin, what));
    Status s = body();
    if (s.ok()) s = Exec("COMMIT", what);
    if (!s.ok() && healthy()) (void)Exec("ROLLBACK", what);
    return s;
  }

  // False once the server has closed the connection (checked without blocking): it must be
  // replaced, not reused.
  bool healthy();
  // Healthy and outside any transaction.
  bool reusable();

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  Result<PgRows> Check(PGresult* result, std::string_view what);

  PGconn* conn_;
  std::unordered_map<std::string, std::string> statement_names_;  // SQL → prepared name
  bool poisoned_ = false;  // the server made it useless (read-only, timed out)
};

class PgPool {
 public:
  explicit PgPool(PgPoolConfig config) : config_(std::move(config)) {}
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection on loan; it goes back to the pool when the lease ends, unless it broke.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (conn_ != nullptr) pool_->Return(std::move(conn_));
    }
    PgConnection* operator->() const { return conn_.get(); }
    PgConnection* get() const { return conn_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> conn_;
  };

  // An idle, live connection, or a new one while fewer than max_connections exist; otherwise
  // waits up to acquire_timeout. Unavailable when the server cannot be reached.
  Result<Lease> Acquire();

 private:
  void Return(std::unique_ptr<PgConnection> conn);

  const PgPoolConfig config_;
  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<PgConnection>> idle_;  // guarded by mu_
  int open_ = 0;  // connections that exist, idle or lent; guarded by mu_
};

}  // namespace swha::catalog
