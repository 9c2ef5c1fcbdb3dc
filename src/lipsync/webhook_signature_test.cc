#include "lipsync/webhook_signature.h"

#include <gtest/gtest.h>

namespace swha::lipsync {
namespace {

constexpr std::string_view kSecret = "whsec_test_5e1f0c";
constexpr std::string_view kBody =
    R"({"id":"6533643b-9ab4-4c8f-9b2c-d4d28e0e4a25","status":"COMPLETED"})";
constexpr int64_t kT = 1732960000;
// HMAC-SHA256(kSecret, "1732960000." + kBody), computed with Python's hmac module (an
// independent implementation).
constexpr std::string_view kPythonV1 =
    "14ffdb30a87baa0c64534bb9cde13e7626748f626356cff503fca4bf8b09e17d";

TEST(WebhookSignatureTest, SignsAsAnIndependentImplementationDoes) {
  EXPECT_EQ(SignWebhook(kSecret, kT, kBody), "t=1732960000,v1=" + std::string(kPythonV1));
}

TEST(WebhookSignatureTest, AcceptsAValidSignatureWithinTheWindow) {
  const std::string header = "t=1732960000,v1=" + std::string(kPythonV1);
  EXPECT_TRUE(VerifyWebhookSignature(header, kBody, kSecret, kT).ok());
  EXPECT_TRUE(VerifyWebhookSignature(header, kBody, kSecret, kT + kWebhookToleranceSeconds).ok());
  EXPECT_TRUE(VerifyWebhookSignature(header, kBody, kSecret, kT - kWebhookToleranceSeconds).ok());
  // Spaces after commas, upper-case hex, and a rotated-out signature beside the right one.
  const std::string loose =
      "t=1732960000, v1=" + std::string(64, 'a') +
      ", v1=" + std::string("14FFDB30A87BAA0C64534BB9CDE13E7626748F626356CFF503FCA4BF8B09E17D");
  EXPECT_TRUE(VerifyWebhookSignature(loose, kBody, kSecret, kT).ok());
}

TEST(WebhookSignatureTest, RefusesEveryKindOfBadSignature) {
  const std::string good = "t=1732960000,v1=" + std::string(kPythonV1);
  struct Case {
    std::string header;
    std::string body;
    std::string secret;
    int64_t now;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"", std::string(kBody), std::string(kSecret), kT, "missing"},
      {"v1=" + std::string(kPythonV1), std::string(kBody), std::string(kSecret), kT,
       "no timestamp"},
      {"t=abc,v1=" + std::string(kPythonV1), std::string(kBody), std::string(kSecret), kT,
       "no timestamp"},
      {"t=1732960000", std::string(kBody), std::string(kSecret), kT, "no v1"},
      {good, std::string(kBody) + " ", std::string(kSecret), kT, "does not match"},
      {good, std::string(kBody), "whsec_other", kT, "does not match"},
      {good, std::string(kBody), std::string(kSecret), kT + kWebhookToleranceSeconds + 1,
       "outside"},
      {good, std::string(kBody), std::string(kSecret), kT - kWebhookToleranceSeconds - 1,
       "outside"},
      {"t=1732960001,v1=" + std::string(kPythonV1), std::string(kBody), std::string(kSecret), kT,
       "does not match"},
  };
  for (const Case& c : cases) {
    Status s = VerifyWebhookSignature(c.header, c.body, c.secret, c.now);
    EXPECT_EQ(s.code(), StatusCode::kBadRequest) << c.header;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << s.message();
    EXPECT_EQ(s.message().find(kPythonV1), std::string::npos) << "never says what was expected";
  }
}

}  // namespace
}  // namespace swha::lipsync
