// Service configuration: a plain struct with the seed's environment-variable names and
// defaults, loaded and validated once at start-up. After that it is read-only, so it may be
// shared between threads without locking.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/file_system.h"
#include "util/status.h"

namespace swha::config {

// A further bucket audio may go to when the ones before it are unavailable (S3_REPLICAS), with
// the primary's credentials: `bucket@region` (AWS) or `bucket@region@endpoint-url`.
struct S3Replica {
  std::string bucket;
  std::string region;
  std::string endpoint_url;  // "" = AWS; no trailing '/'
  // "bucket@region": how a segment records where it is.
  std::string Name() const { return bucket + "@" + region; }
};

// The most replicas S3_REPLICAS may list.
inline constexpr size_t kMaxS3Replicas = 8;

struct S3Settings {
  bool use_s3_storage = false;       // USE_S3_STORAGE
  std::string access_key_id;         // AWS_ACCESS_KEY_ID (shown masked)
  std::string secret_access_key;     // AWS_SECRET_ACCESS_KEY (secret)
  std::string session_token;         // AWS_SESSION_TOKEN (secret)
  std::string region = "us-east-1";  // AWS_REGION, else AWS_DEFAULT_REGION
  std::string profile = "default";   // AWS_PROFILE
  // AWS_PROFILE was set (not empty): the profile must then exist in one of the files, as the
  // AWS SDKs require (botocore's ProfileNotFound).
  bool profile_explicit = false;
  // AWS_SHARED_CREDENTIALS_FILE, else $HOME/.aws/credentials (LoadSettings fills it in); read
  // for the profile's keys only when AWS_ACCESS_KEY_ID is unset.
  std::string shared_credentials_file;
  // AWS_REGION or AWS_DEFAULT_REGION was set (not empty); otherwise the profile's region in
  // the config file, when it has one, replaces `region`.
  bool region_explicit = false;
  // The rest of the AWS SDKs' default credential chain (aws/credential_chain.h):
  std::string config_file;                         // AWS_CONFIG_FILE, else $HOME/.aws/config
  std::string sts_endpoint_url;                    // AWS_ENDPOINT_URL_STS; empty: regional
  std::string web_identity_token_file;             // AWS_WEB_IDENTITY_TOKEN_FILE
  std::string role_arn;                            // AWS_ROLE_ARN
  std::string role_session_name;                   // AWS_ROLE_SESSION_NAME
  std::string container_credentials_relative_uri;  // AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  std::string container_credentials_full_uri;      // AWS_CONTAINER_CREDENTIALS_FULL_URI
  std::string container_authorization_token;       // AWS_CONTAINER_AUTHORIZATION_TOKEN (secret)
  std::string container_authorization_token_file;  // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  std::string ec2_metadata_service_endpoint = "http://169.254.169.254";
  bool ec2_metadata_disabled = false;             // AWS_EC2_METADATA_DISABLED
  std::string bucket_name = "swha-audio-bucket";  // S3_BUCKET_NAME
  // S3_REPLICAS, comma-separated, in the order they are tried after the primary.
  std::vector<S3Replica> replicas;
  int presigned_url_expiry = 3600;        // S3_PRESIGNED_URL_EXPIRY, seconds
  std::string endpoint_url;               // S3_ENDPOINT_URL; empty means AWS. No trailing '/'.
  std::string addressing_style = "auto";  // S3_ADDRESSING_STYLE: auto | path | virtual
  std::string sse;                        // S3_SSE: "" | AES256 | aws:kms
  bool use_accelerate_endpoint = false;   // S3_USE_ACCELERATE_ENDPOINT (AWS only)
  bool use_dualstack_endpoint = false;    // S3_USE_DUALSTACK_ENDPOINT (AWS only)
  // S3_PRICE_PER_GB_MONTH, USD per GiB-month, for the usage report's estimate (S3 Standard's
  // first-tier price in us-east-1 by default).
  double price_per_gb_month = 0.023;
  // S3_LIFECYCLE_DAYS: when not 0, start-up makes sure the bucket has our expiration rule for
  // S3_LIFECYCLE_PREFIX with this many days (read, merge, write; other rules are kept).
  int lifecycle_days = 0;
  std::string lifecycle_prefix = "audio/";  // S3_LIFECYCLE_PREFIX
  // S3_LIFECYCLE_DAY_SECONDS: how long a lifecycle "day" lasts on this S3 server, for knowing
  // when audio has expired. 86400 on AWS; less on a test server that shortens days (Ceph's
  // rgw_lc_debug_interval).
  int lifecycle_day_seconds = 86400;
  int max_concurrent_uploads = 8;  // S3_MAX_CONCURRENT_UPLOADS, across all requests
  int recheck_seconds = 10;        // S3_RECHECK_SECONDS: S3 skipped this long after a failure
  // S3_OUTBOX_POLL_SECONDS: how often segments that fell back to local are tried again.
  int outbox_poll_seconds = 5;
  int connect_timeout_ms = 3000;   // S3_CONNECT_TIMEOUT_MS
  int request_timeout_ms = 30000;  // S3_REQUEST_TIMEOUT_MS, one whole attempt

