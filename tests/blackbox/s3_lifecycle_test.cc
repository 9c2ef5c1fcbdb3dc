// Lifecycle rules against a real Ceph RADOS Gateway whose lifecycle "day" lasts seconds
// (rgw_lc_debug_interval): S3_LIFECYCLE_DAYS sets our rule at start-up beside a rule someone
// else made, the gateway really expires old audio and keeps younger audio and other prefixes,
// and the service then says a session's audio expired instead of handing out URLs that 404.
// `swha-tts s3 lifecycle` shows and changes the same rules. One CTest test (s3.lifecycle).
#include "storage/s3_lifecycle.h"

#include <thread>

#include "blackbox_helpers.h"
#include "s3_storage_fixture.h"

namespace swha::blackbox {
namespace {

constexpr int kLifecycleRgwPort = 17881;
constexpr int kLifecycleMonPort = 17190;  // every suite its own: two_instances has 16990
// A "day" on the gateway, and the rule's days: audio lives 24 s. The young session is made
// 12 s (6 lifecycle passes) after the old one, so it is still well inside its 24 s when the old
// one goes, however late a pass runs.
constexpr int kDaySeconds = 2;
constexpr int kDays = 12;
constexpr auto kYoungerBy = std::chrono::seconds(12);
constexpr auto kExpiryTimeout = std::chrono::seconds(60);

class LifecycleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rgw_ = new testing::RgwServer(kLifecycleRgwPort, kLifecycleMonPort);
    rgw_->set_lifecycle_day_seconds(kDaySeconds);
    rgw_status_ = new Status(rgw_->Start());
    transport_ = storage::CreateCurlTransport().release();
  }
  static void TearDownTestSuite() {
    delete rgw_;
    delete transport_;
    delete rgw_status_;
  }
  void SetUp() override {
    ASSERT_TRUE(rgw_status_->ok()) << rgw_status_->message();
    auto client =
        storage::S3Client::Create(rgw_->endpoint().ClientConfig(), transport_, Clock::Real());
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    s3_ = std::move(*client);
  }

  std::map<std::string, std::string> Env() const {
    return ServiceEnv(rgw_->endpoint(),
                      {{"KEEP_LOCAL_COPY", "false"},
                       {"S3_LIFECYCLE_DAYS", std::to_string(kDays)},
                       {"S3_LIFECYCLE_DAY_SECONDS", std::to_string(kDaySeconds)}});
  }

  static inline testing::RgwServer* rgw_ = nullptr;
  static inline Status* rgw_status_ = nullptr;
  static inline storage::HttpTransport* transport_ = nullptr;
  std::unique_ptr<storage::S3Client> s3_;
};

