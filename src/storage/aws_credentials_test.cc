#include "storage/aws_credentials.h"

#include <gtest/gtest.h>

#include "config/settings.h"
#include "util/clock.h"

namespace swha::storage {
namespace {

// The layout `aws configure` writes, plus the comment and spacing forms the AWS CLI accepts.
constexpr std::string_view kFile =
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
    "region = eu-west-1\r\n"
    "[half]\n"
    "aws_access_key_id = AKIDHALF\n";

TEST(AwsCredentialsTest, ReadsTheNamedProfile) {
  auto d = ParseSharedCredentials(kFile, "default");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->access_key_id, "AKIDEFAULT");
  EXPECT_EQ(d->secret_access_key, "secretdefault");
  EXPECT_EQ(d->session_token, "");

  auto p = ParseSharedCredentials(kFile, "prod");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->access_key_id, "AKIDPROD");
  EXPECT_EQ(p->secret_access_key, "secret/prod+key");
  EXPECT_EQ(p->session_token, "token==");
}

TEST(AwsCredentialsTest, MissingProfileOrHalfAPairIsNotFound) {
  EXPECT_EQ(ParseSharedCredentials(kFile, "staging").status().code(), StatusCode::kNotFound);
  auto half = ParseSharedCredentials(kFile, "half");
  EXPECT_EQ(half.status().code(), StatusCode::kNotFound);
  EXPECT_NE(half.status().message().find("aws_secret_access_key"), std::string::npos);
}

TEST(AwsCredentialsTest, MalformedLineIsNamedByNumberWithoutItsContent) {
  auto r = ParseSharedCredentials("[default]\naws_secret_access_key sekrit\n", "default");
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos);
  EXPECT_EQ(r.status().message().find("sekrit"), std::string::npos);
}

class ResolveS3ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = JoinPath(::testing::TempDir(), "aws_credentials_test_" + std::to_string(getpid()));
    ASSERT_TRUE(fs_->CreateDirs(dir_).ok());
    path_ = JoinPath(dir_, "credentials");
    ASSERT_TRUE(fs_->WriteFileAtomic(path_, kFile, Durability::kNoSync).ok());
    settings_.bucket_name = "b";
    settings_.shared_credentials_file = path_;
  }
  void TearDown() override { (void)RemoveTree(fs_, dir_); }

  FileSystem* fs_ = FileSystem::Default();
  std::string dir_;
  std::string path_;
  config::S3Settings settings_;
};

TEST_F(ResolveS3ConfigTest, EnvironmentWinsOverTheFile) {
  settings_.access_key_id = "AKIDENV";
  settings_.secret_access_key = "envsecret";
  auto r = ResolveS3Config(settings_, fs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->config.credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(r->credentials_source, "environment");
  EXPECT_EQ(r->credentials_kind, "environment");
}

TEST_F(ResolveS3ConfigTest, FileProfileWhenTheEnvironmentHasNone) {
  settings_.profile = "prod";
  auto r = ResolveS3Config(settings_, fs_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->config.credentials.access_key_id, "AKIDPROD");
  EXPECT_EQ(r->config.credentials.session_token, "token==");
  EXPECT_EQ(r->config.bucket, "b");
  EXPECT_EQ(r->credentials_source, "shared credentials file " + path_ + " [prod]");
  EXPECT_EQ(r->credentials_kind, "shared credentials file");  // no server path
}

TEST_F(ResolveS3ConfigTest, NoCredentialsAnywhereSaysWhereItLooked) {
  settings_.shared_credentials_file = JoinPath(dir_, "absent");
  auto r = ResolveS3Config(settings_, fs_);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(r.status().message().find("absent"), std::string::npos);
  settings_.shared_credentials_file = path_;
  settings_.profile = "half";
  r = ResolveS3Config(settings_, fs_);
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().message().find("AKIDHALF"), std::string::npos);
}

}  // namespace
}  // namespace swha::storage
