// The catalog contract, run against every implementation: SQLite in a temporary file, and
// PostgreSQL in a throw-away cluster (one per test process, a fresh database per test).
#include "catalog/catalog.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <latch>
#include <thread>

#include "catalog/catalog_testing.h"
#include "catalog/pg_catalog.h"
#include "catalog/schema.h"
#include "tests/support/pg_server.h"
#include "util/file_system.h"

namespace swha::catalog {
namespace {

// One implementation's database, made fresh for one test.
class Backend {
 public:
  virtual ~Backend() = default;
  // Opens (and migrates) the catalog on this test's database; each call opens it anew.
  virtual Result<std::unique_ptr<Catalog>> Open() = 0;
  // Runs SQL directly on the database, bypassing the catalog (to fake other releases).
  virtual Status Execute(const std::string& sql) = 0;
  // This implementation's dialect of a migration.
  virtual std::string_view Dialect(const Migration& m) const = 0;
};

class SqliteBackend : public Backend {
 public:
  SqliteBackend() {
    char tmpl[] = "/tmp/swha-catalog-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/swha.db";
  }
  ~SqliteBackend() override { (void)RemoveTree(FileSystem::Default(), dir_); }
  Result<std::unique_ptr<Catalog>> Open() override { return OpenSqliteCatalog(path_); }
  Status Execute(const std::string& sql) override {
    sqlite3* db = nullptr;
    int rc = sqlite3_open(path_.c_str(), &db);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
    Status s = rc == SQLITE_OK ? Status::Ok() : Status::Internal(sqlite3_errmsg(db));
    sqlite3_close(db);
    return s;
  }
  std::string_view Dialect(const Migration& m) const override { return m.sqlite; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::string path_;
};

class PostgresBackend : public Backend {
 public:
  PostgresBackend() {
    auto url = testing::CreateSharedPgDatabase("catalog_test");
    status_ = url.status();
    if (url.ok()) url_ = *url;
  }
  const Status& status() const { return status_; }
  const std::string& url() const { return url_; }
  Result<std::unique_ptr<Catalog>> Open() override {
    SWHA_RETURN_IF_ERROR(status_);
    return OpenPostgresCatalog({.url = url_, .max_connections = 4});
  }
  Status Execute(const std::string& sql) override {
    PGconn* conn = PQconnectdb(url_.c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    Status s = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK
                   ? Status::Ok()
                   : Status::Internal(PQerrorMessage(conn));
    PQclear(r);
    PQfinish(conn);
    return s;
  }
  std::string_view Dialect(const Migration& m) const override { return m.postgres; }

 private:
  Status status_;
  std::string url_;
};

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

class CatalogTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam()();
    auto c = backend_->Open();
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
  }
  void TearDown() override {
    catalog_.reset();
    backend_.reset();
  }

  static User NewUser(const std::string& name) { return NewTestUser(name); }
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