  // Ranges and cross-field rules of the S3 variables (s3_settings.cc); one line naming the
  // variable, never a secret.
  Status Validate() const;
  // `NAME=value` lines; secrets redacted, the access key ID masked but for its last 4.
  std::string ToString() const;
};

// CloudFront in front of the bucket: audio URLs handed out are CloudFront signed URLs for
// https://<domain>/<s3 key>. All three of domain, key pair and key file, or none.
struct CloudFrontSettings {
  std::string domain;            // CLOUDFRONT_DOMAIN, e.g. d111111abcdef8.cloudfront.net
  std::string key_pair_id;       // CLOUDFRONT_KEY_PAIR_ID, e.g. K2JCJMDEHXQW5F
  std::string private_key_file;  // CLOUDFRONT_PRIVATE_KEY_FILE: PEM RSA private key (secret)
  // CLOUDFRONT_ALLOWED_IP: an IPv4/IPv6 address or CIDR range; when set, URLs carry a custom
  // policy that only requests from there may use.
  std::string allowed_ip;
  bool enabled() const { return !domain.empty(); }

  // All three of domain, key pair and key file or none, each well-formed, and S3 storage on
  // (`use_s3_storage`); one line naming the variable (cloudfront_settings.cc).
  Status Validate(bool use_s3_storage) const;
  // `NAME=value` lines; the key file's path, never the key.
  std::string ToString() const;
};

// The speech engine (TTS_ENGINE) and, for an upstream one, the server it calls
// (tts/upstream_engine.h).
struct EngineSettings {
  std::string engine = "espeak";                // TTS_ENGINE: espeak | openai
  std::string upstream_url;                     // TTS_UPSTREAM_URL, without /v1 or a trailing '/'
  std::string upstream_api_key;                 // TTS_UPSTREAM_API_KEY (secret)
  std::string upstream_model = "kokoro";        // TTS_UPSTREAM_MODEL
  int upstream_max_concurrency = 4;             // TTS_UPSTREAM_MAX_CONCURRENCY
  int upstream_timeout_ms = 60000;              // TTS_UPSTREAM_TIMEOUT_MS, one whole attempt
  std::string upstream_phonemize = "local";     // TTS_UPSTREAM_PHONEMIZE: local | upstream
  std::string upstream_voice_names = "kokoro";  // TTS_UPSTREAM_VOICE_NAMES: kokoro | openai
  bool upstream() const { return engine == "openai"; }
};

struct Settings {
  std::string host = "127.0.0.1";   // HOST
  int port = 8000;                  // PORT
  std::string data_dir = "./data";  // DATA_DIR
  // AUDIO_DIR. Empty means <data_dir>/audio; LoadSettings() fills that in.
  std::string audio_dir;
  // PUBLIC_BASE_URL, for absolute links in responses. Empty means relative links.
  // No trailing '/'.
  std::string public_base_url;
  size_t max_text_length = 5000;       // MAX_TEXT_LENGTH, in characters
  size_t max_request_bytes = 1048576;  // MAX_REQUEST_BYTES
  std::string secret_key;              // SECRET_KEY (secret); see EnsureSecretKey()
  // Where secret_key came from: "env", "file" or "generated"; empty until EnsureSecretKey().
  std::string secret_key_source;
  int engine_threads = 0;                   // ENGINE_THREADS; 0 means one per CPU core
  int http_threads = 16;                    // HTTP_THREADS
  int shutdown_grace_seconds = 20;          // SHUTDOWN_GRACE_SECONDS
  int max_connections = 512;                // MAX_CONNECTIONS
  int request_header_timeout_seconds = 10;  // REQUEST_HEADER_TIMEOUT_SECONDS
  int request_body_timeout_seconds = 60;    // REQUEST_BODY_TIMEOUT_SECONDS
  int rate_limit_per_minute = 0;            // RATE_LIMIT_PER_MINUTE; 0: no limit
  int max_syntheses_per_user = 0;           // MAX_SYNTHESES_PER_USER; 0: no limit
  std::vector<std::string> cors_origins;    // CORS_ORIGINS; empty: no cross-origin access
  std::string log_level = "info";           // LOG_LEVEL: trace | debug | info | warn | error | off
  std::string environment = "development";  // ENVIRONMENT, reported by /health (a label)
  bool keep_local_copy = true;              // KEEP_LOCAL_COPY
  int access_token_expire_minutes = 30;     // ACCESS_TOKEN_EXPIRE_MINUTES
  bool allow_anonymous = true;              // ALLOW_ANONYMOUS
  int login_failure_limit = 10;             // LOGIN_FAILURE_LIMIT; 0: no limit
  std::string database_url;                 // DATABASE_URL (its password is secret)
  int database_pool_size = 8;               // DATABASE_POOL_SIZE (PostgreSQL connections)
  std::string metrics_token;                // METRICS_TOKEN (secret); GET /metrics needs it
  std::string sync_api_key;                 // SYNC_API_KEY (secret)
  std::string sync_api_base_url = "https://api.sync.so";  // SYNC_API_BASE_URL
  std::string sync_webhook_secret;                        // SYNC_WEBHOOK_SECRET (secret)
  int lipsync_audio_url_expiry = 86400;                   // LIPSYNC_AUDIO_URL_EXPIRY, seconds
  int sync_api_timeout_ms = 30000;                        // SYNC_API_TIMEOUT_MS, one whole attempt
  EngineSettings tts;
  S3Settings s3;
  CloudFrontSettings cloudfront;

