#include "config/settings.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "config/dotenv.h"

namespace swha::config {
namespace {

Settings LoadOk(const EnvMap& env) {
  Result<Settings> r = LoadSettings(env);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Settings{};
}

// Returns the error message, after checking it is a one-line InvalidArgument naming `var`.
std::string LoadError(const EnvMap& env, std::string_view var) {
  Result<Settings> r = LoadSettings(env);
  EXPECT_FALSE(r.ok()) << "expected an error for " << var;
  if (r.ok()) return "";
  const std::string& m = r.status().message();
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << m;
  EXPECT_NE(m.find(var), std::string::npos) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  return m;
}

TEST(SettingsTest, EveryDefault) {
  Settings s = LoadOk({});
  EXPECT_EQ(s.host, "127.0.0.1");
  EXPECT_EQ(s.port, 8000);
  EXPECT_EQ(s.data_dir, "./data");
  EXPECT_EQ(s.audio_dir, "./data/audio");
  EXPECT_EQ(s.public_base_url, "");
  EXPECT_EQ(s.max_text_length, 5000u);
  EXPECT_EQ(s.max_request_bytes, 1048576u);
  EXPECT_EQ(s.secret_key, "");
  EXPECT_EQ(s.secret_key_source, "");
  EXPECT_EQ(s.engine_threads, 0);
  EXPECT_EQ(s.http_threads, 16);
  EXPECT_EQ(s.log_level, "info");
  EXPECT_TRUE(s.keep_local_copy);
  EXPECT_EQ(s.access_token_expire_minutes, 30);
  EXPECT_TRUE(s.allow_anonymous);
  EXPECT_EQ(s.database_url, "");
  EXPECT_EQ(s.sync_api_key, "");
  EXPECT_EQ(s.sync_api_base_url, "https://api.sync.so");
  EXPECT_FALSE(s.s3.use_s3_storage);
  EXPECT_EQ(s.s3.access_key_id, "");
  EXPECT_EQ(s.s3.secret_access_key, "");
  EXPECT_EQ(s.s3.session_token, "");
  EXPECT_EQ(s.s3.region, "us-east-1");
  EXPECT_EQ(s.s3.profile, "default");
  EXPECT_EQ(s.s3.shared_credentials_file, "");  // no HOME in this environment
  EXPECT_EQ(s.s3.bucket_name, "swha-audio-bucket");
  EXPECT_EQ(s.s3.presigned_url_expiry, 3600);
  EXPECT_EQ(s.s3.endpoint_url, "");
  EXPECT_EQ(s.s3.addressing_style, "auto");
  EXPECT_EQ(s.s3.sse, "");
  EXPECT_TRUE(Settings{}.Validate().ok());
}

TEST(SettingsTest, EveryVariableIsRead) {
  Settings s = LoadOk({{"HOST", "0.0.0.0"},
                       {"PORT", "9000"},
                       {"DATA_DIR", "/var/lib/swha"},
                       {"AUDIO_DIR", "/srv/audio"},
                       {"PUBLIC_BASE_URL", "https://tts.example.com/"},
                       {"MAX_TEXT_LENGTH", "100"},
                       {"MAX_REQUEST_BYTES", "2048"},
                       {"SECRET_KEY", "0123456789abcdef"},
                       {"ENGINE_THREADS", "4"},
                       {"HTTP_THREADS", "32"},
                       {"LOG_LEVEL", "DEBUG"},
                       {"KEEP_LOCAL_COPY", "no"},
                       {"ACCESS_TOKEN_EXPIRE_MINUTES", "60"},
                       {"ALLOW_ANONYMOUS", "Off"},
                       {"DATABASE_URL", "sqlite:///data/swha.db"},
                       {"SYNC_API_KEY", "sk-sync"},
                       {"SYNC_API_BASE_URL", "http://localhost:9999"},
                       {"USE_S3_STORAGE", "1"},
                       {"AWS_ACCESS_KEY_ID", "AKIAEXAMPLE"},
                       {"AWS_SECRET_ACCESS_KEY", "secret"},
                       {"AWS_SESSION_TOKEN", "token"},
                       {"AWS_REGION", "eu-central-1"},
                       {"AWS_PROFILE", "prod"},
                       {"S3_BUCKET_NAME", "my.bucket-1"},
                       {"S3_PRESIGNED_URL_EXPIRY", "604800"},
                       {"S3_ENDPOINT_URL", "http://minio:9000/"},
                       {"S3_ADDRESSING_STYLE", "Path"},
                       {"S3_SSE", "aws:kms"}});
  EXPECT_EQ(s.host, "0.0.0.0");
  EXPECT_EQ(s.port, 9000);
  EXPECT_EQ(s.data_dir, "/var/lib/swha");
  EXPECT_EQ(s.audio_dir, "/srv/audio");
  EXPECT_EQ(s.public_base_url, "https://tts.example.com");
  EXPECT_EQ(s.max_text_length, 100u);
  EXPECT_EQ(s.max_request_bytes, 2048u);
  EXPECT_EQ(s.secret_key, "0123456789abcdef");
  EXPECT_EQ(s.engine_threads, 4);
  EXPECT_EQ(s.http_threads, 32);
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_FALSE(s.keep_local_copy);
  EXPECT_EQ(s.access_token_expire_minutes, 60);
  EXPECT_FALSE(s.allow_anonymous);
  EXPECT_EQ(s.database_url, "sqlite:///data/swha.db");
  EXPECT_EQ(s.sync_api_key, "sk-sync");
  EXPECT_EQ(s.sync_api_base_url, "http://localhost:9999");
  EXPECT_TRUE(s.s3.use_s3_storage);
  EXPECT_EQ(s.s3.access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(s.s3.secret_access_key, "secret");
  EXPECT_EQ(s.s3.session_token, "token");
  EXPECT_EQ(s.s3.region, "eu-central-1");
  EXPECT_EQ(s.s3.profile, "prod");
  EXPECT_EQ(s.s3.bucket_name, "my.bucket-1");
  EXPECT_EQ(s.s3.presigned_url_expiry, 604800);
  EXPECT_EQ(s.s3.endpoint_url, "http://minio:9000");
  EXPECT_EQ(s.s3.addressing_style, "path");
  EXPECT_EQ(s.s3.sse, "aws:kms");
}

TEST(SettingsTest, AudioDirFollowsDataDir) {
  EXPECT_EQ(LoadOk({{"DATA_DIR", "/srv/swha"}}).audio_dir, "/srv/swha/audio");
  EXPECT_EQ(LoadOk({{"DATA_DIR", "/srv/swha/"}}).audio_dir, "/srv/swha/audio");
}

TEST(SettingsTest, RegionFallsBackToAwsDefaultRegion) {
  EXPECT_EQ(LoadOk({{"AWS_DEFAULT_REGION", "ap-south-1"}}).s3.region, "ap-south-1");
  EXPECT_EQ(LoadOk({{"AWS_REGION", "eu-west-2"}, {"AWS_DEFAULT_REGION", "ap-south-1"}}).s3.region,
            "eu-west-2");
  EXPECT_EQ(LoadOk({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "ap-south-1"}}).s3.region,
            "ap-south-1");
  LoadError({{"AWS_DEFAULT_REGION", "Bad Region"}}, "AWS_DEFAULT_REGION");
  LoadError({{"AWS_REGION", "us_east_1"}}, "AWS_REGION");
}

TEST(SettingsTest, EnvironmentWinsOverDotEnvWhenLoading) {
  Result<EnvMap> file = ParseDotEnv("PORT=8001\nS3_BUCKET_NAME=from-file\n");
  ASSERT_TRUE(file.ok());
  Settings s = LoadOk(MergeEnvironment({{"PORT", "9001"}}, *file));
  EXPECT_EQ(s.port, 9001);
  EXPECT_EQ(s.s3.bucket_name, "from-file");
}

TEST(SettingsTest, BadPortsAreNamedWithValueAndRange) {
  EXPECT_EQ(LoadError({{"PORT", "abc"}}, "PORT"),
            "PORT=\"abc\" is invalid: expected an integer from 1 to 65535");
  EXPECT_EQ(LoadError({{"PORT", "0"}}, "PORT"),
            "PORT=\"0\" is invalid: expected an integer from 1 to 65535");
  EXPECT_EQ(LoadError({{"PORT", "70000"}}, "PORT"),
            "PORT=\"70000\" is invalid: expected an integer from 1 to 65535");
  LoadError({{"PORT", "80x"}}, "PORT");
  LoadError({{"PORT", " 80"}}, "PORT");
  LoadError({{"PORT", "+80"}}, "PORT");
  LoadError({{"PORT", "8.0"}}, "PORT");
  LoadError({{"PORT", ""}}, "PORT");
  // Would wrap to 8000 if narrowed to 32 bits before the range check.
  LoadError({{"PORT", "4294975296"}}, "PORT");
  LoadError({{"PORT", "99999999999999999999999"}}, "PORT");
}

TEST(SettingsTest, BadPresignedExpiry) {
  EXPECT_EQ(LoadError({{"S3_PRESIGNED_URL_EXPIRY", "-5"}}, "S3_PRESIGNED_URL_EXPIRY"),
            "S3_PRESIGNED_URL_EXPIRY=\"-5\" is invalid: expected an integer from 1 to 604800 "
            "(seconds)");
  LoadError({{"S3_PRESIGNED_URL_EXPIRY", "604801"}}, "S3_PRESIGNED_URL_EXPIRY");
  LoadError({{"S3_PRESIGNED_URL_EXPIRY", "3600s"}}, "S3_PRESIGNED_URL_EXPIRY");
}

TEST(SettingsTest, IntegerRangesAreInclusive) {
  Settings lo = LoadOk({{"PORT", "1"},
                        {"MAX_TEXT_LENGTH", "1"},
                        {"MAX_REQUEST_BYTES", "1024"},
                        {"ENGINE_THREADS", "0"},
                        {"HTTP_THREADS", "1"},
                        {"ACCESS_TOKEN_EXPIRE_MINUTES", "1"},
                        {"S3_PRESIGNED_URL_EXPIRY", "1"}});
  EXPECT_EQ(lo.port, 1);
  Settings hi = LoadOk({{"PORT", "65535"},
                        {"MAX_TEXT_LENGTH", "1000000"},
                        {"MAX_REQUEST_BYTES", "104857600"},
                        {"ENGINE_THREADS", "16"},
                        {"HTTP_THREADS", "256"},
                        {"ACCESS_TOKEN_EXPIRE_MINUTES", "525600"}});
  EXPECT_EQ(hi.max_request_bytes, 104857600u);
  LoadError({{"MAX_TEXT_LENGTH", "0"}}, "MAX_TEXT_LENGTH");
  LoadError({{"MAX_TEXT_LENGTH", "1000001"}}, "MAX_TEXT_LENGTH");
  LoadError({{"MAX_REQUEST_BYTES", "1023"}}, "MAX_REQUEST_BYTES");
  LoadError({{"MAX_REQUEST_BYTES", "104857601"}}, "MAX_REQUEST_BYTES");
  LoadError({{"ENGINE_THREADS", "-1"}}, "ENGINE_THREADS");
  LoadError({{"ENGINE_THREADS", "17"}}, "ENGINE_THREADS");
  LoadError({{"HTTP_THREADS", "0"}}, "HTTP_THREADS");
  LoadError({{"HTTP_THREADS", "257"}}, "HTTP_THREADS");
  LoadError({{"SHUTDOWN_GRACE_SECONDS", "0"}}, "SHUTDOWN_GRACE_SECONDS");
  LoadError({{"SHUTDOWN_GRACE_SECONDS", "3601"}}, "SHUTDOWN_GRACE_SECONDS");
  LoadError({{"MAX_CONNECTIONS", "0"}}, "MAX_CONNECTIONS");
  LoadError({{"MAX_CONNECTIONS", "10001"}}, "MAX_CONNECTIONS");
  LoadError({{"REQUEST_HEADER_TIMEOUT_SECONDS", "0"}}, "REQUEST_HEADER_TIMEOUT_SECONDS");
  LoadError({{"REQUEST_BODY_TIMEOUT_SECONDS", "3601"}}, "REQUEST_BODY_TIMEOUT_SECONDS");
  LoadError({{"RATE_LIMIT_PER_MINUTE", "-1"}}, "RATE_LIMIT_PER_MINUTE");
  LoadError({{"MAX_SYNTHESES_PER_USER", "-1"}}, "MAX_SYNTHESES_PER_USER");
  LoadError({{"CORS_ORIGINS", "https://a.example/path"}}, "CORS_ORIGINS");
  LoadError({{"CORS_ORIGINS", "a.example"}}, "CORS_ORIGINS");
  LoadError({{"LOGIN_FAILURE_LIMIT", "1001"}}, "LOGIN_FAILURE_LIMIT");
  LoadError({{"ACCESS_TOKEN_EXPIRE_MINUTES", "0"}}, "ACCESS_TOKEN_EXPIRE_MINUTES");
  LoadError({{"ACCESS_TOKEN_EXPIRE_MINUTES", "525601"}}, "ACCESS_TOKEN_EXPIRE_MINUTES");
}

TEST(SettingsTest, BooleansAcceptCommonSpellings) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "Yes", "on", "ON"}) {
    EXPECT_TRUE(LoadOk({{"USE_S3_STORAGE", yes}}).s3.use_s3_storage) << yes;
  }
  for (const char* no : {"false", "False", "0", "no", "NO", "off", "Off"}) {
    EXPECT_FALSE(LoadOk({{"KEEP_LOCAL_COPY", no}}).keep_local_copy) << no;
  }
}

