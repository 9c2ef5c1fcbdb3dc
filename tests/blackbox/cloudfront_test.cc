// CloudFront in front of the gateway (CLOUDFRONT_*): the URLs the service hands out are
// CloudFront signed URLs, and a stand-in edge that holds only the public key
// (tests/support/cloudfront_edge.h) serves the exact audio through them, refusing tampered,
// expired and foreign-address ones. Part of the S3 storage suite (s3_storage_fixture.h).
#include <atomic>

#include "s3_storage_fixture.h"
#include "tests/support/cloudfront_edge.h"
#include "util/rsa.h"

namespace swha::blackbox {
namespace {

constexpr const char* kDomain = "d111111abcdef8.cloudfront.net";
constexpr const char* kKeyPairId = "K2JCJMDEHXQW5F";

// A CloudFront key pair, its private key in a file for the service, and an edge holding the
// public key in front of the suite's gateway.
class CloudFrontRig {
 public:
  explicit CloudFrontRig(const testing::RgwEndpoint& rgw) : rgw_(rgw) {
    auto key = crypto::RsaPrivateKey::Generate(2048);
    if (!key.ok()) {
      error_ = key.status().message();
      return;
    }
    key_file_ = keys_.path() + "/cloudfront.pem";
    WriteFileBytes(key_file_, key->PrivateKeyPem());
    auto edge = testing::CloudFrontEdge::Start(
        {.domain = kDomain,
         .key_pair_id = kKeyPairId,
         .public_key_pem = key->PublicKeyPem(),
         .origin = rgw.ClientConfig(),
         .now_unix = [this] { return NowUnixSeconds() + clock_skew.load(); }});
    if (edge.ok()) {
      edge_ = std::move(edge).value();
    } else {
      error_ = edge.status().message();
    }
  }

  bool ready() const { return edge_ != nullptr; }
  const std::string& error() const { return error_; }
  testing::CloudFrontEdge& edge() { return *edge_; }

  std::map<std::string, std::string> Env(const std::string& allowed_ip = "") const {
    return ServiceEnv(rgw_, {{"CLOUDFRONT_DOMAIN", kDomain},
                             {"CLOUDFRONT_KEY_PAIR_ID", kKeyPairId},
                             {"CLOUDFRONT_PRIVATE_KEY_FILE", key_file_},
                             {"CLOUDFRONT_ALLOWED_IP", allowed_ip}});
  }

  // GET through the edge; status and body.
  std::pair<int, std::string> Fetch(const std::string& signed_url) {
    auto res = FetchAbsolute(edge_->LocalUrl(signed_url));
    if (!res) return {-1, httplib::to_string(res.error())};
    return {res->status, res->body};
  }

  std::atomic<int64_t> clock_skew{0};  // seconds the edge's clock runs ahead

