#include "config/settings.h"

#include <arpa/inet.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <span>
#include <utility>

#include "catalog/limits.h"
#include "config/setting_errors.h"
#include "storage/limits.h"
#include "tts/limits.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::config {
namespace {

using EnvMap = std::map<std::string, std::string>;

constexpr std::string_view kRedacted = "<redacted>";
constexpr std::string_view kUnset = "<unset>";
constexpr size_t kMinSecretKeyLength = 16;
// A generated key is 64 hex characters; a file holding much less was truncated or hand-made.
constexpr size_t kMinKeyFileLength = 32;

constexpr std::string_view kBoolExpectation = "one of true, false, 1, 0, yes, no, on, off";
constexpr std::string_view kUrlExpectation =
    "an http:// or https:// URL with a host and no credentials, query or fragment";
constexpr std::string_view kBucketExpectation =
    "an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens, beginning and "
    "ending with a letter or digit, without \"..\", and not an IP address";
constexpr std::string_view kRegionExpectation =
    "a region name of lowercase letters, digits and hyphens, e.g. us-east-1";

constexpr std::array<std::string_view, 6> kLogLevels = {"trace", "debug", "info",
                                                        "warn",  "error", "off"};
constexpr std::array<std::string_view, 3> kAddressingStyles = {"auto", "path", "virtual"};
constexpr std::array<std::string_view, 2> kSseModes = {"AES256", "aws:kms"};
constexpr std::array<std::string_view, 2> kEngines = {"espeak", "openai"};
constexpr std::array<std::string_view, 2> kPhonemizers = {"local", "upstream"};
constexpr std::array<std::string_view, 2> kVoiceNamings = {"kokoro", "openai"};

struct IntRule {
  std::string_view var;
  int64_t min;
  int64_t max;
  std::string_view note;  // unit or meaning, appended in parentheses
};

constexpr size_t kMaxEnvironmentLength = 64;
constexpr IntRule kPortRule{"PORT", 1, 65535, ""};
constexpr IntRule kMaxTextLengthRule{"MAX_TEXT_LENGTH", 1, 1000000, "characters"};
constexpr IntRule kMaxRequestBytesRule{"MAX_REQUEST_BYTES", 1024, 104857600, "bytes"};
constexpr IntRule kEngineThreadsRule{"ENGINE_THREADS", 0, 16, "0 means one per CPU core"};
constexpr IntRule kHttpThreadsRule{"HTTP_THREADS", 1, 256, ""};
constexpr IntRule kDatabasePoolRule{"DATABASE_POOL_SIZE", 1, catalog::kMaxDatabaseConnections,
                                    "connections"};
constexpr IntRule kTokenExpiryRule{"ACCESS_TOKEN_EXPIRE_MINUTES", 1, 525600, "minutes"};
constexpr IntRule kPresignedExpiryRule{"S3_PRESIGNED_URL_EXPIRY", 1, storage::kMaxUrlExpirySeconds,
                                       "seconds"};
constexpr IntRule kLipsyncExpiryRule{"LIPSYNC_AUDIO_URL_EXPIRY", 60, storage::kMaxUrlExpirySeconds,
                                     "seconds"};
constexpr IntRule kSyncTimeoutRule{"SYNC_API_TIMEOUT_MS", 1000, 600000, "milliseconds"};
constexpr IntRule kUpstreamConcurrencyRule{"TTS_UPSTREAM_MAX_CONCURRENCY", 1,
                                           tts::kMaxUpstreamConcurrency, "requests in flight"};
constexpr IntRule kUpstreamTimeoutRule{"TTS_UPSTREAM_TIMEOUT_MS", 1000, 600000, "milliseconds"};
constexpr IntRule kMaxUploadsRule{"S3_MAX_CONCURRENT_UPLOADS", 1, 64, ""};
constexpr IntRule kLifecycleDaysRule{"S3_LIFECYCLE_DAYS", 0, storage::kMaxLifecycleDays,
                                     "0 leaves the bucket's lifecycle rules alone"};
constexpr IntRule kLifecycleDayRule{"S3_LIFECYCLE_DAY_SECONDS", 1, 86400, "seconds"};
constexpr IntRule kRecheckRule{"S3_RECHECK_SECONDS", 1, 3600, "seconds"};
constexpr IntRule kConnectTimeoutRule{"S3_CONNECT_TIMEOUT_MS", 100, 60000, "milliseconds"};
constexpr IntRule kRequestTimeoutRule{"S3_REQUEST_TIMEOUT_MS", 1000, 600000, "milliseconds"};
// 7 days is also the SigV4 presigning limit; local URLs share it so both stores behave alike.

std::string IntExpectation(const IntRule& rule) {
  std::string e = "an integer from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
  if (!rule.note.empty()) {
    e += " (";
    e += rule.note;
    e += ")";
  }
  return e;
}

std::string ChoiceExpectation(std::span<const std::string_view> allowed, bool allow_empty) {
  std::string e = "one of ";
  bool first = true;
  for (std::string_view a : allowed) {
    if (!first) e += ", ";
    e += a;
    first = false;
  }
  if (allow_empty) e += ", or empty for none";
  return e;
}

template <typename T>
Status CheckRange(const IntRule& rule, T value) {
  if (std::cmp_less(value, rule.min) || std::cmp_greater(value, rule.max)) {
    return Invalid(rule.var, std::to_string(value), IntExpectation(rule));
  }
  return Status::Ok();
}

bool IsOneOf(std::string_view v, std::span<const std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (v == a) return true;
  }
  return false;
}

