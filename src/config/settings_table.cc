#include "config/settings_table.h"

#include <array>

#include "config/setting_rules.h"
#include "util/strings.h"

namespace swha::config {
namespace {

using Kind = SettingKind;

// The readers the entries share; each entry's lambda only names its field.
template <typename T>
Status Int(const SettingSpec& spec, const std::string& raw, T* field) {
  return ReadInt(*spec.rule, raw, field);
}
Status Bool(const SettingSpec& spec, const std::string& raw, bool* field) {
  return ReadBool(spec.name, raw, field);
}
// A choice whose default is empty may be set empty ("none").
Status Choice(const SettingSpec& spec, const std::string& raw, std::string* field) {
  return ReadChoice(spec.name, spec.choices, spec.default_text.empty(), raw, field);
}
Status Url(const SettingSpec& spec, const std::string& raw, std::string* field) {
  return ReadUrl(spec.name, raw, field);
}
Status Text(const SettingSpec& /*spec*/, const std::string& raw, std::string* field) {
  *field = raw;
  return Status::Ok();
}
// CORS_ORIGINS: "*" or origins (scheme://host[:port], nothing after), separated by commas.
Status Origins(const SettingSpec& spec, const std::string& raw, std::vector<std::string>* field) {
  field->clear();
  std::string_view rest = raw;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view entry = TrimWhitespace(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    if (entry.empty()) continue;
    if (!IsCorsOriginEntry(entry)) return Invalid(spec.name, raw, kOriginsExpectation);
    field->emplace_back(entry);
  }
  return Status::Ok();
}
// As in the AWS SDKs, an empty region counts as unset.
Status Region(const SettingSpec& spec, const std::string& raw, std::string* field) {
  if (raw.empty()) return Status::Ok();
  if (!IsValidRegion(raw)) return Invalid(spec.name, raw, kRegionExpectation);
  *field = raw;
  return Status::Ok();
}

// AWS_REGION and AWS_DEFAULT_REGION: set and not empty, they also win over the profile's.
Status ExplicitRegion(const SettingSpec& spec, const std::string& raw, S3Settings* s3) {
  if (!raw.empty()) s3->region_explicit = true;
  return Region(spec, raw, &s3->region);
}

// OpenAI's SDKs take base URLs ending in /v1; the same URL works here.
Status UpstreamUrl(const SettingSpec& spec, const std::string& raw, std::string* field) {
  SWHA_RETURN_IF_ERROR(Url(spec, raw, field));
  if (field->ends_with("/v1")) field->resize(field->size() - 3);
  return Status::Ok();
}

const std::array kTable = {
    // server
    SettingSpec{.name = "HOST",
                .section = "server",
                .default_text = "127.0.0.1",
                .meaning = "Address to listen on (0.0.0.0 for every interface)",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->host); }},
    SettingSpec{.name = "PORT",
                .section = "server",
                .default_text = "8000",
                .meaning = "TCP port to listen on",
                .kind = Kind::kInteger,
                .rule = &kPortRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->port); }},
    SettingSpec{.name = "PUBLIC_BASE_URL",
                .section = "server",
                .default_text = "",
                .meaning = "Prefix of the URLs handed out; empty gives relative URLs",
                .kind = Kind::kUrl,
                .read = [](auto& p, auto& v, auto* s) { return Url(p, v, &s->public_base_url); }},
    SettingSpec{.name = "MAX_TEXT_LENGTH",
                .section = "server",
                .default_text = "5000",
                .meaning = "Longest text one request may speak; longer is refused with 413",
                .kind = Kind::kInteger,
                .rule = &kMaxTextLengthRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->max_text_length); }},
    SettingSpec{.name = "MAX_REQUEST_BYTES",
                .section = "server",
                .default_text = "1048576",
                .meaning = "Largest request body; larger is refused with 413",
                .kind = Kind::kInteger,
                .rule = &kMaxRequestBytesRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->max_request_bytes); }},
    SettingSpec{.name = "HTTP_THREADS",
                .section = "server",
                .default_text = "16",
                .meaning = "Requests served at once",
                .kind = Kind::kInteger,
                .rule = &kHttpThreadsRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->http_threads); }},
    SettingSpec{
        .name = "SHUTDOWN_GRACE_SECONDS",
        .section = "server",
        .default_text = "20",
        .meaning = "After SIGTERM, how long requests in flight may take to finish before "
                   "the process exits anyway (with status 1)",
        .kind = Kind::kInteger,
        .rule = &kShutdownGraceRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->shutdown_grace_seconds); }},
    SettingSpec{.name = "MAX_CONNECTIONS",
                .section = "server",
                .default_text = "512",
                .meaning =
                    "Connections open at once (each waits for its client on a thread of its own, "
                    "not a worker); more are answered 503 with Retry-After",
                .kind = Kind::kInteger,
                .rule = &kMaxConnectionsRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->max_connections); }},
    SettingSpec{.name = "REQUEST_HEADER_TIMEOUT_SECONDS",
                .section = "server",
                .default_text = "10",
                .meaning =
                    "A request's whole head (request line and headers) must arrive within this, "
                    "counted from the connection or from the request's first byte",
                .kind = Kind::kInteger,
                .rule = &kHeaderTimeoutRule,
                .read = [](auto& p, auto& v,
                           auto* s) { return Int(p, v, &s->request_header_timeout_seconds); }},
    SettingSpec{.name = "REQUEST_BODY_TIMEOUT_SECONDS",
                .section = "server",
                .default_text = "60",
                .meaning = "A request's whole body must arrive within this after its head",
                .kind = Kind::kInteger,
                .rule = &kBodyTimeoutRule,
                .read = [](auto& p, auto& v,
                           auto* s) { return Int(p, v, &s->request_body_timeout_seconds); }},
    SettingSpec{
        .name = "RATE_LIMIT_PER_MINUTE",
        .section = "server",
        .default_text = "0",
        .meaning = "API requests allowed per minute to each client address and to each user "
                   "(a burst of as many, then that rate); more are answered 429 with "
                   "Retry-After. 0: no limit",
        .kind = Kind::kInteger,
        .rule = &kRateLimitRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->rate_limit_per_minute); }},
    SettingSpec{
        .name = "MAX_SYNTHESES_PER_USER",
        .section = "server",
        .default_text = "0",
        .meaning = "Syntheses one user (an anonymous caller: one client address) may run at "
                   "once; one more is answered 429 with Retry-After: 1. 0: no limit",
        .kind = Kind::kInteger,
        .rule = &kSynthesesPerUserRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->max_syntheses_per_user); }},
    SettingSpec{.name = "CORS_ORIGINS",
                .section = "server",
                .default_text = "",
                .meaning = "Web origins whose pages may call the API from a browser, e.g. "
                           "https://app.example.com,https://admin.example.com; * for any (never "
                           "with cookies: the API takes bearer tokens). Empty: none",
                .kind = Kind::kList,
                .read = [](auto& p, auto& v, auto* s) { return Origins(p, v, &s->cors_origins); }},
    SettingSpec{
        .name = "LOG_LEVEL",
        .section = "server",
        .default_text = "info",
        .meaning = "Least severe log lines written to stderr (request text is never logged)",
        .kind = Kind::kChoice,
        .choices = kLogLevels,
        .read = [](auto& p, auto& v, auto* s) { return Choice(p, v, &s->log_level); }},
    SettingSpec{.name = "ENVIRONMENT",
                .section = "server",
                .default_text = "development",
                .meaning = "A label GET /health reports, e.g. production",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->environment); }},
    SettingSpec{.name = "METRICS_TOKEN",
                .section = "server",
                .default_text = "",
                .meaning = "When set, GET /metrics needs Authorization: Bearer <this token>",
                .secret = true,
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->metrics_token); }},
    // local storage
    SettingSpec{.name = "DATA_DIR",
                .section = "storage",
                .default_text = "./data",
                .meaning = "Directory of the SQLite catalog and the generated secret key",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->data_dir); }},
    SettingSpec{.name = "AUDIO_DIR",
                .section = "storage",
                .default_text = "",
                .meaning = "Directory of the audio files; empty means $DATA_DIR/audio",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->audio_dir); }},
    SettingSpec{.name = "KEEP_LOCAL_COPY",
                .section = "storage",
                .default_text = "true",
                .meaning = "Keep a segment's local file once it is in S3",
                .kind = Kind::kBoolean,
                .read = [](auto& p, auto& v, auto* s) { return Bool(p, v, &s->keep_local_copy); }},
    // accounts
    SettingSpec{.name = "SECRET_KEY",
                .section = "accounts",
                .default_text = "",
                .meaning = "Signs local audio URLs and access tokens (at least 16 characters); "
                           "empty: generated once and kept in $DATA_DIR/secret_key",
                .secret = true,
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->secret_key); }},
    SettingSpec{.name = "ACCESS_TOKEN_EXPIRE_MINUTES",
                .section = "accounts",
                .default_text = "30",
                .meaning = "Lifetime of access tokens",
                .kind = Kind::kInteger,
                .rule = &kTokenExpiryRule,
                .read = [](auto& p, auto& v,
                           auto* s) { return Int(p, v, &s->access_token_expire_minutes); }},
    SettingSpec{.name = "ALLOW_ANONYMOUS",
                .section = "accounts",
                .default_text = "true",
                .meaning = "Let requests without a token generate speech (false: every TTS "
                           "endpoint needs a signed-in user)",
                .kind = Kind::kBoolean,
                .read = [](auto& p, auto& v, auto* s) { return Bool(p, v, &s->allow_anonymous); }},
    SettingSpec{
        .name = "LOGIN_FAILURE_LIMIT",
        .section = "accounts",
        .default_text = "10",
        .meaning = "Failed logins allowed per username and per client address in 15 "
                   "minutes (refilled evenly); past it, logins there are answered 429 "
                   "with Retry-After before any password is checked. 0: no limit",
        .kind = Kind::kInteger,
        .rule = &kLoginFailureRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->login_failure_limit); }},
    // catalog
    SettingSpec{.name = "DATABASE_URL",
                .section = "catalog",
                .default_text = "",
                .meaning = "postgresql://user:password@host:port/db or sqlite:///path; empty "
                           "means SQLite at $DATA_DIR/swha.db",
                .secret = true,
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->database_url); }},
    SettingSpec{
        .name = "DATABASE_POOL_SIZE",
        .section = "catalog",
        .default_text = "8",
        .meaning = "PostgreSQL connections per instance",
        .kind = Kind::kInteger,
        .rule = &kDatabasePoolRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->database_pool_size); }},
    // speech engine
    SettingSpec{.name = "ENGINE_THREADS",
                .section = "engine",
                .default_text = "0",
                .meaning = "Parallel espeak-ng instances",
                .kind = Kind::kInteger,
                .rule = &kEngineThreadsRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->engine_threads); }},
    SettingSpec{.name = "TTS_ENGINE",
                .section = "engine",
                .default_text = "espeak",
                .meaning = "espeak: espeak-ng in this process; openai: an OpenAI-compatible "
                           "server (TTS_UPSTREAM_URL)",
                .kind = Kind::kChoice,
                .choices = kEngines,
                .read = [](auto& p, auto& v, auto* s) { return Choice(p, v, &s->tts.engine); }},
    SettingSpec{
        .name = "TTS_UPSTREAM_URL",
        .section = "engine",
        .default_text = "",
        .meaning = "Base URL of the upstream TTS server (a trailing /v1 is allowed)",
        .kind = Kind::kUrl,
        .read = [](auto& p, auto& v, auto* s) { return UpstreamUrl(p, v, &s->tts.upstream_url); }},
    SettingSpec{
        .name = "TTS_UPSTREAM_API_KEY",
        .section = "engine",
        .default_text = "",
        .meaning = "Bearer key for the upstream TTS server",
        .secret = true,
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->tts.upstream_api_key); }},
    SettingSpec{
        .name = "TTS_UPSTREAM_MODEL",
        .section = "engine",
        .default_text = "kokoro",
        .meaning = "Model asked of the upstream TTS server",
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->tts.upstream_model); }},
    SettingSpec{.name = "TTS_UPSTREAM_MAX_CONCURRENCY",
                .section = "engine",
                .default_text = "4",
                .meaning = "Upstream requests in flight at once (more wait their turn)",
                .kind = Kind::kInteger,
                .rule = &kUpstreamConcurrencyRule,
                .read = [](auto& p, auto& v,
                           auto* s) { return Int(p, v, &s->tts.upstream_max_concurrency); }},
    SettingSpec{
        .name = "TTS_UPSTREAM_TIMEOUT_MS",
        .section = "engine",
        .default_text = "60000",
        .meaning = "Time limit of one upstream attempt",
        .kind = Kind::kInteger,
        .rule = &kUpstreamTimeoutRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->tts.upstream_timeout_ms); }},
    SettingSpec{
        .name = "TTS_UPSTREAM_PHONEMIZE",
        .section = "engine",
        .default_text = "local",
        .meaning = "Where phonemes come from: local espeak-ng, or the upstream's "
                   "/dev/phonemize",
        .kind = Kind::kChoice,
        .choices = kPhonemizers,
        .read = [](auto& p, auto& v, auto* s) { return Choice(p, v, &s->tts.upstream_phonemize); }},
    SettingSpec{.name = "TTS_UPSTREAM_VOICE_NAMES",
                .section = "engine",
                .default_text = "kokoro",
                .meaning = "Voice names the upstream knows: Kokoro's, or OpenAI's",
                .kind = Kind::kChoice,
                .choices = kVoiceNamings,
                .read = [](auto& p, auto& v,
                           auto* s) { return Choice(p, v, &s->tts.upstream_voice_names); }},
    // lipsync
    SettingSpec{.name = "SYNC_API_KEY",
                .section = "lipsync",
                .default_text = "",
                .meaning = "sync.so API key used when a request brings none",
                .secret = true,
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->sync_api_key); }},
    SettingSpec{.name = "SYNC_API_BASE_URL",
                .section = "lipsync",
                .default_text = "https://api.sync.so",
                .meaning = "sync.so's API",
                .kind = Kind::kUrl,
                .read = [](auto& p, auto& v, auto* s) { return Url(p, v, &s->sync_api_base_url); }},
    SettingSpec{
        .name = "SYNC_WEBHOOK_SECRET",
        .section = "lipsync",
        .default_text = "",
        .meaning = "Checks the Sync-Signature of sync.so's webhook calls",
        .secret = true,
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->sync_webhook_secret); }},
    SettingSpec{
        .name = "LIPSYNC_AUDIO_URL_EXPIRY",
        .section = "lipsync",
        .default_text = "86400",
        .meaning = "Lifetime of the audio URLs handed to sync.so",
        .kind = Kind::kInteger,
        .rule = &kLipsyncExpiryRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->lipsync_audio_url_expiry); }},
    SettingSpec{
        .name = "SYNC_API_TIMEOUT_MS",
        .section = "lipsync",
        .default_text = "30000",
        .meaning = "Time limit of one sync.so request",
        .kind = Kind::kInteger,
        .rule = &kSyncTimeoutRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->sync_api_timeout_ms); }},
    // S3
    SettingSpec{
        .name = "USE_S3_STORAGE",
        .section = "s3",
        .default_text = "false",
        .meaning = "Store audio in S3 (or an S3-compatible server) too",
        .kind = Kind::kBoolean,
        .read = [](auto& p, auto& v, auto* s) { return Bool(p, v, &s->s3.use_s3_storage); }},
    SettingSpec{.name = "AWS_ACCESS_KEY_ID",
                .section = "s3",
                .default_text = "",
                .meaning = "S3 access key ID; empty: keys from AWS_PROFILE's section of the "
                           "shared credentials file",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.access_key_id); }},
    SettingSpec{
        .name = "AWS_SECRET_ACCESS_KEY",
        .section = "s3",
        .default_text = "",
        .meaning = "S3 secret access key",
        .secret = true,
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.secret_access_key); }},
    SettingSpec{.name = "AWS_SESSION_TOKEN",
                .section = "s3",
                .default_text = "",
                .meaning = "S3 session token of temporary credentials",
                .secret = true,
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.session_token); }},
    // Before AWS_REGION, which wins when set and not empty.
    SettingSpec{.name = "AWS_DEFAULT_REGION",
                .section = "s3",
                .default_text = "",
                .meaning = "The bucket's region when AWS_REGION is empty",
                .read = [](auto& p, auto& v, auto* s) { return ExplicitRegion(p, v, &s->s3); }},
    SettingSpec{.name = "AWS_REGION",
                .section = "s3",
                .default_text = "us-east-1",
                .meaning = "The bucket's region; when it and AWS_DEFAULT_REGION are empty, the "
                           "AWS_PROFILE's region in AWS_CONFIG_FILE, else us-east-1",
                .read = [](auto& p, auto& v, auto* s) { return ExplicitRegion(p, v, &s->s3); }},
    SettingSpec{.name = "AWS_PROFILE",
                .section = "s3",
                .default_text = "default",
                .meaning = "Section of the shared credentials file to read keys from",
                .read =
                    [](auto& p, auto& v, auto* s) {
                      if (!v.empty()) s->s3.profile_explicit = true;
                      return Text(p, v, &s->s3.profile);
                    }},
    SettingSpec{.name = "AWS_SHARED_CREDENTIALS_FILE",
                .section = "s3",
                .default_text = "",
                .meaning = "Shared credentials file; empty means $HOME/.aws/credentials",
                .read = [](auto& p, auto& v,
                           auto* s) { return Text(p, v, &s->s3.shared_credentials_file); }},
    SettingSpec{.name = "AWS_CONFIG_FILE",
                .section = "s3",
                .default_text = "",
                .meaning = "AWS config file ([profile NAME]: region, role_arn, source_profile, "
                           "credential_source, credential_process, ...); empty means "
                           "$HOME/.aws/config",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.config_file); }},
    SettingSpec{
        .name = "AWS_ENDPOINT_URL_STS",
        .section = "s3",
        .default_text = "",
        .meaning = "STS endpoint for roles; empty means https://sts.<region>.amazonaws.com",
        .kind = Kind::kUrl,
        .read = [](auto& p, auto& v, auto* s) { return Url(p, v, &s->s3.sts_endpoint_url); }},
    SettingSpec{.name = "AWS_WEB_IDENTITY_TOKEN_FILE",
                .section = "s3",
                .default_text = "",
                .meaning = "Web identity (OIDC) token file, as EKS mounts it; with AWS_ROLE_ARN, "
                           "credentials come from STS AssumeRoleWithWebIdentity",
                .read = [](auto& p, auto& v,
                           auto* s) { return Text(p, v, &s->s3.web_identity_token_file); }},
    SettingSpec{.name = "AWS_ROLE_ARN",
                .section = "s3",
                .default_text = "",
                .meaning = "The role to assume with the web identity token",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.role_arn); }},
    SettingSpec{
        .name = "AWS_ROLE_SESSION_NAME",
        .section = "s3",
        .default_text = "",
        .meaning = "Role session name; empty means swha-tts-<unix time>",
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.role_session_name); }},
    SettingSpec{
        .name = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        .section = "s3",
        .default_text = "",
        .meaning = "ECS task role: the path on 169.254.170.2 (ECS sets it)",
        .read = [](auto& p, auto& v,
                   auto* s) { return Text(p, v, &s->s3.container_credentials_relative_uri); }},
    SettingSpec{.name = "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                .section = "s3",
                .default_text = "",
                .meaning = "Container credentials URL (https, or http to a loopback or ECS/EKS "
                           "address)",
                .kind = Kind::kUrl,
                .read = [](auto& p, auto& v,
                           auto* s) { return Url(p, v, &s->s3.container_credentials_full_uri); }},
    SettingSpec{.name = "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                .section = "s3",
                .default_text = "",
                .meaning = "Authorization header for the container credentials URL",
                .secret = true,
                .read = [](auto& p, auto& v,
                           auto* s) { return Text(p, v, &s->s3.container_authorization_token); }},
    SettingSpec{
        .name = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        .section = "s3",
        .default_text = "",
        .meaning = "File holding that header, read at every fetch (EKS Pod Identity); "
                   "wins over AWS_CONTAINER_AUTHORIZATION_TOKEN",
        .read = [](auto& p, auto& v,
                   auto* s) { return Text(p, v, &s->s3.container_authorization_token_file); }},
    SettingSpec{.name = "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                .section = "s3",
                .default_text = "http://169.254.169.254",
                .meaning = "EC2 instance metadata (IMDSv2) for the instance role",
                .kind = Kind::kUrl,
                .read = [](auto& p, auto& v,
                           auto* s) { return Url(p, v, &s->s3.ec2_metadata_service_endpoint); }},
    SettingSpec{
        .name = "AWS_EC2_METADATA_DISABLED",
        .section = "s3",
        .default_text = "false",
        .meaning = "Never ask the instance metadata service for credentials",
        .kind = Kind::kBoolean,
        .read = [](auto& p, auto& v, auto* s) { return Bool(p, v, &s->s3.ec2_metadata_disabled); }},
    SettingSpec{.name = "S3_BUCKET_NAME",
                .section = "s3",
                .default_text = "swha-audio-bucket",
                .meaning = "The bucket audio goes to",
                .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.bucket_name); }},
    SettingSpec{
        .name = "S3_REPLICAS",
        .section = "s3",
        .default_text = "",
        .meaning = "Further buckets for when the primary is down: "
                   "bucket@region[@endpoint-url],...",
        .kind = Kind::kList,
        .read = [](auto& /*p*/, auto& v, auto* s) { return ReadS3Replicas(v, &s->s3.replicas); }},
    SettingSpec{
        .name = "S3_PRESIGNED_URL_EXPIRY",
        .section = "s3",
        .default_text = "3600",
        .meaning = "Lifetime of the URLs handed out (presigned, and local ones too)",
        .kind = Kind::kInteger,
        .rule = &kPresignedExpiryRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.presigned_url_expiry); }},
    SettingSpec{.name = "S3_ENDPOINT_URL",
                .section = "s3",
                .default_text = "",
                .meaning = "An S3-compatible server (Ceph RGW, MinIO, ...); empty means AWS",
                .kind = Kind::kUrl,
                .read = [](auto& p, auto& v, auto* s) { return Url(p, v, &s->s3.endpoint_url); }},
    SettingSpec{
        .name = "S3_ADDRESSING_STYLE",
        .section = "s3",
        .default_text = "auto",
        .meaning = "auto: virtual-hosted on AWS, path style elsewhere",
        .kind = Kind::kChoice,
        .choices = kAddressingStyles,
        .read = [](auto& p, auto& v, auto* s) { return Choice(p, v, &s->s3.addressing_style); }},
    SettingSpec{.name = "S3_SSE",
                .section = "s3",
                .default_text = "",
                .meaning = "Server-side encryption of uploads",
                .kind = Kind::kChoice,
                .choices = kSseModes,
                .read = [](auto& p, auto& v, auto* s) { return Choice(p, v, &s->s3.sse); }},
    SettingSpec{.name = "S3_USE_ACCELERATE_ENDPOINT",
                .section = "s3",
                .default_text = "false",
                .meaning = "Use S3 Transfer Acceleration (AWS only)",
                .kind = Kind::kBoolean,
                .read = [](auto& p, auto& v,
                           auto* s) { return Bool(p, v, &s->s3.use_accelerate_endpoint); }},
    SettingSpec{.name = "S3_USE_DUALSTACK_ENDPOINT",
                .section = "s3",
                .default_text = "false",
                .meaning = "Use S3's IPv4+IPv6 endpoints (AWS only)",
                .kind = Kind::kBoolean,
                .read = [](auto& p, auto& v,
                           auto* s) { return Bool(p, v, &s->s3.use_dualstack_endpoint); }},
    SettingSpec{.name = "S3_PRICE_PER_GB_MONTH",
                .section = "s3",
                .default_text = "0.023",
                .meaning = "USD per GB-month, for the usage report's cost estimate",
                .kind = Kind::kNumber,
                .read = [](auto& p, auto& v,
                           auto* s) { return ReadPrice(p.name, v, &s->s3.price_per_gb_month); }},
    SettingSpec{
        .name = "S3_MAX_CONCURRENT_UPLOADS",
        .section = "s3",
        .default_text = "8",
        .meaning = "Uploads in flight, across all requests",
        .kind = Kind::kInteger,
        .rule = &kMaxUploadsRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.max_concurrent_uploads); }},
    SettingSpec{
        .name = "S3_RECHECK_SECONDS",
        .section = "s3",
        .default_text = "10",
        .meaning = "After a failed upload, S3 is skipped this long, then tried again",
        .kind = Kind::kInteger,
        .rule = &kRecheckRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.recheck_seconds); }},
    SettingSpec{
        .name = "S3_OUTBOX_POLL_SECONDS",
        .section = "s3",
        .default_text = "5",
        .meaning = "Segments kept locally because S3 did not take them, and the audio of deleted "
                   "sessions that storage did not let go of, are tried again this often "
                   "(doubling per failure, up to a minute) until they are in S3, or gone",
        .kind = Kind::kInteger,
        .rule = &kOutboxPollRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.outbox_poll_seconds); }},
    SettingSpec{.name = "S3_LIFECYCLE_DAYS",
                .section = "s3",
                .default_text = "0",
                .meaning = "Audio under S3_LIFECYCLE_PREFIX expires after this many days (a "
                           "bucket lifecycle rule set at start-up)",
                .kind = Kind::kInteger,
                .rule = &kLifecycleDaysRule,
                .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.lifecycle_days); }},
    SettingSpec{
        .name = "S3_LIFECYCLE_PREFIX",
        .section = "s3",
        .default_text = "audio/",
        .meaning = "Key prefix the lifecycle rule applies to",
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->s3.lifecycle_prefix); }},
    SettingSpec{
        .name = "S3_LIFECYCLE_DAY_SECONDS",
        .section = "s3",
        .default_text = "86400",
        .meaning = "How long a lifecycle day lasts on this S3 server (less on a test "
                   "server)",
        .kind = Kind::kInteger,
        .rule = &kLifecycleDayRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.lifecycle_day_seconds); }},
    SettingSpec{
        .name = "S3_CONNECT_TIMEOUT_MS",
        .section = "s3",
        .default_text = "3000",
        .meaning = "Time limit of connecting to S3",
        .kind = Kind::kInteger,
        .rule = &kConnectTimeoutRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.connect_timeout_ms); }},
    SettingSpec{
        .name = "S3_REQUEST_TIMEOUT_MS",
        .section = "s3",
        .default_text = "30000",
        .meaning = "Time limit of one S3 attempt (3 attempts with back-off)",
        .kind = Kind::kInteger,
        .rule = &kRequestTimeoutRule,
        .read = [](auto& p, auto& v, auto* s) { return Int(p, v, &s->s3.request_timeout_ms); }},
    // CloudFront
    SettingSpec{
        .name = "CLOUDFRONT_DOMAIN",
        .section = "cloudfront",
        .default_text = "",
        .meaning = "Hand out CloudFront signed URLs for https://<this domain>/<S3 key>",
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->cloudfront.domain); }},
    SettingSpec{
        .name = "CLOUDFRONT_KEY_PAIR_ID",
        .section = "cloudfront",
        .default_text = "",
        .meaning = "ID of the CloudFront public key, e.g. K2JCJMDEHXQW5F",
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->cloudfront.key_pair_id); }},
    SettingSpec{.name = "CLOUDFRONT_PRIVATE_KEY_FILE",
                .section = "cloudfront",
                .default_text = "",
                .meaning = "PEM file of the matching RSA private key (the path is not secret, "
                           "the file is)",
                .read = [](auto& p, auto& v,
                           auto* s) { return Text(p, v, &s->cloudfront.private_key_file); }},
    SettingSpec{
        .name = "CLOUDFRONT_ALLOWED_IP",
        .section = "cloudfront",
        .default_text = "",
        .meaning = "When set, URLs only work from this IPv4/IPv6 address or CIDR range",
        .read = [](auto& p, auto& v, auto* s) { return Text(p, v, &s->cloudfront.allowed_ip); }},
};

}  // namespace

