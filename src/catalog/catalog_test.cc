// The catalog contract, run against every implementation.
#include "catalog/catalog.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <thread>

#include "catalog/schema.h"
#include "util/file_system.h"

namespace swha::catalog {
namespace {

class SqliteCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-catalog-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/swha.db";
    auto c = OpenSqliteCatalog(path_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  void TearDown() override {
    catalog_.reset();
    (void)RemoveTree(FileSystem::Default(), dir_);
  }

  static User NewUser(const std::string& name) {
    User u;
    u.username = name;
    u.email = name + "@example.com";
    u.password_hash = "$argon2id$stand-in";
    u.created_at = 1000;
    return u;
  }
  static SessionRecord NewSession(std::string id, std::string owner, int64_t created_ms) {
    SessionRecord r;
    r.session_id = std::move(id);
    r.owner = std::move(owner);
    r.created_at_ms = created_ms;
    r.voice = "af_heart";
    r.language_code = "a";
    r.speed = 1.25;
    r.split_pattern = "\\n+";
    r.text_length = 12;
    SegmentRecord seg;
    seg.index = 0;
    seg.filename = "segment_000.wav";
    seg.graphemes = "Hello world.";
    seg.phonemes = "həlˈoʊ wˈɜːld";
    seg.duration_seconds = 1.5;
    seg.byte_size = 7244;
    seg.sha256_hex = std::string(64, 'a');
    seg.location = storage::Location::kLocalAndS3;
    seg.s3_key = "audio/users/7/" + r.session_id + "/segment_000.wav";
    r.segments.push_back(seg);
    seg.index = 1;
    seg.filename = "segment_001.wav";
    seg.location = storage::Location::kLocal;
    seg.s3_key.reset();
    r.segments.push_back(seg);
    return r;
  }

  std::string dir_;
  std::string path_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(SqliteCatalogTest, UsersAreCreatedFoundUpdatedAndDeleted) {
  auto alice = catalog_->CreateUser(NewUser("alice"));
  ASSERT_TRUE(alice.ok()) << alice.status().ToString();
  EXPECT_GT(alice->id, 0);
  auto found = catalog_->FindUserByUsername("ALICE");  // case does not matter
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, alice->id);
  EXPECT_EQ(found->email, "alice@example.com");
  EXPECT_FALSE(found->updated_at.has_value());
  EXPECT_FALSE(found->full_name.has_value());

  ASSERT_TRUE(catalog_->UpdateProfile(alice->id, {.full_name = "Alice Liddell"}, 2000).ok());
  ASSERT_TRUE(catalog_->SetPassword(alice->id, "$argon2id$new", 2001).ok());
  auto flags = catalog_->SetUserFlags(alice->id, false, std::nullopt, 2002);
  ASSERT_TRUE(flags.ok());
  auto reread = catalog_->FindUserById(alice->id);
  ASSERT_TRUE(reread.ok());
  // Each write kept what the others wrote.
  EXPECT_EQ(reread->full_name, "Alice Liddell");
  EXPECT_EQ(reread->email, "alice@example.com");
  EXPECT_EQ(reread->password_hash, "$argon2id$new");
  EXPECT_EQ(reread->token_version, 1);
  EXPECT_FALSE(reread->is_active);
  EXPECT_FALSE(reread->is_superuser);
  EXPECT_EQ(reread->updated_at, 2002);
  EXPECT_EQ(catalog_->SetPassword(9999, "x", 1).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(catalog_->DeleteUser(alice->id).ok());
  EXPECT_EQ(catalog_->FindUserById(alice->id).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(catalog_->DeleteUser(alice->id).code(), StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, UsernamesAndEmailsAreUniqueWhateverTheirCase) {
  ASSERT_TRUE(catalog_->CreateUser(NewUser("bob")).ok());
  User same_name = NewUser("BOB");
  same_name.email = "other@example.com";
  EXPECT_EQ(catalog_->CreateUser(same_name).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog_->CreateUser(same_name).status().field(), "username");
  User same_email = NewUser("robert");
  same_email.email = "Bob@Example.com";
  EXPECT_EQ(catalog_->CreateUser(same_email).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog_->CreateUser(same_email).status().field(), "email");
}

TEST_F(SqliteCatalogTest, ConcurrentRegistrationsOfOneNameLetExactlyOneThrough) {
  std::atomic<int> created{0};
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  threads.reserve(20);
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      User u = NewUser("carol");
      u.email = "carol" + std::to_string(i) + "@example.com";
      auto r = catalog_->CreateUser(u);
      if (r.ok()) ++created;
      if (r.status().code() == StatusCode::kAlreadyExists) ++taken;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(taken.load(), 19);
}

TEST_F(SqliteCatalogTest, SessionsKeepEveryFieldOfTheirSegments) {
  const SessionRecord r = NewSession("1_7_aa", "7", 5000);
  ASSERT_TRUE(catalog_->RecordSession(r).ok());
  auto got = catalog_->GetSession("1_7_aa");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->owner, "7");
  EXPECT_EQ(got->created_at_ms, 5000);
  EXPECT_EQ(got->speed, 1.25);
  EXPECT_EQ(got->split_pattern, "\\n+");
  EXPECT_EQ(got->text_length, 12);
  ASSERT_EQ(got->segments.size(), 2u);
  EXPECT_EQ(got->segments[0].phonemes, "həlˈoʊ wˈɜːld");
  EXPECT_EQ(got->segments[0].location, storage::Location::kLocalAndS3);
  EXPECT_EQ(got->segments[0].s3_key, r.segments[0].s3_key);
  EXPECT_EQ(got->segments[1].location, storage::Location::kLocal);
  EXPECT_FALSE(got->segments[1].s3_key.has_value());
  EXPECT_EQ(got->segments[1].byte_size, 7244);
  EXPECT_EQ(catalog_->RecordSession(r).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog_->GetSession("nope").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, ListingIsNewestFirstPagedAndStableUnderInserts) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(catalog_->RecordSession(NewSession("s" + std::to_string(i), "7", 1000 + i)).ok());
  }
  ASSERT_TRUE(catalog_->RecordSession(NewSession("theirs", "8", 2000)).ok());
  auto page = catalog_->ListSessions("7", 2, std::nullopt);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->sessions.size(), 2u);
  EXPECT_EQ(page->sessions[0].session_id, "s4");
  EXPECT_EQ(page->sessions[1].session_id, "s3");
  EXPECT_EQ(page->sessions[0].segments.size(), 2u);
  ASSERT_TRUE(page->next_cursor.has_value());
  // A session made between two pages does not shift the next one.
  ASSERT_TRUE(catalog_->RecordSession(NewSession("s5", "7", 3000)).ok());
  page = catalog_->ListSessions("7", 2, *page->next_cursor);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->sessions.size(), 2u);
  EXPECT_EQ(page->sessions[0].session_id, "s2");
  EXPECT_EQ(page->sessions[1].session_id, "s1");
  page = catalog_->ListSessions("7", 2, *page->next_cursor);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(page->sessions[0].session_id, "s0");
  EXPECT_FALSE(page->next_cursor.has_value());
  EXPECT_EQ(catalog_->ListSessions("7", 2, "garbage").status().field(), "cursor");
  EXPECT_EQ(catalog_->ListSessions("9", 2, std::nullopt)->sessions.size(), 0u);
}

TEST_F(SqliteCatalogTest, OldSessionsByOwnerOrEveryone) {
  ASSERT_TRUE(catalog_->RecordSession(NewSession("old7", "7", 1000)).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("old8", "8", 1000)).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("new7", "7", 9000)).ok());
  auto mine = catalog_->SessionsCreatedBefore("7", 5000);
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].session_id, "old7");
  EXPECT_EQ((*mine)[0].segments.size(), 2u);
  EXPECT_EQ(catalog_->SessionsCreatedBefore(std::nullopt, 5000)->size(), 2u);
}