bool HasSpaceOrControl(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool LooksLikeIpv4(std::string_view v) {
  int groups = 0;
  size_t start = 0;
  while (start <= v.size()) {
    size_t dot = v.find('.', start);
    std::string_view part = v.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty()) return false;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    ++groups;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return groups == 4;
}

bool IsValidBucketName(std::string_view v) {
  if (v.size() < 3 || v.size() > 63) return false;
  for (char c : v) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') return false;
  }
  if (!IsLowerAlnum(v.front()) || !IsLowerAlnum(v.back())) return false;
  if (v.find("..") != std::string_view::npos) return false;
  return !LooksLikeIpv4(v);
}

bool IsValidRegion(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// A base URL that paths are appended to, hence no query, fragment or trailing slash; no
// credentials either, since the URL is logged.
bool IsBaseUrl(std::string_view v) {
  std::string lower = ToLower(v);
  size_t rest;
  if (lower.starts_with("http://")) {
    rest = 7;
  } else if (lower.starts_with("https://")) {
    rest = 8;
  } else {
    return false;
  }
  if (HasSpaceOrControl(v) || v.find_first_of("?#") != std::string_view::npos) return false;
  std::string_view after = v.substr(rest);
  std::string_view authority = after.substr(0, after.find('/'));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  return !v.ends_with('/');
}

std::string_view StripTrailingSlashes(std::string_view v) {
  while (v.ends_with('/')) v.remove_suffix(1);
  return v;
}

const std::string* Find(const EnvMap& env, std::string_view var) {
  auto it = env.find(std::string(var));
  return it == env.end() ? nullptr : &it->second;
}

void ReadString(const EnvMap& env, std::string_view var, std::string* field) {
  if (const std::string* raw = Find(env, var)) *field = *raw;
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

template <typename T>
Status ReadInt(const EnvMap& env, const IntRule& rule, T* field) {
  const std::string* raw = Find(env, rule.var);
  if (raw == nullptr) return Status::Ok();
  int64_t v = 0;
  // Range is checked before narrowing to T, so 4294975296 cannot wrap into a valid port.
  if (!ParseInt(*raw, &v) || v < rule.min || v > rule.max) {
    return Invalid(rule.var, *raw, IntExpectation(rule));
  }
  *field = static_cast<T>(v);
  return Status::Ok();
}

// The most S3_PRICE_PER_GB_MONTH may say: far above any storage class's price.
constexpr double kMaxPricePerGbMonth = 1000;
constexpr std::string_view kPriceExpectation =
    "a price in USD per GB-month from 0 to 1000, e.g. 0.023";

Status ReadPrice(const EnvMap& env, std::string_view var, double* field) {
  const std::string* raw = Find(env, var);
  if (raw == nullptr) return Status::Ok();
  double v = 0;
  const auto [end, error] = std::from_chars(raw->data(), raw->data() + raw->size(), v);
  if (error != std::errc() || end != raw->data() + raw->size() || !(v >= 0) ||
      v > kMaxPricePerGbMonth) {
    return Invalid(var, *raw, kPriceExpectation);
  }
  *field = v;
  return Status::Ok();
}

Status ReadBool(const EnvMap& env, std::string_view var, bool* field) {
  const std::string* raw = Find(env, var);
  if (raw == nullptr) return Status::Ok();
  std::string v = ToLower(*raw);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    *field = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    *field = false;
  } else {
    return Invalid(var, *raw, kBoolExpectation);
  }
  return Status::Ok();
}

// Matches case-insensitively and stores the canonical spelling, so `INFO` and `aes256` work
// but the rest of the program compares against one form.
Status ReadChoice(const EnvMap& env, std::string_view var,
                  std::span<const std::string_view> allowed, bool allow_empty, std::string* field) {
  const std::string* raw = Find(env, var);
  if (raw == nullptr) return Status::Ok();
  if (raw->empty() && allow_empty) {
    field->clear();
    return Status::Ok();
  }
  std::string lower = ToLower(*raw);
  for (std::string_view a : allowed) {
    if (lower == ToLower(a)) {
      *field = std::string(a);
      return Status::Ok();
    }
  }
  return Invalid(var, *raw, ChoiceExpectation(allowed, allow_empty));
}

// Empty stays empty (meaning "not configured"); Validate() decides whether that is allowed.
// A URL for an error message: any user:password@ before the host is replaced, since URLs
// (refused for carrying credentials, among other things) must not put a password in a log.
std::string UrlForMessage(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    // No scheme: whatever precedes an '@' may still be a password.
    const size_t at = url.find('@');
    if (at == std::string_view::npos) return std::string(url);
    return "<redacted>" + std::string(url.substr(at));
  }
  const size_t authority = scheme_end + 3;
  const size_t authority_end = url.find_first_of("/?#", authority);
  const std::string_view host_part = url.substr(authority, authority_end - authority);
  const size_t at = host_part.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority)) + "<redacted>" +
         std::string(url.substr(authority + at));
}