 private:
  testing::RgwEndpoint rgw_;
  ScopedTempDir keys_;
  std::string key_file_;
  std::string error_;
  std::unique_ptr<testing::CloudFrontEdge> edge_;
};

TEST_F(S3StorageTest, CloudFrontSignedUrlsServeTheExactAudioThroughTheEdge) {
  CloudFrontRig cf(rgw_->endpoint());
  ASSERT_TRUE(cf.ready()) << cf.error();
  SharedServer cdn({.env = cf.Env()});
  ASSERT_TRUE(cdn.started()) << cdn.start_error();
  auto client = MakeClient(cdn.port());
  auto made = Generate(*client, kSeedRequest);
  ASSERT_TRUE(made.has_value());
  ASSERT_EQ((*made)["storage_type"], "s3") << made->dump(2);
  const std::string session = (*made)["session_id"];
  const int64_t now = NowUnixSeconds();
  for (const json& seg : (*made)["audio_segments"]) {
    const std::string url = seg["presigned_url"];
    const std::string resource = StrCat({"https://", kDomain, "/", kAnonymousPrefix, session, "/",
                                         seg["filename"].get<std::string>()});
    ASSERT_TRUE(url.starts_with(resource + "?Expires=")) << url;
    EXPECT_TRUE(url.ends_with(std::string("&Key-Pair-Id=") + kKeyPairId)) << url;
    EXPECT_NEAR(seg["expires_at"].get<double>(), static_cast<double>(now + 7200), 30);
    EXPECT_NE(url.find(StrCat({"Expires=", std::to_string(seg["expires_at"].get<int64_t>())})),
              std::string::npos);
    const auto [status, body] = cf.Fetch(url);
    ASSERT_EQ(status, 200) << body;
    auto local = Download(*client, seg["local_url"]);
    ASSERT_TRUE(local.has_value());
    EXPECT_EQ(body, *local) << "the edge served other bytes than were stored";
    EXPECT_EQ(HexSha256(body), seg["sha256"]);
  }

  // Tampered: one signature character, or another segment's signature on this key.
  std::string url = (*made)["audio_files"][0];
  std::string tampered = url;
  const size_t sig = tampered.find("Signature=") + 10;
  tampered[sig] = tampered[sig] == 'A' ? 'B' : 'A';
  EXPECT_EQ(cf.Fetch(tampered).first, 403);
  const std::string other = (*made)["audio_files"][1];
  const std::string swapped =
      other.substr(0, other.find("Signature=")) + url.substr(url.find("Signature="));
  EXPECT_EQ(cf.Fetch(swapped).first, 403);
  // A later expiry written into the URL does not verify.
  std::string extended = url;
  const size_t expires = extended.find("Expires=") + 8;
  extended[expires] = extended[expires] == '9' ? '8' : '9';
  EXPECT_EQ(cf.Fetch(extended).first, 403);
  // Expired: the edge's clock three hours on.
  cf.clock_skew = 3 * 3600;
  EXPECT_EQ(cf.Fetch(url).first, 403);
  cf.clock_skew = 0;
  EXPECT_EQ(cf.Fetch(url).first, 200);

  auto info = client->Get("/api/v1/tts/s3-info");
  ASSERT_TRUE(info && info->status == 200);
  EXPECT_EQ(ParseJson(info->body)["cloudfront_domain"], kDomain);
  EXPECT_EQ(info->body.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(S3StorageTest, CloudFrontUrlsForSessionsAndBatchesToo) {
  CloudFrontRig cf(rgw_->endpoint());
  ASSERT_TRUE(cf.ready()) << cf.error();
  SharedServer cdn({.env = cf.Env()});
  ASSERT_TRUE(cdn.started()) << cdn.start_error();
  auto user = MakeClientFor(cdn.port(), SignUp(*MakeClient(cdn.port()), "cdn_user"));
  auto made = Generate(*user, kSeedRequest);
  ASSERT_TRUE(made.has_value());
  const std::string session = (*made)["session_id"];
  auto fetched = user->Get("/api/v1/tts/sessions/" + session + "?presigned_url_expiry=900");
  ASSERT_TRUE(fetched && fetched->status == 200);
  const json again = ParseJson(fetched->body);
  const std::string url = again["audio_files"][0];
  ASSERT_TRUE(url.starts_with(StrCat({"https://", kDomain, "/audio/users/"}))) << url;
  EXPECT_NEAR(again["expires_at"].get<double>(), static_cast<double>(NowUnixSeconds() + 900), 30);
  EXPECT_EQ(cf.Fetch(url).first, 200);

  auto batch = PostJson(*user, "/api/v1/tts/presign",
                        {{"s3_keys", {(*made)["audio_segments"][1]["s3_key"]}}});
  ASSERT_TRUE(batch && batch->status == 200);
  const std::string batch_url = ParseJson(batch->body)["items"][0]["url"];
  ASSERT_TRUE(batch_url.starts_with(StrCat({"https://", kDomain, "/"}))) << batch_url;
  const auto [status, body] = cf.Fetch(batch_url);
  ASSERT_EQ(status, 200);
  EXPECT_EQ(HexSha256(body), (*made)["audio_segments"][1]["sha256"]);
  // This server's user ids repeat the suite's server's: leave no objects under audio/users/.
  auto deleted = user->Delete("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(deleted && deleted->status == 200);
}

// CLOUDFRONT_ALLOWED_IP: a custom policy (Policy=...) that only that address may use.
TEST_F(S3StorageTest, CloudFrontCustomPolicyAdmitsOnlyTheAllowedAddress) {
  CloudFrontRig cf(rgw_->endpoint());
  ASSERT_TRUE(cf.ready()) << cf.error();
  SharedServer loopback({.env = cf.Env("127.0.0.1")});
  ASSERT_TRUE(loopback.started()) << loopback.start_error();
  auto made = Generate(*MakeClient(loopback.port()), kSeedRequest);
  ASSERT_TRUE(made.has_value());
  const std::string url = (*made)["audio_files"][0];
  EXPECT_NE(url.find("?Policy="), std::string::npos) << url;
  EXPECT_EQ(url.find("Expires="), std::string::npos) << url;
  EXPECT_EQ(cf.Fetch(url).first, 200);

  SharedServer elsewhere({.env = cf.Env("192.0.2.0/24")});
  ASSERT_TRUE(elsewhere.started()) << elsewhere.start_error();
  auto foreign = Generate(*MakeClient(elsewhere.port()), kSeedRequest);
  ASSERT_TRUE(foreign.has_value());
  const int refused_before = cf.edge().refused();
  EXPECT_EQ(cf.Fetch((*foreign)["audio_files"][0]).first, 403);
  EXPECT_EQ(cf.edge().refused(), refused_before + 1);
}

}  // namespace
}  // namespace swha::blackbox