TEST(SettingsTest, BadBooleans) {
  EXPECT_EQ(LoadError({{"USE_S3_STORAGE", "maybe"}}, "USE_S3_STORAGE"),
            "USE_S3_STORAGE=\"maybe\" is invalid: expected one of true, false, 1, 0, yes, no, "
            "on, off");
  LoadError({{"KEEP_LOCAL_COPY", "2"}}, "KEEP_LOCAL_COPY");
  LoadError({{"ALLOW_ANONYMOUS", ""}}, "ALLOW_ANONYMOUS");
  LoadError({{"ALLOW_ANONYMOUS", "true "}}, "ALLOW_ANONYMOUS");
}

TEST(SettingsTest, LogLevel) {
  EXPECT_EQ(LoadOk({{"LOG_LEVEL", "warn"}}).log_level, "warn");
  EXPECT_EQ(LoadOk({{"LOG_LEVEL", "OFF"}}).log_level, "off");
  EXPECT_EQ(LoadError({{"LOG_LEVEL", "verbose"}}, "LOG_LEVEL"),
            "LOG_LEVEL=\"verbose\" is invalid: expected one of trace, debug, info, warn, error, "
            "off");
  LoadError({{"LOG_LEVEL", "warning"}}, "LOG_LEVEL");
}

TEST(SettingsTest, BucketNames) {
  for (const std::string& ok :
       {std::string("abc"), std::string("my-bucket"), std::string("my.bucket.1"),
        std::string("a1-b2"), std::string(63, 'a')}) {
    EXPECT_EQ(LoadOk({{"S3_BUCKET_NAME", ok}}).s3.bucket_name, ok);
  }
  for (const char* bad : {"ab", "My-Bucket", "my_bucket", "-bucket", "bucket-", "my..bucket",
                          "192.168.1.1", "bucket name", ".bucket"}) {
    std::string m = LoadError({{"S3_BUCKET_NAME", bad}}, "S3_BUCKET_NAME");
    EXPECT_NE(m.find("3 to 63"), std::string::npos) << m;
  }
  LoadError({{"S3_BUCKET_NAME", std::string(64, 'a')}}, "S3_BUCKET_NAME");
}

