// What only the PostgreSQL catalog has to get right: instances starting together, a database
// that restarts under a running service, and errors that never show the password. The shared
// contract is in catalog_test.cc.
#include "catalog/pg_catalog.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <thread>
#include <vector>

#include "catalog/catalog_testing.h"
#include "catalog/schema.h"
#include "tests/support/pg_server.h"

namespace swha::catalog {
namespace {

// The result of one query on `url`, as text ("" on any error).
std::string QueryText(const std::string& url, const std::string& sql) {
  PGconn* conn = PQconnectdb(url.c_str());
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out =
      PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(conn);
  return out;
}

TEST(PgCatalogTest, InstancesStartingTogetherApplyEachMigrationOnce) {
  auto url = testing::CreateSharedPgDatabase("pg_migrate");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  constexpr int kInstances = 6;
  std::vector<Status> results(kInstances);
  std::vector<std::thread> threads;
  threads.reserve(kInstances);
  for (int i = 0; i < kInstances; ++i) {
    threads.emplace_back([&, i] {
      auto c = OpenPostgresCatalog({.url = *url, .max_connections = 1});
      results[i] = c.status();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(
      QueryText(*url, "SELECT count(*) || ':' || count(DISTINCT version) FROM schema_version"),
      std::to_string(LatestSchemaVersion()) + ":" + std::to_string(LatestSchemaVersion()));
}

TEST(PgCatalogTest, ARestartedDatabaseIsUsedAgainWithoutReopeningTheCatalog) {
  Status started;
  testing::PgServer& server = testing::SharedPgServer(&started);
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto url = testing::CreateSharedPgDatabase("pg_restart");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto catalog = OpenPostgresCatalog({.url = *url, .max_connections = 3});
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  // Three connections open and idle in the pool.
  {
    std::vector<std::thread> threads;
    threads.reserve(3);
    for (int i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] {
        EXPECT_TRUE((*catalog)->CreateUser(NewTestUser("before" + std::to_string(i))).ok());
      });
    }
    for (auto& t : threads) t.join();
  }

  ASSERT_TRUE(server.Stop().ok());
  auto down = (*catalog)->FindUserByUsername("before0");
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status().ToString();
  ASSERT_TRUE(server.Start().ok());

  // No request after the restart fails: dropped connections are noticed before use.
  for (int i = 0; i < 6; ++i) {
    auto found = (*catalog)->FindUserByUsername("before" + std::to_string(i % 3));
    EXPECT_TRUE(found.ok()) << found.status().ToString();
  }
  EXPECT_TRUE((*catalog)->CreateUser(NewTestUser("after")).ok());
}

TEST(PgCatalogTest, ConnectionErrorsAreUnavailableAndNeverShowThePassword) {
  Status started;
  testing::PgServer& server = testing::SharedPgServer(&started);
  ASSERT_TRUE(started.ok()) << started.ToString();
  // The right user with a wrong password.
  std::string url = server.admin_url();
  const std::string right_password =
      url.substr(url.find(':', 14) + 1, url.find('@') - url.find(':', 14) - 1);
  ASSERT_FALSE(right_password.empty());
  const std::string wrong_password = "not-the-password-7f3a";
  url.replace(url.find(right_password), right_password.size(), wrong_password);
  auto refused = OpenPostgresCatalog({.url = url, .max_connections = 1});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(refused.status().message().find(wrong_password), std::string::npos)
      << refused.status().message();
  // Nothing listening.
  auto closed =
      OpenPostgresCatalog({.url = "postgresql://swha:" + wrong_password + "@127.0.0.1:1/postgres",
                           .max_connections = 1});
  EXPECT_EQ(closed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(closed.status().message().find(wrong_password), std::string::npos);
  // A password that also occurs in the message, and in "<redacted>" itself: scrubbed, and the
  // scrubbing ends.
  auto short_password = OpenPostgresCatalog(
      {.url = "postgresql://swha:e@127.0.0.1:1/postgres", .max_connections = 1});
  EXPECT_EQ(short_password.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(short_password.status().message().find("<redacted>"), std::string::npos)
      << short_password.status().message();
  // URLs libpq cannot parse, whose errors would quote the password: an unencoded % in it,
  // an unclosed IPv6 bracket.
  for (const char* malformed : {"postgresql://swha:pa%ss-7f3a@127.0.0.1/postgres",
                                "postgresql://swha:pa%ss-7f3a@[::1/postgres"}) {
    auto bad = OpenPostgresCatalog({.url = malformed, .max_connections = 1});
    ASSERT_FALSE(bad.ok()) << malformed;
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
    EXPECT_EQ(bad.status().message().find("ss-7f3a"), std::string::npos) << bad.status().message();
  }
}

TEST(PgCatalogTest, TextWithANulIsRefusedNotCutShort) {
  auto url = testing::CreateSharedPgDatabase("pg_nul");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto catalog = OpenPostgresCatalog({.url = *url, .max_connections = 1});
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  User u = NewTestUser("nul");
  u.bio = std::string("before\0after", 12);
  EXPECT_EQ((*catalog)->CreateUser(u).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*catalog)->FindUserByUsername("nul").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace swha::catalog
