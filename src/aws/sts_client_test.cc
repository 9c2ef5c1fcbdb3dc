#include "aws/sts_client.h"

#include <gtest/gtest.h>

#include "storage/http_transport_testing.h"

namespace swha::aws {
namespace {

using storage::FakeTransport;
using storage::HeaderOf;
using storage::Reply;

constexpr int64_t kNow = 1440938160;  // 2015-08-30T12:36:00Z

std::string AssumeRoleAnswer(std::string_view action, std::string_view expiration) {
  return "<" + std::string(action) +
         "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
         "<" +
         std::string(action) +
         "Result><Credentials>"
         "<AccessKeyId>ASIATEMP</AccessKeyId><SecretAccessKey>tempsecret</SecretAccessKey>"
         "<SessionToken>tok/en+=</SessionToken><Expiration>" +
         std::string(expiration) + "</Expiration></Credentials></" + std::string(action) +
         "Result>"
         "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
         "</" +
         std::string(action) + "Response>";
}

class StsClientTest : public ::testing::Test {
 protected:
  StsClient Make(std::string endpoint = "http://127.0.0.1:9999") {
    return StsClient({.region = "eu-west-1", .endpoint_url = std::move(endpoint)}, &transport_,
                     &clock_, {.max_attempts = 3, .sleep = [](double) {}, .random = {}});
  }
  FakeTransport transport_;
  ManualClock clock_{kNow * 1000};
};

TEST(StsConfigTest, TheRegionalEndpointUnlessOneIsGiven) {
  EXPECT_EQ(StsConfig{.region = "eu-west-1"}.EndpointUrl(), "https://sts.eu-west-1.amazonaws.com");
  EXPECT_EQ(StsConfig{.region = "cn-north-1"}.EndpointUrl(),
            "https://sts.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(StsConfig{.region = ""}.EndpointUrl(), "https://sts.us-east-1.amazonaws.com");
  EXPECT_EQ((StsConfig{.region = "eu-west-1", .endpoint_url = "http://127.0.0.1:1"}.EndpointUrl()),
            "http://127.0.0.1:1");
}

TEST_F(StsClientTest, AssumeRoleIsASignedFormPostAndItsCredentialsAreRead) {
  transport_.Push(Reply(200, AssumeRoleAnswer("AssumeRole", "2015-08-30T13:36:00Z")));
  auto got = Make().AssumeRole({.role_arn = "arn:aws:iam::123456789012:role/demo",
                                .role_session_name = "swha tts",
                                .duration_seconds = 900,
                                .external_id = "ext/1"},
                               {"AKIDCALLER", "callersecret", ""});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->credentials.access_key_id, "ASIATEMP");
  EXPECT_EQ(got->credentials.secret_access_key, "tempsecret");
  EXPECT_EQ(got->credentials.session_token, "tok/en+=");
  EXPECT_EQ(got->expires_at_unix, kNow + 3600);

  ASSERT_EQ(transport_.requests().size(), 1u);
  const storage::HttpRequest& sent = transport_.requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://127.0.0.1:9999/");
  EXPECT_EQ(sent.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3A"
            "role%2Fdemo&RoleSessionName=swha%20tts&DurationSeconds=900&ExternalId=ext%2F1");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_EQ(HeaderOf(sent, "x-amz-date"), "20150830T123600Z");
  const std::string auth = HeaderOf(sent, "Authorization");
  EXPECT_TRUE(
      auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDCALLER/20150830/eu-west-1/sts/"
                       "aws4_request, SignedHeaders=content-type;host;"
                       "x-amz-content-sha256;x-amz-date, Signature="))
      << auth;
}

TEST_F(StsClientTest, AnEndpointWithABasePathIsPostedToAndSignedAtThatPath) {
  transport_.Push(Reply(200, AssumeRoleAnswer("AssumeRole", "2015-08-30T13:36:00Z")));
  auto got = Make("http://127.0.0.1:9999/sts/")
                 .AssumeRole({.role_arn = "arn:aws:iam::1:role/r", .role_session_name = "s"},
                             {"AKID", "sekrit", ""});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(transport_.requests().at(0).url, "http://127.0.0.1:9999/sts/");
}

TEST_F(StsClientTest, WebIdentityIsNotSignedAndTheTokenIsInTheFormOnly) {
  transport_.Push(
      Reply(200, AssumeRoleAnswer("AssumeRoleWithWebIdentity", "2015-08-30T12:51:00.000Z")));
  auto got = Make().AssumeRoleWithWebIdentity({.role_arn = "arn:aws:iam::1:role/pod",
                                               .role_session_name = "s",
                                               .web_identity_token = "eyJ.secret.jwt",
                                               .duration_seconds = std::nullopt});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->expires_at_unix, kNow + 900);
  const storage::HttpRequest& sent = transport_.requests().at(0);
  EXPECT_EQ(HeaderOf(sent, "Authorization"), "<missing>");
  EXPECT_NE(sent.body.find("&WebIdentityToken=eyJ.secret.jwt"), std::string::npos) << sent.body;
  EXPECT_NE(sent.body.find("Action=AssumeRoleWithWebIdentity&"), std::string::npos);
}

TEST_F(StsClientTest, RefusalsNameTheCodeAndThrottlingIsRetried) {
  transport_.Push(Reply(400,
                        "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                        "<Message>Rate exceeded</Message></Error></ErrorResponse>"));
  transport_.Push(Reply(503, ""));
  transport_.Push(Reply(403,
                        "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                        "<Message>not authorized to perform sts:AssumeRole</Message></Error>"
                        "<RequestId>req-9</RequestId></ErrorResponse>"));
  auto got = Make().AssumeRole({.role_arn = "arn:aws:iam::1:role/r", .role_session_name = "s"},
                               {"AKID", "sekrit", ""});
  EXPECT_EQ(got.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(got.status().message(),
            "STS AssumeRole: AccessDenied: 'not authorized to perform sts:AssumeRole' (request "
            "id req-9, HTTP 403)");
  EXPECT_EQ(transport_.requests().size(), 3u);
}

TEST_F(StsClientTest, AWebIdentityRefusalNeverQuotesTheToken) {
  transport_.Push(Reply(400,
                        "<ErrorResponse><Error><Code>InvalidIdentityToken</Code>"
                        "<Message>bad</Message></Error></ErrorResponse>"));
  auto got = Make().AssumeRoleWithWebIdentity({.role_arn = "arn:aws:iam::1:role/r",
                                               .role_session_name = "s",
                                               .web_identity_token = "eyJ.secret.jwt",
                                               .duration_seconds = std::nullopt});
  EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(got.status().message().find("eyJ"), std::string::npos);
  EXPECT_NE(got.status().message().find("InvalidIdentityToken"), std::string::npos);
}

TEST_F(StsClientTest, AnAnswerWithoutCredentialsIsTheServersFault) {
  transport_.Push(Reply(200, "<html>proxy</html>"));
  auto got = Make().AssumeRole({.role_arn = "arn:aws:iam::1:role/r", .role_session_name = "s"},
                               {"AKID", "sekrit", ""});
  EXPECT_EQ(got.status().code(), StatusCode::kInternal);
}

TEST_F(StsClientTest, BadRequestsAreRefusedBeforeSending) {
  EXPECT_EQ(
      Make().AssumeRole({.role_arn = "", .role_session_name = "s"}, {"A", "B", ""}).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(Make()
                .AssumeRole({.role_arn = "arn", .role_session_name = std::string(65, 'x')},
                            {"A", "B", ""})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(transport_.requests().empty());
}

}  // namespace
}  // namespace swha::aws
