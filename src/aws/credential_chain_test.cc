#include "aws/credential_chain.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "storage/http_transport_testing.h"

namespace swha::aws {
namespace {

using storage::FakeTransport;
using storage::HeaderOf;
using storage::Reply;

constexpr int64_t kNow = 1440938160;  // 2015-08-30T12:36:00Z

std::string StsAnswer(std::string_view action, std::string_view key_id) {
  return FormatStsResponse(action, {{std::string(key_id), "s", "t"}, kNow + 3600});
}

constexpr std::string_view kImdsCredentials =
    R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":"s",)"
    R"("Token":"t","Expiration":"2015-08-30T18:36:00Z"})";

class CredentialChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = JoinPath(::testing::TempDir(), "credential_chain_test_" + std::to_string(getpid()));
    ASSERT_TRUE(fs_->CreateDirs(dir_).ok());
    config_.files = {.credentials_file = JoinPath(dir_, "credentials"),
                     .config_file = JoinPath(dir_, "config"),
                     .profile = "default"};
    config_.ec2_metadata_endpoint = "http://127.0.0.1:1";
  }
  void TearDown() override { (void)RemoveTree(fs_, dir_); }

  void WriteFile(const std::string& path, std::string_view text) {
    ASSERT_TRUE(fs_->WriteFileAtomic(path, text, Durability::kNoSync).ok());
  }
  Result<ResolvedCredentials> Resolve() {
    return CredentialChain::Resolve(config_, {.fs = fs_,
                                              .sts_transport = &sts_,
                                              .metadata_transport = &metadata_,
                                              .clock = &clock_,
                                              .sts_retry = {.max_attempts = 1}});
  }
  // The source the chain picks, or the error's code name.
  std::string Picked() {
    auto r = Resolve();
    return r.ok() ? std::string(r->source()) : "error: " + r.status().message();
  }

  FileSystem* fs_ = FileSystem::Default();
  std::string dir_;
  CredentialChainConfig config_;
  FakeTransport sts_;
  FakeTransport metadata_;
  ManualClock clock_{kNow * 1000};
};

// Every source configured at once, then taken away one by one from the top: each time the
// next one in botocore's order is chosen.
TEST_F(CredentialChainTest, SourcesArePickedInTheSdksOrder) {
  config_.environment = {"AKIDENV", "envsecret", ""};
  config_.web_identity_token_file = JoinPath(dir_, "token");
  config_.role_arn = "arn:aws:iam::1:role/web";
  config_.container_full_uri = "http://127.0.0.1:2/creds";
  WriteFile(config_.files.credentials_file,
            "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n"
            "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
  WriteFile(config_.files.config_file,
            "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n"
            "credential_process = /bin/true\naws_access_key_id = AKIDCONFIG\n"
            "aws_secret_access_key = s\n");
  EXPECT_EQ(Picked(), "environment");
  config_.environment = {};
  EXPECT_EQ(Picked(), "assume-role");
  WriteFile(config_.files.config_file,
            "[default]\ncredential_process = /bin/true\naws_access_key_id = AKIDCONFIG\n"
            "aws_secret_access_key = s\n");
  EXPECT_EQ(Picked(), "web-identity");
  config_.web_identity_token_file.clear();
  EXPECT_EQ(Picked(), "shared-credentials-file");
  WriteFile(config_.files.credentials_file, "");
  EXPECT_EQ(Picked(), "process");
  WriteFile(config_.files.config_file,
            "[default]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = s\n");
  EXPECT_EQ(Picked(), "config-file");
  WriteFile(config_.files.config_file, "");
  EXPECT_EQ(Picked(), "container");
  config_.container_full_uri.clear();
  metadata_.Push(Reply(200, "imds-token"));
  metadata_.Push(Reply(200, "the-role\n"));
  metadata_.Push(Reply(200, std::string(kImdsCredentials)));
  EXPECT_EQ(Picked(), "instance-metadata");
  config_.ec2_metadata_disabled = true;
  EXPECT_NE(Picked().find("no AWS credentials"), std::string::npos);
}

TEST_F(CredentialChainTest, InstanceMetadataIsIMDSv2AndItsFirstCredentialsAreKept) {
  metadata_.Push(Reply(200, "imds-token"));
  metadata_.Push(Reply(200, "the-role\n"));
  metadata_.Push(Reply(200, std::string(kImdsCredentials)));
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->first().has_value());
  EXPECT_EQ(r->first()->credentials.access_key_id, "ASIAIMDS");
  EXPECT_EQ(r->first()->expires_at_unix, kNow + 6 * 3600);
  const auto& sent = metadata_.requests();
  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].method, "PUT");
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:1/latest/api/token");
  EXPECT_EQ(HeaderOf(sent[0], "x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  EXPECT_EQ(sent[1].url, "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/");
  EXPECT_EQ(sent[2].url, "http://127.0.0.1:1/latest/meta-data/iam/security-credentials/the-role");
  EXPECT_EQ(HeaderOf(sent[1], "x-aws-ec2-metadata-token"), "imds-token");
  EXPECT_EQ(HeaderOf(sent[2], "x-aws-ec2-metadata-token"), "imds-token");
}

TEST_F(CredentialChainTest, AnAbsentInstanceMetadataServiceEndsTheChainSayingWhy) {
  metadata_.Push(Status::Unavailable("connect: timed out"));
  auto r = Resolve();
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("instance metadata"), std::string::npos);
  ASSERT_EQ(metadata_.requests().size(), 1u);  // no IMDSv1 GET without a token
}