  static LipsyncJob NewJob(const std::string& id, const std::string& owner, int64_t now_ms) {
    LipsyncJob j;
    j.job_id = id;
    j.owner = owner;
    j.idempotency_key = "swha-" + id;
    j.request_body = R"({"model":"lipsync-2"})";
    j.sealed_api_key = "sealed:" + id;
    j.video_url = "https://example.com/v.mp4";
    j.audio_url = "https://s3.example.com/a.wav?X-Amz-Signature=ab";
    j.audio_url_type = "presigned_s3";
    j.model = "lipsync-2";
    j.sync_mode = "cut_off";
    j.output_filename = "clip_1";
    j.created_at_ms = now_ms;
    j.updated_at_ms = now_ms;
    j.next_poll_at_ms = now_ms;
    return j;
  }
  static LipsyncStatusUpdate StatusOf(const std::string& id, std::string status, int64_t now_ms) {
    LipsyncStatusUpdate u;
    u.job_id = id;
    u.status = std::move(status);
    u.now_ms = now_ms;
    return u;
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_P(CatalogTest, UsersAreCreatedFoundUpdatedAndDeleted) {
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

TEST_P(CatalogTest, UsernamesAndEmailsAreUniqueWhateverTheirCase) {
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

TEST_P(CatalogTest, ConcurrentRegistrationsOfOneNameLetExactlyOneThrough) {
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

TEST_P(CatalogTest, SessionsKeepEveryFieldOfTheirSegments) {
  SessionRecord r = NewSession("1_7_aa", "7", 5000);
  // Text that array literals and SQL quoting must carry unchanged.
  r.segments[1].graphemes = "He said \"hi\", {ok} \\ NULL 'x';";
  r.segments[1].duration_seconds = 0.1 + 0.2;
  r.segments[0].s3_target = "swha-audio@eu-west-1";
  r.segments[1].marks_filename = "segment_001.marks.json";
  Status recorded = catalog_->RecordSession(r);
  ASSERT_TRUE(recorded.ok()) << recorded.ToString();
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
  EXPECT_EQ(got->segments[0].s3_target, "swha-audio@eu-west-1");
  EXPECT_FALSE(got->segments[1].s3_target.has_value());
  EXPECT_FALSE(got->segments[0].marks_filename.has_value());
  EXPECT_EQ(got->segments[1].marks_filename, "segment_001.marks.json");
  EXPECT_EQ(got->segments[1].location, storage::Location::kLocal);
  EXPECT_FALSE(got->segments[1].s3_key.has_value());
  EXPECT_EQ(got->segments[1].byte_size, 7244);
  EXPECT_EQ(got->segments[1].graphemes, r.segments[1].graphemes);
  EXPECT_EQ(got->segments[1].duration_seconds, 0.1 + 0.2);  // exactly
  EXPECT_EQ(got->segments[0].graphemes, "Hello world.");
  EXPECT_EQ(catalog_->RecordSession(r).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog_->GetSession("nope").status().code(), StatusCode::kNotFound);
}

TEST_P(CatalogTest, ListingIsNewestFirstPagedAndStableUnderInserts) {
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

TEST_P(CatalogTest, OldSessionsByOwnerOrEveryone) {
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

// Each NewSession: segment 0 in both places (7244 bytes), segment 1 local only (7244 bytes).
TEST_P(CatalogTest, StorageUsageSumsEachOwnersSegmentsByPlace) {
  EXPECT_TRUE(catalog_->StorageUsage()->empty());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("a7", "7", 1000)).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("b7", "7", 2000)).ok());
  SessionRecord s3_only = NewSession("c8", "8", 3000);
  s3_only.segments.resize(1);
  s3_only.segments[0].location = storage::Location::kS3;
  s3_only.segments[0].byte_size = 100;
  ASSERT_TRUE(catalog_->RecordSession(s3_only).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("d-anon", "anonymous", 4000)).ok());
  auto usage = catalog_->StorageUsage();
  ASSERT_TRUE(usage.ok()) << usage.status().message();
  ASSERT_EQ(usage->size(), 3u);
  const OwnerUsage& seven = (*usage)[0];
  EXPECT_EQ(seven.owner, "7");
  EXPECT_EQ(seven.sessions, 2);
  EXPECT_EQ(seven.s3_objects, 2);
  EXPECT_EQ(seven.s3_bytes, 2 * 7244);
  EXPECT_EQ(seven.local_files, 4);
  EXPECT_EQ(seven.local_bytes, 4 * 7244);
  const OwnerUsage& eight = (*usage)[1];
  EXPECT_EQ(eight.owner, "8");
  EXPECT_EQ(eight.sessions, 1);
  EXPECT_EQ(eight.s3_objects, 1);
  EXPECT_EQ(eight.s3_bytes, 100);
  EXPECT_EQ(eight.local_files, 0);
  EXPECT_EQ(eight.local_bytes, 0);
  EXPECT_EQ((*usage)[2].owner, "anonymous");
  ASSERT_TRUE(catalog_->DeleteSession("b7").ok());
  EXPECT_EQ(catalog_->StorageUsage()->at(0).sessions, 1);
}

// NewSession: segment 0 in both places, segment 1 local only.
TEST_P(CatalogTest, ExpiredS3AudioLeavesLocalCopiesAndMarksSessionsWithoutOne) {
  ASSERT_TRUE(catalog_->RecordSession(NewSession("both", "7", 1000)).ok());
  SessionRecord s3_only = NewSession("s3only", "7", 2000);
  s3_only.segments[0].location = storage::Location::kS3;
  s3_only.segments[1].location = storage::Location::kS3;
  s3_only.segments[1].s3_key = "audio/users/7/s3only/segment_001.wav";
  ASSERT_TRUE(catalog_->RecordSession(s3_only).ok());

  // A session with local copies keeps them and plays on; it is not marked.
  ASSERT_TRUE(catalog_->MarkS3AudioExpired("both", "", 5000).ok());
  auto both = catalog_->GetSession("both");
  ASSERT_TRUE(both.ok());
  EXPECT_FALSE(both->audio_expired_at.has_value());
  EXPECT_EQ(both->segments[0].location, storage::Location::kLocal);
  EXPECT_FALSE(both->segments[0].s3_key.has_value());
  EXPECT_EQ(both->segments[1].location, storage::Location::kLocal);

  // A session with no other copy is marked, once: the first time is kept.
  ASSERT_TRUE(catalog_->MarkS3AudioExpired("s3only", "", 6000).ok());
  ASSERT_TRUE(catalog_->MarkS3AudioExpired("s3only", "", 7000).ok());
  auto gone = catalog_->GetSession("s3only");
  ASSERT_TRUE(gone.ok());
  EXPECT_EQ(gone->audio_expired_at, 6000);
  EXPECT_EQ(gone->segments[1].location, storage::Location::kS3);  // still says where it was
  EXPECT_EQ(gone->segments[1].s3_key, "audio/users/7/s3only/segment_001.wav");
  auto listed = catalog_->ListSessions("7", 10, std::nullopt);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->sessions.size(), 2u);
  EXPECT_EQ(listed->sessions[0].audio_expired_at, 6000);

  EXPECT_EQ(catalog_->MarkS3AudioExpired("nobody", "", 1).code(), StatusCode::kNotFound);

  // Another bucket's expiry leaves this bucket's copies alone; the usage no longer counts the
  // expired session's S3 audio.
  SessionRecord mixed = NewSession("mixed", "8", 3000);
  mixed.segments[0].s3_target = "audio-eu@eu-west-1";
  ASSERT_TRUE(catalog_->RecordSession(mixed).ok());
  ASSERT_TRUE(catalog_->MarkS3AudioExpired("mixed", "", 8000).ok());
  EXPECT_EQ(catalog_->GetSession("mixed")->segments[0].location, storage::Location::kLocalAndS3);
  ASSERT_TRUE(catalog_->MarkS3AudioExpired("mixed", "audio-eu@eu-west-1", 8000).ok());
  EXPECT_EQ(catalog_->GetSession("mixed")->segments[0].location, storage::Location::kLocal);
  auto usage = catalog_->StorageUsage();
  ASSERT_TRUE(usage.ok());
  for (const OwnerUsage& owner : *usage) {
    EXPECT_EQ(owner.s3_objects, 0) << owner.owner;  // "7": s3only expired; "8": mixed dropped
  }
}

TEST_P(CatalogTest, ConcurrentDeletesOfOneSessionSucceedOnce) {
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

TEST_P(CatalogTest, DataSurvivesReopeningAndMigrationsRunOnce) {
  ASSERT_TRUE(catalog_->CreateUser(NewUser("dave")).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("kept", "7", 1000)).ok());
  catalog_.reset();
  auto reopened = backend_->Open();
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_TRUE((*reopened)->FindUserByUsername("dave").ok());
  EXPECT_TRUE((*reopened)->GetSession("kept").ok());
}

TEST_P(CatalogTest, ApiKeysAreFoundByHashScopedToTheirUserAndGoWithIt) {
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
TEST_P(CatalogTest, AnOldSchemaIsUpgradedKeepingItsData) {
  catalog_.reset();
  backend_ = GetParam()();
  const std::string v1 = std::string(backend_->Dialect(Migrations()[0])) +
                         "CREATE TABLE schema_version (version INTEGER NOT NULL);"
                         "INSERT INTO schema_version VALUES (1);"
                         "INSERT INTO users (username, email, password_hash, created_at) "
                         "VALUES ('olduser', 'old@example.com', 'h', 1);";
  ASSERT_TRUE(backend_->Execute(v1).ok());
  auto upgraded = backend_->Open();
  ASSERT_TRUE(upgraded.ok()) << upgraded.status().ToString();
  auto user = (*upgraded)->FindUserByUsername("olduser");
  ASSERT_TRUE(user.ok());
  EXPECT_TRUE((*upgraded)->ListApiKeys(user->id).ok());  // the table schema 2 adds
  ASSERT_GE(LatestSchemaVersion(), 2);
  // The next user gets an id after the old one's (sequences survive the upgrade).
  auto next = (*upgraded)->CreateUser(NewUser("newuser"));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_GT(next->id, user->id);
}

TEST_P(CatalogTest, ADatabaseFromANewerReleaseIsRefused) {
  catalog_.reset();
  ASSERT_TRUE(backend_
                  ->Execute("INSERT INTO schema_version (version) VALUES (" +
                            std::to_string(LatestSchemaVersion() + 1) + ")")
                  .ok());
  auto refused = backend_->Open();
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("newer than this swha-tts knows"), std::string::npos)
      << refused.status().message();
}

TEST_P(CatalogTest, LipsyncJobsRoundTripAndAreListedPerOwner) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("job" + std::to_string(i), "7", 1000 + i)).ok());
  }
  ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("other", "8", 2000)).ok());
  EXPECT_EQ(catalog_->CreateLipsyncJob(NewJob("job1", "7", 3000)).code(),
            StatusCode::kAlreadyExists);

  auto got = catalog_->GetLipsyncJob("job1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const LipsyncJob want = NewJob("job1", "7", 1001);
  EXPECT_EQ(got->owner, "7");
  EXPECT_EQ(got->status, "SUBMITTING");
  EXPECT_EQ(got->idempotency_key, want.idempotency_key);
  EXPECT_EQ(got->request_body, want.request_body);
  EXPECT_EQ(got->sealed_api_key, want.sealed_api_key);
  EXPECT_EQ(got->audio_url, want.audio_url);
  EXPECT_EQ(got->audio_url_type, "presigned_s3");
  EXPECT_EQ(got->output_filename, "clip_1");
  EXPECT_FALSE(got->provider_job_id.has_value());
  EXPECT_FALSE(got->output_duration.has_value());
  EXPECT_EQ(got->created_at_ms, 1001);
  EXPECT_EQ(catalog_->GetLipsyncJob("nope").status().code(), StatusCode::kNotFound);

  auto first = catalog_->ListLipsyncJobs("7", 2, std::nullopt);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->jobs.size(), 2u);
  EXPECT_EQ(first->jobs[0].job_id, "job2");
  EXPECT_EQ(first->jobs[1].job_id, "job1");
  ASSERT_TRUE(first->next_cursor.has_value());
  EXPECT_EQ(first->total, 3);
  auto second = catalog_->ListLipsyncJobs("7", 2, *first->next_cursor);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->jobs.size(), 1u);
  EXPECT_EQ(second->jobs[0].job_id, "job0");
  EXPECT_FALSE(second->next_cursor.has_value());
  EXPECT_EQ(second->total, 3);
  EXPECT_EQ(catalog_->ListLipsyncJobs("7", 2, "x").status().code(), StatusCode::kInvalidArgument);
}

