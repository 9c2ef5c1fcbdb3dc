// The chain picks the source botocore's default chain picks, environment by environment
// (tests/oracles/botocore_credentials.py runs botocore on the same variables and files).
// Instance metadata and container credentials, which both fetch while deciding, come from the
// stand-in on 127.0.0.1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/credential_chain.h"
#include "aws/s3_credentials.h"
#include "config/settings.h"
#include "tests/support/aws_credentials_standin.h"
#include "tests/support/python_oracle.h"

namespace swha::aws {
namespace {

using Env = std::map<std::string, std::string>;

// botocore's method names, in ours.
const std::map<std::string, std::string>& OurNameFor() {
  static const auto* names =
      new std::map<std::string, std::string>{{"env", "environment"},
                                             {"assume-role", "assume-role"},
                                             {"assume-role-with-web-identity", "web-identity"},
                                             {"shared-credentials-file", "shared-credentials-file"},
                                             {"custom-process", "process"},
                                             {"config-file", "config-file"},
                                             {"container-role", "container"},
                                             {"iam-role", "instance-metadata"}};
  return *names;
}

class CredentialChainBotocoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = JoinPath(::testing::TempDir(), "chain_botocore_" + std::to_string(getpid()));
    ASSERT_TRUE(fs_->CreateDirs(dir_).ok());
    auto standin = testing::AwsCredentialsStandin::Start({.vendor = [] {
      return Result<storage::CredentialsSnapshot>(
          storage::CredentialsSnapshot{{"ASIASTANDIN", "secret", "token"}, std::nullopt});
    }});
    ASSERT_TRUE(standin.ok()) << standin.status().ToString();
    standin_ = std::move(*standin);
    metadata_ = storage::CreateCurlTransport(
        {.connect_timeout_ms = kMetadataTimeoutMs, .total_timeout_ms = kContainerTimeoutMs});
  }
  void TearDown() override { (void)RemoveTree(fs_, dir_); }

  std::string Write(const std::string& name, std::string_view text) {
    std::string path = JoinPath(dir_, name);
    EXPECT_TRUE(fs_->WriteFileAtomic(path, text, Durability::kNoSync).ok());
    return path;
  }

  // Our choice for `env`: a source name, "none", or "error".
  std::string Ours(const Env& env) {
    Result<config::Settings> settings = config::LoadSettings(env);
    if (!settings.ok()) return "error";
    Result<ResolvedCredentials> r = CredentialChain::Resolve(ChainConfigFromSettings(settings->s3),
                                                             {.fs = fs_,
                                                              .sts_transport = metadata_.get(),
                                                              .metadata_transport = metadata_.get(),
                                                              .clock = Clock::Real(),
                                                              .sts_retry = {}});
    if (r.ok()) return std::string(r->source());
    return r.status().code() == StatusCode::kUnauthenticated ? "none" : "error";
  }

  FileSystem* fs_ = FileSystem::Default();
  std::string dir_;
  std::unique_ptr<testing::AwsCredentialsStandin> standin_;
  std::unique_ptr<storage::HttpTransport> metadata_;
};

