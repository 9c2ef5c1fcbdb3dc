// Multi-region storage (S3_REPLICAS) against two real Ceph RADOS Gateways standing for two
// regions: audio goes to the primary while it is up, to the replica while the primary is down
// (with URLs presigned for the replica's region that the replica serves), locally when both
// are down, to the primary again once it is back; deleting and cleaning up reach whichever
// bucket holds each object, and s3-info shows each bucket's live state. One CTest test
// (s3.replicas).
#include <sstream>

#include "blackbox_helpers.h"
#include "s3_storage_fixture.h"

namespace swha::blackbox {
namespace {

constexpr int kPrimaryPort = 17981;
constexpr int kPrimaryMonPort = 17290;
constexpr int kReplicaPort = 17983;
constexpr int kReplicaMonPort = 17390;
constexpr std::string_view kReplicaRegion = "eu-west-1";

class ReplicaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    primary_ = new testing::RgwServer(kPrimaryPort, kPrimaryMonPort);
    replica_ = new testing::RgwServer(kReplicaPort, kReplicaMonPort);
    primary_status_ = new Status(primary_->Start());
    replica_status_ = new Status(replica_->Start());
    transport_ = storage::CreateCurlTransport().release();
  }
  static void TearDownTestSuite() {
    delete primary_;
    delete replica_;
    delete transport_;
    delete primary_status_;
    delete replica_status_;
  }
  void SetUp() override {
    ASSERT_TRUE(primary_status_->ok()) << primary_status_->message();
    ASSERT_TRUE(replica_status_->ok()) << replica_status_->message();
    primary_s3_ = MakeS3(primary_->endpoint().ClientConfig());
    storage::S3ClientConfig replica = replica_->endpoint().ClientConfig();
    replica.region = std::string(kReplicaRegion);
    replica_s3_ = MakeS3(replica);
    ASSERT_NE(primary_s3_, nullptr);
    ASSERT_NE(replica_s3_, nullptr);
  }