TEST(LipsyncStatusRankTest, EveryProviderStatusHasItsPlace) {
  EXPECT_EQ(LipsyncStatusRank("SUBMITTING"), 0);
  EXPECT_EQ(LipsyncStatusRank("PENDING"), 1);
  EXPECT_EQ(LipsyncStatusRank("PROCESSING"), 2);
  EXPECT_EQ(LipsyncStatusRank("QUEUED_SOMEWHERE_NEW"), 2) << "unknown: in progress";
  for (const char* final_status : {"COMPLETED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT"}) {
    EXPECT_TRUE(IsFinalLipsyncStatus(final_status)) << final_status;
  }
  EXPECT_FALSE(IsFinalLipsyncStatus("completed")) << "the provider's spelling only";
}

TEST_P(CatalogTest, ALipsyncStatusOnlyMovesForward) {
  ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("j", "7", 1000)).ok());
  LipsyncStatusUpdate pending = StatusOf("j", "PENDING", 1100);
  pending.provider_job_id = "prov-1";
  auto r = catalog_->ApplyLipsyncStatus(pending);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, "PENDING");
  EXPECT_EQ(r->provider_job_id, "prov-1");
  EXPECT_EQ(r->updated_at_ms, 1100);

  ASSERT_EQ(catalog_->ApplyLipsyncStatus(StatusOf("j", "PROCESSING", 1200))->status, "PROCESSING");
  // A late PENDING (a poll answered before the webhook) changes nothing.
  r = catalog_->ApplyLipsyncStatus(StatusOf("j", "PENDING", 1300));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "PROCESSING");
  EXPECT_EQ(r->updated_at_ms, 1200);

  LipsyncStatusUpdate done = StatusOf("j", "COMPLETED", 1400);
  done.output_url = "https://cdn.example.com/out.mp4";
  done.output_duration = 2.5;
  done.provider_job_id = "prov-other";  // never replaces the recorded one
  r = catalog_->ApplyLipsyncStatus(done);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, "COMPLETED");
  EXPECT_EQ(r->completed_at_ms, 1400);
  EXPECT_EQ(r->output_duration, 2.5);
  EXPECT_EQ(r->provider_job_id, "prov-1");

  for (const char* late : {"PROCESSING", "FAILED", "PENDING"}) {
    LipsyncStatusUpdate u = StatusOf("j", late, 1500);
    u.error_message = "late";
    r = catalog_->ApplyLipsyncStatus(u);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, "COMPLETED") << late;
    EXPECT_FALSE(r->error_message.has_value());
    EXPECT_EQ(r->completed_at_ms, 1400);
  }
  auto found = catalog_->FindLipsyncJobByProviderId("prov-1");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->job_id, "j");
  EXPECT_EQ(catalog_->ApplyLipsyncStatus(StatusOf("missing", "PENDING", 1)).status().code(),
            StatusCode::kNotFound);
}

