#include "config/settings.h"

#include <utility>

#include "config/setting_errors.h"
#include "config/setting_rules.h"
#include "config/settings_table.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::config {
namespace {

constexpr std::string_view kRedacted = "<redacted>";
constexpr size_t kMinSecretKeyLength = 16;
// A generated key is 64 hex characters; a file holding much less was truncated or hand-made.
constexpr size_t kMinKeyFileLength = 32;
constexpr size_t kMaxEnvironmentLength = 64;

// CORS_ORIGINS as it would be written: the entries joined by commas.
std::string JoinCorsOrigins(const std::vector<std::string>& origins) {
  std::string joined;
  for (const std::string& origin : origins) {
    if (!joined.empty()) joined += ',';
    joined += origin;
  }
  return joined;
}

// Redacts the value of every `password=` (also catching libpq's `sslpassword=`), whether in a
// URL query or a libpq keyword/value string.
void RedactPasswordParameters(std::string* s) {
  constexpr std::string_view kKey = "password=";
  size_t from = 0;
  while (true) {
    std::string lower = ToLower(*s);
    size_t pos = lower.find(kKey, from);
    if (pos == std::string::npos) return;
    size_t start = pos + kKey.size();
    size_t end;
    if (start < s->size() && (*s)[start] == '\'') {
      end = s->find('\'', start + 1);
      end = end == std::string::npos ? s->size() : end + 1;
    } else {
      end = s->find_first_of("& \t\n", start);
      if (end == std::string::npos) end = s->size();
    }
    if (end > start) s->replace(start, end - start, kRedacted);
    from = start + (end > start ? kRedacted.size() : 0);
  }
}

Status ValidateEngine(const EngineSettings& tts) {
  if (!IsOneOf(tts.engine, kEngines)) {
    return Invalid("TTS_ENGINE", tts.engine, ChoiceExpectation(kEngines, false));
  }
  SWHA_RETURN_IF_ERROR(CheckUrl("TTS_UPSTREAM_URL", tts.upstream_url));
  if (tts.upstream() && tts.upstream_url.empty()) {
    return Required("TTS_UPSTREAM_URL", "TTS_ENGINE is openai");
  }
  if (tts.upstream_model.empty() || HasSpaceOrControl(tts.upstream_model)) {
    return Invalid("TTS_UPSTREAM_MODEL", tts.upstream_model,
                   "a model name without spaces, e.g. kokoro or tts-1");
  }
  if (HasSpaceOrControl(tts.upstream_api_key)) {
    return InvalidSecret("TTS_UPSTREAM_API_KEY", "a key without spaces or control characters");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kUpstreamConcurrencyRule, tts.upstream_max_concurrency));
  SWHA_RETURN_IF_ERROR(CheckRange(kUpstreamTimeoutRule, tts.upstream_timeout_ms));
  if (!IsOneOf(tts.upstream_phonemize, kPhonemizers)) {
    return Invalid("TTS_UPSTREAM_PHONEMIZE", tts.upstream_phonemize,
                   ChoiceExpectation(kPhonemizers, false));
  }
  if (!IsOneOf(tts.upstream_voice_names, kVoiceNamings)) {
    return Invalid("TTS_UPSTREAM_VOICE_NAMES", tts.upstream_voice_names,
                   ChoiceExpectation(kVoiceNamings, false));
  }
  return Status::Ok();
}

}  // namespace

bool IsPostgresUrl(std::string_view url) {
  for (std::string_view scheme : kPostgresUrlSchemes) {
    if (url.starts_with(scheme)) return true;
  }
  return false;
}

std::string RedactDatabaseUrl(std::string_view url) {
  std::string out(url);
  size_t scheme_end = out.find("://");
  if (scheme_end != std::string::npos) {
    size_t start = scheme_end + 3;
    // The last '@' rather than the first, since an unencoded password may itself contain '@'.
    // If a query also contains '@', more than the password is hidden, which is the safe side.
    size_t at = out.rfind('@');
    if (at != std::string::npos && at > start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon + 1 < at) {
        out.replace(colon + 1, at - colon - 1, kRedacted);
      }
    }
  }
  RedactPasswordParameters(&out);
  return out;
}