  static std::unique_ptr<storage::S3Client> MakeS3(const storage::S3ClientConfig& config) {
    auto client = storage::S3Client::Create(config, transport_, Clock::Real());
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::string ReplicaName() const {
    return replica_->endpoint().bucket + "@" + std::string(kReplicaRegion);
  }
  std::string PrimaryName() const { return primary_->endpoint().bucket + "@us-east-1"; }

  std::map<std::string, std::string> Env() const {
    return ServiceEnv(primary_->endpoint(),
                      {{"S3_REPLICAS", ReplicaName() + "@" + replica_->endpoint().endpoint_url}});
  }

  // A session made by `client`, stored as `storage_type` says; S3 retries a dead gateway up to
  // S3_RECHECK_SECONDS after it died, so a session may be made again until it lands.
  static json MakeSession(httplib::Client& client, std::string_view storage_type) {
    json made;
    EXPECT_TRUE(WaitFor(
        [&] {
          auto r = Generate(client, kSeedRequest);
          if (!r.has_value()) return false;
          made = *r;
          return made["storage_type"] == storage_type;
        },
        std::chrono::seconds(60)))
        << made.dump(2);
    return made;
  }

  // Every segment presigned for `s3`'s bucket and region, and fetched from there.
  static void ExpectServedBy(const json& session, const testing::RgwEndpoint& rgw,
                             std::string_view region) {
    for (const json& seg : session["audio_segments"]) {
      ASSERT_TRUE(seg["presigned_url"].is_string()) << seg.dump();
      const std::string url = seg["presigned_url"];
      EXPECT_TRUE(url.starts_with(rgw.endpoint_url + "/")) << url;
      EXPECT_NE(url.find("%2F" + std::string(region) + "%2Fs3%2Faws4_request"), std::string::npos)
          << url;
      auto fetched = FetchAbsolute(url);
      ASSERT_TRUE(fetched) << url;
      EXPECT_EQ(fetched->status, 200) << fetched->body;
      EXPECT_TRUE(IsSpeechWav(fetched->body, 0.3, 10));
    }
  }

  static inline testing::RgwServer* primary_ = nullptr;
  static inline testing::RgwServer* replica_ = nullptr;
  static inline Status* primary_status_ = nullptr;
  static inline Status* replica_status_ = nullptr;
  static inline storage::HttpTransport* transport_ = nullptr;
  std::unique_ptr<storage::S3Client> primary_s3_;
  std::unique_ptr<storage::S3Client> replica_s3_;
};

TEST_F(ReplicaTest, PrimaryThenReplicaThenLocalThenPrimaryAgain) {
  SharedServer server({.env = Env()});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto anonymous = MakeClient(server.port());
  auto user = MakeClientFor(server.port(), SignUp(*anonymous, "replica_user"));

  auto info = anonymous->Get("/api/v1/tts/s3-info");
  ASSERT_TRUE(info);
  json targets = ParseJson(info->body)["targets"];
  ASSERT_EQ(targets.size(), 2u) << info->body;
  EXPECT_EQ(targets[0]["name"], PrimaryName());
  EXPECT_EQ(targets[0]["primary"], true);
  EXPECT_EQ(targets[1]["name"], ReplicaName());
  EXPECT_EQ(targets[1]["endpoint"], replica_->endpoint().endpoint_url);
  EXPECT_EQ(targets[1]["reachable"], true);

  // Both up: the primary.
  const json in_primary = MakeSession(*user, "s3");
  ExpectServedBy(in_primary, primary_->endpoint(), "us-east-1");
  for (const std::string& key : S3KeysOf(in_primary)) {
    EXPECT_TRUE(ObjectExists(*primary_s3_, key)) << key;
    EXPECT_FALSE(ObjectExists(*replica_s3_, key)) << key;
  }

  // The primary down: the replica, presigned for its region; s3-info says which is down.
  ASSERT_TRUE(primary_->Stop().ok());
  const json in_replica = MakeSession(*user, "s3");
  ExpectServedBy(in_replica, replica_->endpoint(), kReplicaRegion);
  for (const std::string& key : S3KeysOf(in_replica))
    EXPECT_TRUE(ObjectExists(*replica_s3_, key)) << key;
  const json kept_in_replica = MakeSession(*user, "s3");
  ExpectServedBy(kept_in_replica, replica_->endpoint(), kReplicaRegion);
  info = anonymous->Get("/api/v1/tts/s3-info");
  ASSERT_TRUE(info);
  targets = ParseJson(info->body)["targets"];
  EXPECT_EQ(targets[0]["reachable"], false) << info->body;
  EXPECT_EQ(targets[0]["accepting_uploads"], false) << info->body;
  EXPECT_TRUE(targets[0]["error"].is_string()) << info->body;
  EXPECT_EQ(targets[1]["reachable"], true) << info->body;

  // A session read again gets URLs for the bucket that holds it.
  auto reread = user->Get("/api/v1/tts/sessions/" + in_replica["session_id"].get<std::string>());
  ASSERT_TRUE(reread);
  ASSERT_EQ(reread->status, 200) << reread->body;
  ExpectServedBy(ParseJson(reread->body), replica_->endpoint(), kReplicaRegion);

  // Deleting reaches the replica.
  auto deleted =
      user->Delete("/api/v1/tts/sessions/" + in_replica["session_id"].get<std::string>());
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200) << deleted->body;
  for (const std::string& key : S3KeysOf(in_replica))
    EXPECT_FALSE(ObjectExists(*replica_s3_, key)) << key;

  // Both down: local, the warnings naming each bucket.
  ASSERT_TRUE(replica_->Stop().ok());
  const json local = MakeSession(*user, "local");
  const std::string warnings = local["warnings"].dump();
  EXPECT_NE(warnings.find(PrimaryName()), std::string::npos) << warnings;
  EXPECT_NE(warnings.find(ReplicaName()), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("no S3 bucket took them"), std::string::npos) << warnings;
  for (const json& seg : local["audio_segments"]) {
    auto audio = Download(*user, seg["local_url"]);
    ASSERT_TRUE(audio.has_value());
    EXPECT_TRUE(IsSpeechWav(*audio, 0.3, 10));
  }