Status ReadUrl(const EnvMap& env, std::string_view var, std::string* field) {
  const std::string* raw = Find(env, var);
  if (raw == nullptr) return Status::Ok();
  std::string_view stripped = StripTrailingSlashes(*raw);
  if (!raw->empty() && !IsBaseUrl(stripped)) {
    return Invalid(var, UrlForMessage(*raw), kUrlExpectation);
  }
  *field = std::string(stripped);
  return Status::Ok();
}

constexpr std::string_view kReplicasExpectation =
    "comma-separated bucket@region or bucket@region@endpoint-url, at most 8, each named once "
    "and not the primary";

// S3_REPLICAS: "bucket@region[@endpoint-url],...". Checked by Validate.
Status ReadReplicas(const EnvMap& env, std::vector<S3Replica>* replicas) {
  const std::string* raw = Find(env, "S3_REPLICAS");
  if (raw == nullptr) return Status::Ok();
  replicas->clear();
  for (std::string_view rest = *raw; !rest.empty();) {
    const size_t comma = rest.find(',');
    std::string_view item = TrimWhitespace(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (item.empty()) continue;
    const size_t first = item.find('@');
    // Only the bad item is quoted: another one's endpoint might carry credentials.
    if (first == std::string_view::npos) {
      return Invalid("S3_REPLICAS", UrlForMessage(std::string(item)), kReplicasExpectation);
    }
    const size_t second = item.find('@', first + 1);
    S3Replica replica{.bucket = std::string(item.substr(0, first)),
                      .region = std::string(item.substr(first + 1, second == std::string_view::npos
                                                                       ? std::string_view::npos
                                                                       : second - first - 1))};
    if (second != std::string_view::npos) {
      replica.endpoint_url = std::string(StripTrailingSlashes(item.substr(second + 1)));
    }
    replicas->push_back(std::move(replica));
  }
  return Status::Ok();
}

Status ValidateReplicas(const S3Settings& s3) {
  if (s3.replicas.size() > kMaxS3Replicas) {
    return Invalid("S3_REPLICAS", std::to_string(s3.replicas.size()) + " replicas",
                   kReplicasExpectation);
  }
  std::vector<std::string> names = {s3.bucket_name + "@" + s3.region};
  for (const S3Replica& r : s3.replicas) {
    if (!IsValidBucketName(r.bucket)) {
      return Invalid("S3_REPLICAS", r.Name(), std::string(kBucketExpectation) + " before '@'");
    }
    if (!IsValidRegion(r.region)) {
      return Invalid("S3_REPLICAS", r.Name(), std::string(kRegionExpectation) + " after '@'");
    }
    if (!r.endpoint_url.empty() && !IsBaseUrl(r.endpoint_url)) {
      return Invalid("S3_REPLICAS", UrlForMessage(r.endpoint_url), kUrlExpectation);
    }
    if (std::find(names.begin(), names.end(), r.Name()) != names.end()) {
      return Invalid("S3_REPLICAS", r.Name(), kReplicasExpectation);
    }
    names.push_back(r.Name());
  }
  return Status::Ok();
}

// Transfer Acceleration and dual-stack endpoints are AWS's own host names.
Status ValidateAwsOnlyEndpoints(const S3Settings& s3) {
  if (!s3.endpoint_url.empty()) {
    if (s3.use_accelerate_endpoint) {
      return Invalid(
          "S3_USE_ACCELERATE_ENDPOINT", "true",
          "false while S3_ENDPOINT_URL is set: Transfer Acceleration exists only on AWS");
    }
    if (s3.use_dualstack_endpoint) {
      return Invalid("S3_USE_DUALSTACK_ENDPOINT", "true",
                     "false while S3_ENDPOINT_URL is set: dual-stack endpoints exist only on AWS");
    }
  }
  if (s3.use_accelerate_endpoint) {
    if (auto problem = TransferAccelerationProblem(s3.bucket_name, s3.region)) {
      return Invalid(
          "S3_USE_ACCELERATE_ENDPOINT", "true",
          "false for bucket " + QuoteValue(s3.bucket_name) + " in " + s3.region + ": " + *problem);
    }
  }
  return Status::Ok();
}

Status CheckUrl(std::string_view var, const std::string& value) {
  if (value.empty()) return Status::Ok();
  if (value.ends_with('/')) {
    return Invalid(var, UrlForMessage(value), "a URL without a trailing slash");
  }
  if (!IsBaseUrl(value)) return Invalid(var, UrlForMessage(value), kUrlExpectation);
  return Status::Ok();
}

std::string SecretForDisplay(const std::string& v) {
  return std::string(v.empty() ? kUnset : kRedacted);
}

// Key IDs are not secret on their own, but the last 4 are enough to tell two apart.
std::string MaskAccessKeyId(const std::string& v) {
  if (v.empty()) return std::string(kUnset);
  if (v.size() <= 4) return std::string(v.size(), '*');
  return std::string(v.size() - 4, '*') + EscapeForDisplay(v.substr(v.size() - 4));
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

}  // namespace

std::optional<std::string> TransferAccelerationProblem(std::string_view bucket,
                                                       std::string_view region) {
  if (bucket.find('.') != std::string_view::npos || !IsValidBucketName(bucket)) {
    return "Transfer Acceleration needs a DNS-compatible bucket name without dots";
  }
  if (region.starts_with("cn-")) return "China regions have no Transfer Acceleration";
  return std::nullopt;
}

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

namespace {

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

Status ReadEngine(const EnvMap& env, EngineSettings* tts) {
  SWHA_RETURN_IF_ERROR(ReadChoice(env, "TTS_ENGINE", kEngines, false, &tts->engine));
  SWHA_RETURN_IF_ERROR(ReadUrl(env, "TTS_UPSTREAM_URL", &tts->upstream_url));
  // OpenAI's SDKs take base URLs ending in /v1; the same URL works here.
  if (tts->upstream_url.ends_with("/v1")) tts->upstream_url.resize(tts->upstream_url.size() - 3);
  ReadString(env, "TTS_UPSTREAM_API_KEY", &tts->upstream_api_key);
  ReadString(env, "TTS_UPSTREAM_MODEL", &tts->upstream_model);
  SWHA_RETURN_IF_ERROR(ReadInt(env, kUpstreamConcurrencyRule, &tts->upstream_max_concurrency));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kUpstreamTimeoutRule, &tts->upstream_timeout_ms));
  SWHA_RETURN_IF_ERROR(
      ReadChoice(env, "TTS_UPSTREAM_PHONEMIZE", kPhonemizers, false, &tts->upstream_phonemize));
  return ReadChoice(env, "TTS_UPSTREAM_VOICE_NAMES", kVoiceNamings, false,
                    &tts->upstream_voice_names);
}

}  // namespace

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

  SWHA_RETURN_IF_ERROR(CheckRange(kPresignedExpiryRule, s3.presigned_url_expiry));
  SWHA_RETURN_IF_ERROR(CheckRange(kMaxUploadsRule, s3.max_concurrent_uploads));
  SWHA_RETURN_IF_ERROR(CheckRange(kRecheckRule, s3.recheck_seconds));
  SWHA_RETURN_IF_ERROR(CheckRange(kLifecycleDaysRule, s3.lifecycle_days));
  SWHA_RETURN_IF_ERROR(CheckRange(kLifecycleDayRule, s3.lifecycle_day_seconds));
  // Empty would expire every object in the bucket, ours or not.
  if (s3.lifecycle_prefix.empty() ||
      s3.lifecycle_prefix.size() > storage::kMaxLifecyclePrefixBytes ||
      HasSpaceOrControl(s3.lifecycle_prefix)) {
    return Invalid("S3_LIFECYCLE_PREFIX", s3.lifecycle_prefix,
                   "a non-empty key prefix of at most " +
                       std::to_string(storage::kMaxLifecyclePrefixBytes) +
                       " bytes without spaces or control characters");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kConnectTimeoutRule, s3.connect_timeout_ms));
  SWHA_RETURN_IF_ERROR(CheckRange(kRequestTimeoutRule, s3.request_timeout_ms));
  if (!IsValidRegion(s3.region)) return Invalid("AWS_REGION", s3.region, kRegionExpectation);
  if (!s3.bucket_name.empty() && !IsValidBucketName(s3.bucket_name)) {
    return Invalid("S3_BUCKET_NAME", s3.bucket_name, kBucketExpectation);
  }
  SWHA_RETURN_IF_ERROR(CheckUrl("S3_ENDPOINT_URL", s3.endpoint_url));
  if (!IsOneOf(s3.addressing_style, kAddressingStyles)) {
    return Invalid("S3_ADDRESSING_STYLE", s3.addressing_style,
                   ChoiceExpectation(kAddressingStyles, false));
  }
  if (!s3.sse.empty() && !IsOneOf(s3.sse, kSseModes)) {
    return Invalid("S3_SSE", s3.sse, ChoiceExpectation(kSseModes, true));
  }
  // A dotted bucket as a TLS host name does not match the *.s3 wildcard certificate.
  if (s3.addressing_style == "virtual" && s3.bucket_name.find('.') != std::string::npos &&
      !ToLower(s3.endpoint_url).starts_with("http://")) {
    return Invalid("S3_ADDRESSING_STYLE", s3.addressing_style,
                   "auto or path, since the bucket name contains dots and virtual-hosted "
                   "HTTPS would fail certificate checks");
  }
  SWHA_RETURN_IF_ERROR(ValidateAwsOnlyEndpoints(s3));
  SWHA_RETURN_IF_ERROR(ValidateReplicas(s3));
  if (!(s3.price_per_gb_month >= 0) || s3.price_per_gb_month > kMaxPricePerGbMonth) {
    return Invalid("S3_PRICE_PER_GB_MONTH", fmt::format("{}", s3.price_per_gb_month),
                   kPriceExpectation);
  }
  SWHA_RETURN_IF_ERROR(cloudfront.Validate(s3.use_s3_storage));
  if (s3.use_s3_storage) {
    if (s3.bucket_name.empty()) return Required("S3_BUCKET_NAME", "USE_S3_STORAGE is true");
    if (!s3.access_key_id.empty() && s3.secret_access_key.empty()) {
      return Required("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID is set");
    }
    if (s3.access_key_id.empty() && !s3.secret_access_key.empty()) {
      return Required("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY is set");
    }
    if (s3.access_key_id.empty() && !s3.session_token.empty()) {
      return Required("AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN is set");
    }
  }
  return Status::Ok();
}