TEST_F(SqliteCatalogTest, ConcurrentDeletesOfOneSessionSucceedOnce) {
  ASSERT_TRUE(catalog_->RecordSession(NewSession("doomed", "7", 1000)).ok());
  std::atomic<int> deleted{0};
  std::atomic<int> missing{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Status s = catalog_->DeleteSession("doomed");
      if (s.ok()) ++deleted;
      if (s.code() == StatusCode::kNotFound) ++missing;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(deleted.load(), 1);
  EXPECT_EQ(missing.load(), 7);
  EXPECT_EQ(catalog_->GetSession("doomed").status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteCatalogTest, DataSurvivesReopeningAndMigrationsRunOnce) {
  ASSERT_TRUE(catalog_->CreateUser(NewUser("dave")).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("kept", "7", 1000)).ok());
  catalog_.reset();
  auto reopened = OpenSqliteCatalog(path_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->FindUserByUsername("dave").ok());
  EXPECT_TRUE((*reopened)->GetSession("kept").ok());
}

TEST_F(SqliteCatalogTest, ApiKeysAreFoundByHashScopedToTheirUserAndGoWithIt) {
  auto user = catalog_->CreateUser(NewUser("erin"));
  auto other = catalog_->CreateUser(NewUser("frank"));
  ASSERT_TRUE(user.ok() && other.ok());
  ApiKey k;
  k.user_id = user->id;
  k.name = "ci";
  k.prefix = "swha_abcdefg";
  k.key_sha256 = std::string(64, 'b');
  k.created_at = 1000;
  k.expires_at = 5000;
  auto created = catalog_->CreateApiKey(k);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto found = catalog_->FindApiKeyByHash(std::string(64, 'b'));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, created->id);
  EXPECT_EQ(found->expires_at, 5000);
  EXPECT_FALSE(found->last_used_at.has_value());
  ASSERT_TRUE(catalog_->TouchApiKey(found->id, 2000).ok());
  EXPECT_EQ(catalog_->ListApiKeys(user->id)->at(0).last_used_at, 2000);
  EXPECT_EQ(catalog_->DeleteApiKey(other->id, created->id).code(), StatusCode::kNotFound);
  EXPECT_EQ(catalog_->ListApiKeys(other->id)->size(), 0u);
  ASSERT_TRUE(catalog_->DeleteUser(user->id).ok());
  EXPECT_EQ(catalog_->FindApiKeyByHash(std::string(64, 'b')).status().code(),
            StatusCode::kNotFound);
}

