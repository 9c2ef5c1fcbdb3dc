// CloudFront signed URLs: the policies as CloudFront documents them, and every URL byte for
// byte as botocore's CloudFrontSigner makes it (tests/oracles/botocore_cloudfront.py, with
// python3-cryptography for RSA) over 600 generated keys and expiries.
#include "storage/cloudfront_signer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "tests/support/python_oracle.h"
#include "util/crypto.h"
#include "util/rsa.h"

namespace swha::storage {
namespace {

constexpr const char* kDomain = "d111111abcdef8.cloudfront.net";
constexpr const char* kKeyPairId = "K2JCJMDEHXQW5F";

// One 2048-bit key for the whole file: generating one takes a while.
const crypto::RsaPrivateKey& TestKey() {
  static const crypto::RsaPrivateKey key = crypto::RsaPrivateKey::Generate(2048).value();
  return key;
}

class TempKeyFile {
 public:
  explicit TempKeyFile(const std::string& contents) {
    path_ =
        (std::filesystem::temp_directory_path() / ("swha_cf_key_" + crypto::RandomHex(8) + ".pem"))
            .string();
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempKeyFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

config::CloudFrontSettings Settings(const std::string& key_file, const std::string& ip = "") {
  return {
      .domain = kDomain, .key_pair_id = kKeyPairId, .private_key_file = key_file, .allowed_ip = ip};
}

// The AWS documentation's canned-policy example: its resource and expiry, its policy shape.
TEST(CloudFrontSignerTest, PoliciesAreTheDocumentedJson) {
  EXPECT_EQ(
      CloudFrontSigner::CannedPolicy(
          "https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium", 1767290400),
      R"({"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/image.jpg?)"
      R"(color=red&size=medium","Condition":{"DateLessThan":{"AWS:EpochTime":1767290400}}}]})");
  EXPECT_EQ(CloudFrontSigner::CustomPolicy("https://x/a", 5, "192.0.2.10"),
            R"({"Statement":[{"Resource":"https://x/a","Condition":{"DateLessThan":)"
            R"({"AWS:EpochTime":5},"IpAddress":{"AWS:SourceIp":"192.0.2.10/32"}}}]})");
  EXPECT_NE(CloudFrontSigner::CustomPolicy("https://x/a", 5, "2001:db8::1").find("2001:db8::1/128"),
            std::string::npos);
  EXPECT_NE(CloudFrontSigner::CustomPolicy("https://x/a", 5, "10.0.0.0/8").find("\"10.0.0.0/8\""),
            std::string::npos);
}

TEST(CloudFrontSignerTest, UrlSafeBase64ReplacesTheThreeCharacters) {
  // 0xfb 0xff 0xbf is "+/+/" in standard base64; one byte pads with "==".
  EXPECT_EQ(CloudFrontSigner::UrlSafeBase64("\xfb\xff\xbf"), "-~-~");
  EXPECT_EQ(CloudFrontSigner::UrlSafeBase64("a"), "YQ__");
  EXPECT_EQ(CloudFrontSigner::UrlSafeBase64Decode("-~-~"), "\xfb\xff\xbf");
  EXPECT_EQ(CloudFrontSigner::UrlSafeBase64Decode("YQ__"), "a");
  EXPECT_EQ(CloudFrontSigner::UrlSafeBase64Decode("Y_Q_"), std::nullopt);
}

TEST(CloudFrontSignerTest, SignedUrlsVerifyWithThePublicKeyAndNameTheirKey) {
  CloudFrontSigner signer(kDomain, kKeyPairId, TestKey(), "");
  const std::string resource = signer.ResourceUrl("audio/users/7/s 1/segment_000.wav");
  EXPECT_EQ(resource, "https://d111111abcdef8.cloudfront.net/audio/users/7/s%201/segment_000.wav");
  const std::string url = signer.Sign(resource, 1767290400).value();
  ASSERT_TRUE(url.starts_with(resource + "?Expires=1767290400&Signature=")) << url;
  EXPECT_TRUE(url.ends_with("&Key-Pair-Id=K2JCJMDEHXQW5F")) << url;
  std::string signature = url.substr(url.find("Signature=") + 10);
  signature = signature.substr(0, signature.find('&'));
  const std::string raw = CloudFrontSigner::UrlSafeBase64Decode(signature).value_or("");
  EXPECT_EQ(raw.size(), 256u);
  const std::string policy = CloudFrontSigner::CannedPolicy(resource, 1767290400);
  EXPECT_TRUE(crypto::RsaVerifySha1(TestKey().PublicKeyPem(), policy, raw));
  EXPECT_FALSE(crypto::RsaVerifySha1(TestKey().PublicKeyPem(), policy + " ", raw));
  EXPECT_EQ(signer.KeyOfSignedUrl(url), "audio/users/7/s 1/segment_000.wav");
  EXPECT_EQ(signer.KeyOfSignedUrl(resource), std::nullopt);  // unsigned
  EXPECT_EQ(signer.KeyOfSignedUrl("https://other.example/audio/x?Signature=a&Key-Pair-Id=b"),
            std::nullopt);
}