TEST(SettingsTest, EmptyBucketOnlyWithoutS3) {
  EXPECT_EQ(LoadOk({{"S3_BUCKET_NAME", ""}}).s3.bucket_name, "");
  EXPECT_EQ(LoadError({{"S3_BUCKET_NAME", ""}, {"USE_S3_STORAGE", "true"}}, "S3_BUCKET_NAME"),
            "S3_BUCKET_NAME is required when USE_S3_STORAGE is true");
}

TEST(SettingsTest, RefusedUrlNeverEchoesItsPassword) {
  for (const char* var : {"S3_ENDPOINT_URL", "SYNC_API_BASE_URL", "PUBLIC_BASE_URL"}) {
    for (const char* url : {"http://user:hunter2@minio:9000", "https://user:hunter2@h/p?q#f",
                            "user:hunter2@minio:9000", "http://a@b:hunter2@host"}) {
      const std::string m = LoadError({{var, url}}, var);
      EXPECT_EQ(m.find("hunter2"), std::string::npos) << m;
      EXPECT_NE(m.find("<redacted>"), std::string::npos) << m;
    }
  }
}

TEST(SettingsTest, S3TuningRanges) {
  Settings s = LoadOk({{"S3_MAX_CONCURRENT_UPLOADS", "16"},
                       {"S3_RECHECK_SECONDS", "2"},
                       {"S3_CONNECT_TIMEOUT_MS", "500"},
                       {"S3_REQUEST_TIMEOUT_MS", "5000"}});
  EXPECT_EQ(s.s3.max_concurrent_uploads, 16);
  EXPECT_EQ(s.s3.recheck_seconds, 2);
  EXPECT_EQ(s.s3.connect_timeout_ms, 500);
  EXPECT_EQ(s.s3.request_timeout_ms, 5000);
  EXPECT_EQ(LoadError({{"S3_MAX_CONCURRENT_UPLOADS", "0"}}, "S3_MAX_CONCURRENT_UPLOADS"),
            "S3_MAX_CONCURRENT_UPLOADS=\"0\" is invalid: expected an integer from 1 to 64");
  LoadError({{"S3_RECHECK_SECONDS", "0"}}, "S3_RECHECK_SECONDS");
  LoadError({{"S3_OUTBOX_POLL_SECONDS", "0"}}, "S3_OUTBOX_POLL_SECONDS");
  LoadError({{"S3_CONNECT_TIMEOUT_MS", "abc"}}, "S3_CONNECT_TIMEOUT_MS");
  LoadError({{"S3_REQUEST_TIMEOUT_MS", "999"}}, "S3_REQUEST_TIMEOUT_MS");
}