TEST_F(LifecycleTest, OldAudioExpiresYoungStaysAndTheServiceSaysSo) {
  // Somebody else's rule, and an object outside our prefix, both to be left alone.
  const std::string foreign =
      "<Rule><ID>keep-logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
      "<Expiration><Days>30</Days></Expiration></Rule>";
  ASSERT_TRUE(s3_->PutBucketConfiguration("PutBucketLifecycleConfiguration", "lifecycle",
                                          "<LifecycleConfiguration xmlns=\"http://s3.amazonaws."
                                          "com/doc/2006-03-01/\">" +
                                              foreign + "</LifecycleConfiguration>")
                  .ok());
  ASSERT_TRUE(s3_->PutObject("other/kept.txt", "not audio", "text/plain").ok());

  SharedServer server({.env = Env()});
  ASSERT_TRUE(server.started()) << server.start_error();
  EXPECT_NE(server.process().ReadLog().find(
                "swha-tts-expire:audio/ (12 day(s)) on swha-test@us-east-1: added"),
            std::string::npos)
      << server.process().ReadLog();

  // Read, merge, write: both rules are there, the other one as it was.
  auto rules = storage::ReadLifecycleRules(*s3_);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 2u);
  const storage::LifecycleRule* ours = storage::FindOurRule(*rules, "audio/");
  ASSERT_NE(ours, nullptr);
  EXPECT_EQ(ours->expiration_days, kDays);
  EXPECT_EQ(ours->abort_multipart_days, 1);
  const storage::LifecycleRule& theirs = (*rules)[0].id == "keep-logs" ? (*rules)[0] : (*rules)[1];
  EXPECT_EQ(theirs.id, "keep-logs");
  EXPECT_EQ(theirs.prefix, "logs/");
  EXPECT_EQ(theirs.expiration_days, 30);

  auto anonymous = MakeClient(server.port());
  auto user = MakeClientFor(server.port(), SignUp(*anonymous, "lifecycle_user"));
  auto old_session = Generate(*user, kSeedRequest);
  ASSERT_TRUE(old_session.has_value());
  ASSERT_EQ((*old_session)["storage_type"], "s3") << old_session->dump(2);
  std::this_thread::sleep_for(kYoungerBy);
  auto young_session = Generate(*user, kSeedRequest);
  ASSERT_TRUE(young_session.has_value());
  ASSERT_EQ((*young_session)["storage_type"], "s3");
  const std::vector<std::string> old_keys = S3KeysOf(*old_session);
  const std::vector<std::string> young_keys = S3KeysOf(*young_session);

  // The gateway removes the old session's objects once they are kDays "days" old...
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const std::string& key : old_keys) {
          if (ObjectExists(*s3_, key)) return false;
        }
        return true;
      },
      kExpiryTimeout))
      << "the gateway did not expire " << old_keys[0];
  // ...and nothing younger, nor anything outside the rule's prefix.
  for (const std::string& key : young_keys) EXPECT_TRUE(ObjectExists(*s3_, key)) << key;
  EXPECT_TRUE(ObjectExists(*s3_, "other/kept.txt"));

  const std::string young_id = (*young_session)["session_id"];
  const std::string old_id = (*old_session)["session_id"];
  auto young = user->Get("/api/v1/tts/sessions/" + young_id);
  ASSERT_TRUE(young);
  ASSERT_EQ(young->status, 200) << young->body;
  const std::string url = ParseJson(young->body)["audio_segments"][0]["presigned_url"];
  auto fetched = FetchAbsolute(url);
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->status, 200);

  // The old session says its audio expired, rather than handing out URLs that 404; the
  // catalog keeps knowing it.
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto old = user->Get("/api/v1/tts/sessions/" + old_id);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->status, 410) << old->body;
    EXPECT_NE(ParseJson(old->body)["detail"].get<std::string>().find("expired"), std::string::npos)
        << old->body;
  }
  auto listed = user->Get("/api/v1/tts/sessions");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  for (const json& s : ParseJson(listed->body)["sessions"]) {
    if (s["session_id"] == old_id) {
      EXPECT_TRUE(s["audio_expired_at"].is_string()) << s.dump();
    }
    if (s["session_id"] == young_id) {
      EXPECT_TRUE(s["audio_expired_at"].is_null()) << s.dump();
    }
  }
  auto batch = PostJson(*user, "/api/v1/tts/presign", {{"session_ids", {old_id, young_id}}});
  ASSERT_TRUE(batch);
  ASSERT_EQ(batch->status, 200) << batch->body;
  const json items = ParseJson(batch->body)["items"];
  ASSERT_EQ(items.size(), 2u) << batch->body;
  EXPECT_EQ(items[0]["error"], "expired") << batch->body;
  EXPECT_FALSE(items[1].contains("error") && !items[1]["error"].is_null()) << batch->body;

  // The operator's view of the same rules; remove takes ours and leaves theirs.
  const std::string data_dir = server.process().data_dir();
  auto shown = RunOperatorCli(data_dir, "s3 lifecycle show", "", Env());
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("swha-tts-expire:audio/: prefix 'audio/', Enabled, expire after 12 "
                           "day(s), abort incomplete multipart uploads after 1 day(s) [swha-tts]"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("keep-logs: prefix 'logs/', Enabled, expire after 30 day(s)"),
            std::string::npos)
      << shown.out;
  auto removed = RunOperatorCli(data_dir, "s3 lifecycle remove", "", Env());
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(removed.out.find("removed"), std::string::npos) << removed.out;
  rules = storage::ReadLifecycleRules(*s3_);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].id, "keep-logs");
  auto bad = RunOperatorCli(data_dir, "s3 lifecycle apply --days 0", "", Env());
  EXPECT_NE(bad.exit_code, 0);
}

}  // namespace
}  // namespace swha::blackbox
