// The binary as a command: configuration errors, `config` redaction and .env, `say`, `voices`
// and --help.
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

testing::CommandResult RunSwha(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env,
                               const std::string& working_dir) {
  return testing::RunCommand(testing::ServerBinary(), args, env, working_dir);
}

// The output is one line (one trailing newline, none before it).
::testing::AssertionResult IsOneLine(const std::string& output) {
  if (output.empty() || output.back() != '\n' || output.find('\n') != output.size() - 1) {
    return ::testing::AssertionFailure() << "not exactly one line: [" << output << "]";
  }
  return ::testing::AssertionSuccess();
}

TEST(ConfigTest, InvalidPortStopsStartUpWithOneLineNamingIt) {
  ScopedTempDir dir;
  const auto r = RunSwha({"serve"}, {{"PORT", "abc"}, {"DATA_DIR", dir.path()}}, dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(IsOneLine(r.output));
  EXPECT_NE(r.output.find("PORT"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("LISTENING"), std::string::npos) << r.output;
}

TEST(ConfigTest, InvalidUrlExpiryStopsStartUpWithOneLineNamingIt) {
  ScopedTempDir dir;
  const auto r =
      RunSwha({"serve"}, {{"S3_PRESIGNED_URL_EXPIRY", "-5"}, {"DATA_DIR", dir.path()}}, dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(IsOneLine(r.output));
  EXPECT_NE(r.output.find("S3_PRESIGNED_URL_EXPIRY"), std::string::npos) << r.output;
}

// A CloudFront private key that is missing or unreadable stops start-up: serving URLs that
// CloudFront would refuse helps nobody. The line names the variable, never the key.
TEST(ConfigTest, ABadCloudFrontKeyStopsStartUpWithOneLineNamingIt) {
  ScopedTempDir dir;
  const std::string broken_key = dir.path() + "/broken.pem";
  WriteFileBytes(broken_key,
                 "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n"
                 "-----END PRIVATE KEY-----\n");
  for (const std::string& key_file : {dir.path() + "/missing.pem", broken_key}) {
    const auto r = RunSwha({"serve"},
                           {{"DATA_DIR", dir.path()},
                            {"USE_S3_STORAGE", "true"},
                            {"CLOUDFRONT_DOMAIN", "d111111abcdef8.cloudfront.net"},
                            {"CLOUDFRONT_KEY_PAIR_ID", "K2JCJMDEHXQW5F"},
                            {"CLOUDFRONT_PRIVATE_KEY_FILE", key_file}},
                           dir.path());
    EXPECT_NE(r.exit_code, 0) << key_file;
    EXPECT_TRUE(IsOneLine(r.output)) << r.output;
    EXPECT_NE(r.output.find("CLOUDFRONT_PRIVATE_KEY_FILE"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("c2VjcmV0"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("LISTENING"), std::string::npos) << r.output;
  }
}

TEST(ConfigTest, InvalidSecretIsNamedButNotShown) {
  ScopedTempDir dir;
  const auto r =
      RunSwha({"serve"}, {{"SECRET_KEY", "short-k3y"}, {"DATA_DIR", dir.path()}}, dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_TRUE(IsOneLine(r.output));
  EXPECT_NE(r.output.find("SECRET_KEY"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("short-k3y"), std::string::npos) << r.output;
}

TEST(ConfigTest, ConfigCommandRedactsSecrets) {
  ScopedTempDir dir;
  const auto r = RunSwha(
      {"config"},
      {{"SECRET_KEY", "supersecretvalue123"}, {"AWS_SECRET_ACCESS_KEY", "awssecretvalue456"}},
      dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("supersecretvalue123"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("awssecretvalue456"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nSECRET_KEY=<redacted>\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nAWS_SECRET_ACCESS_KEY=<redacted>\n"), std::string::npos) << r.output;
}

TEST(ConfigTest, DotEnvInWorkingDirectoryIsReadAndTheEnvironmentWins) {
  ScopedTempDir dir;
  WriteFileBytes(dir.path() + "/.env", "# settings for the test\nPORT=9123\n");
  auto r = RunSwha({"config"}, {}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\nPORT=9123\n"), std::string::npos) << r.output;
  r = RunSwha({"config"}, {{"PORT", "9124"}}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\nPORT=9124\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("9123"), std::string::npos) << r.output;
}

TEST(CliTest, SayWritesAWav) {
  ScopedTempDir dir;
  const std::string out = dir.path() + "/x.wav";
  const auto r = RunSwha({"say", "Hello there", "--voice", "am_adam", "--lang", "a", "-o", out}, {},
                         dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(IsSpeechWav(ReadFileBytes(out), 0.3, 5.0));
}

TEST(CliTest, SayAtDoubleSpeedIsClearlyShorter) {
  ScopedTempDir dir;
  const std::string text = "Speaking faster makes this sentence take much less time.";
  const std::string normal = dir.path() + "/normal.wav";
  const std::string fast = dir.path() + "/fast.wav";
  auto r = RunSwha({"say", text, "--speed", "1.0", "-o", normal}, {}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunSwha({"say", text, "--speed", "2.0", "-o", fast}, {}, dir.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const WavInfo normal_wav = ParseWav(ReadFileBytes(normal));
  const WavInfo fast_wav = ParseWav(ReadFileBytes(fast));
  ASSERT_TRUE(normal_wav.valid) << normal_wav.error;
  ASSERT_TRUE(fast_wav.valid) << fast_wav.error;
  EXPECT_GT(normal_wav.duration_seconds, 1.5);
  EXPECT_LT(fast_wav.duration_seconds, 0.7 * normal_wav.duration_seconds)
      << fast_wav.duration_seconds << " s vs " << normal_wav.duration_seconds << " s";
}

TEST(CliTest, SayWithAnUnknownVoiceFailsAndWritesNothing) {
  ScopedTempDir dir;
  const std::string out = dir.path() + "/bad.wav";
  const auto r = RunSwha({"say", "Hello", "--voice", "xx_nobody", "-o", out}, {}, dir.path());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("voice"), std::string::npos) << r.output;
  EXPECT_EQ(CountEntries(dir.path()), 0) << "files left behind";
}

// A catalog check pointed at no catalog (a wrong DATA_DIR or DATABASE_URL in the operator's
// shell) must not make one, nor anything else: against an empty catalog every stored file
// would look orphaned.
TEST(CliTest, CatalogCheckRefusesToRunWithoutACatalogAndCreatesNothing) {
  ScopedTempDir dir;
  const std::string data = dir.path() + "/data";
  const auto r =
      RunSwha({"catalog", "check", "--repair"},
              {{"DATA_DIR", data}, {"DATABASE_URL", "sqlite:///" + data + "/swha.db"}}, dir.path());
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no catalog at " + data + "/swha.db"), std::string::npos) << r.output;
  EXPECT_EQ(CountEntries(dir.path()), 0) << "created something";
}

TEST(CliTest, VoicesListsFiftyFourVoicesInNineLanguages) {
  ScopedTempDir dir;
  const auto r = RunSwha({"voices"}, {}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::set<std::string> voices;
  int languages = 0;
  std::istringstream lines(r.output);
  const std::regex voice_line(R"(\s+([a-z][fm]_[a-z]+)\s+(female|male)\s*)");
  const std::regex language_line(R"([abefhijpz]\s+\S.*)");
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_match(line, m, voice_line)) {
      voices.insert(m[1]);
    } else if (std::regex_match(line, language_line)) {
      ++languages;
    }
  }
  EXPECT_EQ(voices.size(), 54u) << r.output;
  EXPECT_EQ(languages, 9) << r.output;
  EXPECT_TRUE(voices.count("af_heart"));
  EXPECT_TRUE(voices.count("zm_yunyang"));
}

TEST(CliTest, HelpWorksForEverySubcommand) {
  ScopedTempDir dir;
  auto r = RunSwha({"--help"}, {}, dir.path());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* sub : {"serve", "say", "voices", "config"}) {
    EXPECT_NE(r.output.find(sub), std::string::npos) << r.output;
  }
  for (const char* sub : {"serve", "say", "voices", "config"}) {
    SCOPED_TRACE(sub);
    r = RunSwha({sub, "--help"}, {}, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Usage"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(sub), std::string::npos) << r.output;
  }
  r = RunSwha({"say", "--help"}, {}, dir.path());
  for (const char* option : {"--voice", "--lang", "--speed", "--output"}) {
    EXPECT_NE(r.output.find(option), std::string::npos) << option;
  }
  // --help must not have started anything or written anything.
  EXPECT_EQ(CountEntries(dir.path()), 0);
}

}  // namespace
}  // namespace swha::blackbox