Status Settings::Validate() const {
  if (host.empty() || HasSpaceOrControl(host)) {
    return Invalid("HOST", host, "a hostname or IP address to listen on");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kPortRule, port));
  if (data_dir.empty()) return Invalid("DATA_DIR", data_dir, "a directory path");
  SWHA_RETURN_IF_ERROR(CheckUrl("PUBLIC_BASE_URL", public_base_url));
  SWHA_RETURN_IF_ERROR(CheckRange(kMaxTextLengthRule, max_text_length));
  SWHA_RETURN_IF_ERROR(CheckRange(kMaxRequestBytesRule, max_request_bytes));
  if (!secret_key.empty() && secret_key.size() < kMinSecretKeyLength) {
    return InvalidSecret("SECRET_KEY",
                         "at least 16 characters, or empty to use a key kept in DATA_DIR");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kEngineThreadsRule, engine_threads));
  SWHA_RETURN_IF_ERROR(CheckRange(kHttpThreadsRule, http_threads));
  SWHA_RETURN_IF_ERROR(CheckRange(kShutdownGraceRule, shutdown_grace_seconds));
  SWHA_RETURN_IF_ERROR(CheckRange(kMaxConnectionsRule, max_connections));
  SWHA_RETURN_IF_ERROR(CheckRange(kHeaderTimeoutRule, request_header_timeout_seconds));
  SWHA_RETURN_IF_ERROR(CheckRange(kBodyTimeoutRule, request_body_timeout_seconds));
  SWHA_RETURN_IF_ERROR(CheckRange(kRateLimitRule, rate_limit_per_minute));
  SWHA_RETURN_IF_ERROR(CheckRange(kSynthesesPerUserRule, max_syntheses_per_user));
  for (const std::string& origin : cors_origins) {
    if (!IsCorsOriginEntry(origin)) {
      return Invalid("CORS_ORIGINS", JoinCorsOrigins(cors_origins), kOriginsExpectation);
    }
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kLoginFailureRule, login_failure_limit));
  if (!IsOneOf(log_level, kLogLevels)) {
    return Invalid("LOG_LEVEL", log_level, ChoiceExpectation(kLogLevels, false));
  }
  if (environment.empty() || environment.size() > kMaxEnvironmentLength ||
      HasSpaceOrControl(environment)) {
    return Invalid("ENVIRONMENT", environment,
                   "a label of 1 to 64 characters without spaces, e.g. production");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kTokenExpiryRule, access_token_expire_minutes));
  const bool sqlite_url = database_url.starts_with(kSqliteUrlScheme);
  if ((!database_url.empty() && !sqlite_url && !IsPostgresUrl(database_url)) ||
      (sqlite_url && database_url.size() == kSqliteUrlScheme.size())) {
    // The value may hold a password in a form RedactDatabaseUrl does not recognize.
    return InvalidSecret("DATABASE_URL",
                         "postgresql://user:password@host:port/database, sqlite:///path, or "
                         "empty for SQLite in DATA_DIR");
  }

  SWHA_RETURN_IF_ERROR(CheckRange(kDatabasePoolRule, database_pool_size));
  SWHA_RETURN_IF_ERROR(CheckUrl("SYNC_API_BASE_URL", sync_api_base_url));
  if (!sync_api_key.empty() && sync_api_base_url.empty()) {
    return Required("SYNC_API_BASE_URL", "SYNC_API_KEY is set");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kLipsyncExpiryRule, lipsync_audio_url_expiry));
  SWHA_RETURN_IF_ERROR(CheckRange(kSyncTimeoutRule, sync_api_timeout_ms));

  SWHA_RETURN_IF_ERROR(ValidateEngine(tts));

  SWHA_RETURN_IF_ERROR(s3.Validate());
  return cloudfront.Validate(s3.use_s3_storage);
}

