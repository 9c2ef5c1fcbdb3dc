// The settings table against the loader, the struct's defaults and ToString(): a variable
// added to one and not the others fails here.
#include "config/settings_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "config/dotenv.h"
#include "config/setting_rules.h"

namespace swha::config {
namespace {

// The NAME of every `NAME=value` line of ToString(), in order.
std::vector<std::string> ShownNames(const std::string& text) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    names.push_back(line.substr(0, line.find('=')));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return names;
}

std::string ShownLine(const Settings& s, std::string_view name) {
  const std::string text = "\n" + s.ToString();
  const std::string key = "\n" + std::string(name) + "=";
  const size_t at = text.find(key);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(SettingsTableTest, EntriesAreWellFormed) {
  std::set<std::string_view> names;
  for (const SettingSpec& spec : SettingsTable()) {
    SCOPED_TRACE(std::string(spec.name));
    EXPECT_TRUE(names.insert(spec.name).second) << "listed twice";
    EXPECT_FALSE(spec.section.empty());
    EXPECT_FALSE(spec.meaning.empty());
    EXPECT_EQ(spec.meaning.find('\n'), std::string_view::npos);
    EXPECT_NE(spec.read, nullptr);
    if (spec.secret) {
      EXPECT_EQ(spec.default_text, "") << "a secret has no default";
    }
    EXPECT_EQ(spec.kind == SettingKind::kInteger, spec.rule != nullptr);
    if (spec.rule != nullptr) {
      EXPECT_EQ(spec.rule->var, spec.name);
    }
    EXPECT_EQ(spec.kind == SettingKind::kChoice, !spec.choices.empty());
    if (!spec.choices.empty() && !spec.default_text.empty()) {
      EXPECT_TRUE(IsOneOf(spec.default_text, spec.choices));
    }
    EXPECT_EQ(FindSetting(spec.name), &spec);
  }
  EXPECT_EQ(FindSetting("NOT_A_SETTING"), nullptr);
}

// Loading every variable at its default_text is loading none: the table's defaults are the
// struct's.
TEST(SettingsTableTest, DefaultTextsAreTheDefaults) {
  EnvMap every;
  for (const SettingSpec& spec : SettingsTable()) every[std::string(spec.name)] = spec.default_text;
  Result<Settings> all = LoadSettings(every);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  Result<Settings> none = LoadSettings({});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(all->ToString(), none->ToString());
}

// What `config` shows is what the table lists, in the table's order (AWS_DEFAULT_REGION only
// feeds AWS_REGION).
TEST(SettingsTableTest, ToStringShowsEveryVariableOfTheTable) {
  std::vector<std::string> listed;
  for (const SettingSpec& spec : SettingsTable()) {
    if (spec.name != "AWS_DEFAULT_REGION") listed.emplace_back(spec.name);
  }
  std::vector<std::string> shown = ShownNames(Settings{}.ToString());
  std::sort(listed.begin(), listed.end());
  std::sort(shown.begin(), shown.end());
  EXPECT_EQ(shown, listed);
}

// Each entry reads into its own field: a value given to one variable shows up on its own line
// of ToString() (secrets as <redacted>).
TEST(SettingsTableTest, EveryEntryReadsItsOwnVariable) {
  struct Probe {
    std::string value;
    std::string shown;                        // the ToString line expected
    std::map<std::string, std::string> with;  // companions the rules require
  };
  const std::map<std::string, std::string> cloudfront = {
      {"USE_S3_STORAGE", "true"},
      {"CLOUDFRONT_DOMAIN", "d1.cloudfront.net"},
      {"CLOUDFRONT_KEY_PAIR_ID", "K2JCJMDEHXQW5F"},
      {"CLOUDFRONT_PRIVATE_KEY_FILE", "/etc/key.pem"}};
  const std::map<std::string, Probe> probes = {
      {"HOST", {"0.0.0.0", "HOST=0.0.0.0"}},
      {"PORT", {"9001", "PORT=9001"}},
      {"PUBLIC_BASE_URL", {"https://x.example/", "PUBLIC_BASE_URL=https://x.example"}},
      {"MAX_TEXT_LENGTH", {"77", "MAX_TEXT_LENGTH=77"}},
      {"MAX_REQUEST_BYTES", {"4096", "MAX_REQUEST_BYTES=4096"}},
      {"HTTP_THREADS", {"3", "HTTP_THREADS=3"}},
      {"SHUTDOWN_GRACE_SECONDS", {"7", "SHUTDOWN_GRACE_SECONDS=7"}},
      {"MAX_CONNECTIONS", {"64", "MAX_CONNECTIONS=64"}},
      {"REQUEST_HEADER_TIMEOUT_SECONDS", {"4", "REQUEST_HEADER_TIMEOUT_SECONDS=4"}},
      {"REQUEST_BODY_TIMEOUT_SECONDS", {"8", "REQUEST_BODY_TIMEOUT_SECONDS=8"}},
      {"RATE_LIMIT_PER_MINUTE", {"120", "RATE_LIMIT_PER_MINUTE=120"}},
      {"MAX_SYNTHESES_PER_USER", {"2", "MAX_SYNTHESES_PER_USER=2"}},
      {"CORS_ORIGINS",
       {"https://a.example, http://localhost:3000",
        "CORS_ORIGINS=https://a.example,http://localhost:3000"}},
      {"LOGIN_FAILURE_LIMIT", {"3", "LOGIN_FAILURE_LIMIT=3"}},
      {"LOG_LEVEL", {"WARN", "LOG_LEVEL=warn"}},
      {"ENVIRONMENT", {"staging", "ENVIRONMENT=staging"}},
      {"METRICS_TOKEN", {"m-token", "METRICS_TOKEN=<redacted>"}},
      {"DATA_DIR", {"/d", "DATA_DIR=/d"}},
      {"AUDIO_DIR", {"/a", "AUDIO_DIR=/a"}},
      {"KEEP_LOCAL_COPY", {"off", "KEEP_LOCAL_COPY=false"}},
      {"SECRET_KEY", {"0123456789abcdefXYZ", "SECRET_KEY=<redacted>"}},
      {"ACCESS_TOKEN_EXPIRE_MINUTES", {"61", "ACCESS_TOKEN_EXPIRE_MINUTES=61"}},
      {"ALLOW_ANONYMOUS", {"no", "ALLOW_ANONYMOUS=false"}},
      {"DATABASE_URL", {"postgresql://u:pw@h/db", "DATABASE_URL=postgresql://u:<redacted>@h/db"}},
      {"DATABASE_POOL_SIZE", {"3", "DATABASE_POOL_SIZE=3"}},
      {"ENGINE_THREADS", {"2", "ENGINE_THREADS=2"}},
      {"TTS_ENGINE", {"openai", "TTS_ENGINE=openai", {{"TTS_UPSTREAM_URL", "http://u"}}}},
      {"TTS_UPSTREAM_URL", {"http://up:8880/v1", "TTS_UPSTREAM_URL=http://up:8880"}},
      {"TTS_UPSTREAM_API_KEY", {"up-key", "TTS_UPSTREAM_API_KEY=<redacted>"}},
      {"TTS_UPSTREAM_MODEL", {"tts-1", "TTS_UPSTREAM_MODEL=tts-1"}},
      {"TTS_UPSTREAM_MAX_CONCURRENCY", {"2", "TTS_UPSTREAM_MAX_CONCURRENCY=2"}},
      {"TTS_UPSTREAM_TIMEOUT_MS", {"2000", "TTS_UPSTREAM_TIMEOUT_MS=2000"}},
      {"TTS_UPSTREAM_PHONEMIZE", {"upstream", "TTS_UPSTREAM_PHONEMIZE=upstream"}},
      {"TTS_UPSTREAM_VOICE_NAMES", {"openai", "TTS_UPSTREAM_VOICE_NAMES=openai"}},
      {"SYNC_API_KEY", {"sk", "SYNC_API_KEY=<redacted>"}},
      {"SYNC_API_BASE_URL", {"http://sync:1", "SYNC_API_BASE_URL=http://sync:1"}},
      {"SYNC_WEBHOOK_SECRET", {"wh", "SYNC_WEBHOOK_SECRET=<redacted>"}},
      {"LIPSYNC_AUDIO_URL_EXPIRY", {"600", "LIPSYNC_AUDIO_URL_EXPIRY=600"}},
      {"SYNC_API_TIMEOUT_MS", {"5000", "SYNC_API_TIMEOUT_MS=5000"}},
      {"USE_S3_STORAGE", {"yes", "USE_S3_STORAGE=true"}},
      {"AWS_ACCESS_KEY_ID", {"AKIAPROBE1234", "AWS_ACCESS_KEY_ID=*********1234"}},
      {"AWS_SECRET_ACCESS_KEY", {"s3cr3t", "AWS_SECRET_ACCESS_KEY=<redacted>"}},
      {"AWS_SESSION_TOKEN", {"tok", "AWS_SESSION_TOKEN=<redacted>"}},
      {"AWS_DEFAULT_REGION", {"eu-west-3", "AWS_REGION=eu-west-3"}},
      {"AWS_REGION", {"ap-south-1", "AWS_REGION=ap-south-1"}},
      {"AWS_PROFILE", {"prod", "AWS_PROFILE=prod"}},
      {"AWS_SHARED_CREDENTIALS_FILE", {"/c", "AWS_SHARED_CREDENTIALS_FILE=/c"}},
      {"AWS_CONFIG_FILE", {"/cfg", "AWS_CONFIG_FILE=/cfg"}},
      {"AWS_ENDPOINT_URL_STS", {"http://sts:1", "AWS_ENDPOINT_URL_STS=http://sts:1"}},
      {"AWS_WEB_IDENTITY_TOKEN_FILE", {"/t", "AWS_WEB_IDENTITY_TOKEN_FILE=/t"}},
      {"AWS_ROLE_ARN", {"arn:aws:iam::1:role/r", "AWS_ROLE_ARN=arn:aws:iam::1:role/r"}},
      {"AWS_ROLE_SESSION_NAME", {"probe", "AWS_ROLE_SESSION_NAME=probe"}},
      {"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
       {"/v2/creds", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/creds"}},
      {"AWS_CONTAINER_CREDENTIALS_FULL_URI",
       {"http://127.0.0.1:9/c", "AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:9/c"}},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN", {"tk", "AWS_CONTAINER_AUTHORIZATION_TOKEN=<redacted>"}},
      {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
       {"/tf", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/tf"}},
      {"AWS_EC2_METADATA_SERVICE_ENDPOINT",
       {"http://127.0.0.1:8", "AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:8"}},
      {"AWS_EC2_METADATA_DISABLED", {"true", "AWS_EC2_METADATA_DISABLED=true"}},
      {"S3_BUCKET_NAME", {"probe-bucket", "S3_BUCKET_NAME=probe-bucket"}},
      {"S3_REPLICAS", {"bk2@us-west-2", "S3_REPLICAS=bk2@us-west-2"}},
      {"S3_PRESIGNED_URL_EXPIRY", {"120", "S3_PRESIGNED_URL_EXPIRY=120"}},
      {"S3_ENDPOINT_URL", {"http://rgw:7480", "S3_ENDPOINT_URL=http://rgw:7480"}},
      {"S3_ADDRESSING_STYLE", {"path", "S3_ADDRESSING_STYLE=path"}},
      {"S3_SSE", {"aes256", "S3_SSE=AES256"}},
      {"S3_USE_ACCELERATE_ENDPOINT", {"true", "S3_USE_ACCELERATE_ENDPOINT=true"}},
      {"S3_USE_DUALSTACK_ENDPOINT", {"true", "S3_USE_DUALSTACK_ENDPOINT=true"}},
      {"S3_PRICE_PER_GB_MONTH", {"0.5", "S3_PRICE_PER_GB_MONTH=0.5"}},
      {"S3_MAX_CONCURRENT_UPLOADS", {"5", "S3_MAX_CONCURRENT_UPLOADS=5"}},
      {"S3_RECHECK_SECONDS", {"7", "S3_RECHECK_SECONDS=7"}},
      {"S3_OUTBOX_POLL_SECONDS", {"9", "S3_OUTBOX_POLL_SECONDS=9"}},
      {"S3_LIFECYCLE_DAYS", {"9", "S3_LIFECYCLE_DAYS=9"}},
      {"S3_LIFECYCLE_PREFIX", {"tts/", "S3_LIFECYCLE_PREFIX=tts/"}},
      {"S3_LIFECYCLE_DAY_SECONDS", {"60", "S3_LIFECYCLE_DAY_SECONDS=60"}},
      {"S3_CONNECT_TIMEOUT_MS", {"500", "S3_CONNECT_TIMEOUT_MS=500"}},
      {"S3_REQUEST_TIMEOUT_MS", {"9000", "S3_REQUEST_TIMEOUT_MS=9000"}},
      {"CLOUDFRONT_DOMAIN",
       {"d2.cloudfront.net", "CLOUDFRONT_DOMAIN=d2.cloudfront.net", cloudfront}},
      {"CLOUDFRONT_KEY_PAIR_ID", {"KPROBE", "CLOUDFRONT_KEY_PAIR_ID=KPROBE", cloudfront}},
      {"CLOUDFRONT_PRIVATE_KEY_FILE",
       {"/probe.pem", "CLOUDFRONT_PRIVATE_KEY_FILE=/probe.pem", cloudfront}},
      {"CLOUDFRONT_ALLOWED_IP", {"10.0.0.0/8", "CLOUDFRONT_ALLOWED_IP=10.0.0.0/8", cloudfront}},
  };
  for (const SettingSpec& spec : SettingsTable()) {
    const std::string name(spec.name);
    SCOPED_TRACE(name);
    auto probe = probes.find(name);
    ASSERT_NE(probe, probes.end()) << "add a probe for the new variable";
    EnvMap env = probe->second.with;
    env[name] = probe->second.value;
    Result<Settings> s = LoadSettings(env);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const std::string& shown = probe->second.shown;
    EXPECT_EQ(ShownLine(*s, shown.substr(0, shown.find('='))), shown);
  }
  EXPECT_EQ(probes.size(), SettingsTable().size());
}

// A typed variable's reader checks the value and names the variable.
TEST(SettingsTableTest, TypedEntriesRefuseBadValuesNamingTheVariable) {
  for (const SettingSpec& spec : SettingsTable()) {
    if (spec.kind == SettingKind::kText || spec.kind == SettingKind::kList) continue;
    SCOPED_TRACE(std::string(spec.name));
    Result<Settings> s = LoadSettings({{std::string(spec.name), "not valid!"}});
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(s.status().message().starts_with(std::string(spec.name) + "="))
        << s.status().message();
  }
}

// `.env.example` with every line uncommented is a valid .env that changes nothing.
TEST(SettingsTableTest, EnvExampleUncommentedIsTheDefaults) {
  std::string uncommented;
  const std::string example = EnvExample();
  size_t start = 0;
  int settings = 0;
  while (start < example.size()) {
    const size_t end = example.find('\n', start);
    std::string line = example.substr(start, end - start + 1);
    start = end + 1;
    if (line.size() > 1 && line[0] == '#' && line[1] >= 'A' && line[1] <= 'Z') {
      line.erase(0, 1);
      ++settings;
    }
    uncommented += line;
  }
  EXPECT_EQ(settings, static_cast<int>(SettingsTable().size()));
  Result<EnvMap> env = ParseDotEnv(uncommented);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->size(), SettingsTable().size());
  Result<Settings> loaded = LoadSettings(*env);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->ToString(), Settings{.audio_dir = "./data/audio"}.ToString());
  EXPECT_NE(example.find("# Secret: swha-tts never shows it (`config` prints <redacted>); keep "
                         "this file private.\n"
                         "#SECRET_KEY=\n"),
            std::string::npos)
      << example;
  EXPECT_NE(example.find("# Allowed: an integer from 1 to 65535.\n#PORT=8000\n"), std::string::npos)
      << example;
}

}  // namespace
}  // namespace swha::config
