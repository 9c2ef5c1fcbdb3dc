#include "aws/sts_client.h"

#include <gtest/gtest.h>

#include "storage/http_transport_testing.h"

namespace swha::aws {
namespace {

using storage::FakeTransport;
using storage::HeaderOf;
using storage::Reply;

constexpr int64_t kNow = 1440938160;  // 2015-08-30T12:36:00Z

std::string AssumeRoleAnswer(std::string_view action, int64_t expires_at) {
  return FormatStsResponse(action, {{"ASIATEMP", "tempsecret", "tok/en+="}, expires_at});
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
  transport_.Push(Reply(200, AssumeRoleAnswer("AssumeRole", kNow + 3600)));
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
  transport_.Push(Reply(200, AssumeRoleAnswer("AssumeRole", kNow + 3600)));
  auto got = Make("http://127.0.0.1:9999/sts/")
                 .AssumeRole({.role_arn = "arn:aws:iam::1:role/r", .role_session_name = "s"},
                             {"AKID", "sekrit", ""});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(transport_.requests().at(0).url, "http://127.0.0.1:9999/sts/");
}

TEST_F(StsClientTest, WebIdentityIsNotSignedAndTheTokenIsInTheFormOnly) {
  transport_.Push(Reply(200, AssumeRoleAnswer("AssumeRoleWithWebIdentity", kNow + 900)));
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

// The shape of the STS API reference's AssumeRole example, fields we do not read included.
TEST(ParseStsResponseTest, ReadsTheAnswerAsTheApiReferenceShowsIt) {
  const std::string xml =
      "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
      "  <AssumeRoleResult>\n  <SourceIdentity>DevUser123</SourceIdentity>\n"
      "  <AssumedRoleUser>\n    <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>\n"
      "    <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>\n  </AssumedRoleUser>\n"
      "  <Credentials>\n    <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
      "    <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
      "    <SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQW"
      "</SessionToken>\n    <Expiration>2019-11-09T13:34:41Z</Expiration>\n"
      "  </Credentials>\n  <PackedPolicySize>6</PackedPolicySize>\n  </AssumeRoleResult>\n"
      "  <ResponseMetadata>\n    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
      "  </ResponseMetadata>\n</AssumeRoleResponse>\n";
  auto got = ParseStsResponse("AssumeRole", Reply(200, xml));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->credentials.access_key_id, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(got->credentials.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
  EXPECT_TRUE(got->credentials.session_token.starts_with("AQoDYXdzEPT//////////wEXAMPLE"));
  EXPECT_EQ(got->expires_at_unix, 1573306481);  // calendar.timegm
  // And what FormatStsResponse writes (the stand-ins' answers) reads back the same.
  auto again = ParseStsResponse("AssumeRole", Reply(200, FormatStsResponse("AssumeRole", *got)));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->credentials.session_token, got->credentials.session_token);
  EXPECT_EQ(again->expires_at_unix, got->expires_at_unix);
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