std::string Settings::ToString() const {
  std::string out;
  auto line = [&out](std::string_view name, std::string_view value) {
    out += name;
    out += '=';
    out += value;
    out += '\n';
  };
  auto text = [&line](std::string_view name, const std::string& v) {
    line(name, EscapeForDisplay(v));
  };
  auto number = [&line](std::string_view name, auto v) { line(name, std::to_string(v)); };
  auto flag = [&line](std::string_view name, bool v) { line(name, v ? "true" : "false"); };

  text("HOST", host);
  number("PORT", port);
  text("DATA_DIR", data_dir);
  text("AUDIO_DIR", audio_dir);
  text("PUBLIC_BASE_URL", public_base_url);
  number("MAX_TEXT_LENGTH", max_text_length);
  number("MAX_REQUEST_BYTES", max_request_bytes);
  line("SECRET_KEY", SecretForDisplay(secret_key));
  number("ENGINE_THREADS", engine_threads);
  number("HTTP_THREADS", http_threads);
  text("LOG_LEVEL", log_level);
  text("ENVIRONMENT", environment);
  flag("KEEP_LOCAL_COPY", keep_local_copy);
  number("ACCESS_TOKEN_EXPIRE_MINUTES", access_token_expire_minutes);
  flag("ALLOW_ANONYMOUS", allow_anonymous);
  text("DATABASE_URL", RedactDatabaseUrl(database_url));
  number("DATABASE_POOL_SIZE", database_pool_size);
  line("METRICS_TOKEN", SecretForDisplay(metrics_token));
  line("SYNC_API_KEY", SecretForDisplay(sync_api_key));
  text("SYNC_API_BASE_URL", sync_api_base_url);
  line("SYNC_WEBHOOK_SECRET", SecretForDisplay(sync_webhook_secret));
  number("LIPSYNC_AUDIO_URL_EXPIRY", lipsync_audio_url_expiry);
  number("SYNC_API_TIMEOUT_MS", sync_api_timeout_ms);
  text("TTS_ENGINE", tts.engine);
  text("TTS_UPSTREAM_URL", tts.upstream_url);
  line("TTS_UPSTREAM_API_KEY", SecretForDisplay(tts.upstream_api_key));
  text("TTS_UPSTREAM_MODEL", tts.upstream_model);
  number("TTS_UPSTREAM_MAX_CONCURRENCY", tts.upstream_max_concurrency);
  number("TTS_UPSTREAM_TIMEOUT_MS", tts.upstream_timeout_ms);
  text("TTS_UPSTREAM_PHONEMIZE", tts.upstream_phonemize);
  text("TTS_UPSTREAM_VOICE_NAMES", tts.upstream_voice_names);
  flag("USE_S3_STORAGE", s3.use_s3_storage);
  line("AWS_ACCESS_KEY_ID", MaskAccessKeyId(s3.access_key_id));
  line("AWS_SECRET_ACCESS_KEY", SecretForDisplay(s3.secret_access_key));
  line("AWS_SESSION_TOKEN", SecretForDisplay(s3.session_token));
  text("AWS_REGION", s3.region);
  text("AWS_PROFILE", s3.profile);
  text("AWS_SHARED_CREDENTIALS_FILE", s3.shared_credentials_file);
  text("S3_BUCKET_NAME", s3.bucket_name);
  {
    std::string replicas;
    for (const S3Replica& r : s3.replicas) {
      if (!replicas.empty()) replicas += ",";
      replicas += r.Name() + (r.endpoint_url.empty() ? "" : "@" + UrlForMessage(r.endpoint_url));
    }
    text("S3_REPLICAS", replicas);
  }
  number("S3_PRESIGNED_URL_EXPIRY", s3.presigned_url_expiry);
  text("S3_ENDPOINT_URL", s3.endpoint_url);
  text("S3_ADDRESSING_STYLE", s3.addressing_style);
  text("S3_SSE", s3.sse);
  flag("S3_USE_ACCELERATE_ENDPOINT", s3.use_accelerate_endpoint);
  flag("S3_USE_DUALSTACK_ENDPOINT", s3.use_dualstack_endpoint);
  text("S3_PRICE_PER_GB_MONTH", fmt::format("{}", s3.price_per_gb_month));
  number("S3_MAX_CONCURRENT_UPLOADS", s3.max_concurrent_uploads);
  number("S3_RECHECK_SECONDS", s3.recheck_seconds);
  number("S3_LIFECYCLE_DAYS", s3.lifecycle_days);
  text("S3_LIFECYCLE_PREFIX", s3.lifecycle_prefix);
  number("S3_LIFECYCLE_DAY_SECONDS", s3.lifecycle_day_seconds);
  number("S3_CONNECT_TIMEOUT_MS", s3.connect_timeout_ms);
  number("S3_REQUEST_TIMEOUT_MS", s3.request_timeout_ms);
  out += cloudfront.ToString();
  return out;
}

