#include "storage/s3_client.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "storage/http_transport_testing.h"
#include "storage/s3_codec.h"
#include "util/crypto.h"

namespace swha::storage {
namespace {

constexpr int64_t k20261124 = 1795496553;  // 2026-11-24T05:02:33Z (Python calendar.timegm)

std::string ErrorXml(std::string_view code, std::string_view message,
                     std::string_view request_id = "4442587FB7D0A2F9") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + std::string(code) +
         "</Code><Message>" + std::string(message) + "</Message><RequestId>" +
         std::string(request_id) + "</RequestId></Error>";
}

S3ClientConfig AwsConfig(std::string region = "us-east-1") {
  S3ClientConfig c;
  c.region = std::move(region);
  c.bucket = "swha-bucket";
  c.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  return c;
}

S3ClientConfig CompatConfig(std::string endpoint) {
  S3ClientConfig c = AwsConfig();
  c.endpoint_url = std::move(endpoint);
  return c;
}

class S3ClientTest : public ::testing::Test {
 protected:
  S3ClientTest() : clock_(k20261124 * 1000) {
    retry_.random = [this] { return random_value_; };
    retry_.sleep = [this](double s) {
      sleeps_.push_back(s);
      clock_.AdvanceSeconds(static_cast<int64_t>(s) + 1);
    };
  }