  // The primary back: the primary again.
  ASSERT_TRUE(primary_->Start().ok());
  ASSERT_TRUE(replica_->Start().ok());
  // The first sessions after it may still land in the replica, or split between the two: the
  // upload outbox, another session, may be re-checking the primary as one begins, or the
  // primary's window may end between its parts (docs/decisions.md). Sessions are made until
  // one lands whole in the primary, without a warning.
  json back_in_primary;
  size_t objects_after_recovery = 0;  // of every session made here, split ones too
  EXPECT_TRUE(WaitFor(
      [&] {
        back_in_primary = MakeSession(*user, "s3");
        objects_after_recovery += S3KeysOf(back_in_primary).size();
        return back_in_primary["warnings"].empty();
      },
      std::chrono::seconds(60)))
      << back_in_primary.dump(2);
  ExpectServedBy(back_in_primary, primary_->endpoint(), "us-east-1");
  // The upload outbox: what stayed local while both were down goes to the primary now.
  EXPECT_NE(warnings.find("queued: uploaded to S3 once it takes them"), std::string::npos)
      << warnings;
  json local_now;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto got = user->Get("/api/v1/tts/sessions/" + local["session_id"].get<std::string>());
        if (!got || got->status != 200) return false;
        local_now = ParseJson(got->body);
        return local_now["storage_type"] == "s3";
      },
      std::chrono::seconds(90)))
      << local_now.dump(2);
  // Usually the primary; the replica if the outbox came while the primary was still skipped
  // after its failure (S3_RECHECK_SECONDS). Either serves what it holds.
  for (const json& seg : local_now["audio_segments"]) {
    auto fetched = FetchAbsolute(seg["presigned_url"].get<std::string>());
    ASSERT_TRUE(fetched) << seg.dump();
    EXPECT_EQ(fetched->status, 200) << fetched->body;
    EXPECT_TRUE(IsSpeechWav(fetched->body, 0.3, 10));
  }

  // Cleanup reaches both buckets: what is left in the replica and in the primary goes.
  for (const std::string& key : S3KeysOf(kept_in_replica)) {
    ASSERT_TRUE(ObjectExists(*replica_s3_, key)) << key << " did not survive the replica's restart";
  }
  // The catalog check finds each segment in the bucket its row names: nothing missing.
  const std::string data_dir = server.process().data_dir();
  auto checked = RunOperatorCli(data_dir, "catalog check", "", Env());
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  // And the scan counts every bucket: the primary's session and the replica's.
  auto scanned = RunOperatorCli(data_dir, "s3 usage --scan", "", Env());
  ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
  const std::string expected_objects =
      std::to_string(S3KeysOf(kept_in_replica).size() + objects_after_recovery +
                     S3KeysOf(in_primary).size() + S3KeysOf(local_now).size());
  // "total  -  <objects>  <bytes> ...": sessions are unknown to a listing.
  const size_t total = scanned.out.find("\ntotal ");
  ASSERT_NE(total, std::string::npos) << scanned.out;
  std::istringstream line(scanned.out.substr(total + 1));
  std::string name, sessions, objects;
  line >> name >> sessions >> objects;
  EXPECT_EQ(objects, expected_objects) << scanned.out;

  auto cleaned = user->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(cleaned);
  ASSERT_EQ(cleaned->status, 200) << cleaned->body;
  for (const std::string& key : S3KeysOf(kept_in_replica)) {
    EXPECT_FALSE(ObjectExists(*replica_s3_, key)) << key;
  }
  for (const std::string& key : S3KeysOf(back_in_primary)) {
    EXPECT_FALSE(ObjectExists(*primary_s3_, key)) << key;
  }
  for (const std::string& key : S3KeysOf(local_now)) {
    EXPECT_FALSE(ObjectExists(*primary_s3_, key)) << key;
    EXPECT_FALSE(ObjectExists(*replica_s3_, key)) << key;
  }
  auto listed = user->Get("/api/v1/tts/sessions");
  ASSERT_TRUE(listed);
  EXPECT_EQ(ParseJson(listed->body)["sessions"].size(), 0u) << listed->body;
}

TEST_F(ReplicaTest, ABadReplicaListStopsStartUpNamingTheVariable) {
  std::map<std::string, std::string> env = Env();
  for (const std::string& bad :
       std::vector<std::string>{"no-region", "Bad_Bucket@us-east-1", "b@r@ftp://x", PrimaryName(),
                                ReplicaName() + "," + ReplicaName()}) {
    env["S3_REPLICAS"] = bad;
    ScopedTempDir dir;
    auto run = RunOperatorCli(dir.path(), "config", "", env);
    EXPECT_NE(run.exit_code, 0) << bad;
    EXPECT_NE(run.err.find("S3_REPLICAS"), std::string::npos) << bad << ": " << run.err;
  }
  env["S3_REPLICAS"] = " " + ReplicaName() + "@http://127.0.0.1:9 , other-bucket@ap-south-1 ";
  ScopedTempDir dir;
  auto run = RunOperatorCli(dir.path(), "config", "", env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(
      run.out.find("S3_REPLICAS=" + ReplicaName() + "@http://127.0.0.1:9,other-bucket@ap-south-1"),
      std::string::npos)
      << run.out;
}

}  // namespace
}  // namespace swha::blackbox
