// Two swha-tts processes on different ports, sharing one PostgreSQL catalog, one S3 server
// (a real Ceph RADOS Gateway), one DATA_DIR (so one generated SECRET_KEY) and one AUDIO_DIR,
// act as one service: what one does, the other sees. Everything here is real and started by
// the suite; if PostgreSQL or the gateway cannot start, every test fails.
#include <filesystem>
#include <thread>

#include "blackbox_helpers.h"
#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tests/support/pg_server.h"
#include "tests/support/rgw_server.h"
#include "util/clock.h"

namespace swha::blackbox {
namespace {

constexpr int kRgwPort = 17681;
constexpr int kMonPort = 16990;
constexpr size_t kMaxSessionsMadeDuringCleanup = 40;

class TwoInstancesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_ = new ScopedTempDir();
    rgw_ = new testing::RgwServer(kRgwPort, kMonPort);
    status_ = new Status(rgw_->Start());
    if (!status_->ok()) return;
    auto database = testing::CreateSharedPgDatabase("two_instances");
    if (!database.ok()) {
      *status_ = database.status();
      return;
    }
    env_ = new std::map<std::string, std::string>(rgw_->endpoint().AsEnv());
    std::map<std::string, std::string>& env = *env_;
    env["USE_S3_STORAGE"] = "true";
    env["DATABASE_URL"] = *database;
    // No SECRET_KEY: both generate-or-read the one in the shared DATA_DIR, at the same time.
    for (int i = 0; i < 2; ++i) {
      log_dirs_[i] = new ScopedTempDir();
      instances_[i] = new testing::ServerProcess();
    }
    Status started[2];
    std::thread second([&] {
      started[1] = instances_[1]->Start(
          {.env = env, .data_dir = shared_->path(), .log_dir = log_dirs_[1]->path()});
    });
    started[0] = instances_[0]->Start(
        {.env = env, .data_dir = shared_->path(), .log_dir = log_dirs_[0]->path()});
    second.join();
    for (const Status& s : started) {
      if (!s.ok()) *status_ = s;
    }
    transport_ = storage::CreateCurlTransport().release();
    auto s3 = storage::S3Client::Create(rgw_->endpoint().ClientConfig(), transport_, Clock::Real());
    if (s3.ok()) s3_ = s3->release();
  }
  static void TearDownTestSuite() {
    for (int i = 0; i < 2; ++i) {
      delete instances_[i];
      delete log_dirs_[i];
    }
    delete s3_;
    delete transport_;
    delete rgw_;
    delete status_;
    delete shared_;
    delete env_;
  }
  void SetUp() override {
    ASSERT_TRUE(status_->ok()) << status_->ToString();
    ASSERT_NE(s3_, nullptr);
    a_ = MakeClient(instances_[0]->port());
    b_ = MakeClient(instances_[1]->port());
  }

  static int port(int i) { return instances_[i]->port(); }
  static std::string audio_dir() { return shared_->path() + "/audio"; }