TEST(SettingsTest, SharedCredentialsFileFollowsHomeUnlessNamed) {
  EXPECT_EQ(LoadOk({{"HOME", "/home/ana"}}).s3.shared_credentials_file,
            "/home/ana/.aws/credentials");
  EXPECT_EQ(LoadOk({{"HOME", "/home/ana"}, {"AWS_SHARED_CREDENTIALS_FILE", "/etc/swha/creds"}})
                .s3.shared_credentials_file,
            "/etc/swha/creds");
}

TEST(SettingsTest, S3CredentialsComeInPairs) {
  LoadOk({{"USE_S3_STORAGE", "true"}});  // credentials from the profile or instance role
  LoadOk({{"USE_S3_STORAGE", "true"},
          {"AWS_ACCESS_KEY_ID", "AKIA1234"},
          {"AWS_SECRET_ACCESS_KEY", "s"}});
  LoadError({{"USE_S3_STORAGE", "true"}, {"AWS_ACCESS_KEY_ID", "AKIA1234"}},
            "AWS_SECRET_ACCESS_KEY");
  LoadError({{"USE_S3_STORAGE", "true"}, {"AWS_SECRET_ACCESS_KEY", "s"}}, "AWS_ACCESS_KEY_ID");
  LoadError({{"USE_S3_STORAGE", "true"}, {"AWS_SESSION_TOKEN", "t"}}, "AWS_SESSION_TOKEN");
}

TEST(SettingsTest, AddressingStyleAndSse) {
  EXPECT_EQ(LoadOk({{"S3_ADDRESSING_STYLE", "virtual"}}).s3.addressing_style, "virtual");
  EXPECT_EQ(LoadOk({{"S3_SSE", "aes256"}}).s3.sse, "AES256");
  EXPECT_EQ(LoadOk({{"S3_SSE", ""}}).s3.sse, "");
  LoadError({{"S3_ADDRESSING_STYLE", "host"}}, "S3_ADDRESSING_STYLE");
  LoadError({{"S3_SSE", "kms"}}, "S3_SSE");
  // Dotted bucket names break TLS with virtual-hosted requests, but not over plain HTTP.
  LoadError({{"S3_ADDRESSING_STYLE", "virtual"}, {"S3_BUCKET_NAME", "a.b.c"}},
            "S3_ADDRESSING_STYLE");
  LoadOk({{"S3_ADDRESSING_STYLE", "virtual"},
          {"S3_BUCKET_NAME", "a.b.c"},
          {"S3_ENDPOINT_URL", "http://localhost:9000"}});
}

TEST(SettingsTest, Urls) {
  EXPECT_EQ(LoadOk({{"PUBLIC_BASE_URL", "http://h:8000/base//"}}).public_base_url,
            "http://h:8000/base");
  for (const char* var : {"PUBLIC_BASE_URL", "S3_ENDPOINT_URL", "SYNC_API_BASE_URL"}) {
    for (const char* bad :
         {"ftp://h", "h.example.com", "https://", "https:///path", "https://h/?q=1", "https://h/#f",
          "https://user:pw@h", "https://h /x"}) {
      LoadError({{var, bad}}, var);
    }
  }
  LoadError({{"SYNC_API_KEY", "k"}, {"SYNC_API_BASE_URL", ""}}, "SYNC_API_BASE_URL");
  EXPECT_EQ(LoadOk({{"SYNC_API_BASE_URL", ""}}).sync_api_base_url, "");
}

TEST(SettingsTest, ShortSecretKeyIsRejectedWithoutEchoingIt) {
  std::string m = LoadError({{"SECRET_KEY", "tooShortKey"}}, "SECRET_KEY");
  EXPECT_EQ(m.find("tooShortKey"), std::string::npos) << m;
  EXPECT_NE(m.find("16"), std::string::npos) << m;
}

