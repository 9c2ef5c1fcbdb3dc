// S3Settings: the S3 variables' cross-field rules and their display (the settings table in
// settings_table.cc reads them).
#include <spdlog/fmt/fmt.h>

#include <algorithm>

#include "config/setting_errors.h"
#include "config/setting_rules.h"
#include "config/settings.h"
#include "util/strings.h"

namespace swha::config {
namespace {

constexpr std::string_view kReplicasExpectation =
    "comma-separated bucket@region or bucket@region@endpoint-url, at most 8, each named once "
    "and not the primary";

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

// Key IDs are not secret on their own, but the last 4 are enough to tell two apart.
std::string MaskAccessKeyId(const std::string& v) {
  if (v.empty()) return "<unset>";
  if (v.size() <= 4) return std::string(v.size(), '*');
  return std::string(v.size() - 4, '*') + EscapeForDisplay(v.substr(v.size() - 4));
}

}  // namespace

Status ReadS3Replicas(const std::string& raw, std::vector<S3Replica>* replicas) {
  replicas->clear();
  for (std::string_view rest = raw; !rest.empty();) {
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

std::optional<std::string> TransferAccelerationProblem(std::string_view bucket,
                                                       std::string_view region) {
  if (bucket.find('.') != std::string_view::npos || !IsValidBucketName(bucket)) {
    return "Transfer Acceleration needs a DNS-compatible bucket name without dots";
  }
  if (region.starts_with("cn-")) return "China regions have no Transfer Acceleration";
  return std::nullopt;
}

Status S3Settings::Validate() const {
  SWHA_RETURN_IF_ERROR(CheckRange(kPresignedExpiryRule, presigned_url_expiry));
  SWHA_RETURN_IF_ERROR(CheckRange(kMaxUploadsRule, max_concurrent_uploads));
  SWHA_RETURN_IF_ERROR(CheckRange(kRecheckRule, recheck_seconds));
  SWHA_RETURN_IF_ERROR(CheckRange(kOutboxPollRule, outbox_poll_seconds));
  SWHA_RETURN_IF_ERROR(CheckRange(kLifecycleDaysRule, lifecycle_days));
  SWHA_RETURN_IF_ERROR(CheckRange(kLifecycleDayRule, lifecycle_day_seconds));
  // Empty would expire every object in the bucket, ours or not.
  if (lifecycle_prefix.empty() || lifecycle_prefix.size() > storage::kMaxLifecyclePrefixBytes ||
      HasSpaceOrControl(lifecycle_prefix)) {
    return Invalid("S3_LIFECYCLE_PREFIX", lifecycle_prefix,
                   "a non-empty key prefix of at most " +
                       std::to_string(storage::kMaxLifecyclePrefixBytes) +
                       " bytes without spaces or control characters");
  }
  SWHA_RETURN_IF_ERROR(CheckRange(kConnectTimeoutRule, connect_timeout_ms));
  SWHA_RETURN_IF_ERROR(CheckRange(kRequestTimeoutRule, request_timeout_ms));
  if (!IsValidRegion(region)) return Invalid("AWS_REGION", region, kRegionExpectation);
  if (!bucket_name.empty() && !IsValidBucketName(bucket_name)) {
    return Invalid("S3_BUCKET_NAME", bucket_name, kBucketExpectation);
  }
  SWHA_RETURN_IF_ERROR(CheckUrl("S3_ENDPOINT_URL", endpoint_url));
  if (!IsOneOf(addressing_style, kAddressingStyles)) {
    return Invalid("S3_ADDRESSING_STYLE", addressing_style,
                   ChoiceExpectation(kAddressingStyles, false));
  }
  if (!sse.empty() && !IsOneOf(sse, kSseModes)) {
    return Invalid("S3_SSE", sse, ChoiceExpectation(kSseModes, true));
  }
  // A dotted bucket as a TLS host name does not match the *.s3 wildcard certificate.
  if (addressing_style == "virtual" && bucket_name.find('.') != std::string::npos &&
      !ToLower(endpoint_url).starts_with("http://")) {
    return Invalid("S3_ADDRESSING_STYLE", addressing_style,
                   "auto or path, since the bucket name contains dots and virtual-hosted "
                   "HTTPS would fail certificate checks");
  }
  SWHA_RETURN_IF_ERROR(ValidateAwsOnlyEndpoints(*this));
  SWHA_RETURN_IF_ERROR(ValidateReplicas(*this));
  if (!(price_per_gb_month >= 0) || price_per_gb_month > kMaxPricePerGbMonth) {
    return Invalid("S3_PRICE_PER_GB_MONTH", fmt::format("{}", price_per_gb_month),
                   kPriceExpectation);
  }
  if (use_s3_storage) {
    if (bucket_name.empty()) return Required("S3_BUCKET_NAME", "USE_S3_STORAGE is true");
    if (!access_key_id.empty() && secret_access_key.empty()) {
      return Required("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID is set");
    }
    if (access_key_id.empty() && !secret_access_key.empty()) {
      return Required("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY is set");
    }
    if (access_key_id.empty() && !session_token.empty()) {
      return Required("AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN is set");
    }
  }
  return Status::Ok();
}

std::string S3Settings::ToString() const {
  DisplayLines lines;

  lines.Flag("USE_S3_STORAGE", use_s3_storage);
  lines.Raw("AWS_ACCESS_KEY_ID", MaskAccessKeyId(access_key_id));
  lines.Raw("AWS_SECRET_ACCESS_KEY", SecretForDisplay(secret_access_key));
  lines.Raw("AWS_SESSION_TOKEN", SecretForDisplay(session_token));
  lines.Text("AWS_REGION", region);
  lines.Text("AWS_PROFILE", profile);
  lines.Text("AWS_SHARED_CREDENTIALS_FILE", shared_credentials_file);
  lines.Text("AWS_CONFIG_FILE", config_file);
  lines.Text("AWS_ENDPOINT_URL_STS", UrlForMessage(sts_endpoint_url));
  lines.Text("AWS_WEB_IDENTITY_TOKEN_FILE", web_identity_token_file);
  lines.Text("AWS_ROLE_ARN", role_arn);
  lines.Text("AWS_ROLE_SESSION_NAME", role_session_name);
  lines.Text("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", container_credentials_relative_uri);
  lines.Text("AWS_CONTAINER_CREDENTIALS_FULL_URI", UrlForMessage(container_credentials_full_uri));
  lines.Raw("AWS_CONTAINER_AUTHORIZATION_TOKEN", SecretForDisplay(container_authorization_token));
  lines.Text("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", container_authorization_token_file);
  lines.Text("AWS_EC2_METADATA_SERVICE_ENDPOINT", UrlForMessage(ec2_metadata_service_endpoint));
  lines.Flag("AWS_EC2_METADATA_DISABLED", ec2_metadata_disabled);
  lines.Text("S3_BUCKET_NAME", bucket_name);
  std::string replica_names;
  for (const S3Replica& r : replicas) {
    if (!replica_names.empty()) replica_names += ",";
    replica_names += r.Name() + (r.endpoint_url.empty() ? "" : "@" + UrlForMessage(r.endpoint_url));
  }
  lines.Text("S3_REPLICAS", replica_names);
  lines.Number("S3_PRESIGNED_URL_EXPIRY", presigned_url_expiry);
  lines.Text("S3_ENDPOINT_URL", endpoint_url);
  lines.Text("S3_ADDRESSING_STYLE", addressing_style);
  lines.Text("S3_SSE", sse);
  lines.Flag("S3_USE_ACCELERATE_ENDPOINT", use_accelerate_endpoint);
  lines.Flag("S3_USE_DUALSTACK_ENDPOINT", use_dualstack_endpoint);
  lines.Text("S3_PRICE_PER_GB_MONTH", fmt::format("{}", price_per_gb_month));
  lines.Number("S3_MAX_CONCURRENT_UPLOADS", max_concurrent_uploads);
  lines.Number("S3_RECHECK_SECONDS", recheck_seconds);
  lines.Number("S3_OUTBOX_POLL_SECONDS", outbox_poll_seconds);
  lines.Number("S3_LIFECYCLE_DAYS", lifecycle_days);
  lines.Text("S3_LIFECYCLE_PREFIX", lifecycle_prefix);
  lines.Number("S3_LIFECYCLE_DAY_SECONDS", lifecycle_day_seconds);
  lines.Number("S3_CONNECT_TIMEOUT_MS", connect_timeout_ms);
  lines.Number("S3_REQUEST_TIMEOUT_MS", request_timeout_ms);
  return lines.Take();
}

}  // namespace swha::config