TEST_F(CredentialChainBotocoreTest, BothPickTheSameSourceInEveryEnvironment) {
  const std::string keys = "aws_access_key_id = AKIDFILE\naws_secret_access_key = s\n";
  const std::string process =
      R"(credential_process = /bin/echo '{"Version":1,"AccessKeyId":"AKIDPROC","SecretAccessKey":"s"}')"
      "\n";
  const std::string all_credentials =
      Write("all-credentials", "[default]\n" + keys + "[base]\n" + keys);
  const std::string no_credentials = Write("no-credentials", "");
  const std::string role_config =
      Write("role-config", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n" +
                               process + keys);
  const std::string process_config = Write("process-config", "[default]\n" + process + keys);
  const std::string keys_config =
      Write("keys-config", "[default]\n" + keys + "[profile prod]\n" + keys);
  const std::string web_profile_config =
      Write("web-profile-config",
            "[default]\nrole_arn = arn:aws:iam::1:role/r\nweb_identity_token_file = " +
                Write("token", "a.b.c") + "\n");
  const std::string empty_config = Write("empty-config", "");
  const Env base = {{"AWS_EC2_METADATA_SERVICE_ENDPOINT", standin_->base_url()},
                    {"AWS_SHARED_CREDENTIALS_FILE", all_credentials},
                    {"AWS_CONFIG_FILE", role_config},
                    {"AWS_WEB_IDENTITY_TOKEN_FILE", JoinPath(dir_, "token")},
                    {"AWS_ROLE_ARN", "arn:aws:iam::1:role/web"},
                    {"AWS_CONTAINER_CREDENTIALS_FULL_URI", standin_->container_url()},
                    {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token"}};
  const auto with = [&base](const Env& changes, const std::vector<std::string>& removed = {}) {
    Env env = base;
    for (const auto& [k, v] : changes) env[k] = v;
    for (const std::string& k : removed) env.erase(k);
    return env;
  };
  const std::vector<std::string> no_web = {"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN"};
  const std::vector<std::string> nothing_else = {"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI"};
  const std::vector<std::pair<std::string, Env>> cases = {
      {"everything", with({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "s"}})},
      {"a role profile and web identity", base},
      {"web identity and the files' keys", with({{"AWS_CONFIG_FILE", process_config}})},
      {"credentials file, process, config keys",
       with({{"AWS_CONFIG_FILE", process_config}}, no_web)},
      {"process and config keys",
       with({{"AWS_CONFIG_FILE", process_config}, {"AWS_SHARED_CREDENTIALS_FILE", no_credentials}},
            no_web)},
      {"config keys and a container",
       with({{"AWS_CONFIG_FILE", keys_config}, {"AWS_SHARED_CREDENTIALS_FILE", no_credentials}},
            no_web)},
      {"an explicit profile in the config file",
       with({{"AWS_CONFIG_FILE", keys_config},
             {"AWS_SHARED_CREDENTIALS_FILE", no_credentials},
             {"AWS_PROFILE", "prod"}},
            nothing_else)},
      {"a container only",
       with({{"AWS_CONFIG_FILE", empty_config}, {"AWS_SHARED_CREDENTIALS_FILE", no_credentials}},
            no_web)},
      {"instance metadata only",
       with({{"AWS_CONFIG_FILE", empty_config}, {"AWS_SHARED_CREDENTIALS_FILE", no_credentials}},
            nothing_else)},
      {"a role and a web identity token file in one profile",
       with({{"AWS_CONFIG_FILE", web_profile_config},
             {"AWS_SHARED_CREDENTIALS_FILE", no_credentials}},
            nothing_else)},
      {"nothing at all", with({{"AWS_CONFIG_FILE", empty_config},
                               {"AWS_SHARED_CREDENTIALS_FILE", no_credentials},
                               {"AWS_EC2_METADATA_DISABLED", "true"}},
                              nothing_else)},
      {"an explicit profile that does not exist", with({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                                        {"AWS_SECRET_ACCESS_KEY", "s"},
                                                        {"AWS_PROFILE", "typo"}})},
  };
  std::vector<nlohmann::json> asked;
  asked.reserve(cases.size());
  for (const auto& [name, env] : cases) asked.push_back({{"env", env}});
  Result<testing::OracleRun> botocore =
      testing::RunPythonOracle("botocore_credentials.py", {"source"}, asked);
  ASSERT_TRUE(botocore.ok()) << botocore.status().ToString();
  ASSERT_EQ(botocore->answers.size(), cases.size());
  const std::vector<std::string> expected = {
      "environment",       "assume-role",  "web-identity", "shared-credentials-file",
      "process",           "config-file",  "config-file",  "container",
      "instance-metadata", "web-identity", "none",         "error"};
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].first);
    const nlohmann::json& answer = botocore->answers[i];
    std::string theirs;
    if (answer.contains("error")) {
      theirs = "error";
    } else if (answer["method"].is_null()) {
      theirs = "none";
    } else {
      theirs = OurNameFor().at(answer["method"].get<std::string>());
    }
    EXPECT_EQ(Ours(cases[i].second), theirs) << answer.dump() << "\n" << botocore->stderr_text;
    EXPECT_EQ(theirs, expected[i]) << answer.dump();
  }
}

// The STS stand-in's signature check is AWS's: botocore's own signature passes it, a wrong
// secret does not; a web identity call passes only with the right token. (The end-to-end
// tests rely on that check to say that our AssumeRole is signed right.)
TEST_F(CredentialChainBotocoreTest, TheStsStandInChecksSignaturesAsAwsDoes) {
  auto sts = testing::AwsCredentialsStandin::Start(
      {.vendor =
           [] {
             return Result<storage::CredentialsSnapshot>(storage::CredentialsSnapshot{
                 {"ASIAFROMSTS", "secret", "token"}, Clock::Real()->NowUnixSeconds() + 900});
           },
       .sts_callers = {{"AKIDCALLER", "callersecret"}},
       .web_identity_token = "a.b.c"});
  ASSERT_TRUE(sts.ok()) << sts.status().ToString();
  const std::string endpoint = (*sts)->base_url();
  const auto call = [&endpoint](std::string_view action, std::string_view secret,
                                std::string_view token) {
    return nlohmann::json{
        {"endpoint", endpoint}, {"access_key", "AKIDCALLER"},          {"secret_key", secret},
        {"action", action},     {"role_arn", "arn:aws:iam::1:role/r"}, {"token", token}};
  };
  Result<testing::OracleRun> botocore = testing::RunPythonOracle(
      "botocore_credentials.py", {"sts"},
      {call("AssumeRole", "callersecret", ""), call("AssumeRole", "wrongsecret", ""),
       call("AssumeRoleWithWebIdentity", "x", "a.b.c"),
       call("AssumeRoleWithWebIdentity", "x", "not.the.token")});
  ASSERT_TRUE(botocore.ok()) << botocore.status().ToString();
  ASSERT_EQ(botocore->answers.size(), 4u);
  EXPECT_EQ(botocore->answers[0].value("access_key", ""), "ASIAFROMSTS") << botocore->stderr_text;
  EXPECT_EQ(botocore->answers[1].value("error", ""), "SignatureDoesNotMatch");
  EXPECT_EQ(botocore->answers[2].value("access_key", ""), "ASIAFROMSTS");
  EXPECT_EQ(botocore->answers[3].value("error", ""), "InvalidIdentityToken");
  EXPECT_EQ((*sts)->handed_out("sts"), 2);
}

}  // namespace
}  // namespace swha::aws
