#include "config/dotenv.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <string>

namespace swha::config {
namespace {

EnvMap ParseOk(std::string_view content) {
  Result<EnvMap> r = ParseDotEnv(content);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : EnvMap{};
}

TEST(DotEnvTest, PlainPairsTrimmedAndCommentsSkipped) {
  EnvMap env = ParseOk(
      "# a full-line comment\n"
      "\n"
      "USE_S3_STORAGE=true\n"
      "  AWS_REGION  =  eu-west-1  \n"
      "   # indented comment\n"
      "S3_BUCKET_NAME=my-bucket\r\n"
      "EMPTY=\n");
  EXPECT_EQ(env, (EnvMap{{"USE_S3_STORAGE", "true"},
                         {"AWS_REGION", "eu-west-1"},
                         {"S3_BUCKET_NAME", "my-bucket"},
                         {"EMPTY", ""}}));
}

TEST(DotEnvTest, TrailingCommentNeedsWhitespaceBeforeHash) {
  EnvMap env = ParseOk(
      "S3_PRESIGNED_URL_EXPIRY=3600  # 1 hour\n"
      "TAB=x\t# tab comment\n"
      "COLOR=#fff\n"
      "URL=http://host/page#frag\n"
      "ONLY_COMMENT= # nothing here\n");
  EXPECT_EQ(env.at("S3_PRESIGNED_URL_EXPIRY"), "3600");
  EXPECT_EQ(env.at("TAB"), "x");
  EXPECT_EQ(env.at("COLOR"), "#fff");
  EXPECT_EQ(env.at("URL"), "http://host/page#frag");
  EXPECT_EQ(env.at("ONLY_COMMENT"), "");
}

TEST(DotEnvTest, ExportPrefix) {
  EnvMap env = ParseOk("export HOST=0.0.0.0\nexport\tPORT=9000\nexport=kept-as-a-key\n");
  EXPECT_EQ(env.at("HOST"), "0.0.0.0");
  EXPECT_EQ(env.at("PORT"), "9000");
  EXPECT_EQ(env.at("export"), "kept-as-a-key");
}

TEST(DotEnvTest, DoubleQuotesSupportEscapes) {
  EnvMap env = ParseOk(
      R"(A="hello world"
B="line1\nline2"
C="say \"hi\""
D="back\\slash"
E="C:\path"
F="  keeps spaces # and hash  "   # real comment
G=""
)");
  EXPECT_EQ(env.at("A"), "hello world");
  EXPECT_EQ(env.at("B"), "line1\nline2");
  EXPECT_EQ(env.at("C"), "say \"hi\"");
  EXPECT_EQ(env.at("D"), "back\\slash");
  EXPECT_EQ(env.at("E"), "C:\\path");
  EXPECT_EQ(env.at("F"), "  keeps spaces # and hash  ");
  EXPECT_EQ(env.at("G"), "");
}

TEST(DotEnvTest, SingleQuotesAreLiteral) {
  EnvMap env = ParseOk(R"(A='no\nescape'
B='has "double" quotes' # comment
C='#not a comment'
)");
  EXPECT_EQ(env.at("A"), "no\\nescape");
  EXPECT_EQ(env.at("B"), "has \"double\" quotes");
  EXPECT_EQ(env.at("C"), "#not a comment");
}

TEST(DotEnvTest, ValueMayContainEquals) {
  EnvMap env = ParseOk("DATABASE_URL=postgresql://u:p@h/db?sslmode=require\n");
  EXPECT_EQ(env.at("DATABASE_URL"), "postgresql://u:p@h/db?sslmode=require");
}

TEST(DotEnvTest, LaterDuplicateWins) { EXPECT_EQ(ParseOk("PORT=1\nPORT=2\n").at("PORT"), "2"); }

TEST(DotEnvTest, ByteOrderMarkAndMissingFinalNewline) {
  EnvMap env = ParseOk("\xEF\xBB\xBFHOST=h\nPORT=1");
  EXPECT_EQ(env, (EnvMap{{"HOST", "h"}, {"PORT", "1"}}));
}

void ExpectLineError(std::string_view content, int line, std::string_view forbidden = "") {
  Result<EnvMap> r = ParseDotEnv(content);
  ASSERT_FALSE(r.ok()) << content;
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("line " + std::to_string(line) + ":"), std::string::npos)
      << r.status().message();
  if (!forbidden.empty()) {
    EXPECT_EQ(r.status().message().find(forbidden), std::string::npos) << r.status().message();
  }
}

TEST(DotEnvTest, MalformedLinesNameTheLineButNotItsText) {
  ExpectLineError("HOST=h\nSECRET_KEY sup3r-s3cret-value\n", 2, "sup3r-s3cret-value");
  ExpectLineError("1PORT=8000\n", 1);
  ExpectLineError("# c\n\nMY-VAR=x\n", 3);
  ExpectLineError("=value\n", 1);
  ExpectLineError("A B=c\n", 1);
  ExpectLineError("export NOVALUE\n", 1);
  ExpectLineError("A=\"unterminated sup3r-s3cret\n", 1, "sup3r-s3cret");
  ExpectLineError("A='unterminated\n", 1);
  ExpectLineError("A=\"x\" trailing\n", 1);
  ExpectLineError("A='x'trailing\n", 1);
}

TEST(DotEnvTest, KeysMayUseLowercaseDigitsAndUnderscores) {
  EnvMap env = ParseOk("_x1=a\nAbc_9=b\n");
  EXPECT_EQ(env.at("_x1"), "a");
  EXPECT_EQ(env.at("Abc_9"), "b");
}

TEST(DotEnvTest, ProcessEnvironmentWinsOverDotEnv) {
  EnvMap merged = MergeEnvironment({{"PORT", "9000"}, {"HOME", "/root"}},
                                   {{"PORT", "8000"}, {"S3_BUCKET_NAME", "from-file"}});
  EXPECT_EQ(merged, (EnvMap{{"PORT", "9000"}, {"HOME", "/root"}, {"S3_BUCKET_NAME", "from-file"}}));
}

TEST(DotEnvTest, ProcessEnvironmentWinsEvenWhenEmpty) {
  // An operator who exports an empty value means it, e.g. to clear PUBLIC_BASE_URL.
  EnvMap merged = MergeEnvironment({{"PUBLIC_BASE_URL", ""}}, {{"PUBLIC_BASE_URL", "http://x"}});
  EXPECT_EQ(merged.at("PUBLIC_BASE_URL"), "");
}

TEST(DotEnvTest, ProcessEnvironmentReadsEnviron) {
  ASSERT_EQ(::setenv("SWHA_DOTENV_TEST_VAR", "a=b c", 1), 0);
  EnvMap env = ProcessEnvironment();
  ::unsetenv("SWHA_DOTENV_TEST_VAR");
  ASSERT_TRUE(env.contains("SWHA_DOTENV_TEST_VAR"));
  EXPECT_EQ(env.at("SWHA_DOTENV_TEST_VAR"), "a=b c");
}

class DotEnvFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha_dotenv_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (dir_.empty()) return;
    EXPECT_TRUE(RemoveTree(FileSystem::Default(), dir_).ok());
  }
  std::string dir_;
};