std::string Settings::ToString() const {
  DisplayLines lines;

  lines.Text("HOST", host);
  lines.Number("PORT", port);
  lines.Text("DATA_DIR", data_dir);
  lines.Text("AUDIO_DIR", audio_dir);
  lines.Text("PUBLIC_BASE_URL", public_base_url);
  lines.Number("MAX_TEXT_LENGTH", max_text_length);
  lines.Number("MAX_REQUEST_BYTES", max_request_bytes);
  lines.Raw("SECRET_KEY", SecretForDisplay(secret_key));
  lines.Number("ENGINE_THREADS", engine_threads);
  lines.Number("HTTP_THREADS", http_threads);
  lines.Number("SHUTDOWN_GRACE_SECONDS", shutdown_grace_seconds);
  lines.Number("MAX_CONNECTIONS", max_connections);
  lines.Number("REQUEST_HEADER_TIMEOUT_SECONDS", request_header_timeout_seconds);
  lines.Number("REQUEST_BODY_TIMEOUT_SECONDS", request_body_timeout_seconds);
  lines.Number("RATE_LIMIT_PER_MINUTE", rate_limit_per_minute);
  lines.Number("MAX_SYNTHESES_PER_USER", max_syntheses_per_user);
  lines.Text("CORS_ORIGINS", JoinCorsOrigins(cors_origins));
  lines.Text("LOG_LEVEL", log_level);
  lines.Text("ENVIRONMENT", environment);
  lines.Flag("KEEP_LOCAL_COPY", keep_local_copy);
  lines.Number("ACCESS_TOKEN_EXPIRE_MINUTES", access_token_expire_minutes);
  lines.Flag("ALLOW_ANONYMOUS", allow_anonymous);
  lines.Number("LOGIN_FAILURE_LIMIT", login_failure_limit);
  lines.Text("DATABASE_URL", RedactDatabaseUrl(database_url));
  lines.Number("DATABASE_POOL_SIZE", database_pool_size);
  lines.Raw("METRICS_TOKEN", SecretForDisplay(metrics_token));
  lines.Raw("SYNC_API_KEY", SecretForDisplay(sync_api_key));
  lines.Text("SYNC_API_BASE_URL", sync_api_base_url);
  lines.Raw("SYNC_WEBHOOK_SECRET", SecretForDisplay(sync_webhook_secret));
  lines.Number("LIPSYNC_AUDIO_URL_EXPIRY", lipsync_audio_url_expiry);
  lines.Number("SYNC_API_TIMEOUT_MS", sync_api_timeout_ms);
  lines.Text("TTS_ENGINE", tts.engine);
  lines.Text("TTS_UPSTREAM_URL", tts.upstream_url);
  lines.Raw("TTS_UPSTREAM_API_KEY", SecretForDisplay(tts.upstream_api_key));
  lines.Text("TTS_UPSTREAM_MODEL", tts.upstream_model);
  lines.Number("TTS_UPSTREAM_MAX_CONCURRENCY", tts.upstream_max_concurrency);
  lines.Number("TTS_UPSTREAM_TIMEOUT_MS", tts.upstream_timeout_ms);
  lines.Text("TTS_UPSTREAM_PHONEMIZE", tts.upstream_phonemize);
  lines.Text("TTS_UPSTREAM_VOICE_NAMES", tts.upstream_voice_names);
  lines.Append(s3.ToString());
  lines.Append(cloudfront.ToString());
  return lines.Take();
}

Result<Settings> LoadSettings(const std::map<std::string, std::string>& env) {
  Settings s;
  for (const SettingSpec& spec : SettingsTable()) {
    auto raw = env.find(std::string(spec.name));
    if (raw != env.end()) SWHA_RETURN_IF_ERROR(spec.read(spec, raw->second, &s));
  }
  // Defaults that follow other values. HOME is the one variable read outside the table: it is
  // the system's, not a setting of ours.
  if (s.audio_dir.empty()) s.audio_dir = JoinPath(s.data_dir, "audio");
  if (s.s3.shared_credentials_file.empty()) {
    auto home = env.find("HOME");
    if (home != env.end() && !home->second.empty()) {
      s.s3.shared_credentials_file = JoinPath(JoinPath(home->second, ".aws"), "credentials");
    }
  }
  if (s.s3.config_file.empty()) {
    auto home = env.find("HOME");
    if (home != env.end() && !home->second.empty()) {
      s.s3.config_file = JoinPath(JoinPath(home->second, ".aws"), "config");
    }
  }
  SWHA_RETURN_IF_ERROR(s.Validate());
  return s;
}

Status EnsureSecretKey(Settings* settings, FileSystem* fs) {
  if (!settings->secret_key.empty()) {
    settings->secret_key_source = "env";
    return Status::Ok();
  }
  const std::string path = JoinPath(settings->data_dir, "secret_key");
  Result<std::string> existing = fs->ReadFile(path);
  if (existing.status().code() == StatusCode::kNotFound) {
    // Several instances sharing DATA_DIR may start at once: the first to create the file wins
    // and the others read its key, so all of them sign with the same one.
    SWHA_RETURN_IF_ERROR(fs->CreateDirs(settings->data_dir));
    const std::string key = crypto::RandomHex(32);
    Status created = fs->CreateFileExclusive(path, key + "\n", Durability::kSync);
    if (created.ok()) {
      settings->secret_key = key;
      settings->secret_key_source = "generated";
      return Status::Ok();
    }
    if (created.code() != StatusCode::kAlreadyExists) {
      return created.WithContext("writing the secret key");
    }
    existing = fs->ReadFile(path);
  }
  if (!existing.ok()) return existing.status().WithContext("reading the secret key");
  // Trimmed so that a key file edited by hand (with a trailing newline) still matches.
  std::string_view key = TrimWhitespace(*existing);
  if (key.size() < kMinKeyFileLength) {
    return Status::InvalidArgument(
        path +
        " holds a secret key shorter than 32 characters; set SECRET_KEY, or delete the "
        "file to have a new key generated (signed URLs already issued stop working)");
  }
  settings->secret_key = std::string(key);
  settings->secret_key_source = "file";
  return Status::Ok();
}

}  // namespace swha::config