TEST_P(CatalogTest, EachDueLipsyncJobIsLeasedToOneHolderAtATime) {
  constexpr int kJobs = 20;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("j" + std::to_string(i), "7", 1000)).ok());
  }
  ASSERT_TRUE(catalog_->ApplyLipsyncStatus(StatusOf("j0", "FAILED", 1000)).ok());
  std::vector<std::string> leased[2];
  std::vector<std::thread> threads;
  threads.reserve(2);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        auto got = catalog_->LeaseDueLipsyncJobs("holder" + std::to_string(t), 5000, 65000, 4);
        ASSERT_TRUE(got.ok()) << got.status().ToString();
        for (const LipsyncJob& j : *got) leased[t].push_back(j.job_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::vector<std::string> all = leased[0];
  all.insert(all.end(), leased[1].begin(), leased[1].end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a job leased twice";
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs - 1)) << "the final job is never polled";
  EXPECT_EQ(std::count(all.begin(), all.end(), "j0"), 0);

  // Leased: not due again before the lease ends, whoever asks.
  EXPECT_TRUE(catalog_->LeaseDueLipsyncJobs("holder2", 6000, 66000, 100)->empty());
  // The holder reschedules one: its lease ends, and it is due at the new time.
  const std::string one = leased[0].empty() ? leased[1][0] : leased[0][0];
  const std::string holder = leased[0].empty() ? "holder1" : "holder0";
  // Someone whose lease it is not changes nothing.
  ASSERT_TRUE(catalog_->ScheduleLipsyncPoll(one, "holder9", 1, 9).ok());
  EXPECT_TRUE(catalog_->LeaseDueLipsyncJobs("holder2", 6000, 66000, 100)->empty());
  ASSERT_TRUE(catalog_->ScheduleLipsyncPoll(one, holder, 7000, 2).ok());
  EXPECT_TRUE(catalog_->LeaseDueLipsyncJobs("holder2", 6999, 76999, 100)->empty());
  auto again = catalog_->LeaseDueLipsyncJobs("holder2", 7000, 77000, 100);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].job_id, one);
  EXPECT_EQ((*again)[0].poll_failures, 2);
  // Every other lease runs out at 65000 (or 66000): then they are due again.
  EXPECT_EQ(catalog_->LeaseDueLipsyncJobs("holder3", 66000, 99000, 100)->size(),
            static_cast<size_t>(kJobs - 2));
}

