// Credentials the way AWS deployments hand them out, end to end: the service started with only
// a role (a [profile] with role_arn, a web identity token file, an instance metadata endpoint,
// a container credentials URL) stores audio in a real Ceph gateway and hands out presigned URLs
// that work, and keeps doing so while its temporary credentials expire and are replaced.
//
// The credentials are real: the gateway's own STS (AssumeRole of the role
// scripts/s3-test-server.sh creates) makes them. The stand-in (tests/support/
// aws_credentials_standin.h) passes them on through IMDSv2, the container endpoint or STS,
// saying they expire after a few seconds, so that the service refreshes them in the test.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "aws/sts_client.h"
#include "blackbox_helpers.h"
#include "s3_storage_fixture.h"
#include "storage/http_transport.h"
#include "tests/support/aws_credentials_standin.h"
#include "tests/support/rgw_server.h"

namespace swha::blackbox {
namespace {

constexpr int kCredentialsRgwPort = 18481;  // every suite its own gateway (doctor: 18081)
constexpr int kCredentialsMonPort = 18590;
constexpr int kReportedLifetimeSeconds = 6;  // the service refreshes after about 3 s
constexpr std::string_view kWebIdentityToken = "eyJhbGciOiJSUzI1NiJ9.standin.signature";

class AwsCredentialsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rgw_ = new testing::RgwServer(kCredentialsRgwPort, kCredentialsMonPort);
    status_ = new Status(rgw_->Start());
    if (!status_->ok()) return;
    transport_ = storage::CreateCurlTransport().release();
    const testing::RgwEndpoint& e = rgw_->endpoint();
    sts_ = new aws::StsClient({.region = "us-east-1", .endpoint_url = e.endpoint_url}, transport_,
                              Clock::Real(), {.max_attempts = 1});
    auto standin = testing::AwsCredentialsStandin::Start(
        {.vendor =
             [] {
               const testing::RgwEndpoint& rgw = rgw_->endpoint();
               return sts_->AssumeRole({.role_arn = std::string(testing::kRgwTestRoleArn),
                                        .role_session_name = "standin",
                                        .duration_seconds = aws::kMinRoleSessionSeconds},
                                       {rgw.access_key_id, rgw.secret_access_key, ""});
             },
         .reported_lifetime_seconds = kReportedLifetimeSeconds,
         .sts_callers = {{e.access_key_id, e.secret_access_key}},
         .web_identity_token = std::string(kWebIdentityToken)});
    if (!standin.ok()) {
      *status_ = standin.status();
      return;
    }
    standin_ = standin->release();
  }
  static void TearDownTestSuite() {
    delete standin_;
    delete sts_;
    delete transport_;
    delete rgw_;
    delete status_;
  }
  void SetUp() override { ASSERT_TRUE(status_->ok()) << status_->ToString(); }

  // The gateway's S3 settings without its keys, and an empty HOME: credentials come only from
  // what the test adds.
  std::map<std::string, std::string> RoleOnlyEnv(const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> env = ServiceEnv(rgw_->endpoint(), extra);
    env.erase("AWS_ACCESS_KEY_ID");
    env.erase("AWS_SECRET_ACCESS_KEY");
    env["HOME"] = home_.path();
    return env;
  }
  std::string WriteHomeFile(const std::string& relative, std::string_view text) {
    std::string path = home_.path() + "/" + relative;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    WriteFileBytes(path, text);
    return path;
  }

  // One generate to S3 whose presigned URL then downloads the WAV; returns the URL's expiry and
  // adds the access key id that signed it to `signers`.
  static int64_t GenerateToS3AndDownload(httplib::Client& client,
                                         std::set<std::string>* signers = nullptr) {
    auto session = Generate(client, {{"text", "Credentials that change."}, {"use_s3", true}});
    if (!session) return 0;
    const json& seg = (*session)["audio_segments"][0];
    EXPECT_TRUE((*session)["warnings"].empty()) << session->dump();
    EXPECT_FALSE(seg["s3_key"].is_null()) << session->dump();
    const std::string url = (*session)["audio_files"][0];
    EXPECT_NE(url.find("X-Amz-Security-Token="), std::string::npos) << url;
    const size_t credential = url.find("X-Amz-Credential=");
    if (signers != nullptr && credential != std::string::npos) {
      const size_t start = credential + std::string_view("X-Amz-Credential=").size();
      signers->insert(url.substr(start, url.find("%2F", start) - start));
    }
    auto got = FetchAbsolute(url);
    EXPECT_TRUE(got && got->status == 200) << (got ? got->body : "no answer");
    if (got && got->status == 200) {
      EXPECT_EQ(got->body.substr(0, 4), "RIFF");
    }
    return seg.value("expires_at", int64_t{0});
  }

