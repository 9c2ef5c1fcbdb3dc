// A real PostgreSQL for tests and benchmarks: a throw-away cluster started with
// scripts/pg-test-server.sh (initdb + pg_ctl, 127.0.0.1 only). Starting fails loudly;
// nothing here ever skips.
#pragma once

#include <map>
#include <string>

#include "util/status.h"

namespace swha::testing {

// Not thread-safe; one owner.
class PgServer {
 public:
  // Uses a new directory under /tmp; nothing runs until Start().
  PgServer();
  // Stops the server and removes the directory.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Creates the cluster on first use (on a free port), or restarts a stopped one with its
  // data; waits until it accepts connections. The error carries the end of the script's log.
  Status Start();
  // Fast shutdown: open sessions are ended, the port then refuses connections.
  Status Stop();
  // Stops it and removes its directory now, as the destructor would (for a process that is
  // about to exit without running destructors).
  void Discard();

  // postgresql://…/<database> for a new, empty database of that name (a fresh one for each
  // test keeps tests apart without a new cluster each). AlreadyExists if it exists.
  Result<std::string> CreateDatabase(const std::string& name);
  // The URL of `database` (which may not exist yet).
  std::string UrlOf(const std::string& database) const;
  // The maintenance database's URL (database "postgres").
  const std::string& admin_url() const { return admin_url_; }

 private:
  std::string root_;  // removed on destruction
  std::string dir_;   // the cluster's directory, under root_
  int port_;          // on 127.0.0.1, kept across restarts
  std::string admin_url_;
  bool started_once_ = false;
};

// The cluster every test of this process shares: started on first use, stopped at exit.
// *start_status is why it did not start; each test that needs it then fails with it.
PgServer& SharedPgServer(Status* start_status);

// A new database on the shared cluster, named after `prefix`, the process and a counter;
// its URL, or why there is none.
Result<std::string> CreateSharedPgDatabase(const std::string& prefix);

// The URL of database `name` on the shared cluster, creating it unless it exists: a server
// restarted on the same data directory finds its catalog again.
Result<std::string> SharedPgDatabase(const std::string& name);

// When this process runs with SWHA_TEST_CATALOG=postgres (the API suites' PostgreSQL run),
// adds DATABASE_URL for a database of the shared cluster that belongs to `data_dir`, unless
// `env` already sets one. Without PostgreSQL it sets an unusable URL, so the child fails
// loudly rather than quietly use SQLite.
void UseTestCatalog(const std::string& data_dir, std::map<std::string, std::string>* env);

}  // namespace swha::testing
