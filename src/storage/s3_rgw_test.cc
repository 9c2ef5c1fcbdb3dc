// S3Client against a real Ceph RADOS Gateway (scripts/s3-test-server.sh, docs/s3-test-server.md):
// a server that really checks SigV4 signatures and presigned-URL expiry, keeps x-amz-meta-*
// metadata and pages listings at 1,000 keys. The suite starts one gateway on its own ports and
// stops it at the end. If the gateway cannot start, every test fails: CI never skips S3.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "storage/s3_codec.h"
#include "tests/support/rgw_server.h"
#include "util/clock.h"
#include "util/crypto.h"

namespace swha::storage {
namespace {

// Fixed ports, away from the script's defaults (17480/16789), so this suite can run beside a
// developer's own test cluster.
constexpr int kS3Port = 17481;
constexpr int kMonPort = 16790;

// Counts the listing requests, to prove the 1,500-key listing really spans pages.
class CountingTransport : public HttpTransport {
 public:
  explicit CountingTransport(std::unique_ptr<HttpTransport> target) : target_(std::move(target)) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    if (request.url.find("list-type=2") != std::string::npos) ++list_requests;
    return target_->Send(request);
  }
  std::atomic<int> list_requests{0};

 private:
  std::unique_ptr<HttpTransport> target_;
};

class S3RgwTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::RgwServer(kS3Port, kMonPort);
    const Stopwatch watch;
    if (Status started = server_->Start(); !started.ok()) {
      setup_error_ = started.message();
      return;
    }
    const testing::RgwEndpoint& rgw = server_->endpoint();
    std::fprintf(stderr, "RGW started in %.1f s at %s\n", watch.ElapsedSeconds(),
                 rgw.endpoint_url.c_str());
    config_ = rgw.ClientConfig();
    transport_ = new CountingTransport(CreateCurlTransport());
    auto client = S3Client::Create(config_, transport_, Clock::Real());
    if (!client.ok()) {
      setup_error_ = client.status().ToString();
      return;
    }
    client_ = std::move(client).value().release();
  }

  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    delete transport_;
    transport_ = nullptr;
    const Stopwatch watch;
    delete server_;  // stops the gateway and removes its directory
    server_ = nullptr;
    std::fprintf(stderr, "RGW stopped in %.1f s\n", watch.ElapsedSeconds());
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  S3Client& client() { return *client_; }

  static testing::RgwServer* server_;
  static std::string setup_error_;
  static S3ClientConfig config_;
  static CountingTransport* transport_;
  static S3Client* client_;
};

testing::RgwServer* S3RgwTest::server_ = nullptr;
std::string S3RgwTest::setup_error_;
S3ClientConfig S3RgwTest::config_;
CountingTransport* S3RgwTest::transport_ = nullptr;
S3Client* S3RgwTest::client_ = nullptr;

TEST_F(S3RgwTest, HeadBucket) {
  const Status s = client().HeadBucket();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(S3RgwTest, PutObjectWithMetadataThenHeadObject) {
  const std::string body = "RIFF....WAVEfmt segment";
  const std::map<std::string, std::string> metadata = {
      {"session-id", "s-123"}, {"voice", "af_heart"}, {"graphemes", "Hello, world!"}};
  const Status put = client().PutObject("meta/segment_000.wav", body, "audio/wav", metadata);
  ASSERT_TRUE(put.ok()) << put.ToString();
  auto info = client().HeadObject("meta/segment_000.wav");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, body.size());
  EXPECT_EQ(info->content_type, "audio/wav");
  EXPECT_EQ(info->metadata, metadata);
  EXPECT_EQ(info->etag, crypto::HexEncode(crypto::Md5(body)));
  EXPECT_NEAR(static_cast<double>(info->last_modified),
              static_cast<double>(Clock::Real()->NowUnixSeconds()), 120);
}

std::string RandomBinary(size_t n) { return crypto::RandomBytes(n); }

TEST_F(S3RgwTest, GetObjectReturnsExactBytes) {
  const std::string key = "get/seg 1+\xc3\xa9~(x).wav";  // space, plus, UTF-8, parentheses
  const std::string body = RandomBinary(300 * 1024);
  ASSERT_TRUE(client().PutObject(key, body, "application/octet-stream").ok());
  auto got = client().GetObject(key);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == body) << "got " << got->size() << " bytes";
  auto empty = client().PutObject("get/empty", "", "");
  ASSERT_TRUE(empty.ok()) << empty.ToString();
  auto got_empty = client().GetObject("get/empty");
  ASSERT_TRUE(got_empty.ok()) << got_empty.status().ToString();
  EXPECT_EQ(*got_empty, "");
}