TEST_P(CatalogTest, OnlyTheOwnersOldFinishedLipsyncJobsAreDeleted) {
  ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("old-done", "7", 1000)).ok());
  ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("old-running", "7", 1000)).ok());
  ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("new-done", "7", 1000)).ok());
  ASSERT_TRUE(catalog_->CreateLipsyncJob(NewJob("theirs", "8", 1000)).ok());
  ASSERT_TRUE(catalog_->ApplyLipsyncStatus(StatusOf("old-done", "COMPLETED", 2000)).ok());
  ASSERT_TRUE(catalog_->ApplyLipsyncStatus(StatusOf("old-running", "PROCESSING", 2000)).ok());
  ASSERT_TRUE(catalog_->ApplyLipsyncStatus(StatusOf("new-done", "REJECTED", 9000)).ok());
  ASSERT_TRUE(catalog_->ApplyLipsyncStatus(StatusOf("theirs", "FAILED", 2000)).ok());
  auto deleted = catalog_->DeleteFinishedLipsyncJobs("7", 5000);
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(catalog_->GetLipsyncJob("old-done").status().code(), StatusCode::kNotFound);
  for (const char* kept : {"old-running", "new-done", "theirs"}) {
    EXPECT_TRUE(catalog_->GetLipsyncJob(kept).ok()) << kept;
  }
}