Result<Settings> LoadSettings(const std::map<std::string, std::string>& env) {
  Settings s;
  ReadString(env, "HOST", &s.host);
  SWHA_RETURN_IF_ERROR(ReadInt(env, kPortRule, &s.port));
  ReadString(env, "DATA_DIR", &s.data_dir);
  ReadString(env, "AUDIO_DIR", &s.audio_dir);
  SWHA_RETURN_IF_ERROR(ReadUrl(env, "PUBLIC_BASE_URL", &s.public_base_url));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kMaxTextLengthRule, &s.max_text_length));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kMaxRequestBytesRule, &s.max_request_bytes));
  ReadString(env, "SECRET_KEY", &s.secret_key);
  SWHA_RETURN_IF_ERROR(ReadInt(env, kEngineThreadsRule, &s.engine_threads));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kHttpThreadsRule, &s.http_threads));
  SWHA_RETURN_IF_ERROR(ReadChoice(env, "LOG_LEVEL", kLogLevels, false, &s.log_level));
  ReadString(env, "ENVIRONMENT", &s.environment);
  SWHA_RETURN_IF_ERROR(ReadBool(env, "KEEP_LOCAL_COPY", &s.keep_local_copy));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kTokenExpiryRule, &s.access_token_expire_minutes));
  SWHA_RETURN_IF_ERROR(ReadBool(env, "ALLOW_ANONYMOUS", &s.allow_anonymous));
  ReadString(env, "DATABASE_URL", &s.database_url);
  SWHA_RETURN_IF_ERROR(ReadInt(env, kDatabasePoolRule, &s.database_pool_size));
  ReadString(env, "METRICS_TOKEN", &s.metrics_token);
  ReadString(env, "SYNC_API_KEY", &s.sync_api_key);
  SWHA_RETURN_IF_ERROR(ReadUrl(env, "SYNC_API_BASE_URL", &s.sync_api_base_url));
  ReadString(env, "SYNC_WEBHOOK_SECRET", &s.sync_webhook_secret);
  SWHA_RETURN_IF_ERROR(ReadInt(env, kLipsyncExpiryRule, &s.lipsync_audio_url_expiry));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kSyncTimeoutRule, &s.sync_api_timeout_ms));

  SWHA_RETURN_IF_ERROR(ReadEngine(env, &s.tts));

  S3Settings& s3 = s.s3;
  SWHA_RETURN_IF_ERROR(ReadBool(env, "USE_S3_STORAGE", &s3.use_s3_storage));
  ReadString(env, "AWS_ACCESS_KEY_ID", &s3.access_key_id);
  ReadString(env, "AWS_SECRET_ACCESS_KEY", &s3.secret_access_key);
  ReadString(env, "AWS_SESSION_TOKEN", &s3.session_token);
  // As in the AWS SDKs, an empty variable counts as unset.
  std::string_view region_var = "AWS_REGION";
  const std::string* region = Find(env, region_var);
  if (region == nullptr || region->empty()) {
    region_var = "AWS_DEFAULT_REGION";
    region = Find(env, region_var);
  }
  if (region != nullptr && !region->empty()) {
    if (!IsValidRegion(*region)) return Invalid(region_var, *region, kRegionExpectation);
    s3.region = *region;
  }
  ReadString(env, "AWS_PROFILE", &s3.profile);
  ReadString(env, "AWS_SHARED_CREDENTIALS_FILE", &s3.shared_credentials_file);
  if (s3.shared_credentials_file.empty()) {
    const std::string* home = Find(env, "HOME");
    if (home != nullptr && !home->empty()) {
      s3.shared_credentials_file = JoinPath(JoinPath(*home, ".aws"), "credentials");
    }
  }
  ReadString(env, "S3_BUCKET_NAME", &s3.bucket_name);
  SWHA_RETURN_IF_ERROR(ReadReplicas(env, &s3.replicas));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kPresignedExpiryRule, &s3.presigned_url_expiry));
  SWHA_RETURN_IF_ERROR(ReadUrl(env, "S3_ENDPOINT_URL", &s3.endpoint_url));
  SWHA_RETURN_IF_ERROR(
      ReadChoice(env, "S3_ADDRESSING_STYLE", kAddressingStyles, false, &s3.addressing_style));
  SWHA_RETURN_IF_ERROR(ReadChoice(env, "S3_SSE", kSseModes, true, &s3.sse));
  SWHA_RETURN_IF_ERROR(ReadBool(env, "S3_USE_ACCELERATE_ENDPOINT", &s3.use_accelerate_endpoint));
  SWHA_RETURN_IF_ERROR(ReadBool(env, "S3_USE_DUALSTACK_ENDPOINT", &s3.use_dualstack_endpoint));
  SWHA_RETURN_IF_ERROR(ReadPrice(env, "S3_PRICE_PER_GB_MONTH", &s3.price_per_gb_month));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kMaxUploadsRule, &s3.max_concurrent_uploads));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kRecheckRule, &s3.recheck_seconds));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kLifecycleDaysRule, &s3.lifecycle_days));
  ReadString(env, "S3_LIFECYCLE_PREFIX", &s3.lifecycle_prefix);
  SWHA_RETURN_IF_ERROR(ReadInt(env, kLifecycleDayRule, &s3.lifecycle_day_seconds));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kConnectTimeoutRule, &s3.connect_timeout_ms));
  SWHA_RETURN_IF_ERROR(ReadInt(env, kRequestTimeoutRule, &s3.request_timeout_ms));
  ReadString(env, "CLOUDFRONT_DOMAIN", &s.cloudfront.domain);
  ReadString(env, "CLOUDFRONT_KEY_PAIR_ID", &s.cloudfront.key_pair_id);
  ReadString(env, "CLOUDFRONT_PRIVATE_KEY_FILE", &s.cloudfront.private_key_file);
  ReadString(env, "CLOUDFRONT_ALLOWED_IP", &s.cloudfront.allowed_ip);

  if (s.audio_dir.empty()) s.audio_dir = JoinPath(s.data_dir, "audio");
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
