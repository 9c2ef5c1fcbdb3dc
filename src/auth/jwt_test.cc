#include "auth/jwt.h"

#include <gtest/gtest.h>

#include "util/crypto.h"

namespace swha::auth {
namespace {

// RFC 7515 appendix A.1 (also RFC 7519 section 3.1): the HMAC key as a JWK "k" value, and the
// exact header and payload octets, line breaks included.
constexpr std::string_view kRfcKeyB64 =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kRfcHeader = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
constexpr std::string_view kRfcPayload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr std::string_view kRfcToken =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

std::string RfcKey() { return *crypto::Base64UrlDecode(kRfcKeyB64); }

TEST(JwtTest, SignsTheRfc7515ExampleByteForByte) {
  EXPECT_EQ(SignHs256(RfcKey(), kRfcHeader, kRfcPayload), kRfcToken);
}

TEST(JwtTest, VerifiesTheRfc7515ExampleAndReturnsItsPayload) {
  auto payload = VerifyHs256(RfcKey(), kRfcToken);
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  EXPECT_EQ(*payload, kRfcPayload);
  // The example has no `sub`, so it is no access token of ours, and it expired in 2011.
  EXPECT_EQ(VerifyAccessToken(RfcKey(), kRfcToken, 1300819379).status().code(),
            StatusCode::kUnauthenticated);
}

constexpr std::string_view kKey = "test-key-test-key-test-key-test-key";
constexpr int64_t kNow = 1'795'496'553;

std::string Payload(std::string_view sub, int64_t exp) {
  return R"({"sub":")" + std::string(sub) + R"(","exp":)" + std::to_string(exp) + "}";
}

TEST(JwtTest, IssuedTokensRoundTrip) {
  const std::string token = IssueAccessToken(kKey, {42, kNow, kNow + 1800, 3});
  auto claims = VerifyAccessToken(kKey, token, kNow);
  ASSERT_TRUE(claims.ok()) << claims.status().ToString();
  EXPECT_EQ(claims->user_id, 42);
  EXPECT_EQ(claims->issued_at, kNow);
  EXPECT_EQ(claims->expires_at, kNow + 1800);
  EXPECT_EQ(claims->token_version, 3);
}

TEST(JwtTest, RefusesEveryBadToken) {
  const std::string hs256 = R"({"alg":"HS256","typ":"JWT"})";
  const std::string good = SignHs256(kKey, hs256, Payload("42", kNow + 60));
  ASSERT_TRUE(VerifyAccessToken(kKey, good, kNow).ok());
  const std::string none_sig = crypto::Base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." +
                               crypto::Base64UrlEncode(Payload("42", kNow + 60)) + ".";
  struct Case {
    const char* name;
    std::string token;
  };
  const Case cases[] = {
      {"wrong key", SignHs256("another-key-another-key-another", hs256, Payload("42", kNow + 60))},
      {"alg none", none_sig},
      {"alg none, signed anyway", SignHs256(kKey, R"({"alg":"none"})", Payload("42", kNow + 60))},
      {"HS512 header", SignHs256(kKey, R"({"alg":"HS512"})", Payload("42", kNow + 60))},
      {"RS256 with the secret as key",
       SignHs256(kKey, R"({"alg":"RS256"})", Payload("42", kNow + 60))},
      {"lower-case alg", SignHs256(kKey, R"({"alg":"hs256"})", Payload("42", kNow + 60))},
      {"no alg", SignHs256(kKey, R"({"typ":"JWT"})", Payload("42", kNow + 60))},
      {"expired", SignHs256(kKey, hs256, Payload("42", kNow))},
      {"no exp", SignHs256(kKey, hs256, R"({"sub":"42"})")},
      {"exp as a string", SignHs256(kKey, hs256, R"({"sub":"42","exp":"9999999999"})")},
      {"non-numeric sub", SignHs256(kKey, hs256, Payload("alice", kNow + 60))},
      {"sub zero", SignHs256(kKey, hs256, Payload("0", kNow + 60))},
      {"negative sub", SignHs256(kKey, hs256, Payload("-4", kNow + 60))},
      {"sub with a leading zero", SignHs256(kKey, hs256, Payload("042", kNow + 60))},
      {"sub as a number", SignHs256(kKey, hs256, R"({"sub":42,"exp":9999999999})")},
      {"truncated", good.substr(0, good.size() - 5)},
      {"two parts", good.substr(0, good.rfind('.'))},
      {"four parts", good + ".x"},
      {"padded signature", good + "="},
      {"payload swapped", good.substr(0, good.find('.') + 1) +
                              crypto::Base64UrlEncode(Payload("1", kNow + 60)) +
                              good.substr(good.rfind('.'))},
      {"empty", ""},
      {"not JSON", SignHs256(kKey, "not json", Payload("42", kNow + 60))},
  };
  for (const Case& c : cases) {
    auto r = VerifyAccessToken(kKey, c.token, kNow);
    EXPECT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated) << c.name;
  }
}

TEST(Base64UrlTest, RoundTripsAndRejectsWhatIsNotCanonical) {
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    EXPECT_EQ(crypto::Base64UrlDecode(crypto::Base64UrlEncode(s)), std::string(s));
  }
  EXPECT_EQ(crypto::Base64UrlEncode("\xfb\xff"), "-_8");  // RFC 4648's URL alphabet
  EXPECT_FALSE(crypto::Base64UrlDecode("Zm9v=").has_value());
  EXPECT_FALSE(crypto::Base64UrlDecode("Zm9+").has_value());  // standard alphabet
  EXPECT_FALSE(crypto::Base64UrlDecode("Z").has_value());     // impossible length
  EXPECT_FALSE(crypto::Base64UrlDecode("Zh").has_value());    // leftover bits set ("Zg" is "f")
  EXPECT_EQ(crypto::Base64UrlDecode("Zg"), "f");
}

}  // namespace
}  // namespace swha::auth