// Test names end in "/catalog" rather than the factory's bytes.
// The upload outbox on both databases: RecordSession queues the pending segments with the
// session, leases are disjoint, a failure releases the lease, completion moves the segment and
// dequeues it, and a deleted session takes its entries along.
TEST_P(CatalogTest, TheUploadOutboxQueuesLeasesCompletesAndForgets) {
  SessionRecord r = NewSession("1_7_ob", "7", 5000);
  r.segments[1].upload_pending = true;
  SessionRecord other = NewSession("1_7_oc", "7", 6000);
  other.segments[0].location = storage::Location::kLocal;
  other.segments[0].s3_key.reset();
  other.segments[0].upload_pending = true;
  ASSERT_TRUE(catalog_->RecordSession(r).ok());
  ASSERT_TRUE(catalog_->RecordSession(other).ok());
  auto queue = catalog_->UploadQueue();
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  EXPECT_EQ(queue->depth, 2);
  EXPECT_EQ(queue->oldest_queued_at_ms, 5000);

  auto a = catalog_->LeaseDueUploads("a", 7000, 67000, 1);
  auto b = catalog_->LeaseDueUploads("b", 7000, 67000, 5);
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString() << b.status().ToString();
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].session_id, "1_7_ob") << "oldest first";
  EXPECT_EQ((*a)[0].index, 1);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].session_id, "1_7_oc");

  // b's attempt fails: released, one failure, not due before the time it names.
  EXPECT_TRUE(catalog_->RetryUploadLater("1_7_oc", 0, "someone-else", 9000, "x").ok());
  EXPECT_TRUE(catalog_->RetryUploadLater("1_7_oc", 0, "b", 9000, "S3 down").ok());
  EXPECT_TRUE(catalog_->LeaseDueUploads("c", 8999, 99999, 5)->empty());
  auto again = catalog_->LeaseDueUploads("c", 9000, 99999, 5);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 1);

  // Only the lease holder records: "b" released it, "c" holds it now.
  EXPECT_EQ(catalog_->CompleteUpload("1_7_oc", 0, "b", storage::Location::kS3, "k", "t").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(catalog_->GetSession("1_7_oc")->segments[0].location, storage::Location::kLocal);
  // c gives its leases back (it is shutting down): free for anyone at once, no failure added.
  ASSERT_TRUE(catalog_->ReleaseUploadLeases("nobody").ok());
  EXPECT_TRUE(catalog_->LeaseDueUploads("d", 9000, 99999, 5)->empty()) << "still c's";
  ASSERT_TRUE(catalog_->ReleaseUploadLeases("c").ok());
  auto released = catalog_->LeaseDueUploads("d", 9000, 99999, 5);
  ASSERT_EQ(released->size(), 1u);
  EXPECT_EQ((*released)[0].attempts, 1);
  // a's succeeds: the segment moves and leaves the queue.
  ASSERT_TRUE(catalog_
                  ->CompleteUpload("1_7_ob", 1, "a", storage::Location::kS3,
                                   "audio/users/7/1_7_ob/segment_001.wav", "swha-audio@us-east-1")
                  .ok());
  auto moved = catalog_->GetSession("1_7_ob");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->segments[1].location, storage::Location::kS3);
  EXPECT_EQ(moved->segments[1].s3_key, "audio/users/7/1_7_ob/segment_001.wav");
  EXPECT_EQ(moved->segments[1].s3_target, "swha-audio@us-east-1");
  EXPECT_EQ(catalog_->UploadQueue()->depth, 1);

  // A removal that begins takes the session's entries out of the queue.
  ASSERT_TRUE(catalog_->BeginSessionRemoval("1_7_oc", 9500, 99999).ok());
  EXPECT_EQ(catalog_->UploadQueue()->depth, 0);
  EXPECT_EQ(catalog_->CompleteUpload("1_7_oc", 0, "d", storage::Location::kS3, "k", "t").code(),
            StatusCode::kNotFound)
      << "dequeued: no longer recorded";
  SessionRecord third = NewSession("1_7_od", "7", 7000);
  third.segments[1].upload_pending = true;
  ASSERT_TRUE(catalog_->RecordSession(third).ok());
  ASSERT_TRUE(catalog_->DeleteSession("1_7_od").ok());
  EXPECT_EQ(catalog_->UploadQueue()->depth, 0) << "entries go with their session";
  EXPECT_FALSE(catalog_->UploadQueue()->oldest_queued_at_ms.has_value());
}