TEST_F(DotEnvFileTest, MissingFileIsEmpty) {
  Result<EnvMap> r = ReadDotEnvFile(FileSystem::Default(), JoinPath(dir_, ".env"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
}

TEST_F(DotEnvFileTest, ReadsAndParses) {
  const std::string path = JoinPath(dir_, ".env");
  ASSERT_TRUE(FileSystem::Default()
                  ->WriteFileAtomic(path, "export PORT=8123 # dev\n", Durability::kSync)
                  .ok());
  Result<EnvMap> r = ReadDotEnvFile(FileSystem::Default(), path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, (EnvMap{{"PORT", "8123"}}));
}

TEST_F(DotEnvFileTest, ParseErrorNamesFileAndLine) {
  const std::string path = JoinPath(dir_, ".env");
  ASSERT_TRUE(
      FileSystem::Default()->WriteFileAtomic(path, "A=1\nbroken\n", Durability::kSync).ok());
  Result<EnvMap> r = ReadDotEnvFile(FileSystem::Default(), path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos) << r.status().message();
}

class FailingReadFileSystem : public FileSystemWrapper {
 public:
  FailingReadFileSystem() : FileSystemWrapper(FileSystem::Default()) {}
  Result<std::string> ReadFile(const std::string& path) override {
    return Status::IOError("read " + path + ": Input/output error");
  }
};

TEST(DotEnvReadTest, ReadErrorOtherThanMissingIsReported) {
  FailingReadFileSystem fs;
  Result<EnvMap> r = ReadDotEnvFile(&fs, "/nonexistent/.env");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace swha::config
