#include "storage/sigv4.h"

#include <gtest/gtest.h>

#include <cctype>
#include <thread>
#include <vector>

#include "util/crypto.h"

namespace swha::storage {
namespace {

// The worked examples of AWS's S3 API reference: "Signature Calculations for the Authorization
// Header: Transferring Payload in a Single Chunk" (sig-v4-header-based-auth) and
// "Authenticating Requests: Using Query Parameters" (sigv4-query-string-auth). Expected
// strings are copied from those pages; none is produced by this implementation.
constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kHost[] = "examplebucket.s3.amazonaws.com";
constexpr int64_t k20130524 = 1369353600;  // 2013-05-24T00:00:00Z
constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigV4Signer& ExampleSigner() {
  static SigV4Signer* signer =
      new SigV4Signer({kAccessKey, kSecretKey, ""}, "us-east-1", "s3");  // never destroyed
  return *signer;
}

SigningRequest ExampleRequest(std::string method, std::string path) {
  SigningRequest r;
  r.method = std::move(method);
  r.host = kHost;
  r.path = std::move(path);
  r.payload_sha256_hex = kEmptySha256;
  return r;
}

std::string HeaderValue(const KeyValueList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

// The example pages print the Authorization header with bare commas between its components;
// the overview page, botocore and the generic SigV4 test suite put ", ". S3 accepts both; this
// signer writes ", " so that it matches botocore byte for byte.
std::string WithBareCommas(std::string s) {
  for (size_t i; (i = s.find(", ")) != std::string::npos;) s.erase(i + 1, 1);
  return s;
}

// Signs `request` with header authentication and checks every published stage.
void ExpectHeaderExample(const SigningRequest& request, const std::string& canonical_request,
                         const std::string& string_to_sign, const std::string& signature,
                         const std::string& documented_authorization) {
  SignatureTrace trace;
  auto headers = ExampleSigner().SignHeaders(request, k20130524, &trace);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  EXPECT_EQ(trace.canonical_request, canonical_request);
  EXPECT_EQ(trace.string_to_sign, string_to_sign);
  EXPECT_EQ(trace.signature, signature);
  const std::string authorization = HeaderValue(*headers, "Authorization");
  EXPECT_EQ(WithBareCommas(authorization), documented_authorization);
  EXPECT_NE(authorization.find(", SignedHeaders="), std::string::npos) << authorization;
  EXPECT_EQ(HeaderValue(*headers, "x-amz-date"), "20130524T000000Z");
  EXPECT_EQ(HeaderValue(*headers, "x-amz-content-sha256"), request.payload_sha256_hex);
  EXPECT_EQ(headers->size(), 3u);  // no session token, so no x-amz-security-token
}

TEST(SigV4AwsExamplesTest, GetObject) {
  SigningRequest request = ExampleRequest("GET", "/test.txt");
  request.headers = {{"Range", "bytes=0-9"}};
  ExpectHeaderExample(
      request,
      "GET\n"
      "/test.txt\n"
      "\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "range:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256\n"
      "20130524T000000Z\n"
      "20130524/us-east-1/s3/aws4_request\n"
      "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4AwsExamplesTest, PutObject) {
  SigningRequest request = ExampleRequest("PUT", "/test$file.text");
  request.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  request.payload_sha256_hex = crypto::HexEncode(crypto::Sha256("Welcome to Amazon S3."));
  ASSERT_EQ(request.payload_sha256_hex,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(S3CanonicalUri(request.path), "/test%24file.text");
  ExpectHeaderExample(
      request,
      "PUT\n"
      "/test%24file.text\n"
      "\n"
      "date:Fri, 24 May 2013 00:00:00 GMT\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
      "x-amz-date:20130524T000000Z\n"
      "x-amz-storage-class:REDUCED_REDUNDANCY\n"
      "\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
      "AWS4-HMAC-SHA256\n"
      "20130524T000000Z\n"
      "20130524/us-east-1/s3/aws4_request\n"
      "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
      "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4AwsExamplesTest, GetBucketLifecycle) {
  SigningRequest request = ExampleRequest("GET", "/");
  request.query = {{"lifecycle", ""}};
  ExpectHeaderExample(
      request,
      "GET\n"
      "/\n"
      "lifecycle=\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256\n"
      "20130524T000000Z\n"
      "20130524/us-east-1/s3/aws4_request\n"
      "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
      "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4AwsExamplesTest, ListObjects) {
  SigningRequest request = ExampleRequest("GET", "/");
  request.query = {{"prefix", "J"}, {"max-keys", "2"}};  // out of order: the signer sorts
  ExpectHeaderExample(
      request,
      "GET\n"
      "/\n"
      "max-keys=2&prefix=J\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n"
      "\n"
      "host;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256\n"
      "20130524T000000Z\n"
      "20130524/us-east-1/s3/aws4_request\n"
      "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
      "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4AwsExamplesTest, PresignedGetObject) {
  SigningRequest request = ExampleRequest("GET", "/test.txt");
  request.payload_sha256_hex.clear();
  SignatureTrace trace;
  auto query = ExampleSigner().PresignQuery(request, k20130524, 86400, &trace);
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(trace.canonical_request,
            "GET\n"
            "/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "\n"
            "host\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(trace.string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_EQ(trace.signature, "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  // The page's URL, after "https://examplebucket.s3.amazonaws.com/test.txt?".
  EXPECT_EQ(*query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  // UNSIGNED-PAYLOAD spelled out is the same request.
  request.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(ExampleSigner().PresignQuery(request, k20130524, 86400).value(), *query);
  // The whole URL, as on the page.
  EXPECT_EQ(ExampleSigner()
                .PresignUrl(request, "https://examplebucket.s3.amazonaws.com", k20130524, 86400)
                .value(),
            "https://examplebucket.s3.amazonaws.com/test.txt?" + *query);
}

// A thread keeps what the URLs of one second share (the date, the query's head, the string to
// sign's first block): the page's URL comes out exact between URLs of another signer (other
// keys, another region) and of other seconds, in either order.
TEST(SigV4AwsExamplesTest, ThePresignedExampleHoldsAmongOtherSignersAndSeconds) {
  const std::string expected =
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
      "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
      "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
      "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  SigningRequest request = ExampleRequest("GET", "/test.txt");
  request.payload_sha256_hex.clear();
  const SigV4Signer other({"AKIDOTHEREXAMPLE", "another-secret", ""}, "eu-west-1");
  const std::string base = "https://examplebucket.s3.amazonaws.com";
  for (const int64_t other_second : {k20130524, k20130524 + 1, k20130524 - 86400}) {
    const std::string others = other.PresignUrl(request, base, other_second, 86400).value();
    EXPECT_NE(others.find("AKIDOTHEREXAMPLE%2F"), std::string::npos) << others;
    EXPECT_EQ(ExampleSigner().PresignUrl(request, base, k20130524, 86400).value(), expected);
    EXPECT_EQ(other.PresignUrl(request, base, other_second, 86400).value(), others);
    // The example's signer at another second, then at its own again.
    EXPECT_NE(ExampleSigner().PresignUrl(request, base, other_second + 7, 86400).value(), expected);
    EXPECT_EQ(ExampleSigner().PresignUrl(request, base, k20130524, 86400).value(), expected);
  }
}

TEST(SigV4EncodingTest, OnlyUnreservedBytesSurvive) {
  EXPECT_EQ(S3UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(S3UriEncode(" +=$!*'()&%/?#:@,;[]", false),
            "%20%2B%3D%24%21%2A%27%28%29%26%25%2F%3F%23%3A%40%2C%3B%5B%5D");
  EXPECT_EQ(S3UriEncode("a/b c", true), "a/b%20c");
  EXPECT_EQ(S3UriEncode("a/b c", false), "a%2Fb%20c");
  EXPECT_EQ(S3UriEncode("é日本😀", false), "%C3%A9%E6%97%A5%E6%9C%AC%F0%9F%98%80");
  EXPECT_EQ(S3UriEncode(std::string("\x00\x7f\xff", 3), false), "%00%7F%FF");
  // Every byte outside the unreserved set, so no locale can let one through.
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    const bool unreserved = std::isalnum(c) != 0 && c < 0x80;
    const bool kept = unreserved || c == '-' || c == '.' || c == '_' || c == '~';
    EXPECT_EQ(S3UriEncode(one, false).size(), kept ? 1u : 3u) << c;
  }
}

// Long strings are scanned sixteen bytes at a time: every byte value, at every place in and
// around a block (its first and last byte, the tail after the last whole block), with and
// without '/' kept, encodes as it does alone.
TEST(SigV4EncodingTest, EveryByteAtEveryPlaceOfALongStringEncodesAsAlone) {
  constexpr size_t kLength = 37;  // two whole blocks and a tail
  for (const bool keep_slash : {false, true}) {
    for (int c = 0; c < 256; ++c) {
      const std::string one(1, static_cast<char>(c));
      const std::string alone = S3UriEncode(one, keep_slash);
      for (size_t at = 0; at < kLength; ++at) {
        std::string text(kLength, 'k');
        text[at] = static_cast<char>(c);
        const std::string expected =
            std::string(at, 'k') + alone + std::string(kLength - at - 1, 'k');
        ASSERT_EQ(S3UriEncode(text, keep_slash), expected)
            << "byte " << c << " at " << at << (keep_slash ? ", '/' kept" : "");
      }
    }
  }
  EXPECT_EQ(S3UriEncode(std::string(40, '/'), true), std::string(40, '/'));
  EXPECT_EQ(S3UriEncode("audio/anonymous/0123456789abcdef_x/segment_000.wav", false),
            "audio%2Fanonymous%2F0123456789abcdef_x%2Fsegment_000.wav");
}

TEST(SigV4EncodingTest, PathIsEncodedOnceAndNeverNormalised) {
  EXPECT_EQ(S3CanonicalUri(""), "/");
  EXPECT_EQ(S3CanonicalUri("/"), "/");
  EXPECT_EQ(S3CanonicalUri("/a//b/./c/../d/"), "/a//b/./c/../d/");
  EXPECT_EQ(S3CanonicalUri("/my file+name=1.txt"), "/my%20file%2Bname%3D1.txt");
  EXPECT_EQ(S3CanonicalUri("/already%20encoded"), "/already%2520encoded");
  EXPECT_EQ(S3CanonicalUri("/café/日本/"), "/caf%C3%A9/%E6%97%A5%E6%9C%AC/");
}

TEST(SigV4EncodingTest, QueryIsEncodedAndSortedByEncodedKeyThenValue) {
  EXPECT_EQ(S3CanonicalQueryString({}), "");
  EXPECT_EQ(S3CanonicalQueryString({{"acl", ""}}), "acl=");
  EXPECT_EQ(S3CanonicalQueryString({{"prefix", "a/b c+d"}}), "prefix=a%2Fb%20c%2Bd");
  // Sorting is on the encoded bytes: raw "a." < "a/" < "z" < "é", but '%' (0x25) sorts
  // before every unreserved character.
  EXPECT_EQ(S3CanonicalQueryString({{"a.", "1"}, {"a/", "2"}, {"z", "3"}, {"é", "4"}}),
            "%C3%A9=4&a%2F=2&a.=1&z=3");
  EXPECT_EQ(S3CanonicalQueryString({{"k~", "1"}, {"k+", "2"}, {"k ", "3"}, {"ka", "4"}}),
            "k%20=3&k%2B=2&ka=4&k~=1");
  // Upper case sorts before lower case (byte order), and a repeated key sorts by value.
  EXPECT_EQ(S3CanonicalQueryString({{"b", "2"}, {"b", "1"}, {"B", "3"}, {"b", ""}}),
            "B=3&b=&b=1&b=2");
}

TEST(SigV4EncodingTest, HeadersAreLowercasedTrimmedMergedAndSorted) {
  SigningRequest request = ExampleRequest("GET", "/k");
  request.headers = {{"X-Amz-Meta-Note", "  two   spaces\tand\t\ttabs  "},
                     {"Content-Type", "text/plain"},
                     {"x-amz-meta-list", "a"},
                     {"X-AMZ-META-LIST", " b  c "},
                     {"x-amz-meta-empty", "   "}};
  auto canonical = SigV4Signer::CanonicalRequest(request);
  ASSERT_TRUE(canonical.ok()) << canonical.status().ToString();
  EXPECT_EQ(*canonical,
            "GET\n/k\n\n"
            "content-type:text/plain\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-meta-empty:\n"
            "x-amz-meta-list:a,b c\n"
            "x-amz-meta-note:two spaces and tabs\n"
            "\n"
            "content-type;host;x-amz-meta-empty;x-amz-meta-list;x-amz-meta-note\n" +
                std::string(kEmptySha256));
}

TEST(SigV4EncodingTest, PresignSignsExtraHeadersAndEncodesParameters) {
  SigningRequest request = ExampleRequest("PUT", "/uploads/a b+c.wav");
  request.payload_sha256_hex.clear();
  request.headers = {{"Content-Type", "audio/wav"}};
  request.query = {{"response-content-disposition", "attachment; filename=\"a b.wav\""}};
  SignatureTrace trace;
  auto query = ExampleSigner().PresignQuery(request, k20130524, 60, &trace);
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(*query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=60"
            "&X-Amz-SignedHeaders=content-type%3Bhost"
            "&response-content-disposition=attachment%3B%20filename%3D%22a%20b.wav%22"
            "&X-Amz-Signature=" +
                trace.signature);
  EXPECT_EQ(trace.canonical_request.substr(0, trace.canonical_request.find('\n', 4)),
            "PUT\n/uploads/a%20b%2Bc.wav");
}

TEST(SigV4SignerTest, ExpiryLimits) {
  SigningRequest request = ExampleRequest("GET", "/test.txt");
  request.payload_sha256_hex.clear();
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{604801}, int64_t{86400} * 365}) {
    auto query = ExampleSigner().PresignQuery(request, k20130524, bad);
    ASSERT_FALSE(query.ok()) << bad;
    EXPECT_EQ(query.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(query.status().message().find("604800"), std::string::npos)
        << query.status().message();
  }
  for (int64_t good : {int64_t{1}, int64_t{604800}}) {
    auto query = ExampleSigner().PresignQuery(request, k20130524, good);
    ASSERT_TRUE(query.ok()) << query.status().ToString();
    EXPECT_NE(query->find("&X-Amz-Expires=" + std::to_string(good) + "&"), std::string::npos);
  }
}

TEST(SigV4SignerTest, SessionTokenIsSignedInBothModes) {
  const std::string token = "FwoGZXIvYXdzEJr//////////wEaDH+token=";
  SigV4Signer signer({kAccessKey, kSecretKey, token}, "us-east-1");

  SigningRequest request = ExampleRequest("GET", "/test.txt");
  SignatureTrace trace;
  auto headers = signer.SignHeaders(request, k20130524, &trace);
  ASSERT_TRUE(headers.ok()) << headers.status().ToString();
  ASSERT_EQ(headers->size(), 4u);
  EXPECT_EQ(headers->back(), (std::pair<std::string, std::string>("x-amz-security-token", token)));
  EXPECT_NE(trace.canonical_request.find("\nx-amz-security-token:" + token + "\n"),
            std::string::npos);
  EXPECT_NE(HeaderValue(*headers, "Authorization")
                .find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,"),
            std::string::npos);
  auto without = ExampleSigner().SignHeaders(request, k20130524);
  EXPECT_NE(HeaderValue(*headers, "Authorization"), HeaderValue(*without, "Authorization"));

  request.payload_sha256_hex.clear();
  auto query = signer.PresignQuery(request, k20130524, 3600, &trace);
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  const std::string encoded =
      "X-Amz-Security-Token=FwoGZXIvYXdzEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2F"
      "wEaDH%2Btoken%3D";
  EXPECT_NE(query->find("&" + encoded + "&X-Amz-SignedHeaders=host&X-Amz-Signature="),
            std::string::npos)
      << *query;
  EXPECT_NE(trace.canonical_request.find(encoded), std::string::npos);  // signed, not appended
}

// PresignUrl cuts the URL out of the canonical request; PresignQuery hands out its query
// alone. They must agree for every shape of request: plain, with the caller's own query
// parameters, with extra signed headers, and with an empty path.
TEST(SigV4EncodingTest, PresignUrlIsTheBasePathAndPresignQuery) {
  const SigV4Signer& signer = ExampleSigner();
  const std::string base = "https://examplebucket.s3.amazonaws.com";
  std::vector<SigningRequest> shapes(4, ExampleRequest("GET", "/audio/a b+c/segment_000.wav"));
  for (SigningRequest& r : shapes) r.payload_sha256_hex.clear();
  shapes[1].query = {{"response-content-type", "audio/wav"}, {"versionId", "3"}};
  shapes[2].headers = {{"Content-Type", "audio/wav"}};
  shapes[3].path.clear();
  for (const SigningRequest& r : shapes) {
    auto url = signer.PresignUrl(r, base, k20130524, 900);
    auto query = signer.PresignQuery(r, k20130524, 900);
    ASSERT_TRUE(url.ok() && query.ok()) << url.status().ToString() << query.status().ToString();
    EXPECT_EQ(*url, base + S3CanonicalUri(r.path) + "?" + *query);
  }
}

// Each thread keeps the last signing key it used, by signer and date: signers with other
// secrets, used in turn on one thread and across a date change, still sign with their own.
TEST(SigV4SignerTest, SignersTakingTurnsOnOneThreadKeepTheirOwnKeys) {
  const SigV4Signer first({kAccessKey, kSecretKey, ""}, "us-east-1");
  const SigV4Signer second({kAccessKey, "another-secret-key", ""}, "us-east-1");
  SigningRequest r = ExampleRequest("GET", "/k");
  r.payload_sha256_hex.clear();
  const std::string base = "https://examplebucket.s3.amazonaws.com";
  std::vector<std::string> turns;
  for (int turn = 0; turn < 4; ++turn) {
    const int64_t when = k20130524 + (turn / 2) * 86400;  // a new date halfway
    const SigV4Signer& signer = turn % 2 == 0 ? first : second;
    auto url = signer.PresignUrl(r, base, when, 60);
    ASSERT_TRUE(url.ok());
    // A signer made now has nothing cached on this thread: its URL is the reference.
    const SigV4Signer fresh({kAccessKey, turn % 2 == 0 ? kSecretKey : "another-secret-key", ""},
                            "us-east-1");
    EXPECT_EQ(*url, *fresh.PresignUrl(r, base, when, 60)) << "turn " << turn;
    turns.push_back(*url);
  }
  EXPECT_NE(turns[0], turns[1]);
  EXPECT_NE(turns[0], turns[2]);
}

TEST(SigV4SignerTest, SigningKeyIsDerivedOnceAndCachedPerDate) {
  SigV4Signer signer({kAccessKey, kSecretKey, ""}, "eu-west-3");
  std::string expected = crypto::HmacSha256(std::string("AWS4") + kSecretKey, "20130524");
  expected = crypto::HmacSha256(expected, "eu-west-3");
  expected = crypto::HmacSha256(expected, "s3");
  expected = crypto::HmacSha256(expected, "aws4_request");
  EXPECT_EQ(signer.CachedSigningKeyCount(), 0u);
  EXPECT_EQ(signer.SigningKey("20130524"), expected);
  EXPECT_EQ(signer.CachedSigningKeyCount(), 1u);
  EXPECT_EQ(signer.SigningKey("20130524"), expected);
  EXPECT_EQ(signer.CachedSigningKeyCount(), 1u);
  EXPECT_NE(signer.SigningKey("20130525"), expected);
  EXPECT_EQ(signer.CachedSigningKeyCount(), 2u);

  // A long-running process signs on many days but keeps only the newest few keys.
  SigningRequest request = ExampleRequest("GET", "/k");
  for (int day = 0; day < 30; ++day) {
    ASSERT_TRUE(signer.SignHeaders(request, k20130524 + day * 86400).ok());
  }
  EXPECT_LE(signer.CachedSigningKeyCount(), 4u);
  // The recomputed key for an evicted date is the same key.
  EXPECT_EQ(signer.SigningKey("20130524"), expected);
}

TEST(SigV4SignerTest, ConcurrentSigningAgreesWithSerialSigning) {
  SigV4Signer signer({kAccessKey, kSecretKey, ""}, "us-east-1");
  SigningRequest request = ExampleRequest("GET", "/test.txt");
  request.headers = {{"Range", "bytes=0-9"}};
  std::vector<std::string> serial;
  serial.reserve(8);
  for (int day = 0; day < 8; ++day) {
    serial.push_back(
        HeaderValue(signer.SignHeaders(request, k20130524 + day * 86400).value(), "Authorization"));
  }
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const int day = (t + i) % 8;
        auto headers = signer.SignHeaders(request, k20130524 + day * 86400);
        if (!headers.ok() || HeaderValue(*headers, "Authorization") != serial[day]) {
          ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(8, 0));
  EXPECT_NE(serial[0].find("Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c60"),
            std::string::npos);
}

TEST(SigV4SignerTest, AmzDateIsUtcAndBounded) {
  EXPECT_EQ(FormatAmzDate(0).value(), "19700101T000000Z");
  EXPECT_EQ(FormatAmzDate(k20130524).value(), "20130524T000000Z");
  EXPECT_EQ(FormatAmzDate(951782400 + 3661).value(), "20000229T010101Z");
  EXPECT_EQ(FormatAmzDate(253402300799).value(), "99991231T235959Z");
  EXPECT_FALSE(FormatAmzDate(-1).ok());
  EXPECT_FALSE(FormatAmzDate(253402300800).ok());
  EXPECT_FALSE(ExampleSigner().SignHeaders(ExampleRequest("GET", "/"), -1).ok());
}

TEST(SigV4SignerTest, RejectsWhatCannotBeSignedFaithfully) {
  auto header_error = [](const SigningRequest& r) {
    auto result = ExampleSigner().SignHeaders(r, k20130524);
    return result.ok() ? std::string("OK") : result.status().message();
  };
  SigningRequest r = ExampleRequest("get", "/k");
  EXPECT_NE(header_error(r).find("method"), std::string::npos);
  r = ExampleRequest("GET", "k");
  EXPECT_NE(header_error(r).find("path must start with '/'"), std::string::npos);
  r = ExampleRequest("GET", "/k");
  r.host = "";
  EXPECT_NE(header_error(r).find("host"), std::string::npos);
  r = ExampleRequest("GET", "/k");
  r.host = "bad host";
  EXPECT_NE(header_error(r).find("host"), std::string::npos);
  r = ExampleRequest("GET", "/k\xff");
  EXPECT_NE(header_error(r).find("UTF-8"), std::string::npos);
  for (const char* reserved :
       {"Host", "Authorization", "X-Amz-Date", "x-amz-content-sha256", "X-Amz-Security-Token"}) {
    r = ExampleRequest("GET", "/k");
    r.headers = {{reserved, "x"}};
    EXPECT_NE(header_error(r), "OK") << reserved;
  }
  r = ExampleRequest("GET", "/k");
  r.headers = {{"x-amz-meta-a", "injected\r\nx-amz-acl: public-read"}};
  EXPECT_NE(header_error(r).find("control character"), std::string::npos);
  r.headers = {{"bad name", "v"}};
  EXPECT_NE(header_error(r).find("invalid header name"), std::string::npos);
  r.headers = {};
  for (const char* hash : {"", "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                           "abc", "unsigned-payload"}) {
    r.payload_sha256_hex = hash;
    EXPECT_NE(header_error(r).find("payload_sha256_hex"), std::string::npos) << hash;
  }
  r.payload_sha256_hex = "UNSIGNED-PAYLOAD";
  EXPECT_EQ(header_error(r), "OK");

  auto presign_error = [](const SigningRequest& req) {
    auto result = ExampleSigner().PresignQuery(req, k20130524, 60);
    return result.ok() ? std::string("OK") : result.status().message();
  };
  r = ExampleRequest("GET", "/k");  // carries the empty-body hash
  EXPECT_NE(presign_error(r).find("payload"), std::string::npos);
  r.payload_sha256_hex.clear();
  EXPECT_EQ(presign_error(r), "OK");
  r.query = {{"X-Amz-Signature", "forged"}};
  EXPECT_NE(presign_error(r).find("set by the signer"), std::string::npos);
  r.query = {{"x-amz-expires", "1"}};
  EXPECT_NE(presign_error(r).find("set by the signer"), std::string::npos);
  r.query = {{"a", "1"}, {"a", "2"}};
  EXPECT_NE(presign_error(r).find("repeat"), std::string::npos);

  // Bad credentials or scope are reported by every call, not by a crash or a bad signature.
  for (const auto& [creds, region] : std::vector<std::pair<AwsCredentials, std::string>>{
           {{"", kSecretKey, ""}, "us-east-1"},
           {{kAccessKey, "", ""}, "us-east-1"},
           {{"AKIA/X", kSecretKey, ""}, "us-east-1"},
           {{kAccessKey, kSecretKey, "tok\nen"}, "us-east-1"},
           {{kAccessKey, kSecretKey, ""}, ""},
           {{kAccessKey, kSecretKey, ""}, "us/east"}}) {
    SigV4Signer bad(creds, region);
    r = ExampleRequest("GET", "/k");
    EXPECT_EQ(bad.SignHeaders(r, k20130524).status().code(), StatusCode::kInvalidArgument);
    r.payload_sha256_hex.clear();
    EXPECT_EQ(bad.PresignQuery(r, k20130524, 60).status().code(), StatusCode::kInvalidArgument);
  }
}

}  // namespace
}  // namespace swha::storage