TEST_F(S3RgwTest, PresignedGetWorksAndTamperingOrExpiryIsRefused) {
  const std::string key = "presign/seg 1.wav";
  const std::string body = RandomBinary(4096);
  ASSERT_TRUE(client().PutObject(key, body, "audio/wav").ok());

  auto url = client().PresignGet(key, 600);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto fetched = transport_->Send({"GET", *url, {}, ""});
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->status, 200) << fetched->body;
  EXPECT_TRUE(fetched->body == body);

  std::string tampered = *url;
  tampered.back() = tampered.back() == '0' ? '1' : '0';  // the last hex digit of the signature
  auto refused = transport_->Send({"GET", tampered, {}, ""});
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->status, 403) << refused->body;

  auto short_lived = client().PresignGet(key, 1);
  ASSERT_TRUE(short_lived.ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  auto expired = transport_->Send({"GET", *short_lived, {}, ""});
  ASSERT_TRUE(expired.ok()) << expired.status().ToString();
  EXPECT_EQ(expired->status, 403) << expired->body;
}

TEST_F(S3RgwTest, PresignedPutUploadsAndIsBoundToItsMethod) {
  const std::string key = "presign/put me+1.wav";
  const std::string body = RandomBinary(3000);
  auto url = client().PresignPut(key, 600);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  auto put = transport_->Send({"PUT", *url, {{"Content-Type", "audio/wav"}}, body});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(put->status, 200) << put->body;
  auto stored = client().GetObject(key);
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(*stored == body);

  // The method is signed: the PUT URL does not read, and a GET URL does not write.
  auto get_with_put_url = transport_->Send({"GET", *url, {}, ""});
  ASSERT_TRUE(get_with_put_url.ok());
  EXPECT_EQ(get_with_put_url->status, 403);
  auto get_url = client().PresignGet(key, 600);
  ASSERT_TRUE(get_url.ok());
  auto put_with_get_url = transport_->Send({"PUT", *get_url, {}, "overwritten"});
  ASSERT_TRUE(put_with_get_url.ok());
  EXPECT_EQ(put_with_get_url->status, 403);
  EXPECT_TRUE(*client().GetObject(key) == body);
  EXPECT_EQ(client().PresignPut(key, 604801).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(S3RgwTest, ListsAndDeletesOverManyPages) {
  constexpr int kKeys = 1500;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "many/k%05d", i);
    keys.emplace_back(name);
  }
  keys[10] = "many/with space+plus&amp";  // survives encoding-type=url and the Delete XML
  const Stopwatch put_watch;
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (size_t i; (i = next++) < keys.size();) {
        if (!client().PutObject(keys[i], "x", "text/plain").ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  std::fprintf(stderr, "put %d objects in %.1f s\n", kKeys, put_watch.ElapsedSeconds());

  const Stopwatch list_watch;
  const int list_requests_before = transport_->list_requests.load();
  auto listed = client().ListObjectsV2("many/");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::fprintf(stderr, "listed in %.2f s\n", list_watch.ElapsedSeconds());
  ASSERT_EQ(listed->size(), keys.size());
  EXPECT_EQ(transport_->list_requests.load() - list_requests_before, 2);  // 1,000 + 500
  std::set<std::string> listed_keys;
  for (const ListedObject& o : *listed) {
    listed_keys.insert(o.key);
    EXPECT_EQ(o.size, 1u);
    EXPECT_EQ(o.etag, crypto::HexEncode(crypto::Md5("x")));
  }
  EXPECT_EQ(listed_keys, std::set<std::string>(keys.begin(), keys.end()));

  const Stopwatch delete_watch;
  auto errors = client().DeleteObjects(keys);
  ASSERT_TRUE(errors.ok()) << errors.status().ToString();
  EXPECT_TRUE(errors->empty()) << (*errors)[0].key << ": " << (*errors)[0].code;
  std::fprintf(stderr, "deleted in %.2f s\n", delete_watch.ElapsedSeconds());
  auto after = client().ListObjectsV2("many/");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->empty()) << after->size() << " left";
}

TEST_F(S3RgwTest, MissingObjectIsNotFound) {
  auto head = client().HeadObject("missing/nothing.wav");
  EXPECT_EQ(head.status().code(), StatusCode::kNotFound) << head.status().ToString();
  auto get = client().GetObject("missing/nothing.wav");
  EXPECT_EQ(get.status().code(), StatusCode::kNotFound) << get.status().ToString();
  EXPECT_NE(get.status().message().find("NoSuchKey"), std::string::npos) << get.status().ToString();
  EXPECT_TRUE(client().DeleteObject("missing/nothing.wav").ok());
}

TEST_F(S3RgwTest, WrongSecretIsPermissionDeniedWithoutLeakingIt) {
  S3ClientConfig config = config_;
  config.credentials.secret_access_key = "not-the-secret-XYZ";
  auto bad = S3Client::Create(config, transport_, Clock::Real());
  ASSERT_TRUE(bad.ok());
  const Status s = (*bad)->PutObject("denied/k", "x", "text/plain");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(s.message().find("not-the-secret-XYZ"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace swha::storage