// Off EC2 there is no metadata service: the chain ends. One that answers but fails is the
// source (to be asked again), not a reason to say there are no credentials.
TEST_F(CredentialChainTest, AFailingInstanceMetadataServiceIsStillTheSource) {
  metadata_.Push(Reply(200, "imds-token"));
  metadata_.Push(Reply(503, ""));
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source(), "instance-metadata");
  EXPECT_FALSE(r->first().has_value());
}

TEST_F(CredentialChainTest, AProfileAskedForByNameMustExist) {
  config_.environment = {"AKIDENV", "envsecret", ""};
  config_.files.profile = "typo";
  config_.files.profile_explicit = true;
  auto r = Resolve();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("AWS_PROFILE typo"), std::string::npos);
  config_.files.profile = "default";  // AWS_PROFILE=default without files: the same
  EXPECT_EQ(Resolve().status().code(), StatusCode::kInvalidArgument);
  config_.files.profile_explicit = false;  // unset: the default profile may be absent
  EXPECT_EQ(Picked(), "environment");
}

TEST_F(CredentialChainTest, AssumeRoleSignsWithTheSourceProfilesKeysAndFollowsChains) {
  WriteFile(config_.files.credentials_file,
            "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = basesecret\n");
  WriteFile(config_.files.config_file,
            "[profile ops]\nrole_arn = arn:aws:iam::1:role/first\nsource_profile = base\n"
            "[default]\nrole_arn = arn:aws:iam::1:role/second\nsource_profile = ops\n"
            "role_session_name = mine\nexternal_id = ext\nregion = eu-west-1\n");
  sts_.Push(Reply(200, StsAnswer("AssumeRole", "ASIAFIRST")));
  sts_.Push(Reply(200, StsAnswer("AssumeRole", "ASIASECOND")));
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->source(), "assume-role");
  EXPECT_EQ(r->region(), "eu-west-1");
  auto fetched = r->provider()->Fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->credentials.access_key_id, "ASIASECOND");
  ASSERT_EQ(sts_.requests().size(), 2u);
  // The first role with the base keys, the second with the first role's credentials.
  EXPECT_NE(HeaderOf(sts_.requests()[0], "Authorization").find("Credential=AKIDBASE/"),
            std::string::npos);
  EXPECT_NE(sts_.requests()[0].body.find("role%2Ffirst"), std::string::npos);
  EXPECT_NE(HeaderOf(sts_.requests()[1], "Authorization").find("Credential=ASIAFIRST/"),
            std::string::npos);
  EXPECT_EQ(HeaderOf(sts_.requests()[1], "X-Amz-Security-Token"), "<missing>");
  EXPECT_EQ(HeaderOf(sts_.requests()[1], "x-amz-security-token"), "t");
  EXPECT_NE(sts_.requests()[1].body.find("RoleSessionName=mine"), std::string::npos);
  EXPECT_NE(sts_.requests()[1].body.find("ExternalId=ext"), std::string::npos);
  EXPECT_EQ(sts_.requests()[1].url, "https://sts.eu-west-1.amazonaws.com/");
}