TEST(SettingsTest, HostAndDataDirMustBeSet) {
  LoadError({{"HOST", ""}}, "HOST");
  LoadError({{"DATA_DIR", ""}}, "DATA_DIR");
}

TEST(SettingsTest, ErrorMessageStaysOneLineAndShort) {
  std::string m = LoadError({{"PORT", "1\n2" + std::string(500, 'x')}}, "PORT");
  EXPECT_NE(m.find("\\x0a"), std::string::npos) << m;
  EXPECT_LT(m.size(), 200u) << m;
}

TEST(SettingsTest, ValidateChecksFieldsSetInCode) {
  Settings s;
  EXPECT_TRUE(s.Validate().ok());
  s.port = 0;
  EXPECT_NE(s.Validate().message().find("PORT"), std::string::npos);
  s = Settings{};
  s.s3.presigned_url_expiry = 604801;
  EXPECT_NE(s.Validate().message().find("S3_PRESIGNED_URL_EXPIRY"), std::string::npos);
  s = Settings{};
  s.log_level = "loud";
  EXPECT_NE(s.Validate().message().find("LOG_LEVEL"), std::string::npos);
  s = Settings{};
  s.public_base_url = "https://h/";
  EXPECT_NE(s.Validate().message().find("PUBLIC_BASE_URL"), std::string::npos);
  s = Settings{};
  s.max_request_bytes = 1;
  EXPECT_NE(s.Validate().message().find("MAX_REQUEST_BYTES"), std::string::npos);
}

constexpr char kSecretKey[] = "SECRETKEY-zq8v1x-distinctive";
constexpr char kAwsSecret[] = "AWSSECRET-k3j4h5-distinctive";
constexpr char kSessionToken[] = "SESSIONTOKEN-p0o9i8-distinctive";
constexpr char kSyncKey[] = "SYNCKEY-m2n3b4-distinctive";
constexpr char kDbPassword[] = "DBPASS-w1e2r3-distinctive";

TEST(SettingsTest, ToStringHidesEverySecret) {
  Settings s = LoadOk({{"SECRET_KEY", kSecretKey},
                       {"AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"},
                       {"AWS_SECRET_ACCESS_KEY", kAwsSecret},
                       {"AWS_SESSION_TOKEN", kSessionToken},
                       {"SYNC_API_KEY", kSyncKey},
                       {"DATABASE_URL", std::string("postgresql://swha:") + kDbPassword +
                                            "@db.internal:5432/swha?sslmode=require"}});
  std::string out = s.ToString();
  for (const char* secret : {kSecretKey, kAwsSecret, kSessionToken, kSyncKey, kDbPassword}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " leaked into:\n" << out;
  }
  EXPECT_NE(out.find("\nSECRET_KEY=<redacted>\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nAWS_SECRET_ACCESS_KEY=<redacted>\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nAWS_SESSION_TOKEN=<redacted>\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nSYNC_API_KEY=<redacted>\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nDATABASE_URL=postgresql://swha:<redacted>@db.internal:5432/"
                     "swha?sslmode=require\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\nAWS_ACCESS_KEY_ID=****************MPLE\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("AKIAIOSFODNN7"), std::string::npos) << out;
}

TEST(SettingsTest, ToStringShowsUnsetSecretsAndEveryVariable) {
  std::string out = LoadOk({}).ToString();
  EXPECT_TRUE(out.starts_with("HOST=127.0.0.1\n")) << out;
  for (const char* line : {"PORT=8000",
                           "DATA_DIR=./data",
                           "AUDIO_DIR=./data/audio",
                           "PUBLIC_BASE_URL=",
                           "MAX_TEXT_LENGTH=5000",
                           "MAX_REQUEST_BYTES=1048576",
                           "SECRET_KEY=<unset>",
                           "ENGINE_THREADS=0",
                           "HTTP_THREADS=16",
                           "SHUTDOWN_GRACE_SECONDS=20",
                           "MAX_CONNECTIONS=512",
                           "REQUEST_HEADER_TIMEOUT_SECONDS=10",
                           "REQUEST_BODY_TIMEOUT_SECONDS=60",
                           "RATE_LIMIT_PER_MINUTE=0",
                           "MAX_SYNTHESES_PER_USER=0",
                           "CORS_ORIGINS=",
                           "LOG_LEVEL=info",
                           "KEEP_LOCAL_COPY=true",
                           "ACCESS_TOKEN_EXPIRE_MINUTES=30",
                           "ALLOW_ANONYMOUS=true",
                           "LOGIN_FAILURE_LIMIT=10",
                           "DATABASE_URL=",
                           "SYNC_API_KEY=<unset>",
                           "SYNC_API_BASE_URL=https://api.sync.so",
                           "USE_S3_STORAGE=false",
                           "AWS_ACCESS_KEY_ID=<unset>",
                           "AWS_SECRET_ACCESS_KEY=<unset>",
                           "AWS_SESSION_TOKEN=<unset>",
                           "AWS_REGION=us-east-1",
                           "AWS_PROFILE=default",
                           "AWS_SHARED_CREDENTIALS_FILE=",
                           "S3_BUCKET_NAME=swha-audio-bucket",
                           "S3_PRESIGNED_URL_EXPIRY=3600",
                           "S3_ENDPOINT_URL=",
                           "S3_ADDRESSING_STYLE=auto",
                           "S3_SSE=",
                           "S3_MAX_CONCURRENT_UPLOADS=8",
                           "S3_RECHECK_SECONDS=10",
                           "S3_OUTBOX_POLL_SECONDS=5",
                           "S3_CONNECT_TIMEOUT_MS=3000",
                           "S3_REQUEST_TIMEOUT_MS=30000"}) {
    EXPECT_NE(out.find("\n" + std::string(line) + "\n"), std::string::npos) << line << "\n" << out;
  }
}

TEST(SettingsTest, AnInvalidDatabaseUrlIsRefusedWithoutQuotingIt) {
  for (const std::string url :
       {"postgresql:/user:hunter2-secret@db/x", "mysql://u:hunter2-secret@h/d", "sqlite:///"}) {
    auto s = LoadSettings({{"DATABASE_URL", url}});
    ASSERT_FALSE(s.ok()) << url;
    EXPECT_NE(s.status().message().find("DATABASE_URL"), std::string::npos);
    EXPECT_EQ(s.status().message().find("hunter2"), std::string::npos) << s.status().message();
  }
  for (const std::string url : {"postgresql://u:p@h:5432/d", "postgres://h/d", "sqlite:///x.db"}) {
    EXPECT_TRUE(LoadSettings({{"DATABASE_URL", url}}).ok()) << url;
  }
}

TEST(SettingsTest, RedactDatabaseUrlForms) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://user:pa@ss@host/db"),
            "postgresql://user:<redacted>@host/db");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://user@host:5432/db"), "postgresql://user@host:5432/db");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://host/db?user=u&password=pw&sslmode=require"),
            "postgresql://host/db?user=u&password=<redacted>&sslmode=require");
  EXPECT_EQ(RedactDatabaseUrl("host=h user=u password=pw dbname=d"),
            "host=h user=u password=<redacted> dbname=d");
  EXPECT_EQ(RedactDatabaseUrl("host=h password='p w' dbname=d"),
            "host=h password=<redacted> dbname=d");
  EXPECT_EQ(RedactDatabaseUrl("sqlite:///data/swha.db"), "sqlite:///data/swha.db");
  EXPECT_EQ(RedactDatabaseUrl(""), "");
}

class EnsureSecretKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha_settings_test_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    settings_.data_dir = JoinPath(root_, "nested/data");  // not there yet
  }
  void TearDown() override {
    if (root_.empty()) return;
    EXPECT_TRUE(RemoveTree(FileSystem::Default(), root_).ok());
  }
  std::string KeyPath() const { return JoinPath(settings_.data_dir, "secret_key"); }

  std::string root_;
  Settings settings_;
};

TEST_F(EnsureSecretKeyTest, GeneratesOnceThenReusesTheSameKey) {
  FileSystem* fs = FileSystem::Default();
  ASSERT_TRUE(EnsureSecretKey(&settings_, fs).ok());
  EXPECT_EQ(settings_.secret_key_source, "generated");
  ASSERT_EQ(settings_.secret_key.size(), 64u);
  EXPECT_EQ(settings_.secret_key.find_first_not_of("0123456789abcdef"), std::string::npos);
  Result<std::string> on_disk = fs->ReadFile(KeyPath());
  ASSERT_TRUE(on_disk.ok()) << on_disk.status().ToString();
  EXPECT_EQ(*on_disk, settings_.secret_key + "\n");

  Settings restarted;
  restarted.data_dir = settings_.data_dir;
  ASSERT_TRUE(EnsureSecretKey(&restarted, fs).ok());
  EXPECT_EQ(restarted.secret_key_source, "file");
  EXPECT_EQ(restarted.secret_key, settings_.secret_key);
}

TEST_F(EnsureSecretKeyTest, SecretKeyFromEnvironmentIsKeptAndNoFileWritten) {
  settings_.secret_key = "an-explicit-secret-key";
  ASSERT_TRUE(EnsureSecretKey(&settings_, FileSystem::Default()).ok());
  EXPECT_EQ(settings_.secret_key_source, "env");
  EXPECT_EQ(settings_.secret_key, "an-explicit-secret-key");
  EXPECT_EQ(FileSystem::Default()->Stat(KeyPath()).status().code(), StatusCode::kNotFound);
}

TEST_F(EnsureSecretKeyTest, ShortKeyFileIsAnError) {
  FileSystem* fs = FileSystem::Default();
  ASSERT_TRUE(fs->CreateDirs(settings_.data_dir).ok());
  ASSERT_TRUE(fs->WriteFileAtomic(KeyPath(), "short-key\n", Durability::kSync).ok());
  Status s = EnsureSecretKey(&settings_, fs);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(KeyPath()), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("short-key"), std::string::npos) << s.message();
  EXPECT_EQ(settings_.secret_key, "");
  // The file is left alone: replacing it would invalidate URLs already issued.
  EXPECT_EQ(*fs->ReadFile(KeyPath()), "short-key\n");
}

TEST_F(EnsureSecretKeyTest, HandWrittenKeyFileIsTrimmed) {
  FileSystem* fs = FileSystem::Default();
  ASSERT_TRUE(fs->CreateDirs(settings_.data_dir).ok());
  const std::string key(40, 'k');
  ASSERT_TRUE(fs->WriteFileAtomic(KeyPath(), "  " + key + "\r\n", Durability::kSync).ok());
  ASSERT_TRUE(EnsureSecretKey(&settings_, fs).ok());
  EXPECT_EQ(settings_.secret_key, key);
  EXPECT_EQ(settings_.secret_key_source, "file");
}

class FailingWriteFileSystem : public FileSystemWrapper {
 public:
  FailingWriteFileSystem() : FileSystemWrapper(FileSystem::Default()) {}
  Status CreateFileExclusive(const std::string& path, std::string_view, Durability) override {
    return Status::IOError("write " + path + ": No space left on device");
  }
};

