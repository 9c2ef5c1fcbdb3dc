#include "aws/s3_credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "config/settings.h"
#include "util/clock.h"

namespace swha::aws {
namespace {

// The layout `aws configure` writes, plus the comment and spacing forms the AWS CLI accepts.
constexpr std::string_view kCredentialsFile =
    "# written by aws configure\n"
    "[default]\n"
    "aws_access_key_id = AKIDEFAULT\n"
    "aws_secret_access_key = secretdefault\n"
    "\n"
    "; temporary credentials\n"
    "[ prod ]\r\n"
    "AWS_ACCESS_KEY_ID=AKIDPROD\r\n"
    "aws_secret_access_key=  secret/prod+key  \r\n"
    "aws_session_token = token==\r\n"
    "[half]\n"
    "aws_access_key_id = AKIDHALF\n";

constexpr std::string_view kConfigFile =
    "[default]\n"
    "region = eu-west-1\n"
    "[profile prod]\n"
    "region = ap-south-1\n"
    "s3 =\n"
    "  addressing_style = path\n"
    "[sso-session corp]\n"
    "sso_region = us-east-1\n";

TEST(AwsFilesTest, CredentialsFileProfilesAreItsSections) {
  auto p = ParseAwsFile(kCredentialsFile, AwsFileKind::kCredentials);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(AwsFiles::Value(*p, "default", "aws_access_key_id"), "AKIDEFAULT");
  EXPECT_EQ(AwsFiles::Value(*p, "prod", "aws_access_key_id"), "AKIDPROD");  // names lowered
  EXPECT_EQ(AwsFiles::Value(*p, "prod", "aws_secret_access_key"), "secret/prod+key");
  EXPECT_EQ(AwsFiles::Value(*p, "prod", "aws_session_token"), "token==");
  EXPECT_EQ(AwsFiles::Value(*p, "staging", "aws_access_key_id"), std::nullopt);
}

TEST(AwsFilesTest, ConfigFileProfilesAreDefaultAndProfileSectionsOnly) {
  auto p = ParseAwsFile(kConfigFile, AwsFileKind::kConfig);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(AwsFiles::Value(*p, "default", "region"), "eu-west-1");
  EXPECT_EQ(AwsFiles::Value(*p, "prod", "region"), "ap-south-1");
  // The nested s3 settings are not the profile's own.
  EXPECT_EQ(AwsFiles::Value(*p, "prod", "addressing_style"), std::nullopt);
  EXPECT_EQ(p->count("sso-session corp"), 0u);
  EXPECT_EQ(p->count("corp"), 0u);
}

TEST(AwsFilesTest, MalformedLineIsNamedByNumberWithoutItsContent) {
  auto r = ParseAwsFile("[default]\naws_secret_access_key sekrit\n", AwsFileKind::kCredentials);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos);
  EXPECT_EQ(r.status().message().find("sekrit"), std::string::npos);
}

class ResolveS3ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = JoinPath(::testing::TempDir(), "s3_credentials_test_" + std::to_string(getpid()));
    ASSERT_TRUE(fs_->CreateDirs(dir_).ok());
    settings_.bucket_name = "b";
    settings_.shared_credentials_file = Write("credentials", kCredentialsFile);
    settings_.config_file = Write("config", kConfigFile);
    settings_.ec2_metadata_disabled = true;
  }
  void TearDown() override { (void)RemoveTree(fs_, dir_); }

  std::string Write(const std::string& name, std::string_view text) {
    std::string path = JoinPath(dir_, name);
    EXPECT_TRUE(fs_->WriteFileAtomic(path, text, Durability::kNoSync).ok());
    return path;
  }
  Result<ResolvedS3Config> Resolve() {
    return ResolveS3Config(settings_, {.fs = fs_,
                                       .sts_transport = nullptr,
                                       .metadata_transport = nullptr,
                                       .clock = Clock::Real(),
                                       .metrics = nullptr,
                                       .refresh = {.background = false}});
  }

  FileSystem* fs_ = FileSystem::Default();
  std::string dir_;
  config::S3Settings settings_;
};

TEST_F(ResolveS3ConfigTest, EnvironmentWinsOverTheFile) {
  settings_.access_key_id = "AKIDENV";
  settings_.secret_access_key = "envsecret";
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->credentials->Current()->credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(r->credentials_kind, "environment");
  EXPECT_EQ(r->config.credentials_source, r->credentials);
  EXPECT_EQ(r->config.region, "eu-west-1");  // no AWS_REGION: the profile's
}

TEST_F(ResolveS3ConfigTest, FileProfileWhenTheEnvironmentHasNoneAndItsRegion) {
  settings_.profile = "prod";
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const storage::AwsCredentials& c = r->credentials->Current()->credentials;
  EXPECT_EQ(c.access_key_id, "AKIDPROD");
  EXPECT_EQ(c.session_token, "token==");
  EXPECT_EQ(r->config.bucket, "b");
  EXPECT_EQ(r->config.region, "ap-south-1");
  EXPECT_EQ(r->credentials_kind, "shared-credentials-file");  // no server path
  EXPECT_NE(r->credentials_description.find(settings_.shared_credentials_file),
            std::string::npos);  // the log's line has it
  EXPECT_EQ(r->credentials_description.find("secret"), std::string::npos);
}

TEST_F(ResolveS3ConfigTest, AnExplicitRegionWinsOverTheProfiles) {
  settings_.region = "us-west-2";
  settings_.region_explicit = true;
  auto r = Resolve();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->config.region, "us-west-2");
}

TEST_F(ResolveS3ConfigTest, NoCredentialsAnywhereSaysWhereItLooked) {
  settings_.shared_credentials_file = JoinPath(dir_, "absent");
  auto r = Resolve();
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("absent"), std::string::npos);
  EXPECT_NE(r.status().message().find("AWS_EC2_METADATA_DISABLED"), std::string::npos);
  settings_.shared_credentials_file = Write("credentials", kCredentialsFile);
  settings_.profile = "half";
  r = Resolve();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("aws_secret_access_key"), std::string::npos);
  EXPECT_EQ(r.status().message().find("AKIDHALF"), std::string::npos);
}

}  // namespace
}  // namespace swha::aws