TEST_F(CredentialChainTest, MalformedRoleProfilesAreErrorsNotFallThroughs) {
  const auto expect_error = [this](std::string_view config, std::string_view says) {
    WriteFile(config_.files.config_file, config);
    auto r = Resolve();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << config;
    EXPECT_NE(r.status().message().find(says), std::string::npos) << r.status().message();
  };
  expect_error("[default]\nrole_arn = arn:r\n", "neither source_profile nor credential_source");
  expect_error("[default]\nrole_arn = arn:r\nsource_profile = x\ncredential_source = Environment\n",
               "both");
  expect_error("[default]\nrole_arn = arn:r\nsource_profile = nowhere\n", "does not exist");
  expect_error(
      "[default]\nrole_arn = arn:r\nsource_profile = a\n"
      "[profile a]\nrole_arn = arn:a\nsource_profile = default\n",
      "loops back");
  expect_error("[default]\nrole_arn = arn:r\ncredential_source = Laptop\n",
               "Environment, Ec2InstanceMetadata or EcsContainer");
  expect_error("[default]\nrole_arn = arn:r\ncredential_source = Environment\n",
               "AWS_ACCESS_KEY_ID is not set");
  expect_error("[default]\nrole_arn = arn:r\nsource_profile = default\nmfa_serial = arn:mfa\n",
               "MFA");
  expect_error("[default]\nrole_arn = arn:r\nsource_profile = default\nduration_seconds = 60\n",
               "duration_seconds");
  EXPECT_TRUE(sts_.requests().empty());
}

TEST_F(CredentialChainTest, AProfileThatIsItsOwnSourceUsesItsKeys) {
  WriteFile(config_.files.credentials_file,
            "[default]\naws_access_key_id = AKIDSELF\naws_secret_access_key = s\n"
            "role_arn = arn:aws:iam::1:role/r\nsource_profile = default\n");
  sts_.Push(Reply(200, StsAnswer("AssumeRole", "ASIAROLE")));
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->provider()->Fetch().ok());
  EXPECT_NE(HeaderOf(sts_.requests().at(0), "Authorization").find("Credential=AKIDSELF/"),
            std::string::npos);
}

TEST_F(CredentialChainTest, WebIdentityReadsTheTokenFileAtEveryFetch) {
  config_.web_identity_token_file = JoinPath(dir_, "token");
  config_.role_arn = "arn:aws:iam::1:role/pod";
  config_.role_session_name = "pod-1";
  WriteFile(config_.web_identity_token_file, "first.jwt\n");
  sts_.Push(Reply(200, StsAnswer("AssumeRoleWithWebIdentity", "ASIAWEB1")));
  sts_.Push(Reply(200, StsAnswer("AssumeRoleWithWebIdentity", "ASIAWEB2")));
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->provider()->Fetch().ok());
  WriteFile(config_.web_identity_token_file, "second.jwt");
  auto second = r->provider()->Fetch();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->credentials.access_key_id, "ASIAWEB2");
  EXPECT_NE(sts_.requests()[0].body.find("WebIdentityToken=first.jwt"), std::string::npos);
  EXPECT_NE(sts_.requests()[1].body.find("WebIdentityToken=second.jwt"), std::string::npos);
  EXPECT_NE(sts_.requests()[1].body.find("RoleSessionName=pod-1"), std::string::npos);
  config_.role_arn.clear();
  EXPECT_EQ(Resolve().status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CredentialChainTest, ContainerCredentialsCarryTheAuthorizationFromItsFile) {
  config_.container_full_uri = "http://127.0.0.1:2/v1/credentials";
  config_.container_authorization_token = "from-the-variable";
  config_.container_authorization_token_file = JoinPath(dir_, "auth");
  WriteFile(config_.container_authorization_token_file, "from-the-file\n");
  metadata_.Push(Reply(200, R"({"AccessKeyId":"ASIAECS","SecretAccessKey":"s","Token":"t",)"
                            R"("Expiration":"2015-08-30T13:36:00Z"})"));
  metadata_.Push(Reply(403, "{}"));
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto fetched = r->provider()->Fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->credentials.session_token, "t");
  EXPECT_EQ(HeaderOf(metadata_.requests().at(0), "Authorization"), "from-the-file");
  EXPECT_EQ(r->provider()->Fetch().status().code(), StatusCode::kUnauthenticated);
}