// Another instance creates the key file between our read (nothing there) and our create.
class RacingFileSystem : public FileSystemWrapper {
 public:
  explicit RacingFileSystem(std::string winner)
      : FileSystemWrapper(FileSystem::Default()), winner_(std::move(winner)) {}
  Status CreateFileExclusive(const std::string& path, std::string_view data,
                             Durability d) override {
    EXPECT_TRUE(FileSystemWrapper::CreateFileExclusive(path, winner_ + "\n", d).ok());
    return FileSystemWrapper::CreateFileExclusive(path, data, d);
  }

 private:
  std::string winner_;
};

TEST_F(EnsureSecretKeyTest, OfTwoInstancesStartingAtOnceTheFirstKeyWins) {
  const std::string winner(64, 'w');
  RacingFileSystem fs(winner);
  ASSERT_TRUE(EnsureSecretKey(&settings_, &fs).ok());
  EXPECT_EQ(settings_.secret_key, winner);  // ours was not written; theirs is used
  EXPECT_EQ(settings_.secret_key_source, "file");
  EXPECT_EQ(*FileSystem::Default()->ReadFile(KeyPath()), winner + "\n");
}

TEST_F(EnsureSecretKeyTest, WriteFailureIsReportedAndNoKeyIsUsed) {
  FailingWriteFileSystem fs;
  Status s = EnsureSecretKey(&settings_, &fs);
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  // A key that would not survive a restart must not be used for signing.
  EXPECT_EQ(settings_.secret_key, "");
  EXPECT_EQ(settings_.secret_key_source, "");
}

}  // namespace
}  // namespace swha::config