  // Checks every range and cross-field rule. The message is one line naming the variable and
  // what is allowed; it never contains a secret.
  Status Validate() const;

  // One `NAME=value` line per variable. Secrets appear as <redacted> when set and <unset> when
  // empty; the password in DATABASE_URL is replaced by <redacted>; AWS_ACCESS_KEY_ID keeps only
  // its last 4 characters.
  std::string ToString() const;
};

// Why S3 Transfer Acceleration cannot serve `bucket` in `region` (a name that is not a DNS name
// without dots; a China region), or nullopt. Shared by Settings::Validate and the S3 client.
std::optional<std::string> TransferAccelerationProblem(std::string_view bucket,
                                                       std::string_view region);

// Builds Settings from `env` (usually MergeEnvironment(ProcessEnvironment(), .env)), falling
// back to the defaults above for absent variables, then calls Validate(). Unknown variables
// are ignored. An invalid value yields InvalidArgument with one line such as
//   PORT="abc" is invalid: expected an integer from 1 to 65535
// where the value is left out for secret variables.
Result<Settings> LoadSettings(const std::map<std::string, std::string>& env);

// Makes sure settings->secret_key is set, so signed URLs survive restarts: SECRET_KEY if given,
// else <data_dir>/secret_key, else a new random key written there (creating data_dir).
// A key file shorter than 32 characters is an error rather than silently replaced, since
// replacing it would invalidate every URL already handed out.
// Safe for several processes sharing data_dir: the first to create the file wins (link()),
// the others read its key.
Status EnsureSecretKey(Settings* settings, FileSystem* fs);

// DATABASE_URL prefixes: PostgreSQL (libpq URIs) and SQLite (sqlite:///relative/path,
// sqlite:////absolute/path).
constexpr std::string_view kPostgresUrlSchemes[] = {"postgresql://", "postgres://"};
constexpr std::string_view kSqliteUrlScheme = "sqlite:///";
bool IsPostgresUrl(std::string_view url);

// Replaces the password in a database URL (`scheme://user:PASS@host/db`, a `password=` query
// parameter, or a libpq `password=...` keyword) with <redacted>; anything else is unchanged.
std::string RedactDatabaseUrl(std::string_view url);

}  // namespace swha::config
