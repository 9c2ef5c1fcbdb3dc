// The S3 storage suite's fixture: one Ceph RADOS Gateway and one service using it for every
// test of the suite (s3_storage_test.cc, cloudfront_test.cc), in one CTest test. Test files
// that add to the suite sort before s3_storage_test.cc, whose last test stops the gateway.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "blackbox_helpers.h"
#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tests/support/rgw_server.h"
#include "util/clock.h"

namespace swha::blackbox {

inline constexpr int kRgwPort = 17581;
inline constexpr int kMonPort = 16890;
inline constexpr std::string_view kAnonymousPrefix = "audio/anonymous/";
inline const json kSeedRequest = {
    {"text", "Hello world!\nThis is the second line.\nAnd a third one."},
    {"voice", "af_heart"},
    {"language_code", "a"},
    {"use_s3", true},
    {"presigned_url_expiry", 7200}};

inline std::map<std::string, std::string> ServiceEnv(
    const testing::RgwEndpoint& rgw, const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> env = rgw.AsEnv();
  env["USE_S3_STORAGE"] = "true";
  env["S3_RECHECK_SECONDS"] = "1";
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

// Whether `key` is in `s3`'s bucket; anything but an answer of NotFound is a test failure.
inline bool ObjectExists(const storage::S3Client& s3, const std::string& key) {
  auto info = s3.HeadObject(key);
  EXPECT_TRUE(info.ok() || info.status().code() == StatusCode::kNotFound)
      << info.status().ToString();
  return info.ok();
}

// The S3 keys of a generate or session answer's segments, in order.
inline std::vector<std::string> S3KeysOf(const json& session) {
  std::vector<std::string> keys;
  for (const json& seg : session["audio_segments"]) keys.push_back(seg["s3_key"]);
  return keys;
}

class S3StorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rgw_ = new testing::RgwServer(kRgwPort, kMonPort);
    rgw_status_ = new Status(rgw_->Start());
    if (!rgw_status_->ok()) return;
    server_ = new SharedServer({.env = ServiceEnv(rgw_->endpoint())});
    transport_ = storage::CreateCurlTransport().release();
    auto client =
        storage::S3Client::Create(rgw_->endpoint().ClientConfig(), transport_, Clock::Real());
    if (client.ok()) s3_ = client->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete s3_;
    delete transport_;
    delete rgw_;
    delete rgw_status_;
  }
  void SetUp() override {
    ASSERT_TRUE(rgw_status_->ok()) << rgw_status_->message();
    ASSERT_TRUE(server_->started()) << server_->start_error();
    ASSERT_NE(s3_, nullptr);
    client_ = MakeClient(server_->port());
  }

  size_t CountObjects(std::string_view prefix) {
    auto listed = s3_->ListObjectsV2(prefix);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? listed->size() : 0;
  }

  // Every segment in S3 under the seed's key, its presigned URL serving the same bytes as its
  // local URL on `service` (the server that made it), and S3 holding the original's metadata.
  void ExpectStoredInS3(httplib::Client& service, const json& r, bool keep_local_copy) {
    ASSERT_EQ(r["storage_type"], "s3") << r.dump(2);
    EXPECT_TRUE(r["warnings"].empty()) << r.dump(2);
    const std::string session = r["session_id"];
    const int64_t now = NowUnixSeconds();
    for (size_t i = 0; i < r["audio_segments"].size(); ++i) {
      const json& seg = r["audio_segments"][i];
      const std::string filename = seg["filename"];
      const std::string key = StrCat({kAnonymousPrefix, session, "/", filename});
      EXPECT_EQ(seg["storage_type"], "s3");
      EXPECT_EQ(seg["s3_key"], key);
      ASSERT_TRUE(seg["presigned_url"].is_string()) << seg.dump();
      const std::string url = seg["presigned_url"];
      EXPECT_EQ(r["audio_files"][i], url);
      EXPECT_NE(url.find("X-Amz-Expires=7200"), std::string::npos) << url;
      EXPECT_NEAR(seg["expires_at"].get<double>(), static_cast<double>(now + 7200), 30);

      auto fetched = FetchAbsolute(url);
      ASSERT_TRUE(fetched) << url;
      ASSERT_EQ(fetched->status, 200) << fetched->body;
      EXPECT_TRUE(IsSpeechWav(fetched->body, 0.3, 10));
      if (keep_local_copy) {
        auto local = Download(service, seg["local_url"]);
        ASSERT_TRUE(local.has_value());
        EXPECT_EQ(*local, fetched->body) << "S3 and the local copy differ for " << key;
      } else {
        EXPECT_TRUE(seg["local_url"].is_null()) << seg.dump();
      }

      auto info = s3_->HeadObject(key);
      ASSERT_TRUE(info.ok()) << info.status().ToString();
      EXPECT_EQ(info->size, fetched->body.size());
      EXPECT_EQ(info->content_type, "audio/wav");
      EXPECT_EQ(info->metadata["session-id"], session);
      EXPECT_EQ(info->metadata["user-id"], "anonymous");
      EXPECT_EQ(info->metadata["filename"], seg["filename"]);
      EXPECT_EQ(info->metadata["voice"], "af_heart");
      EXPECT_EQ(info->metadata["language-code"], "a");
      EXPECT_EQ(info->metadata["speed"], "1.0");
      EXPECT_EQ(info->metadata["segment-index"], std::to_string(i));
      EXPECT_EQ(info->metadata["graphemes"], seg["graphemes"]);
      EXPECT_EQ(info->metadata["generated-at"].size(), 20u) << info->metadata["generated-at"];
    }
  }

  static inline testing::RgwServer* rgw_ = nullptr;
  static inline Status* rgw_status_ = nullptr;
  static inline SharedServer* server_ = nullptr;
  static inline storage::HttpTransport* transport_ = nullptr;
  static inline storage::S3Client* s3_ = nullptr;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace swha::blackbox
