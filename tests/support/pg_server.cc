#include "tests/support/pg_server.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>

#include "tests/support/server_process.h"

namespace swha::testing {
namespace {

std::string ScriptPath() {
  return (std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "scripts" /
          "pg-test-server.sh")
      .lexically_normal()
      .string();
}

bool IsPlainName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace

PgServer::PgServer() : root_(MakeTempDir()), dir_(root_ + "/pg"), port_(FreeLoopbackPort()) {
  // As root the cluster runs as its own user, which must be able to reach dir_.
  chmod(root_.c_str(), 0711);
}

PgServer::~PgServer() { Discard(); }

void PgServer::Discard() {
  (void)Stop();
  started_once_ = false;
  RemoveDirRecursively(root_);
}

Status PgServer::Start() {
  const std::string log = root_ + "/pg-test-server.log";
  int exit_code = 0;
  const std::string line =
      LastLine(RunShell("PG_TEST_PORT=" + std::to_string(port_) + " bash '" + ScriptPath() +
                            "' start '" + dir_ + "' 2>'" + log + "'",
                        &exit_code));
  constexpr std::string_view kPrefix = "PG_TEST_URL=";
  if (exit_code != 0 || !line.starts_with(kPrefix)) {
    return Status::Unavailable("pg-test-server.sh start " + dir_ + " failed (exit " +
                               std::to_string(exit_code) + "); end of its log:\n" +
                               ReadFileTail(log, 3000));
  }
  admin_url_ = line.substr(kPrefix.size());
  started_once_ = true;
  return Status::Ok();
}

Status PgServer::Stop() {
  if (!started_once_) return Status::Ok();
  int exit_code = 0;
  const std::string out =
      RunShell("bash '" + ScriptPath() + "' stop '" + dir_ + "' 2>&1", &exit_code);
  if (exit_code != 0) {
    return Status::Internal("pg-test-server.sh stop failed (exit " + std::to_string(exit_code) +
                            "): " + out);
  }
  return Status::Ok();
}

std::string PgServer::UrlOf(const std::string& database) const {
  const size_t slash = admin_url_.rfind('/');
  return admin_url_.substr(0, slash + 1) + database;
}

Result<std::string> PgServer::CreateDatabase(const std::string& name) {
  if (!IsPlainName(name)) return Status::InvalidArgument("database names here are [a-z0-9_]+");
  PGconn* conn = PQconnectdb(admin_url_.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = Status::Unavailable(std::string("cannot connect: ") + PQerrorMessage(conn));
    PQfinish(conn);
    return s;
  }
  PGresult* r = PQexec(conn, ("CREATE DATABASE " + name).c_str());
  Status s;
  if (PQresultStatus(r) != PGRES_COMMAND_OK) {
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    const std::string message = "CREATE DATABASE " + name + ": " + PQresultErrorMessage(r);
    s = state != nullptr && std::string(state) == "42P04" ? Status::AlreadyExists(message)
                                                          : Status::Internal(message);
  }
  PQclear(r);
  PQfinish(conn);
  if (!s.ok()) return s;
  return UrlOf(name);
}

PgServer& SharedPgServer(Status* start_status) {
  static PgServer server;
  static const Status status = server.Start();
  *start_status = status;
  return server;
}

Result<std::string> CreateSharedPgDatabase(const std::string& prefix) {
  static std::atomic<int> counter{0};
  Status started;
  PgServer& server = SharedPgServer(&started);
  SWHA_RETURN_IF_ERROR(started);
  return server.CreateDatabase(prefix + "_" + std::to_string(getpid()) + "_" +
                               std::to_string(counter++));
}

Result<std::string> SharedPgDatabase(const std::string& name) {
  Status started;
  PgServer& server = SharedPgServer(&started);
  SWHA_RETURN_IF_ERROR(started);
  auto url = server.CreateDatabase(name);
  if (url.status().code() == StatusCode::kAlreadyExists) return server.UrlOf(name);
  return url;
}

void UseTestCatalog(const std::string& data_dir, std::map<std::string, std::string>* env) {
  const char* mode = std::getenv("SWHA_TEST_CATALOG");
  if (mode == nullptr || std::string_view(mode) != "postgres" || env->count("DATABASE_URL") != 0) {
    return;
  }
  char name[32];
  std::snprintf(name, sizeof(name), "api_%016zx", std::hash<std::string>{}(data_dir));
  auto url = SharedPgDatabase(name);
  (*env)["DATABASE_URL"] = url.ok() ? *url : "postgresql://test-catalog-did-not-start/";
  if (!url.ok()) std::fprintf(stderr, "test catalog: %s\n", url.status().ToString().c_str());
}

}  // namespace swha::testing
