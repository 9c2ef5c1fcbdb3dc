// How a setting's value is read and checked, shared by the settings table (settings_table.cc),
// Settings::Validate (settings.cc) and S3Settings::Validate (s3_settings.cc): the limits of
// every integer setting, the allowed words of every choice, and the readers that turn one
// variable's text into a field. Internal to config/.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/limits.h"
#include "config/setting_errors.h"
#include "storage/limits.h"
#include "tts/limits.h"
#include "util/status.h"

namespace swha::config {

// An integer setting's inclusive range; one per variable, read by the loader, by Validate()
// and by `.env.example` alike.
struct IntRule {
  std::string_view var;
  int64_t min;
  int64_t max;
  std::string_view note;  // unit or meaning, appended in parentheses
};

inline constexpr IntRule kPortRule{"PORT", 1, 65535, ""};
inline constexpr IntRule kMaxTextLengthRule{"MAX_TEXT_LENGTH", 1, 1000000, "characters"};
inline constexpr IntRule kMaxRequestBytesRule{"MAX_REQUEST_BYTES", 1024, 104857600, "bytes"};
inline constexpr IntRule kEngineThreadsRule{"ENGINE_THREADS", 0, 16, "0 means one per CPU core"};
inline constexpr IntRule kHttpThreadsRule{"HTTP_THREADS", 1, 256, ""};
inline constexpr IntRule kShutdownGraceRule{"SHUTDOWN_GRACE_SECONDS", 1, 3600, "seconds"};
// Each open connection is a thread (http/worker_pool.h).
inline constexpr IntRule kMaxConnectionsRule{"MAX_CONNECTIONS", 1, 10000, "connections"};
inline constexpr IntRule kHeaderTimeoutRule{"REQUEST_HEADER_TIMEOUT_SECONDS", 1, 300, "seconds"};
inline constexpr IntRule kBodyTimeoutRule{"REQUEST_BODY_TIMEOUT_SECONDS", 1, 3600, "seconds"};
inline constexpr IntRule kSynthesesPerUserRule{"MAX_SYNTHESES_PER_USER", 0, 1000,
                                               "0 means no limit"};
inline constexpr IntRule kRateLimitRule{"RATE_LIMIT_PER_MINUTE", 0, 1000000, "0 means no limit"};
inline constexpr IntRule kLoginFailureRule{"LOGIN_FAILURE_LIMIT", 0, 1000, "0 means no limit"};
inline constexpr IntRule kDatabasePoolRule{"DATABASE_POOL_SIZE", 1,
                                           catalog::kMaxDatabaseConnections, "connections"};
inline constexpr IntRule kTokenExpiryRule{"ACCESS_TOKEN_EXPIRE_MINUTES", 1, 525600, "minutes"};
// 7 days is also the SigV4 presigning limit; local URLs share it so both stores behave alike.
inline constexpr IntRule kPresignedExpiryRule{"S3_PRESIGNED_URL_EXPIRY", 1,
                                              storage::kMaxUrlExpirySeconds, "seconds"};
inline constexpr IntRule kLipsyncExpiryRule{"LIPSYNC_AUDIO_URL_EXPIRY", 60,
                                            storage::kMaxUrlExpirySeconds, "seconds"};
inline constexpr IntRule kSyncTimeoutRule{"SYNC_API_TIMEOUT_MS", 1000, 600000, "milliseconds"};
inline constexpr IntRule kUpstreamConcurrencyRule{
    "TTS_UPSTREAM_MAX_CONCURRENCY", 1, tts::kMaxUpstreamConcurrency, "requests in flight"};
inline constexpr IntRule kUpstreamTimeoutRule{"TTS_UPSTREAM_TIMEOUT_MS", 1000, 600000,
                                              "milliseconds"};
inline constexpr IntRule kMaxUploadsRule{"S3_MAX_CONCURRENT_UPLOADS", 1, 64, ""};
inline constexpr IntRule kLifecycleDaysRule{"S3_LIFECYCLE_DAYS", 0, storage::kMaxLifecycleDays,
                                            "0 leaves the bucket's lifecycle rules alone"};
inline constexpr IntRule kLifecycleDayRule{"S3_LIFECYCLE_DAY_SECONDS", 1, 86400, "seconds"};
inline constexpr IntRule kRecheckRule{"S3_RECHECK_SECONDS", 1, 3600, "seconds"};
inline constexpr IntRule kOutboxPollRule{"S3_OUTBOX_POLL_SECONDS", 1, 3600, "seconds"};
inline constexpr IntRule kConnectTimeoutRule{"S3_CONNECT_TIMEOUT_MS", 100, 60000, "milliseconds"};
inline constexpr IntRule kRequestTimeoutRule{"S3_REQUEST_TIMEOUT_MS", 1000, 600000, "milliseconds"};

inline constexpr std::array<std::string_view, 6> kLogLevels = {"trace", "debug", "info",
                                                               "warn",  "error", "off"};
inline constexpr std::array<std::string_view, 3> kAddressingStyles = {"auto", "path", "virtual"};
inline constexpr std::array<std::string_view, 2> kSseModes = {"AES256", "aws:kms"};
inline constexpr std::array<std::string_view, 2> kEngines = {"espeak", "openai"};
inline constexpr std::array<std::string_view, 2> kPhonemizers = {"local", "upstream"};
inline constexpr std::array<std::string_view, 2> kVoiceNamings = {"kokoro", "openai"};

inline constexpr std::string_view kBoolExpectation = "one of true, false, 1, 0, yes, no, on, off";
inline constexpr std::string_view kUrlExpectation =
    "an http:// or https:// URL with a host and no credentials, query or fragment";
inline constexpr std::string_view kBucketExpectation =
    "an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens, beginning and "
    "ending with a letter or digit, without \"..\", and not an IP address";
inline constexpr std::string_view kOriginsExpectation =
    "\"*\" or origins such as https://app.example.com (scheme, host and optional port; no "
    "path), separated by commas";
inline constexpr std::string_view kRegionExpectation =
    "a region name of lowercase letters, digits and hyphens, e.g. us-east-1";
// The most S3_PRICE_PER_GB_MONTH may say: far above any storage class's price.
inline constexpr double kMaxPricePerGbMonth = 1000;
inline constexpr std::string_view kPriceExpectation =
    "a price in USD per GB-month from 0 to 1000, e.g. 0.023";

// Whether `entry` may stand in CORS_ORIGINS: "*", or an origin (http(s)://host[:port], no path).
bool IsCorsOriginEntry(std::string_view entry);

// "an integer from MIN to MAX (NOTE)".
std::string IntExpectation(const IntRule& rule);
// "one of a, b, c" (", or empty for none").
std::string ChoiceExpectation(std::span<const std::string_view> allowed, bool allow_empty);

template <typename T>
Status CheckRange(const IntRule& rule, T value) {
  if (std::cmp_less(value, rule.min) || std::cmp_greater(value, rule.max)) {
    return Invalid(rule.var, std::to_string(value), IntExpectation(rule));
  }
  return Status::Ok();
}

bool IsOneOf(std::string_view v, std::span<const std::string_view> allowed);
bool HasSpaceOrControl(std::string_view v);
bool IsValidBucketName(std::string_view v);
bool IsValidRegion(std::string_view v);
// A base URL that paths are appended to: http(s), a host, no credentials, query, fragment or
// trailing slash.
bool IsBaseUrl(std::string_view v);
std::string_view StripTrailingSlashes(std::string_view v);
// A URL for an error message: any user:password@ before the host is replaced.
std::string UrlForMessage(std::string_view url);
// Empty is fine (not configured); otherwise a base URL.
Status CheckUrl(std::string_view var, const std::string& value);

// The readers: `raw` is the variable's text as given; on success the field holds the value.
// Every error is Invalid(var, ...) naming the variable and what is allowed.
bool ParseInt(std::string_view s, int64_t* out);
template <typename T>
Status ReadInt(const IntRule& rule, const std::string& raw, T* field) {
  int64_t v = 0;
  // Range is checked before narrowing to T, so 4294975296 cannot wrap into a valid port.
  if (!ParseInt(raw, &v) || v < rule.min || v > rule.max) {
    return Invalid(rule.var, raw, IntExpectation(rule));
  }
  *field = static_cast<T>(v);
  return Status::Ok();
}
Status ReadBool(std::string_view var, const std::string& raw, bool* field);
// Matches case-insensitively and stores the canonical spelling, so `INFO` and `aes256` work
// but the rest of the program compares against one form.
Status ReadChoice(std::string_view var, std::span<const std::string_view> allowed, bool allow_empty,
                  const std::string& raw, std::string* field);
// Trailing slashes are dropped; empty stays empty ("not configured").
Status ReadUrl(std::string_view var, const std::string& raw, std::string* field);
Status ReadPrice(std::string_view var, const std::string& raw, double* field);
struct S3Replica;
// S3_REPLICAS: "bucket@region[@endpoint-url],..." (s3_settings.cc). Checked by Validate.
Status ReadS3Replicas(const std::string& raw, std::vector<S3Replica>* replicas);

}  // namespace swha::config