// The process runner is injected: what the provider asks for, and how it reports a runner's
// failure (a timeout) and credentials that have already expired.
TEST(ProcessProviderTest, AsksForTheSplitCommandWithItsLimitsAndReportsFailures) {
  ManualClock clock{kNow * 1000};
  std::vector<std::string> asked;
  int timeout = 0;
  size_t limit = 0;
  auto provider =
      ProcessProvider("vault 'read creds' --json", &clock,
                      [&](const std::vector<std::string>& argv, int timeout_ms, size_t max_bytes) {
                        asked = argv;
                        timeout = timeout_ms;
                        limit = max_bytes;
                        return Result<ProcessResult>(ProcessResult{
                            0, R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S",)"
                               R"("Expiration":"2015-08-30T12:35:00Z"})"});
                      });
  EXPECT_EQ(provider->Fetch().status().code(), StatusCode::kUnauthenticated);  // expired
  EXPECT_EQ(asked, (std::vector<std::string>{"vault", "read creds", "--json"}));
  EXPECT_EQ(timeout, kProcessTimeoutMs);
  EXPECT_EQ(limit, kMaxCredentialAnswerBytes);
  auto slow = ProcessProvider("vault", &clock, [](const auto&, int, size_t) {
    return Result<ProcessResult>(Status::Unavailable("vault did not finish within 60000 ms"));
  });
  EXPECT_EQ(slow->Fetch().status().code(), StatusCode::kUnavailable);
}

TEST(ContainerCredentialsUrlTest, PlainHttpOnlyToLoopbackOrTheEcsAndEksAddresses) {
  auto relative = ContainerCredentialsUrl("/v2/credentials/abc", "");
  ASSERT_TRUE(relative.ok());
  EXPECT_EQ(*relative, "http://169.254.170.2/v2/credentials/abc");
  for (std::string_view ok :
       {"http://127.0.0.1:80/c", "http://localhost/c", "http://169.254.170.23/v1/credentials",
        "http://[::1]:8/c", "http://[fd00:ec2::23]/c", "https://creds.example.com/c"}) {
    EXPECT_TRUE(ContainerCredentialsUrl("", ok).ok()) << ok;
  }
  for (std::string_view bad : {"http://10.0.0.1/c", "http://169.254.169.254/c",
                               "http://127.0.0.1.evil.com/c", "ftp://127.0.0.1/c"}) {
    EXPECT_EQ(ContainerCredentialsUrl("", bad).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(CredentialChainTest, CredentialProcessOutputIsReadAndItsFailuresNamed) {
  WriteFile(config_.files.config_file,
            "[default]\ncredential_process = /bin/sh -c 'printf \"%s\" "
            "\"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIDPROC\\\", "
            "\\\"SecretAccessKey\\\": \\\"s\\\", \\\"SessionToken\\\": \\\"t\\\", "
            "\\\"Expiration\\\": \\\"2015-08-30T13:36:00Z\\\"}\"'\n"
            "[profile failing]\ncredential_process = /bin/sh -c 'exit 3'\n"
            "[profile wrong]\ncredential_process = /bin/echo {\"Version\":2}\n"
            "[profile text]\ncredential_process = /bin/echo {\"Version\":\"1\"}\n");
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto fetched = r->provider()->Fetch();
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->credentials.access_key_id, "AKIDPROC");
  EXPECT_EQ(fetched->expires_at_unix, kNow + 3600);
  config_.files.profile = "failing";
  auto failing = Resolve();
  ASSERT_TRUE(failing.ok());
  EXPECT_NE(failing->provider()->Fetch().status().message().find("exited with status 3"),
            std::string::npos);
  config_.files.profile = "wrong";
  auto wrong = Resolve();
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->provider()->Fetch().status().code(), StatusCode::kInternal);
  config_.files.profile = "text";  // a Version that is not a number is refused, not thrown
  auto text = Resolve();
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->provider()->Fetch().status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace swha::aws