// A database made by the first release (schema 1, no API keys) is upgraded in place.
TEST_F(SqliteCatalogTest, AnOldSchemaIsUpgradedKeepingItsData) {
  catalog_.reset();
  const std::string old_path = dir_ + "/old.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(old_path.c_str(), &db), SQLITE_OK);
  const std::string v1 = std::string(Migrations()[0].sqlite) +
                         "CREATE TABLE schema_version (version INTEGER NOT NULL);"
                         "INSERT INTO schema_version VALUES (1);"
                         "INSERT INTO users (username, email, password_hash, created_at) "
                         "VALUES ('olduser', 'old@example.com', 'h', 1);";
  ASSERT_EQ(sqlite3_exec(db, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto upgraded = OpenSqliteCatalog(old_path);
  ASSERT_TRUE(upgraded.ok()) << upgraded.status().ToString();
  auto user = (*upgraded)->FindUserByUsername("olduser");
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE((*upgraded)->ListApiKeys(user->id).ok());  // the table schema 2 adds
  ASSERT_GE(LatestSchemaVersion(), 2);
}

TEST_F(SqliteCatalogTest, ADatabaseFromANewerReleaseIsRefused) {
  catalog_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  const std::string sql = "INSERT INTO schema_version (version) VALUES (" +
                          std::to_string(LatestSchemaVersion() + 1) + ")";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto refused = OpenSqliteCatalog(path_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("newer than this swha-tts knows"), std::string::npos)
      << refused.status().message();
}

TEST_F(SqliteCatalogTest, AnUnopenablePathIsAnErrorNotACrash) {
  auto r = OpenSqliteCatalog(dir_ + "/no/such/dir/swha.db");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace swha::catalog
