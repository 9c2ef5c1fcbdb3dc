#include "catalog/pg_connection.h"

#include <poll.h>

#include <array>
#include <charconv>
#include <cstdlib>

#include "catalog/limits.h"
#include "catalog/schema.h"

namespace swha::catalog {
namespace {

// Every statement is a few rows: one that runs longer is stuck (a lock, a sick server), and
// holds an HTTP thread and a pooled connection meanwhile.
//
// Commits are asynchronous by default: the WAL is flushed within a fraction of a second, not
// before COMMIT returns (for session records that fsync was most of a generate's cost with
// the catalog, see docs/performance.md); a database crash in that window loses those rows,
// not consistency. Account writes opt back in (DurableQuery).
constexpr std::string_view kServerOptions =
    "-c statement_timeout=30000 -c lock_timeout=30000 -c synchronous_commit=off";
// A server that vanished without closing the connection (a failover, a dropped route) is given
// up on after this long rather than the kernel's retransmission timeout (~15 minutes).
constexpr std::string_view kTcpUserTimeoutMs = "30000";
constexpr std::string_view kKeepalivesIdleSeconds = "30";
constexpr std::string_view kKeepalivesIntervalSeconds = "10";
constexpr std::string_view kKeepalivesCount = "3";

// SQLSTATE classes and codes that mean "the server cannot do it (now)", not "the query is
// wrong": connection exceptions (08…), shutdown in progress (57P01–57P03), too many
// connections (53300), a statement cancelled by statement_timeout (57014), a lock not granted
// in time (55P03), a read-only server after a failover (25006), an idle session timed out
// (57P05).
bool IsUnavailableState(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "53300" || state == "57014" || state == "55P03" || state == "25006" ||
         state == "57P05";
}

// Of these the connection itself is no use any more, though it still looks open: a read-only
// server stays read-only, a timed-out session is closed by the server.
bool PoisonsConnection(std::string_view state) { return state == "25006" || state == "57P05"; }

// The password in a libpq URI or key=value string, "" if none: messages are scrubbed of it,
// because libpq echoes parts of a malformed URI in its errors.
std::string PasswordIn(const std::string& url) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  PQfreemem(error);
  std::string password;
  for (PQconninfoOption* o = options; o != nullptr && o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(options);
  return password;
}

std::string Scrubbed(std::string message, const std::string& secret) {
  if (secret.empty()) return message;
  constexpr std::string_view kRedacted = "<redacted>";
  // Searching on after the replacement: the secret may itself occur in "<redacted>".
  for (size_t at = message.find(secret); at != std::string::npos;
       at = message.find(secret, at + kRedacted.size())) {
    message.replace(at, secret.size(), kRedacted);
  }
  return message;
}

std::string FirstLine(const char* text) {
  std::string s = text == nullptr ? "" : text;
  const size_t eol = s.find('\n');
  if (eol != std::string::npos) s.resize(eol);
  return s;
}

}  // namespace

Status PgPoolConfig::Validate() const {
  if (url.empty()) return Status::InvalidArgument("DATABASE_URL is empty");
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  PQfreemem(error);  // it may quote the URL, password included: never shown
  const bool parsed = options != nullptr;
  PQconninfoFree(options);
  if (!parsed) {
    return Status::InvalidArgument(
        "DATABASE_URL is not a valid PostgreSQL connection URI (percent-encode special "
        "characters in the password, e.g. % as %25)");
  }
  if (max_connections < 1 || max_connections > kMaxDatabaseConnections) {
    return Status::InvalidArgument("the pool needs 1 to " +
                                   std::to_string(kMaxDatabaseConnections) + " connections");
  }
  if (acquire_timeout.count() < 0 || connect_timeout_seconds < 1) {
    return Status::InvalidArgument("pool timeouts must be positive");
  }
  return Status::Ok();
}

std::string PgPoolConfig::ToString() const {
  return "max_connections=" + std::to_string(max_connections) +
         " acquire_timeout_ms=" + std::to_string(acquire_timeout.count()) +
         " connect_timeout_s=" + std::to_string(connect_timeout_seconds);
}

PgParams& PgParams::Add(int64_t v) {
  values_.emplace_back(std::to_string(v));
  return *this;
}

std::string PgDoubleText(double v) {
  std::array<char, 32> buf{};
  const auto [end, error] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  return std::string(buf.data(), error == std::errc() ? end : buf.data());
}

PgParams& PgParams::Add(double v) {
  values_.emplace_back(PgDoubleText(v));
  return *this;
}

PgParams& PgParams::Add(const std::optional<double>& v) {
  if (!v) {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  return Add(*v);
}

PgParams& PgParams::Add(bool v) {
  values_.emplace_back(v ? "true" : "false");
  return *this;
}

PgParams& PgParams::Add(std::string_view v) {
  if (v.find('\0') != std::string_view::npos) has_nul_ = true;
  values_.emplace_back(std::string(v));
  return *this;
}

PgParams& PgParams::Add(const std::optional<std::string>& v) {
  if (v && v->find('\0') != std::string::npos) has_nul_ = true;
  values_.push_back(v);
  return *this;
}

PgParams& PgParams::Add(const std::optional<int64_t>& v) {
  if (v) return Add(*v);
  values_.emplace_back(std::nullopt);
  return *this;
}

PgParams& PgParams::Add(std::optional<bool> v) {
  if (v) return Add(*v);
  values_.emplace_back(std::nullopt);
  return *this;
}

std::vector<const char*> PgParams::Pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

int64_t PgRows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n == nullptr || *n == '\0' ? 0 : std::strtoll(n, nullptr, 10);
}

std::string PgRows::Row::Text(int col) const {
  return std::string(PQgetvalue(r_, row_, col), PQgetlength(r_, row_, col));
}

int64_t PgRows::Row::Int(int col) const {
  return std::strtoll(PQgetvalue(r_, row_, col), nullptr, 10);
}

double PgRows::Row::Double(int col) const {
  return std::strtod(PQgetvalue(r_, row_, col), nullptr);
}

bool PgRows::Row::Bool(int col) const { return PQgetvalue(r_, row_, col)[0] == 't'; }

std::optional<std::string> PgRows::Row::OptionalText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> PgRows::Row::OptionalInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const PgPoolConfig& config) {
  // Ours first: with expand_dbname, what the URL itself says overrides them.
  const std::string timeout = std::to_string(config.connect_timeout_seconds);
  const std::array<const char*, 9> keys = {
      "connect_timeout",  "application_name", "options",
      "tcp_user_timeout", "keepalives_idle",  "keepalives_interval",
      "keepalives_count", "dbname",           nullptr};
  const std::array<const char*, 9> values = {timeout.c_str(),
                                             "swha-tts",
                                             kServerOptions.data(),
                                             kTcpUserTimeoutMs.data(),
                                             kKeepalivesIdleSeconds.data(),
                                             kKeepalivesIntervalSeconds.data(),
                                             kKeepalivesCount.data(),
                                             config.url.c_str(),
                                             nullptr};
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return Status::Unavailable("PostgreSQL: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's reason names the host and the user; the password is scrubbed in case a part of
    // the URL is quoted.
    Status s =
        Status::Unavailable("cannot connect to PostgreSQL: " +
                            Scrubbed(FirstLine(PQerrorMessage(conn)), PasswordIn(config.url)));
    PQfinish(conn);
    return s;
  }
  // Notices ("relation already exists, skipping") are not errors; libpq would print them on
  // stderr, outside the service's log.
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

bool PgConnection::healthy() {
  if (PQstatus(conn_) != CONNECTION_OK) return false;
  // An idle connection has nothing to read (we listen for no notifications) unless the server
  // is saying goodbye: a shutdown or a terminated backend sends an error, then closes. Such a
  // connection is replaced now rather than failing the next query; so, rarely, is one that
  // only got an unasked-for status message.
  pollfd pfd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
  return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

bool PgConnection::reusable() {
  return !poisoned_ && healthy() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
}

// The one place libpq's results become a Status.
Result<PgRows> PgConnection::Check(PGresult* result, std::string_view what) {
  PgRows rows(result);  // owns it from here
  const ExecStatusType status = result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return rows;
  const char* state_field =
      result == nullptr ? nullptr : PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const std::string state = state_field == nullptr ? "" : state_field;
  const std::string detail = result == nullptr
                                 ? FirstLine(PQerrorMessage(conn_))
                                 : FirstLine(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
  const std::string message =
      std::string(what) + ": " +
      (!detail.empty()                    ? detail
       : PQstatus(conn_) != CONNECTION_OK ? "the connection to PostgreSQL was lost"
                                          : "PostgreSQL reported an error without a message");
  if (state == "23505") {
    const char* constraint = PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME);
    return Status::AlreadyExists(message,
                                 UniqueFieldOfIndex(constraint == nullptr ? "" : constraint));
  }
  if (PoisonsConnection(state)) poisoned_ = true;
  if (IsUnavailableState(state) || PQstatus(conn_) != CONNECTION_OK) {
    return Status::Unavailable(message);
  }
  return Status::Internal(message);
}

Result<PgRows> PgConnection::Query(std::string_view sql, const PgParams& params,
                                   std::string_view what) {
  // libpq's text parameters end at a NUL: the value would be cut short without a word.
  if (params.has_nul()) {
    return Status::InvalidArgument(std::string(what) + ": text with a NUL character");
  }
  std::string key(sql);
  auto it = statement_names_.find(key);
  if (it == statement_names_.end()) {
    std::string name = "swha_" + std::to_string(statement_names_.size());
    SWHA_RETURN_IF_ERROR(
        Check(PQprepare(conn_, name.c_str(), key.c_str(), params.size(), nullptr), what).status());
    it = statement_names_.emplace(std::move(key), std::move(name)).first;
  }
  const std::vector<const char*> values = params.Pointers();
  return Check(PQexecPrepared(conn_, it->second.c_str(), params.size(), values.data(), nullptr,
                              nullptr, /*resultFormat=*/0),
               what);
}

Result<PgRows> PgConnection::DurableQuery(std::string_view sql, const PgParams& params,
                                          std::string_view what) {
  std::optional<PgRows> rows;
  SWHA_RETURN_IF_ERROR(InTransaction(
      what,
      [&]() -> Status {
        auto result = Query(sql, params, what);
        if (!result.ok()) return result.status();
        rows.emplace(std::move(*result));
        return Status::Ok();
      },
      "BEGIN; SET LOCAL synchronous_commit TO on"));
  return std::move(*rows);
}

Status PgConnection::Exec(std::string_view sql, std::string_view what) {
  return Check(PQexec(conn_, std::string(sql).c_str()), what).status();
}

Result<PgPool::Lease> PgPool::Acquire() {
  std::vector<std::unique_ptr<PgConnection>> dead;  // closed after the lock is released
  std::unique_lock<std::mutex> lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + config_.acquire_timeout;
  while (true) {
    while (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      if (conn->reusable()) return Lease(this, std::move(conn));
      --open_;  // the server closed it
      dead.push_back(std::move(conn));
    }
    if (open_ < config_.max_connections) {
      ++open_;
      lock.unlock();  // connecting takes a round trip or more; others may return meanwhile
      dead.clear();
      auto conn = PgConnection::Open(config_);
      if (!conn.ok()) {
        lock.lock();
        --open_;
        returned_.notify_one();
        return conn.status();
      }
      return Lease(this, std::move(*conn));
    }
    if (returned_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= config_.max_connections) {
      return Status::Unavailable("all " + std::to_string(config_.max_connections) +
                                 " PostgreSQL connections stayed busy");
    }
  }
}

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  // Closed by the server, poisoned, or left inside a transaction: dropped, and the next
  // Acquire opens another. PQfinish may block on the socket, so outside the lock.
  if (!conn->reusable()) {
    conn.reset();
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    returned_.notify_one();
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(std::move(conn));
  returned_.notify_one();
}

}  // namespace swha::catalog