  size_t CountObjects(const std::string& prefix) {
    auto listed = s3_->ListObjectsV2(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? listed->size() : 0;
  }

  // The session as `client` sees it: nullopt when it is not found (404), else its JSON.
  static std::optional<json> GetSession(httplib::Client& client, const std::string& session) {
    auto got = client.Get("/api/v1/tts/sessions/" + session);
    if (!got) {
      ADD_FAILURE() << "no response";
      return std::nullopt;
    }
    if (got->status == 404) return std::nullopt;
    EXPECT_EQ(got->status, 200) << got->body;
    return ParseJson(got->body);
  }

  static ScopedTempDir* shared_;
  static std::map<std::string, std::string>* env_;  // both instances'
  static ScopedTempDir* log_dirs_[2];
  static testing::RgwServer* rgw_;
  static Status* status_;
  static testing::ServerProcess* instances_[2];
  static storage::HttpTransport* transport_;
  static storage::S3Client* s3_;
  std::unique_ptr<httplib::Client> a_;
  std::unique_ptr<httplib::Client> b_;
};

ScopedTempDir* TwoInstancesTest::shared_ = nullptr;
std::map<std::string, std::string>* TwoInstancesTest::env_ = nullptr;
ScopedTempDir* TwoInstancesTest::log_dirs_[2] = {nullptr, nullptr};
testing::RgwServer* TwoInstancesTest::rgw_ = nullptr;
Status* TwoInstancesTest::status_ = nullptr;
testing::ServerProcess* TwoInstancesTest::instances_[2] = {nullptr, nullptr};
storage::HttpTransport* TwoInstancesTest::transport_ = nullptr;
storage::S3Client* TwoInstancesTest::s3_ = nullptr;

TEST_F(TwoInstancesTest, BothStartedTogetherOnOneGeneratedSecretKey) {
  // One key file, written whole by whichever came first; no temporary left behind.
  std::vector<std::string> names = ListNames(shared_->path());
  EXPECT_EQ(std::count(names.begin(), names.end(), "secret_key"), 1)
      << ::testing::PrintToString(names);
  for (const std::string& n : names) EXPECT_EQ(n.find(".tmp"), std::string::npos) << n;
  // A token signed by one is accepted by the other, which only works with the same key.
  const std::string token = SignUp(*a_, "twin-ada");
  ASSERT_FALSE(token.empty());
  auto me = MakeClientFor(port(1), token)->Get("/api/v1/users/me");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(ParseJson(me->body).at("username"), "twin-ada");
}

TEST_F(TwoInstancesTest, RegisteredOnOneLogsInOnTheOther) {
  ASSERT_FALSE(SignUp(*a_, "twin-bert").empty());
  httplib::Params form = {{"username", "twin-bert"}, {"password", std::string(kTestPassword)}};
  auto login = b_->Post("/api/v1/auth/login", form);
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;
  // And the name is taken on both.
  auto again = PostJson(*b_, "/api/v1/auth/register",
                        {{"username", "twin-bert"},
                         {"email", "other-bert@example.com"},
                         {"password", std::string(kTestPassword)}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 400) << again->body;
}

TEST_F(TwoInstancesTest, ASessionMadeOnOneIsListedRefreshedAndDeletedOnTheOther) {
  const std::string token = SignUp(*a_, "twin-cleo");
  ASSERT_FALSE(token.empty());
  auto on_a = MakeClientFor(port(0), token);
  auto on_b = MakeClientFor(port(1), token);
  auto made =
      Generate(*on_a, {{"text", "Made on the first.\nServed by the second."}, {"use_s3", true}});
  ASSERT_TRUE(made);
  ASSERT_EQ(made->at("storage_type"), "s3") << made->dump(2);
  const std::string session = made->at("session_id");

  auto listed = on_b->Get("/api/v1/tts/sessions");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  ASSERT_EQ(ParseJson(listed->body).at("sessions").size(), 1u) << listed->body;
  EXPECT_EQ(ParseJson(listed->body)["sessions"][0].at("session_id"), session);

  auto refreshed = GetSession(*on_b, session);
  ASSERT_TRUE(refreshed);
  ASSERT_EQ(refreshed->at("audio_segments").size(), 2u);
  for (const json& seg : refreshed->at("audio_segments")) {
    auto from_s3 = FetchAbsolute(seg.at("presigned_url").get<std::string>());
    ASSERT_TRUE(from_s3);
    EXPECT_EQ(from_s3->status, 200);
    EXPECT_EQ(HexSha256(from_s3->body), seg.at("sha256"));
    // The other instance's signed local URL serves the same file from the shared AUDIO_DIR.
    auto local = on_b->Get(seg.at("local_url").get<std::string>());
    ASSERT_TRUE(local);
    EXPECT_EQ(local->status, 200);
    EXPECT_EQ(HexSha256(local->body), seg.at("sha256"));
  }

  auto deleted = on_b->Delete("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_FALSE(GetSession(*on_a, session).has_value());
  EXPECT_EQ(CountObjects(made->at("audio_segments")[0].at("s3_key").get<std::string>()), 0u);
}

// One instance cleans up everything older than now while the other keeps generating: every
// session that remains has all of its audio, and every session that went has none left.
TEST_F(TwoInstancesTest, CleanupOnOneIsSafeWhileTheOtherServes) {
  const std::string token = SignUp(*a_, "twin-dora");
  ASSERT_FALSE(token.empty());
  auto on_a = MakeClientFor(port(0), token);
  std::vector<std::string> sessions;
  for (int i = 0; i < 3; ++i) {
    auto made = Generate(*on_a, {{"text", "Old enough to go."}, {"use_s3", true}});
    ASSERT_TRUE(made);
    sessions.push_back(made->at("session_id"));
  }

  // Paced and bounded: generate is a few milliseconds here (cached synthesis), and an
  // unpaced loop makes sessions faster than one cleanup per session can remove them, so each
  // round would be longer than the last.
  std::vector<std::string> made_during;
  {
    std::jthread generator([&](const std::stop_token& stop) {
      auto on_b = MakeClientFor(port(1), token);
      while (!stop.stop_requested() && made_during.size() < kMaxSessionsMadeDuringCleanup) {
        auto made = Generate(*on_b, {{"text", "Made during the cleanup."}, {"use_s3", true}});
        if (!made) return;
        made_during.push_back(made->at("session_id"));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });  // joined when this block ends, an early return from a failed ASSERT included
    for (int round = 0; round < 4; ++round) {
      auto cleaned = on_a->Post("/api/v1/tts/cleanup?days_old=0&cleanup_s3=true");
      ASSERT_TRUE(cleaned);
      EXPECT_EQ(cleaned->status, 200) << cleaned->body;
      std::this_thread::sleep_for(std::chrono::milliseconds(150));
    }
  }
  ASSERT_FALSE(made_during.empty());
  sessions.insert(sessions.end(), made_during.begin(), made_during.end());

  auto me = on_a->Get("/api/v1/users/me");
  ASSERT_TRUE(me && me->status == 200);
  const std::string owner_prefix =
      "audio/users/" + std::to_string(ParseJson(me->body).at("id").get<int64_t>()) + "/";
  int kept = 0;
  for (const std::string& session : sessions) {
    auto got = GetSession(*on_a, session);
    if (!got) {
      // Gone from the catalog: gone from the disk and from S3 too.
      std::error_code ec;
      EXPECT_FALSE(
          std::filesystem::exists(std::filesystem::symlink_status(audio_dir() + "/" + session, ec)))
          << session;
      EXPECT_EQ(CountObjects(owner_prefix + session + "/"), 0u) << session;
      continue;
    }
    ++kept;
    for (const json& seg : got->at("audio_segments")) {
      auto from_s3 = FetchAbsolute(seg.at("presigned_url").get<std::string>());
      ASSERT_TRUE(from_s3);
      EXPECT_EQ(from_s3->status, 200) << session;
      EXPECT_EQ(HexSha256(from_s3->body), seg.at("sha256")) << session;
      auto local = on_a->Get(seg.at("local_url").get<std::string>());
      ASSERT_TRUE(local);
      EXPECT_EQ(local->status, 200) << session;
    }
  }
  // The three made before the first cleanup are gone whatever the timing.
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(GetSession(*on_a, sessions[i]).has_value());
  ::testing::Test::RecordProperty("sessions_kept", kept);
}

// A database restart costs the requests made while it is down (a clear 503, nothing about the
// database in it) and nothing after: both instances answer again without being restarted.
TEST_F(TwoInstancesTest, BothServeAgainAfterTheDatabaseRestarts) {
  const std::string token = SignUp(*a_, "twin-finn");
  ASSERT_FALSE(token.empty());
  std::unique_ptr<httplib::Client> clients[2] = {MakeClientFor(port(0), token),
                                                 MakeClientFor(port(1), token)};
  for (auto& c : clients) {
    auto listed = c->Get("/api/v1/tts/sessions");
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->status, 200) << listed->body;
  }
  Status pg_started;
  testing::PgServer& pg = testing::SharedPgServer(&pg_started);
  ASSERT_TRUE(pg_started.ok());
  ASSERT_TRUE(pg.Stop().ok());
  for (auto& c : clients) {
    auto down = c->Get("/api/v1/tts/sessions");
    ASSERT_TRUE(down);
    EXPECT_EQ(down->status, 503) << down->body;
    const json error = ParseJson(down->body);
    EXPECT_TRUE(error.contains("detail")) << down->body;
    EXPECT_EQ(down->body.find("swha-test-password"), std::string::npos);
    EXPECT_EQ(down->body.find("127.0.0.1"), std::string::npos) << down->body;
  }
  ASSERT_TRUE(pg.Start().ok());
  for (auto& c : clients) {
    for (int i = 0; i < 3; ++i) {
      auto again = c->Get("/api/v1/tts/sessions");
      ASSERT_TRUE(again);
      EXPECT_EQ(again->status, 200) << again->body;
    }
  }
  EXPECT_TRUE(Generate(*clients[1], {{"text", "After the restart."}}).has_value());
}

// `swha-tts catalog check` with the instances' settings, on their catalog, disk and bucket.
testing::SplitCommandResult CatalogCheck(const std::map<std::string, std::string>& env,
                                         const std::string& data_dir,
                                         std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"catalog", "check", "--grace-seconds", "0"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::map<std::string, std::string> with_dir = env;
  with_dir["DATA_DIR"] = data_dir;
  return testing::RunCommandSplit(testing::ServerBinary(), args, with_dir, data_dir);
}

// Last in the suite (tests run in order): whatever the others left is consistent, and the
// check finds and repairs orphans planted on disk and in the bucket.
TEST_F(TwoInstancesTest, CatalogCheckFindsAndRepairsOrphansOnDiskAndInS3) {
  auto clean = CatalogCheck(*env_, shared_->path());
  EXPECT_EQ(clean.exit_code, 0) << clean.out << clean.err;
  EXPECT_NE(clean.out.find(", local and S3\n"), std::string::npos) << clean.out;

  // An object and a directory in the service's layout that no row describes.
  const std::string orphan_session = "1700000000000_99_0123456789abcdef0123456789abcdef";
  const std::string orphan_key = "audio/users/99/" + orphan_session + "/segment_000.wav";
  ASSERT_TRUE(s3_->PutObject(orphan_key, MakeWav("orphan"), "audio/wav").ok());
  const std::string orphan_dir =
      audio_dir() + "/1700000000001_anonymous_0123456789abcdef0123456789abcdef";
  ASSERT_TRUE(std::filesystem::create_directories(orphan_dir));
  WriteFileBytes(orphan_dir + "/segment_000.wav", MakeWav("orphan"));
  // And a session that lost one local copy.
  const std::string token = SignUp(*a_, "twin-emil");
  ASSERT_FALSE(token.empty());
  auto made = Generate(*MakeClientFor(port(0), token),
                       {{"text", "One copy goes missing."}, {"use_s3", true}});
  ASSERT_TRUE(made);
  const std::string damaged = made->at("session_id");
  ASSERT_TRUE(std::filesystem::remove(audio_dir() + "/" + damaged + "/segment_000.wav"));
  // An object under a recorded session that its row does not name (an upload whose undo
  // failed), beside a session whose marks are in S3 and named.
  const std::string made_key = made->at("audio_segments")[0].at("s3_key");
  const std::string stray_key = made_key.substr(0, made_key.rfind('/')) + "/segment_007.wav";
  ASSERT_TRUE(s3_->PutObject(stray_key, MakeWav("stray"), "audio/wav").ok());
  auto marked = Generate(*MakeClientFor(port(0), token),
                         {{"text", "These marks are named."}, {"use_s3", true}, {"marks", true}});
  ASSERT_TRUE(marked);
  const std::string marked_audio_key = marked->at("audio_segments")[0].at("s3_key");
  const std::string marks_key =
      marked_audio_key.substr(0, marked_audio_key.rfind('.')) + ".marks.json";
  ASSERT_EQ(CountObjects(marks_key), 1u);

  auto found = CatalogCheck(*env_, shared_->path());
  EXPECT_EQ(found.exit_code, 1) << found.out << found.err;
  EXPECT_NE(found.out.find("orphan-s3     " + orphan_key), std::string::npos) << found.out;
  EXPECT_NE(found.out.find("orphan-local  " + orphan_dir.substr(audio_dir().size() + 1)),
            std::string::npos)
      << found.out;
  EXPECT_NE(found.out.find("missing-local " + damaged + "/segment_000.wav"), std::string::npos)
      << found.out;
  EXPECT_NE(found.out.find("orphan-s3     " + stray_key), std::string::npos) << found.out;
  EXPECT_EQ(found.out.find(marks_key), std::string::npos) << found.out;
  EXPECT_EQ(CountObjects(orphan_key), 1u);  // found, not touched

  auto repaired = CatalogCheck(*env_, shared_->path(), {"--repair"});
  EXPECT_EQ(repaired.exit_code, 1) << repaired.out;  // the damaged session is only reported
  EXPECT_NE(repaired.out.find("unrepaired    session " + damaged), std::string::npos)
      << repaired.out;
  EXPECT_EQ(CountObjects(orphan_key), 0u);
  EXPECT_EQ(CountObjects(stray_key), 0u);
  EXPECT_EQ(CountObjects(marks_key), 1u);
  EXPECT_FALSE(std::filesystem::exists(orphan_dir));
  // The damaged session still plays from S3.
  auto kept = GetSession(*MakeClientFor(port(1), token), damaged);
  ASSERT_TRUE(kept);
  auto from_s3 =
      FetchAbsolute(kept->at("audio_segments")[0].at("presigned_url").get<std::string>());
  ASSERT_TRUE(from_s3);
  EXPECT_EQ(from_s3->status, 200);
}

}  // namespace
}  // namespace swha::blackbox