namespace swha::config {
namespace {

TEST(SettingsTest, CloudFrontNeedsDomainKeyPairAndKeyFileTogether) {
  const std::map<std::string, std::string> full = {{"USE_S3_STORAGE", "true"},
                                                   {"CLOUDFRONT_DOMAIN", "d111.cloudfront.net"},
                                                   {"CLOUDFRONT_KEY_PAIR_ID", "K2JCJMDEHXQW5F"},
                                                   {"CLOUDFRONT_PRIVATE_KEY_FILE", "/k.pem"}};
  Settings s = LoadOk(full);
  EXPECT_TRUE(s.cloudfront.enabled());
  EXPECT_EQ(s.cloudfront.domain, "d111.cloudfront.net");
  EXPECT_NE(s.ToString().find("CLOUDFRONT_PRIVATE_KEY_FILE=/k.pem"), std::string::npos);
  EXPECT_FALSE(LoadOk({}).cloudfront.enabled());
  auto without = [&](const char* var) {
    auto env = full;
    env.erase(var);
    return env;
  };
  LoadError(without("CLOUDFRONT_DOMAIN"), "CLOUDFRONT_DOMAIN");
  LoadError(without("CLOUDFRONT_KEY_PAIR_ID"), "CLOUDFRONT_KEY_PAIR_ID");
  LoadError(without("CLOUDFRONT_PRIVATE_KEY_FILE"), "CLOUDFRONT_PRIVATE_KEY_FILE");
  LoadError(without("USE_S3_STORAGE"), "USE_S3_STORAGE");
  auto with = [&](const char* var, const char* value) {
    auto env = full;
    env[var] = value;
    return env;
  };
  for (const char* bad :
       {"https://d111.cloudfront.net", "d111.cloudfront.net/x", "-a.net", "a..b"}) {
    LoadError(with("CLOUDFRONT_DOMAIN", bad), "CLOUDFRONT_DOMAIN");
  }
  LoadError(with("CLOUDFRONT_KEY_PAIR_ID", "k2j-x"), "CLOUDFRONT_KEY_PAIR_ID");
  for (const char* ip : {"203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "::1"}) {
    EXPECT_EQ(LoadOk(with("CLOUDFRONT_ALLOWED_IP", ip)).cloudfront.allowed_ip, ip);
  }
  for (const char* bad : {"203.0.113", "203.0.113.0/33", "2001:db8::/129", "1.2.3.4/", "x"}) {
    LoadError(with("CLOUDFRONT_ALLOWED_IP", bad), "CLOUDFRONT_ALLOWED_IP");
  }
  LoadError({{"CLOUDFRONT_ALLOWED_IP", "203.0.113.7"}}, "CLOUDFRONT_DOMAIN");
}

}  // namespace
}  // namespace swha::config

namespace swha::config {
namespace {

TEST(SettingsTest, AccelerationAndDualStackAreForAwsAndDnsBucketsOnly) {
  const Settings s = LoadOk({{"S3_USE_ACCELERATE_ENDPOINT", "true"},
                             {"S3_USE_DUALSTACK_ENDPOINT", "1"},
                             {"S3_BUCKET_NAME", "swha-audio"}});
  EXPECT_TRUE(s.s3.use_accelerate_endpoint);
  EXPECT_TRUE(s.s3.use_dualstack_endpoint);
  EXPECT_NE(s.ToString().find("S3_USE_ACCELERATE_ENDPOINT=true"), std::string::npos);
  EXPECT_FALSE(LoadOk({}).s3.use_accelerate_endpoint);
  const std::string dotted =
      LoadError({{"S3_USE_ACCELERATE_ENDPOINT", "true"}, {"S3_BUCKET_NAME", "swha.audio"}},
                "S3_USE_ACCELERATE_ENDPOINT");
  EXPECT_NE(dotted.find("without dots"), std::string::npos) << dotted;
  LoadError({{"S3_USE_ACCELERATE_ENDPOINT", "true"}, {"S3_ENDPOINT_URL", "http://127.0.0.1:9000"}},
            "S3_USE_ACCELERATE_ENDPOINT");
  LoadError({{"S3_USE_DUALSTACK_ENDPOINT", "true"}, {"S3_ENDPOINT_URL", "http://127.0.0.1:9000"}},
            "S3_USE_DUALSTACK_ENDPOINT");
  LoadError({{"S3_USE_ACCELERATE_ENDPOINT", "true"}, {"AWS_REGION", "cn-north-1"}},
            "S3_USE_ACCELERATE_ENDPOINT");
  LoadError({{"S3_USE_ACCELERATE_ENDPOINT", "maybe"}}, "S3_USE_ACCELERATE_ENDPOINT");
}

}  // namespace
}  // namespace swha::config

namespace swha::config {
namespace {

TEST(SettingsTest, StoragePriceIsANonNegativeNumber) {
  EXPECT_DOUBLE_EQ(LoadOk({}).s3.price_per_gb_month, 0.023);
  EXPECT_DOUBLE_EQ(LoadOk({{"S3_PRICE_PER_GB_MONTH", "0.0125"}}).s3.price_per_gb_month, 0.0125);
  EXPECT_DOUBLE_EQ(LoadOk({{"S3_PRICE_PER_GB_MONTH", "0"}}).s3.price_per_gb_month, 0);
  for (const char* bad : {"-1", "abc", "1e9", "nan", "0.02x", ""}) {
    LoadError({{"S3_PRICE_PER_GB_MONTH", bad}}, "S3_PRICE_PER_GB_MONTH");
  }
}

}  // namespace
}  // namespace swha::config

namespace swha::config {
namespace {

TEST(SettingsTest, EngineDefaultsToEspeakAndTakesAnUpstream) {
  const Settings defaults = LoadOk({});
  EXPECT_EQ(defaults.tts.engine, "espeak");
  EXPECT_FALSE(defaults.tts.upstream());
  EXPECT_EQ(defaults.tts.upstream_model, "kokoro");
  EXPECT_EQ(defaults.tts.upstream_max_concurrency, 4);
  EXPECT_EQ(defaults.tts.upstream_timeout_ms, 60000);
  EXPECT_EQ(defaults.tts.upstream_phonemize, "local");
  EXPECT_EQ(defaults.tts.upstream_voice_names, "kokoro");

  const Settings s = LoadOk({{"TTS_ENGINE", "OpenAI"},
                             {"TTS_UPSTREAM_URL", "https://api.openai.com/v1/"},
                             {"TTS_UPSTREAM_API_KEY", "sk-upstream-secret-77"},
                             {"TTS_UPSTREAM_MODEL", "tts-1-hd"},
                             {"TTS_UPSTREAM_MAX_CONCURRENCY", "64"},
                             {"TTS_UPSTREAM_TIMEOUT_MS", "1000"},
                             {"TTS_UPSTREAM_PHONEMIZE", "upstream"},
                             {"TTS_UPSTREAM_VOICE_NAMES", "openai"}});
  EXPECT_TRUE(s.tts.upstream());
  // The SDKs' base URL (with /v1) names the same server.
  EXPECT_EQ(s.tts.upstream_url, "https://api.openai.com");
  EXPECT_EQ(s.tts.upstream_model, "tts-1-hd");
  EXPECT_EQ(s.tts.upstream_max_concurrency, 64);
  EXPECT_EQ(s.tts.upstream_timeout_ms, 1000);
  EXPECT_EQ(s.tts.upstream_phonemize, "upstream");
  EXPECT_EQ(s.tts.upstream_voice_names, "openai");
  const std::string shown = s.ToString();
  EXPECT_EQ(shown.find("sk-upstream-secret-77"), std::string::npos) << shown;
  EXPECT_NE(shown.find("\nTTS_UPSTREAM_API_KEY=<redacted>\n"), std::string::npos) << shown;
  EXPECT_NE(shown.find("\nTTS_ENGINE=openai\n"), std::string::npos) << shown;
}

TEST(SettingsTest, BadEngineSettingsAreNamed) {
  EXPECT_NE(LoadError({{"TTS_ENGINE", "piper"}}, "TTS_ENGINE").find("espeak, openai"),
            std::string::npos);
  EXPECT_EQ(LoadError({{"TTS_ENGINE", "openai"}}, "TTS_UPSTREAM_URL"),
            "TTS_UPSTREAM_URL is required when TTS_ENGINE is openai");
  LoadError({{"TTS_UPSTREAM_URL", "ftp://kokoro"}}, "TTS_UPSTREAM_URL");
  LoadError({{"TTS_UPSTREAM_MAX_CONCURRENCY", "0"}}, "TTS_UPSTREAM_MAX_CONCURRENCY");
  LoadError({{"TTS_UPSTREAM_MAX_CONCURRENCY", "65"}}, "TTS_UPSTREAM_MAX_CONCURRENCY");
  LoadError({{"TTS_UPSTREAM_TIMEOUT_MS", "999"}}, "TTS_UPSTREAM_TIMEOUT_MS");
  LoadError({{"TTS_UPSTREAM_MODEL", ""}}, "TTS_UPSTREAM_MODEL");
  LoadError({{"TTS_UPSTREAM_PHONEMIZE", "remote"}}, "TTS_UPSTREAM_PHONEMIZE");
  LoadError({{"TTS_UPSTREAM_VOICE_NAMES", "piper"}}, "TTS_UPSTREAM_VOICE_NAMES");
  const std::string key_error =
      LoadError({{"TTS_UPSTREAM_API_KEY", "sk key with spaces"}}, "TTS_UPSTREAM_API_KEY");
  EXPECT_EQ(key_error.find("sk key"), std::string::npos) << key_error;
}

}  // namespace
}  // namespace swha::config