  // Generates to S3 for `seconds`, every second; each URL must work and end no later than the
  // credentials that signed it. Returns how many different credentials signed the URLs (each
  // of the gateway's STS sessions has an access key id of its own), so that a test can tell
  // that refreshed credentials were used, not only fetched.
  static size_t KeepGenerating(httplib::Client& client, int seconds) {
    std::set<std::string> signers;
    for (int i = 0; i < seconds; ++i) {
      const int64_t now = NowUnixSeconds();
      const int64_t expires_at = GenerateToS3AndDownload(client, &signers);
      EXPECT_GT(expires_at, now);
      EXPECT_LE(expires_at, now + kReportedLifetimeSeconds + 1) << "cut to the credentials";
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    return signers.size();
  }

  static json S3Info(httplib::Client& client) {
    auto res = client.Get("/api/v1/tts/s3-info");
    EXPECT_TRUE(res && res->status == 200);
    return res ? ParseJson(res->body) : json();
  }

  static double Refreshes(SharedServer& server, std::string_view source) {
    auto client = MakeClient(server.port());
    auto res = client->Get("/metrics");
    EXPECT_TRUE(res && res->status == 200);
    return MetricSample(res ? res->body : "", "swha_aws_credential_refreshes_total{source=\"" +
                                                  std::string(source) + "\",outcome=\"success\"}");
  }

  ScopedTempDir home_;
  static inline testing::RgwServer* rgw_ = nullptr;
  static inline Status* status_ = nullptr;
  static inline storage::HttpTransport* transport_ = nullptr;
  static inline aws::StsClient* sts_ = nullptr;
  static inline testing::AwsCredentialsStandin* standin_ = nullptr;
};

// A [profile] with role_arn and source_profile, assumed at the gateway's own STS: uploads and
// presigned URLs work with the role's session credentials.
TEST_F(AwsCredentialsTest, AProfileRoleAssumedAtTheGatewaysStsStoresAndPresigns) {
  const testing::RgwEndpoint& e = rgw_->endpoint();
  WriteHomeFile(".aws/credentials", "[base]\naws_access_key_id = " + e.access_key_id +
                                        "\naws_secret_access_key = " + e.secret_access_key + "\n");
  WriteHomeFile(".aws/config", "[default]\nrole_arn = " + std::string(testing::kRgwTestRoleArn) +
                                   "\nsource_profile = base\nrole_session_name = swha-test\n");
  SharedServer server({.env = RoleOnlyEnv({{"AWS_ENDPOINT_URL_STS", e.endpoint_url}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  auto session = Generate(*client, {{"text", "Assumed."}, {"use_s3", true}});
  ASSERT_TRUE(session.has_value());
  const json& seg = (*session)["audio_segments"][0];
  ASSERT_FALSE(seg["s3_key"].is_null()) << session->dump();
  auto got = FetchAbsolute((*session)["audio_files"][0]);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200) << got->body;
  const json info = S3Info(*client);
  EXPECT_EQ(info["credentials_source"], "assume-role") << info.dump();
  ASSERT_TRUE(info["credentials_expire_at"].is_number()) << info.dump();
  EXPECT_GT(info["credentials_expire_at"].get<int64_t>(), NowUnixSeconds() + 600);
  EXPECT_EQ(info.dump().find(home_.path()), std::string::npos);
  EXPECT_EQ(server.process().ReadLog().find(e.secret_access_key), std::string::npos);
}

// Only a [profile] with role_arn and source_profile, assumed at an STS (the stand-in, which
// checks our SigV4 signature) whose credentials last seconds: several expiries in one run.
TEST_F(AwsCredentialsTest, AProfileRoleIsAssumedAgainAcrossExpiries) {
  const testing::RgwEndpoint& e = rgw_->endpoint();
  WriteHomeFile(".aws/credentials", "[base]\naws_access_key_id = " + e.access_key_id +
                                        "\naws_secret_access_key = " + e.secret_access_key + "\n");
  WriteHomeFile(".aws/config",
                "[profile app]\nrole_arn = arn:aws:iam::1:role/app\nsource_profile = base\n");
  const int before = standin_->handed_out("sts");
  const int refused = standin_->refused();
  SharedServer server({.env = RoleOnlyEnv({{"AWS_PROFILE", "app"},
                                           {"AWS_ENDPOINT_URL_STS", standin_->base_url()}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  EXPECT_GE(KeepGenerating(*client, kReportedLifetimeSeconds + 2), 2u);
  EXPECT_GE(standin_->handed_out("sts") - before, 3);
  EXPECT_EQ(standin_->refused(), refused) << "every signature checked out";
  EXPECT_GE(Refreshes(server, "assume-role"), 2);
}

// Only a web identity token file and a role (as EKS gives a pod): several expiries in one run.
TEST_F(AwsCredentialsTest, WebIdentityCredentialsAreReplacedAcrossExpiries) {
  const std::string token_file = WriteHomeFile("token", kWebIdentityToken);
  const int before = standin_->handed_out("sts");
  SharedServer server({.env = RoleOnlyEnv({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                                           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/pod"},
                                           {"AWS_ENDPOINT_URL_STS", standin_->base_url()}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  EXPECT_GE(KeepGenerating(*client, 3 * kReportedLifetimeSeconds / 2 + 2), 3u);
  EXPECT_GE(standin_->handed_out("sts") - before, 4);
  EXPECT_GE(Refreshes(server, "web-identity"), 3);
  EXPECT_EQ(S3Info(*client)["credentials_source"], "web-identity");
  EXPECT_EQ(server.process().ReadLog().find(kWebIdentityToken), std::string::npos);
}

// Only the instance metadata service (IMDSv2).
TEST_F(AwsCredentialsTest, InstanceMetadataCredentialsAreReplacedAcrossExpiries) {
  const int before = standin_->handed_out("imds");
  SharedServer server(
      {.env = RoleOnlyEnv({{"AWS_EC2_METADATA_DISABLED", "false"},
                           {"AWS_EC2_METADATA_SERVICE_ENDPOINT", standin_->base_url()}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  EXPECT_GE(KeepGenerating(*client, kReportedLifetimeSeconds + 2), 2u);
  EXPECT_GE(standin_->handed_out("imds") - before, 3);
  EXPECT_GE(Refreshes(server, "instance-metadata"), 2);
  EXPECT_EQ(S3Info(*client)["credentials_source"], "instance-metadata");
}

// Only a container credentials URL and its authorization token file (EKS Pod Identity).
TEST_F(AwsCredentialsTest, ContainerCredentialsAreReplacedAcrossExpiries) {
  const std::string auth_file = WriteHomeFile("auth", "container-token\n");
  const int before = standin_->handed_out("container");
  SharedServer server(
      {.env = RoleOnlyEnv({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", standin_->container_url()},
                           {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", auth_file}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  EXPECT_GE(KeepGenerating(*client, kReportedLifetimeSeconds + 2), 2u);
  EXPECT_GE(standin_->handed_out("container") - before, 3);
  EXPECT_EQ(S3Info(*client)["credentials_source"], "container");
}

// A refused web identity at start-up: S3 is not used and every request says why, nothing is
// lost, and once the token is right the service uses S3 again without a restart.
TEST_F(AwsCredentialsTest, ARefusedWebIdentityKeepsAudioLocalAndSaysSo) {
  const std::string token_file = WriteHomeFile("token", "not.the.token");
  const int refused = standin_->refused();
  SharedServer server({.env = RoleOnlyEnv({{"AWS_WEB_IDENTITY_TOKEN_FILE", token_file},
                                           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/pod"},
                                           {"AWS_ENDPOINT_URL_STS", standin_->base_url()},
                                           {"S3_RECHECK_SECONDS", "1"}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  EXPECT_GT(standin_->refused(), refused);
  auto client = MakeClient(server.port());
  auto session = Generate(*client, {{"text", "Kept here."}, {"use_s3", true}});
  ASSERT_TRUE(session.has_value());
  EXPECT_TRUE((*session)["audio_segments"][0]["s3_key"].is_null());
  ASSERT_FALSE((*session)["warnings"].empty());
  const std::string log = server.process().ReadLog();
  EXPECT_NE(log.find("InvalidIdentityToken"), std::string::npos) << log;
  EXPECT_EQ(log.find("not.the.token"), std::string::npos);
  const json info = S3Info(*client);
  EXPECT_EQ(info["credentials_source"], "web-identity") << info.dump();
  EXPECT_TRUE(info["credentials_error"].is_string()) << info.dump();
  // The platform fixes the token: the service picks it up without a restart.
  WriteHomeFile("token", kWebIdentityToken);
  ASSERT_TRUE(WaitFor([&] { return S3Info(*client)["credentials_error"].is_null(); },
                      std::chrono::seconds(20)));
  // S3 takes uploads again once the failed one's re-check window (S3_RECHECK_SECONDS) is over;
  // a generate before then rightly stays local (the ASan run once got there that quickly).
  ASSERT_TRUE(WaitFor(
      [&] {
        auto again = Generate(*client, {{"text", "Kept here."}, {"use_s3", true}});
        return again && !(*again)["audio_segments"][0]["s3_key"].is_null();
      },
      std::chrono::seconds(20)));
  GenerateToS3AndDownload(*client);
}

}  // namespace
}  // namespace swha::blackbox