// An upload recorded while its session's removal begins, at the same instant (on PostgreSQL,
// on two connections of the pool; SQLite's one connection takes them in turn): either the
// upload is recorded first and the removal's row names the S3 copy (so the remover deletes
// it), or the removal took the upload back and the upload is refused (so the uploader deletes
// its object). Never an upload recorded that the removal did not see. On PostgreSQL both
// orders come up within the 40 rounds.
TEST_P(CatalogTest, ARemovalRacingAnUploadsRecordAlwaysSeesWhatWasRecorded) {
  constexpr int kRounds = 40;
  for (int round = 0; round < kRounds; ++round) {
    const std::string id = "1_7_race" + std::to_string(round);
    SessionRecord session = NewSession(id, "7", 1000 + round);
    session.segments[1].upload_pending = true;
    ASSERT_TRUE(catalog_->RecordSession(session).ok());
    auto leased = catalog_->LeaseDueUploads("up", 1000 + round, 99999, 5);
    ASSERT_TRUE(leased.ok()) << leased.status().ToString();
    ASSERT_EQ(leased->size(), 1u);
    const std::string key = "audio/users/7/" + id + "/segment_001.wav";
    std::latch go(3);
    Status uploaded;
    Result<SessionRecord> marked = Status::Internal("not run");
    std::thread upload([&] {
      go.arrive_and_wait();
      uploaded = catalog_->CompleteUpload(id, 1, "up", storage::Location::kS3, key, "b@r");
    });
    std::thread removal([&] {
      go.arrive_and_wait();
      marked = catalog_->BeginSessionRemoval(id, 5000, 65000);
    });
    go.arrive_and_wait();
    upload.join();
    removal.join();
    ASSERT_TRUE(marked.ok()) << marked.status().ToString();
    ASSERT_EQ(marked->segments.size(), 2u);
    if (uploaded.ok()) {
      EXPECT_EQ(marked->segments[1].location, storage::Location::kS3) << "round " << round;
      EXPECT_EQ(marked->segments[1].s3_key, key) << "round " << round;
    } else {
      EXPECT_EQ(uploaded.code(), StatusCode::kNotFound) << uploaded.ToString();
      EXPECT_EQ(marked->segments[1].location, storage::Location::kLocal) << "round " << round;
    }
    ASSERT_TRUE(catalog_->DeleteSession(id).ok());
  }
  EXPECT_EQ(catalog_->UploadQueue()->depth, 0);
}