TEST(CloudFrontSignerTest, ABadKeyFileIsOneLineNamingTheVariable) {
  auto fs = FileSystem::Default();
  auto missing = CloudFrontSigner::Create(Settings("/nonexistent/cf.pem"), fs);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().message().starts_with("CLOUDFRONT_PRIVATE_KEY_FILE: no such file"))
      << missing.status().message();
  TempKeyFile garbage("not a key\n");
  auto not_pem = CloudFrontSigner::Create(Settings(garbage.path()), fs);
  ASSERT_FALSE(not_pem.ok());
  EXPECT_EQ(not_pem.status().message(),
            "CLOUDFRONT_PRIVATE_KEY_FILE: not a PEM file (no -----BEGIN line)");
  // A PEM whose body is damaged: the message never quotes the key.
  std::string damaged = TestKey().PrivateKeyPem();
  damaged[damaged.size() / 2] = '!';
  TempKeyFile broken(damaged);
  auto unreadable = CloudFrontSigner::Create(Settings(broken.path()), fs);
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().message(),
            "CLOUDFRONT_PRIVATE_KEY_FILE: not a readable PEM private key");
  EXPECT_EQ(unreadable.status().message().find('\n'), std::string::npos);
  TempKeyFile good(TestKey().PrivateKeyPem());
  EXPECT_TRUE(CloudFrontSigner::Create(Settings(good.path()), fs).ok());
}

TEST(CloudFrontSignerTest, EveryUrlEqualsBotocoresByteForByte) {
  TempKeyFile key_file(TestKey().PrivateKeyPem());
  auto canned = CloudFrontSigner::Create(Settings(key_file.path()), FileSystem::Default());
  ASSERT_TRUE(canned.ok()) << canned.status().message();

  std::mt19937 rng(1767290400);
  const std::vector<std::string> fragments = {"audio/", "users/", "anonymous/", "segment_000.wav",
                                              "a b",    "é",      "日本",       "+",
                                              "=",      "~",      "%20",        "!",
                                              "'",      "(",      "*",          ";",
                                              ":",      "@",      "&",          "$",
                                              ",",      "x",      "0",          "-",
                                              "_",      "."};
  // IPv6 with an explicit prefix only: for a bare IPv6 address botocore appends /32, where we
  // write /128 (PoliciesAreTheDocumentedJson checks ours).
  const std::vector<std::string> ips = {"192.0.2.10",     "198.51.100.0/24", "203.0.113.7/32",
                                        "10.0.0.0/8",     "0.0.0.0/0",       "2001:db8::/32",
                                        "2001:db8::1/128"};
  struct Case {
    std::string resource;
    int64_t expires;
    std::string ip;
  };
  std::vector<Case> cases = {
      {"https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium", 1767290400, ""},
      {"https://d111111abcdef8.cloudfront.net/image.jpg?color=red&size=medium", 1767290400,
       "192.0.2.0/24"}};
  for (int i = 0; i < 600; ++i) {
    std::string key;
    for (int n = std::uniform_int_distribution<int>(1, 8)(rng); n > 0; --n) {
      key += fragments[std::uniform_int_distribution<size_t>(0, fragments.size() - 1)(rng)];
    }
    const int64_t expires = std::uniform_int_distribution<int64_t>(1, 4102444800)(rng);
    const std::string ip =
        i % 2 == 0 ? "" : ips[std::uniform_int_distribution<size_t>(0, ips.size() - 1)(rng)];
    cases.push_back({(*canned)->ResourceUrl(key), expires, ip});
  }
  std::vector<nlohmann::json> requests;
  for (const Case& c : cases) {
    nlohmann::json request = {{"url", c.resource}, {"expires", c.expires}};
    if (!c.ip.empty()) request["ip"] = c.ip;
    requests.push_back(std::move(request));
  }
  auto run =
      testing::RunPythonOracle("botocore_cloudfront.py", {key_file.path(), kKeyPairId}, requests);
  ASSERT_TRUE(run.ok()) << run.status().message();
  std::cout << run->stderr_text;

  size_t mismatches = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    CloudFrontSigner signer(kDomain, kKeyPairId, TestKey(), c.ip);
    const std::string ours = signer.Sign(c.resource, c.expires).value();
    const nlohmann::json& theirs = run->answers[i];
    const std::string policy = c.ip.empty()
                                   ? CloudFrontSigner::CannedPolicy(c.resource, c.expires)
                                   : CloudFrontSigner::CustomPolicy(c.resource, c.expires, c.ip);
    if ((theirs.value("url", "") != ours || theirs.value("policy", "") != policy) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << "case " << i << ": " << requests[i].dump() << "\nours:     " << ours
                    << "\nbotocore: " << theirs.dump();
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << cases.size();
}

}  // namespace
}  // namespace swha::storage