std::span<const SettingSpec> SettingsTable() { return kTable; }

const SettingSpec* FindSetting(std::string_view name) {
  for (const SettingSpec& spec : kTable) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string SettingExpectation(const SettingSpec& spec) {
  switch (spec.kind) {
    case Kind::kInteger: return IntExpectation(*spec.rule);
    case Kind::kBoolean: return "true or false";
    case Kind::kChoice: return ChoiceExpectation(spec.choices, spec.default_text.empty());
    case Kind::kUrl:
      return "an http:// or https:// URL" +
             std::string(spec.default_text.empty() ? ", or empty for none" : "");
    case Kind::kNumber: return std::string(kPriceExpectation);
    case Kind::kText:
    case Kind::kList: return "";
  }
  return "";
}

std::string EnvExample() {
  std::string out =
      "# swha-tts settings: every environment variable it reads, at its default.\n"
      "# Generated by `swha-tts config env-example` from src/config/settings_table.cc: do not\n"
      "# edit by hand. To change a setting, copy its line without the leading '#' into .env in\n"
      "# the working directory (or /etc/swha-tts/swha-tts.env for the systemd unit). A variable\n"
      "# set in the environment wins over the file.\n";
  std::string_view section;
  for (const SettingSpec& spec : kTable) {
    if (spec.section != section) {
      section = spec.section;
      out += "\n# ---- ";
      out += section;
      out += " ----\n";
    }
    out += "\n# ";
    out += spec.meaning;
    out += ".\n";
    if (std::string allowed = SettingExpectation(spec); !allowed.empty()) {
      out += "# Allowed: " + allowed + ".\n";
    }
    if (spec.secret)
      out +=
          "# Secret: swha-tts never shows it (`config` prints <redacted>); keep this file "
          "private.\n";
    out += "#";
    out += spec.name;
    out += "=";
    out += spec.default_text;
    out += "\n";
  }
  return out;
}

}  // namespace swha::config