// A session being removed is gone for every reader but the removal's own: until its row is
// forgotten, it is claimed for attempts one instance at a time, and counted.
TEST_P(CatalogTest, ASessionBeingRemovedIsHiddenClaimedRetriedAndForgotten) {
  SessionRecord gone = NewSession("1_7_ra", "7", 1000);
  gone.segments[1].location = storage::Location::kLocal;
  gone.segments[1].s3_key.reset();
  gone.segments[1].upload_pending = true;
  ASSERT_TRUE(catalog_->RecordSession(gone).ok());
  ASSERT_TRUE(catalog_->RecordSession(NewSession("1_7_rb", "7", 2000)).ok());
  ASSERT_EQ(catalog_->UploadQueue()->depth, 1);
  // An upload recorded before the removal begins is in the row it returns.
  auto leased = catalog_->LeaseDueUploads("a", 1000, 99999, 5);
  ASSERT_EQ(leased->size(), 1u);
  ASSERT_TRUE(catalog_
                  ->CompleteUpload("1_7_ra", 1, "a", storage::Location::kS3,
                                   "audio/users/7/1_7_ra/segment_001.wav", "bucket@region")
                  .ok());

  auto marked = catalog_->BeginSessionRemoval("1_7_ra", 5000, 65000);
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(marked->session_id, "1_7_ra");
  ASSERT_EQ(marked->segments.size(), 2u);
  EXPECT_EQ(marked->segments[1].location, storage::Location::kS3);
  EXPECT_EQ(marked->segments[1].s3_key, "audio/users/7/1_7_ra/segment_001.wav");
  EXPECT_EQ(catalog_->BeginSessionRemoval("1_7_ra", 5001, 65001).status().code(),
            StatusCode::kNotFound)
      << "one removal at a time";
  EXPECT_EQ(catalog_->BeginSessionRemoval("no-such", 5001, 65001).status().code(),
            StatusCode::kNotFound);

  // Hidden from every other reader.
  EXPECT_EQ(catalog_->GetSession("1_7_ra").status().code(), StatusCode::kNotFound);
  auto page = catalog_->ListSessions("7", 10, std::nullopt);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->sessions.size(), 1u);
  EXPECT_EQ(page->sessions[0].session_id, "1_7_rb");
  auto old = catalog_->SessionsCreatedBefore(std::nullopt, 999999);
  ASSERT_EQ(old->size(), 1u);
  EXPECT_EQ((*old)[0].session_id, "1_7_rb");
  auto removing = catalog_->SessionsBeingRemoved();
  ASSERT_TRUE(removing.ok()) << removing.status().ToString();
  ASSERT_EQ(removing->size(), 1u);
  EXPECT_EQ((*removing)[0].segments.size(), 2u);
  auto queue = catalog_->RemovalQueue();
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  EXPECT_EQ(queue->depth, 1);
  EXPECT_EQ(queue->oldest_started_ms, 5000);

  // Not due before the time the removal named; claimed by one asker at a time.
  EXPECT_TRUE(catalog_->ClaimDueSessionRemovals(64999, 100000, 5)->empty());
  auto first = catalog_->ClaimDueSessionRemovals(65000, 100000, 5);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].session.session_id, "1_7_ra");
  EXPECT_EQ((*first)[0].session.segments.size(), 2u);
  EXPECT_EQ((*first)[0].attempts, 0);
  EXPECT_TRUE(catalog_->ClaimDueSessionRemovals(65000, 100000, 5)->empty()) << "claimed";
  // The attempt failed: one failure, due again when it says.
  ASSERT_TRUE(catalog_->RetrySessionRemovalLater("1_7_ra", 70000, "S3 down").ok());
  EXPECT_TRUE(catalog_->ClaimDueSessionRemovals(69999, 100000, 5)->empty());
  auto second = catalog_->ClaimDueSessionRemovals(70000, 100000, 5);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].attempts, 1);
  // The next one succeeds: forgotten.
  ASSERT_TRUE(catalog_->DeleteSession("1_7_ra").ok());
  EXPECT_EQ(catalog_->RemovalQueue()->depth, 0);
  EXPECT_FALSE(catalog_->RemovalQueue()->oldest_started_ms.has_value());
  EXPECT_TRUE(catalog_->SessionsBeingRemoved()->empty());
  EXPECT_TRUE(catalog_->ClaimDueSessionRemovals(999999, 9999999, 5)->empty());
  EXPECT_TRUE(catalog_->GetSession("1_7_rb").ok()) << "the other session is untouched";
}

std::string CatalogParamName(const ::testing::TestParamInfo<BackendFactory>&) { return "catalog"; }

INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogTest, ::testing::Values([]() -> std::unique_ptr<Backend> {
                           return std::make_unique<SqliteBackend>();
                         }),
                         CatalogParamName);
// Runs as its own CTest test (catalog.postgres), which starts one cluster for all of them.
INSTANTIATE_TEST_SUITE_P(Postgres, CatalogTest, ::testing::Values([]() -> std::unique_ptr<Backend> {
                           return std::make_unique<PostgresBackend>();
                         }),
                         CatalogParamName);

TEST(SqliteCatalogTest, AnUnopenablePathIsAnErrorNotACrash) {
  SqliteBackend backend;
  auto r = OpenSqliteCatalog(backend.dir() + "/no/such/dir/swha.db");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace swha::catalog