  std::unique_ptr<S3Client> Make(S3ClientConfig config) {
    auto client = S3Client::Create(std::move(config), &transport_, &clock_, retry_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // The URL a GetObject of `key` is sent to.
  std::string GetUrl(S3ClientConfig config, std::string_view key) {
    auto client = Make(std::move(config));
    if (client == nullptr) return "<no client>";
    EXPECT_TRUE(client->GetObject(key).ok());
    return transport_.requests().back().url;
  }

  FakeTransport transport_;
  ManualClock clock_;
  RetryPolicy retry_;
  double random_value_ = 0.5;
  std::vector<double> sleeps_;
};

// --- URLs and hosts -------------------------------------------------------------------------

TEST_F(S3ClientTest, AwsVirtualHostedByDefault) {
  EXPECT_EQ(GetUrl(AwsConfig(), "a/b.wav"), "https://swha-bucket.s3.amazonaws.com/a/b.wav");
  EXPECT_EQ(GetUrl(AwsConfig("eu-west-1"), "a/b.wav"),
            "https://swha-bucket.s3.eu-west-1.amazonaws.com/a/b.wav");
  EXPECT_EQ(GetUrl(AwsConfig("cn-north-1"), "k"),
            "https://swha-bucket.s3.cn-north-1.amazonaws.com.cn/k");
}

TEST_F(S3ClientTest, AwsPathStyleWhenForcedOrBucketHasDots) {
  S3ClientConfig path = AwsConfig("eu-west-1");
  path.addressing_style = "Path";  // the case used in docs/s3-test-server.md
  EXPECT_EQ(GetUrl(path, "a/b.wav"), "https://s3.eu-west-1.amazonaws.com/swha-bucket/a/b.wav");
  S3ClientConfig dotted = AwsConfig();
  dotted.bucket = "audio.example.com";
  EXPECT_EQ(GetUrl(dotted, "k"), "https://s3.amazonaws.com/audio.example.com/k");
}

TEST_F(S3ClientTest, CompatibleEndpointPathStyleByDefault) {
  EXPECT_EQ(GetUrl(CompatConfig("http://127.0.0.1:9000"), "a/b.wav"),
            "http://127.0.0.1:9000/swha-bucket/a/b.wav");
  // The scheme's default port is dropped so the signed Host is what libcurl sends.
  EXPECT_EQ(GetUrl(CompatConfig("https://minio.example.com:443/"), "k"),
            "https://minio.example.com/swha-bucket/k");
  EXPECT_EQ(GetUrl(CompatConfig("http://gw.local:8080/s3/"), "k"),
            "http://gw.local:8080/s3/swha-bucket/k");
}

TEST_F(S3ClientTest, CompatibleEndpointVirtualWhenForced) {
  S3ClientConfig c = CompatConfig("http://minio.local:9000");
  c.addressing_style = "virtual";
  EXPECT_EQ(GetUrl(c, "k"), "http://swha-bucket.minio.local:9000/k");
}

TEST_F(S3ClientTest, KeysAreEncodedLikeS3) {
  EXPECT_EQ(GetUrl(CompatConfig("http://h:1"), "audio/seg 1+é~x.wav"),
            "http://h:1/swha-bucket/audio/seg%201%2B%C3%A9~x.wav");
}

TEST_F(S3ClientTest, BucketLevelPaths) {
  auto virt = Make(AwsConfig());
  ASSERT_TRUE(virt->HeadBucket().ok());
  EXPECT_EQ(transport_.requests().back().url, "https://swha-bucket.s3.amazonaws.com/");
  EXPECT_EQ(transport_.requests().back().method, "HEAD");
  auto path = Make(CompatConfig("http://h:1"));
  ASSERT_TRUE(path->HeadBucket().ok());
  EXPECT_EQ(transport_.requests().back().url, "http://h:1/swha-bucket");
}

TEST_F(S3ClientTest, ConfigValidation) {
  S3ClientConfig c = AwsConfig();
  c.addressing_style = "dns";
  EXPECT_EQ(S3Client::Create(c, &transport_, &clock_).status().code(),
            StatusCode::kInvalidArgument);
  c = CompatConfig("ftp://h");
  EXPECT_EQ(S3Client::Create(c, &transport_, &clock_).status().code(),
            StatusCode::kInvalidArgument);
  c = AwsConfig();
  c.sse = "aes";
  EXPECT_EQ(S3Client::Create(c, &transport_, &clock_).status().code(),
            StatusCode::kInvalidArgument);
  c = AwsConfig();
  c.bucket = "";
  EXPECT_EQ(S3Client::Create(c, &transport_, &clock_).status().code(),
            StatusCode::kInvalidArgument);
  const std::string shown = AwsConfig().ToString();
  EXPECT_EQ(shown.find("wJalr"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("AKIDEXAMPLE"), std::string::npos) << shown;
}

// --- PutObject --------------------------------------------------------------------------------

TEST_F(S3ClientTest, PutObjectHeaders) {
  S3ClientConfig config = AwsConfig();
  config.sse = "AES256";
  auto client = Make(config);
  const std::string body("RIFF\0\0\0\0WAVE", 12);
  ASSERT_TRUE(client
                  ->PutObject("audio/s1/segment_000.wav", body, "audio/wav",
                              {{"session-id", "s1"}, {"Segment-Index", "0"}})
                  .ok());
  ASSERT_EQ(transport_.requests().size(), 1u);
  const HttpRequest& r = transport_.requests()[0];
  EXPECT_EQ(r.method, "PUT");
  EXPECT_EQ(r.url, "https://swha-bucket.s3.amazonaws.com/audio/s1/segment_000.wav");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "audio/wav");
  EXPECT_EQ(HeaderOf(r, "x-amz-meta-session-id"), "s1");
  EXPECT_EQ(HeaderOf(r, "x-amz-meta-segment-index"), "0");
  EXPECT_EQ(HeaderOf(r, "x-amz-server-side-encryption"), "AES256");
  EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"), crypto::HexEncode(crypto::Sha256(body)));
  EXPECT_EQ(HeaderOf(r, "x-amz-date"), "20261124T050233Z");
  const std::string auth = HeaderOf(r, "Authorization");
  EXPECT_TRUE(auth.starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261124/us-east-1/s3/aws4_request, "
      "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-segment-index;"
      "x-amz-meta-session-id;x-amz-server-side-encryption, Signature="))
      << auth;

  // What was sent is what was signed: re-sign the wire request independently.
  SigV4Signer signer(config.credentials, "us-east-1");
  SigningRequest s;
  s.method = "PUT";
  s.host = "swha-bucket.s3.amazonaws.com";
  s.path = "/audio/s1/segment_000.wav";
  s.headers = {{"Content-Type", "audio/wav"},
               {"x-amz-meta-session-id", "s1"},
               {"x-amz-meta-segment-index", "0"},
               {"x-amz-server-side-encryption", "AES256"}};
  s.payload_sha256_hex = crypto::HexEncode(crypto::Sha256(body));
  auto expected = signer.SignHeaders(s, k20261124);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(auth, (*expected)[0].second);
}

TEST_F(S3ClientTest, PutObjectRejectsBadMetadataWithoutSending) {
  auto client = Make(AwsConfig());
  EXPECT_EQ(client->PutObject("k", "x", "text/plain", {{"bad name", "v"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->PutObject("k", "x", "text/plain", {{"g", "caf\xc3\xa9"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->PutObject("k", "x", "text/plain", {{"g", std::string(2100, 'a')}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(client->PutObject("", "x", "text/plain").code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_.requests().empty());
}

// --- HeadObject / GetObject -------------------------------------------------------------------

TEST_F(S3ClientTest, HeadObjectParsesHeaders) {
  transport_.Push(Reply(200, "",
                        {{"content-length", "44"},
                         {"content-type", "audio/wav"},
                         {"last-modified", "Tue, 24 Nov 2026 05:02:33 GMT"},
                         {"etag", "\"9b2cf535f27731c974343645a3985328\""},
                         {"x-amz-meta-session-id", "s1"},
                         {"x-amz-request-id", "abc"}}));
  auto client = Make(AwsConfig());
  auto info = client->HeadObject("k");
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->size, 44u);
  EXPECT_EQ(info->content_type, "audio/wav");
  EXPECT_EQ(info->last_modified, k20261124);
  EXPECT_EQ(info->etag, "9b2cf535f27731c974343645a3985328");
  EXPECT_EQ(info->metadata, (std::map<std::string, std::string>{{"session-id", "s1"}}));
}

TEST_F(S3ClientTest, GetObjectReturnsBody) {
  const std::string bytes("\0\x01\xff data", 8);
  transport_.Push(Reply(200, bytes));
  auto client = Make(AwsConfig());
  auto got = client->GetObject("k");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, bytes);
  EXPECT_EQ(transport_.requests()[0].method, "GET");
  EXPECT_TRUE(transport_.requests()[0].body.empty());
}

// --- DeleteObjects ----------------------------------------------------------------------------

std::string OpenSslMd5Base64(const std::string& body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int n = 0;
  EXPECT_EQ(EVP_Digest(body.data(), body.size(), md.data(), &n, EVP_md5(), nullptr), 1);
  std::array<unsigned char, 64> b64{};
  const int len = EVP_EncodeBlock(b64.data(), md.data(), static_cast<int>(n));
  return {reinterpret_cast<const char*>(b64.data()), static_cast<size_t>(len)};
}

size_t Count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t i = haystack.find(needle); i != std::string_view::npos;
       i = haystack.find(needle, i + 1)) {
    ++n;
  }
  return n;
}

TEST_F(S3ClientTest, DeleteObjectsBatchesOfAThousandWithContentMd5) {
  std::vector<std::string> keys;
  keys.reserve(2500);
  for (int i = 0; i < 2500; ++i) keys.push_back("audio/k" + std::to_string(i));
  keys[7] = "audio/a&b<c>.wav";
  transport_.Push(Reply(200,
                        "<DeleteResult><Error><Key>audio/k3</Key><Code>AccessDenied</Code>"
                        "<Message>Access Denied</Message></Error></DeleteResult>"));
  transport_.Push(Reply(200, "<DeleteResult/>"));
  transport_.Push(Reply(200, "<DeleteResult/>"));
  auto client = Make(CompatConfig("http://h:1"));
  auto errors = client->DeleteObjects(keys);
  ASSERT_TRUE(errors.ok()) << errors.status().ToString();
  ASSERT_EQ(transport_.requests().size(), 3u);
  const std::array<size_t, 3> expected_counts = {1000, 1000, 500};
  for (size_t i = 0; i < 3; ++i) {
    const HttpRequest& r = transport_.requests()[i];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.url, "http://h:1/swha-bucket?delete=");
    EXPECT_EQ(Count(r.body, "<Object>"), expected_counts[i]);
    EXPECT_EQ(HeaderOf(r, "Content-MD5"), OpenSslMd5Base64(r.body));
    EXPECT_EQ(HeaderOf(r, "x-amz-content-sha256"), crypto::HexEncode(crypto::Sha256(r.body)));
  }
  EXPECT_NE(transport_.requests()[0].body.find("<Key>audio/a&amp;b&lt;c&gt;.wav</Key>"),
            std::string::npos);
  EXPECT_NE(transport_.requests()[2].body.find("<Key>audio/k2499</Key>"), std::string::npos);
  ASSERT_EQ(errors->size(), 1u);
  EXPECT_EQ((*errors)[0].key, "audio/k3");
  EXPECT_EQ((*errors)[0].code, "AccessDenied");
  EXPECT_EQ((*errors)[0].message, "Access Denied");
}

TEST_F(S3ClientTest, DeleteObjectsOfNothingSendsNothing) {
  auto client = Make(AwsConfig());
  auto errors = client->DeleteObjects({});
  ASSERT_TRUE(errors.ok());
  EXPECT_TRUE(transport_.requests().empty());
}

// --- ListObjectsV2 ----------------------------------------------------------------------------

std::string ListPage(const std::vector<std::string>& encoded_keys, const std::string& next) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>swha-bucket</Name><Prefix>audio/</Prefix><EncodingType>url</EncodingType>";
  xml += next.empty() ? "<IsTruncated>false</IsTruncated>"
                      : "<IsTruncated>true</IsTruncated><NextContinuationToken>" + next +
                            "</NextContinuationToken>";
  for (const std::string& key : encoded_keys) {
    xml += "<Contents><Key>" + key +
           "</Key><LastModified>2026-11-24T05:02:33.000Z</LastModified>"
           "<ETag>&quot;abc&quot;</ETag><Size>123</Size><StorageClass>STANDARD</StorageClass>"
           "</Contents>";
  }
  return xml + "</ListBucketResult>";
}

TEST_F(S3ClientTest, ListObjectsV2FollowsContinuationTokens) {
  transport_.Push(Reply(200, ListPage({"audio/a", "audio/b%20c"}, "tok 1+/=")));
  transport_.Push(Reply(200, ListPage({"audio/d%2Be"}, "tok2")));
  transport_.Push(Reply(200, ListPage({"audio/%C3%A9"}, "")));
  auto client = Make(CompatConfig("http://h:1"));
  auto objects = client->ListObjectsV2("audio/");
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(transport_.requests().size(), 3u);
  EXPECT_EQ(transport_.requests()[0].url,
            "http://h:1/swha-bucket?encoding-type=url&list-type=2&prefix=audio%2F");
  EXPECT_EQ(transport_.requests()[1].url,
            "http://h:1/swha-bucket?continuation-token=tok%201%2B%2F%3D&encoding-type=url&"
            "list-type=2&prefix=audio%2F");
  EXPECT_EQ(transport_.requests()[2].url,
            "http://h:1/swha-bucket?continuation-token=tok2&encoding-type=url&list-type=2&"
            "prefix=audio%2F");
  ASSERT_EQ(objects->size(), 4u);
  EXPECT_EQ((*objects)[0].key, "audio/a");
  EXPECT_EQ((*objects)[1].key, "audio/b c");
  EXPECT_EQ((*objects)[2].key, "audio/d+e");
  EXPECT_EQ((*objects)[3].key, "audio/\xc3\xa9");
  EXPECT_EQ((*objects)[3].size, 123u);
  EXPECT_EQ((*objects)[3].last_modified, k20261124);
  EXPECT_EQ((*objects)[3].etag, "abc");
}

TEST_F(S3ClientTest, ListObjectsV2RejectsTruncatedPageWithoutToken) {
  transport_.Push(Reply(200, ListPage({"audio/a"}, "t")));
  transport_.Push(Reply(200, ListPage({"audio/b"}, "t")));  // the same token again
  auto client = Make(AwsConfig());
  auto objects = client->ListObjectsV2("audio/");
  EXPECT_EQ(objects.status().code(), StatusCode::kInternal);
  EXPECT_EQ(transport_.requests().size(), 2u);
  transport_.Push(Reply(200, "not xml"));
  EXPECT_EQ(client->ListObjectsV2("").status().code(), StatusCode::kInternal);
}

// --- Retries ----------------------------------------------------------------------------------

TEST_F(S3ClientTest, Retries503ThenSucceeds) {
  transport_.Push(Reply(503, ErrorXml("ServiceUnavailable", "Please reduce your request rate.")));
  transport_.Push(Reply(200, "bytes"));
  auto client = Make(AwsConfig());
  auto got = client->GetObject("k");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "bytes");
  EXPECT_EQ(transport_.requests().size(), 2u);
  EXPECT_EQ(sleeps_, std::vector<double>{0.5});  // random 0.5 * min(2^0, 20)
  // Each attempt is signed afresh at the clock's current time.
  EXPECT_NE(HeaderOf(transport_.requests()[0], "x-amz-date"),
            HeaderOf(transport_.requests()[1], "x-amz-date"));
}

TEST_F(S3ClientTest, DoesNotRetry403) {
  transport_.Push(Reply(403, ErrorXml("AccessDenied", "Access Denied")));
  auto client = Make(AwsConfig());
  const Status s = client->PutObject("k", "x", "text/plain");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(transport_.requests().size(), 1u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(S3ClientTest, RetriesThrottlingCodes) {
  transport_.Push(Reply(503, ErrorXml("SlowDown", "Please reduce your request rate.")));
  transport_.Push(Reply(400, ErrorXml("RequestTimeout", "Your socket connection timed out.")));
  transport_.Push(Reply(200));
  auto client = Make(AwsConfig());
  EXPECT_TRUE(client->DeleteObject("k").ok());
  EXPECT_EQ(transport_.requests().size(), 3u);
  transport_.Push(Reply(400, ErrorXml("InvalidArgument", "nope")));
  EXPECT_EQ(client->DeleteObject("k").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport_.requests().size(), 4u);
}

TEST_F(S3ClientTest, RetriesTransportUnavailableButNotOtherTransportErrors) {
  transport_.Push(Status::Unavailable("GET http://h/k: connection failed: refused"));
  transport_.Push(Reply(200, "ok"));
  auto client = Make(AwsConfig());
  EXPECT_TRUE(client->GetObject("k").ok());
  EXPECT_EQ(transport_.requests().size(), 2u);
  transport_.Push(Status::InvalidArgument("GET h: cannot send"));
  EXPECT_EQ(client->GetObject("k").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(S3ClientTest, GivesUpAfterThreeAttemptsWithBoundedDelays) {
  random_value_ = 0.999;
  for (int i = 0; i < 3; ++i) transport_.Push(Reply(500, ErrorXml("InternalError", "oops")));
  auto client = Make(AwsConfig());
  auto got = client->GetObject("a/b");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(got.status().message(),
            "S3 GetObject a/b: InternalError: oops (request id 4442587FB7D0A2F9, HTTP 500) "
            "[gave up after 3 attempts]");
  EXPECT_EQ(transport_.requests().size(), 3u);
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_DOUBLE_EQ(sleeps_[0], 0.999 * 1);
  EXPECT_DOUBLE_EQ(sleeps_[1], 0.999 * 2);
}

TEST_F(S3ClientTest, DelayIsCappedAtMaxDelay) {
  random_value_ = 1.0;
  retry_.max_attempts = 8;
  for (int i = 0; i < 8; ++i) transport_.Push(Reply(503));
  auto client = Make(AwsConfig());
  EXPECT_EQ(client->HeadBucket().code(), StatusCode::kUnavailable);
  EXPECT_EQ(sleeps_, (std::vector<double>{1, 2, 4, 8, 16, 20, 20}));
}

TEST_F(S3ClientTest, DefaultRandomDelaysStayWithinBounds) {
  std::vector<double> sleeps;
  RetryPolicy policy;
  policy.sleep = [&sleeps](double s) { sleeps.push_back(s); };  // default random source
  for (int i = 0; i < 300; ++i) transport_.Push(Reply(503));
  auto client = S3Client::Create(AwsConfig(), &transport_, &clock_, policy);
  ASSERT_TRUE(client.ok());
  for (int i = 0; i < 100; ++i) EXPECT_FALSE((*client)->HeadBucket().ok());
  ASSERT_EQ(sleeps.size(), 200u);
  double sum_first = 0;
  for (size_t i = 0; i < sleeps.size(); ++i) {
    const double cap = i % 2 == 0 ? 1.0 : 2.0;
    EXPECT_GE(sleeps[i], 0.0);
    EXPECT_LT(sleeps[i], cap);
    if (i % 2 == 0) sum_first += sleeps[i];
  }
  // Full jitter: the mean of 100 uniform draws is near 0.5 (6 sigma is about 0.17).
  EXPECT_NEAR(sum_first / 100, 0.5, 0.17);
}

// --- Error messages ---------------------------------------------------------------------------

TEST_F(S3ClientTest, XmlErrorsBecomeMessagesAndCodes) {
  transport_.Push(Reply(404, ErrorXml("NoSuchKey", "The specified key does not exist.")));
  transport_.Push(Reply(404, "", {{"x-amz-request-id", "tx000abc"}}));
  transport_.Push(Reply(404, ErrorXml("NoSuchBucket", "The specified bucket does not exist")));
  transport_.Push(Reply(400, ErrorXml("InvalidBucketName", "bad")));
  transport_.Push(Reply(409, ErrorXml("BucketNotEmpty", "not empty")));
  auto client = Make(AwsConfig());

  auto get = client->GetObject("a/b.wav");
  EXPECT_EQ(get.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(get.status().message(),
            "S3 GetObject a/b.wav: NoSuchKey: The specified key does not exist. "
            "(request id 4442587FB7D0A2F9, HTTP 404)");
  auto head = client->HeadObject("a/c.wav");
  EXPECT_EQ(head.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(head.status().message(),
            "S3 HeadObject a/c.wav: NotFound (request id tx000abc, "
            "HTTP 404)");
  const Status bucket = client->HeadBucket();
  EXPECT_EQ(bucket.code(), StatusCode::kNotFound);
  EXPECT_EQ(bucket.message(),
            "S3 HeadBucket swha-bucket: NoSuchBucket: The specified bucket does not exist "
            "(request id 4442587FB7D0A2F9, HTTP 404)");
  EXPECT_EQ(client->DeleteObject("k").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client->DeleteObject("k").code(), StatusCode::kInternal);
}

TEST_F(S3ClientTest, MessagesNeverCarrySecretsOrSignatures) {
  S3ClientConfig config = AwsConfig();
  // S3 echoes the StringToSign and the signature it was given in SignatureDoesNotMatch.
  const std::string body =
      "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
      "does not match the signature you provided.</Message><AWSAccessKeyId>AKIDEXAMPLE"
      "</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256 x</StringToSign><SignatureProvided>"
      "deadbeef</SignatureProvided><RequestId>r1</RequestId></Error>";
  transport_.Push(Reply(403, body));
  transport_.Push(Status::Unavailable("GET https://swha-bucket.s3.amazonaws.com/k: timed out"));
  transport_.Push(Status::Unavailable("GET https://swha-bucket.s3.amazonaws.com/k: timed out"));
  transport_.Push(Status::Unavailable("GET https://swha-bucket.s3.amazonaws.com/k: timed out"));
  auto client = Make(config);
  const Status denied = client->PutObject("k", "x", "text/plain");
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(),
            "S3 PutObject k: SignatureDoesNotMatch: The request signature we calculated does not "
            "match the signature you provided. (request id r1, HTTP 403)");
  const Status down = client->GetObject("k").status();
  EXPECT_EQ(down.code(), StatusCode::kUnavailable);
  for (const Status& s : {denied, down}) {
    EXPECT_EQ(s.message().find(config.credentials.secret_access_key), std::string::npos);
    EXPECT_EQ(s.message().find("Signature="), std::string::npos);
    EXPECT_EQ(s.message().find("deadbeef"), std::string::npos);
  }
  EXPECT_EQ(down.message(),
            "S3 GetObject k: GET https://swha-bucket.s3.amazonaws.com/k: timed out "
            "[gave up after 3 attempts]");
}

// --- PresignGet -------------------------------------------------------------------------------

TEST_F(S3ClientTest, PresignGetBuildsAFullUrlWithoutSending) {
  auto client = Make(AwsConfig());
  auto url = client->PresignGet("audio/seg 1.wav", 600);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->starts_with(
      "https://swha-bucket.s3.amazonaws.com/audio/seg%201.wav?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
      "X-Amz-Credential=AKIDEXAMPLE%2F20261124%2Fus-east-1%2Fs3%2Faws4_request&"
      "X-Amz-Date=20261124T050233Z&X-Amz-Expires=600&X-Amz-SignedHeaders=host&"
      "X-Amz-Signature="))
      << *url;
  EXPECT_EQ(client->PresignGet("k", 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(client->PresignGet("k", 604801).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_.requests().empty());
}

// --- Codec ------------------------------------------------------------------------------------

TEST(S3CodecTest, FormatsIso8601RoundTrip) {
  EXPECT_EQ(FormatIso8601Utc(k20261124), "2026-11-24T05:02:33Z");
  EXPECT_EQ(FormatIso8601Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatIso8601Utc(951782400), "2000-02-29T00:00:00Z");  // leap day
  EXPECT_EQ(ParseIso8601Utc(FormatIso8601Utc(k20261124)), k20261124);
}

TEST(S3CodecTest, LastModifiedIso8601) {
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33.000Z"), k20261124);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33Z"), k20261124);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33.123456+00:00"), k20261124);
  EXPECT_EQ(ParseIso8601Utc("1970-01-01T00:00:00.000Z"), 0);
  EXPECT_EQ(ParseIso8601Utc("2000-02-29T23:59:59Z"), 951868799);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T06:02:33+01:00"), k20261124);
  EXPECT_EQ(ParseIso8601Utc("2026-11-23T21:32:33.5-07:30"), k20261124);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33"), std::nullopt);  // no zone: ambiguous
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33+0100"), std::nullopt);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33+01:60"), std::nullopt);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24T05:02:33+01:00Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601Utc("2026-13-24T05:02:33Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601Utc("2026-11-24 05:02:33Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601Utc(""), std::nullopt);
}

TEST(S3CodecTest, HttpDate) {
  EXPECT_EQ(ParseHttpDate("Tue, 24 Nov 2026 05:02:33 GMT"), k20261124);
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  EXPECT_EQ(ParseHttpDate("Tue, 24 Nov 2026 05:02:33 PST"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Tue, 24 Foo 2026 05:02:33 GMT"), std::nullopt);
}

TEST(S3CodecTest, Md5AndBase64KnownVectors) {
  EXPECT_EQ(crypto::Base64Encode(crypto::Md5("")),
            "1B2M2Y8AsgTpgAmY7PhCfg==");  // RFC 1864's Content-MD5
  EXPECT_EQ(crypto::HexEncode(crypto::Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");  // RFC 1321
  // RFC 4648 section 10.
  EXPECT_EQ(crypto::Base64Encode(""), "");
  EXPECT_EQ(crypto::Base64Encode("f"), "Zg==");
  EXPECT_EQ(crypto::Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(crypto::Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(crypto::Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(crypto::Base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(crypto::Base64Encode("foobar"), "Zm9vYmFy");
}

TEST(S3CodecTest, XmlEscape) {
  EXPECT_EQ(XmlEscape("a&b<c>\"d'\r\n"), "a&amp;b&lt;c&gt;&quot;d&apos;&#13;&#10;");
}

// --- The libcurl transport, against a local cpp-httplib server --------------------------------

class S3CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/elsewhere");
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      res.set_content("late", "text/plain");
    });
    server_.Put("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Got-Content-Type", req.has_header("Content-Type")
                                               ? req.get_header_value("Content-Type")
                                               : "<none>");
      res.set_header("X-Got-Expect", req.has_header("Expect") ? "yes" : "no");
      res.set_content(req.body, "application/octet-stream");
    });
    server_.Delete("/thing",
                   [](const httplib::Request&, httplib::Response& res) { res.status = 204; });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(S3CurlTransportTest, BinaryBodyRoundTripWithoutCurlDefaults) {
  auto transport = CreateCurlTransport();
  const std::string body("\0\x01\x02\xff", 4);
  auto r = transport->Send({"PUT", Url("/echo"), {}, body});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, body);
  EXPECT_EQ(r->Header("x-got-content-type"), "<none>");  // not curl's form type
  EXPECT_EQ(r->Header("x-got-expect"), "no");
  auto empty = transport->Send({"PUT", Url("/echo"), {{"Content-Type", "audio/wav"}}, ""});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->Header("x-got-content-type"), "audio/wav");
  EXPECT_EQ(empty->body, "");
  auto del = transport->Send({"DELETE", Url("/thing"), {}, ""});
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->status, 204);
}

TEST_F(S3CurlTransportTest, NeverFollowsRedirects) {
  auto transport = CreateCurlTransport();
  auto r = transport->Send({"GET", Url("/redirect"), {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->Header("location"), "/elsewhere");
}

TEST_F(S3CurlTransportTest, TimeoutIsUnavailableAndHidesQuery) {
  auto transport = CreateCurlTransport({.connect_timeout_ms = 1000, .total_timeout_ms = 300});
  auto r = transport->Send({"GET", Url("/slow?X-Amz-Signature=secret"), {}, ""});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos) << r.status().message();
}

TEST_F(S3CurlTransportTest, RefusedConnectionIsUnavailable) {
  auto transport = CreateCurlTransport();
  // Port 1 on loopback: nothing listens there.
  auto r = transport->Send({"GET", "http://127.0.0.1:1/k?X-Amz-Signature=secret", {}, ""});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message().find("secret"), std::string::npos) << r.status().message();
  auto bad = transport->Send({"GET", "gopher://127.0.0.1/", {}, ""});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << bad.status().ToString();
}

// A body over the limit is not read on: TooLarge, and the handle serves the next request.
TEST_F(S3CurlTransportTest, AnAnswerOverTheLimitIsTooLarge) {
  auto transport = CreateCurlTransport({.max_idle_handles = 1, .max_response_bytes = 1000});
  auto big =
      transport->Send({"PUT", Url("/echo?X-Amz-Signature=secret"), {}, std::string(5000, 'a')});
  EXPECT_EQ(big.status().code(), StatusCode::kTooLarge) << big.status().ToString();
  EXPECT_NE(big.status().message().find("longer than 1000 bytes"), std::string::npos);
  EXPECT_EQ(big.status().message().find("secret"), std::string::npos);
  auto exact = transport->Send({"PUT", Url("/echo"), {}, std::string(1000, 'b')});
  ASSERT_TRUE(exact.ok()) << exact.status().ToString();
  EXPECT_EQ(exact->body, std::string(1000, 'b'));
}

TEST_F(S3CurlTransportTest, ConcurrentSendsShareThePool) {
  auto transport = CreateCurlTransport({.max_idle_handles = 2});
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto r = transport->Send({"PUT", Url("/echo"), {}, "x" + std::to_string(i)});
        if (r.ok() && r->body == "x" + std::to_string(i)) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
}

}  // namespace
}  // namespace swha::storage
