#include "storage/cloudfront_signer.h"

#include <nlohmann/json.hpp>

#include "storage/sigv4.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::storage {
namespace {

constexpr std::string_view kKeyFileVariable = "CLOUDFRONT_PRIVATE_KEY_FILE";

// A JSON string literal as Python's json.dumps writes it (non-ASCII as \uXXXX), which is what
// botocore signs.
std::string JsonString(std::string_view s) {
  return nlohmann::json(std::string(s))
      .dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
}

std::string PolicyJson(std::string_view resource, int64_t expires_unix,
                       std::string_view source_ip) {
  std::string policy = R"({"Statement":[{"Resource":)" + JsonString(resource) +
                       R"(,"Condition":{"DateLessThan":{"AWS:EpochTime":)" +
                       std::to_string(expires_unix) + "}";
  if (!source_ip.empty()) {
    std::string cidr(source_ip);
    if (cidr.find('/') == std::string::npos) {
      cidr += cidr.find(':') == std::string::npos ? "/32" : "/128";
    }
    policy += R"(,"IpAddress":{"AWS:SourceIp":)" + JsonString(cidr) + "}";
  }
  return policy + "}}]}";
}

}  // namespace

Result<std::unique_ptr<CloudFrontSigner>> CloudFrontSigner::Create(
    const config::CloudFrontSettings& config, FileSystem* fs) {
  auto fail = [](std::string_view why) {
    return Status::InvalidArgument(std::string(kKeyFileVariable) + ": " + std::string(why));
  };
  Result<std::string> pem = fs->ReadFile(config.private_key_file);
  if (!pem.ok()) {
    return fail(pem.status().code() == StatusCode::kNotFound
                    ? "no such file: " + QuoteForMessage(config.private_key_file, 200)
                    : "cannot read " + QuoteForMessage(config.private_key_file, 200));
  }
  Result<crypto::RsaPrivateKey> key = crypto::RsaPrivateKey::FromPem(*pem);
  if (!key.ok()) return fail(key.status().message());
  return std::make_unique<CloudFrontSigner>(config.domain, config.key_pair_id, *std::move(key),
                                            config.allowed_ip);
}

CloudFrontSigner::CloudFrontSigner(std::string domain, std::string key_pair_id,
                                   crypto::RsaPrivateKey key, std::string allowed_ip)
    : domain_(std::move(domain)),
      key_pair_id_(std::move(key_pair_id)),
      key_(std::move(key)),
      allowed_ip_(std::move(allowed_ip)) {}

std::string CloudFrontSigner::ResourceUrl(std::string_view s3_key) const {
  return "https://" + domain_ + "/" + S3UriEncode(s3_key, /*keep_slash=*/true);
}

std::string CloudFrontSigner::CannedPolicy(std::string_view resource, int64_t expires_unix) {
  return PolicyJson(resource, expires_unix, "");
}

std::string CloudFrontSigner::CustomPolicy(std::string_view resource, int64_t expires_unix,
                                           std::string_view source_ip) {
  return PolicyJson(resource, expires_unix, source_ip);
}

std::string CloudFrontSigner::UrlSafeBase64(std::string_view bytes) {
  std::string out = crypto::Base64Encode(bytes);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '=') c = '_';
    if (c == '/') c = '~';
  }
  return out;
}

std::optional<std::string> CloudFrontSigner::UrlSafeBase64Decode(std::string_view text) {
  // CloudFront's '-' and '~' are base64url's '-' and '_'; its '_' is padding.
  while (text.ends_with('_')) text.remove_suffix(1);
  std::string url_alphabet(text);
  for (char& c : url_alphabet) {
    if (c == '_') return std::nullopt;  // padding only at the end
    if (c == '~') c = '_';
  }
  return crypto::Base64UrlDecode(url_alphabet);
}

Result<std::string> CloudFrontSigner::Sign(std::string_view resource_url, int64_t expires_unix,
                                           bool bind_to_allowed_ip) const {
  const bool canned = allowed_ip_.empty() || !bind_to_allowed_ip;
  const std::string policy = canned ? CannedPolicy(resource_url, expires_unix)
                                    : CustomPolicy(resource_url, expires_unix, allowed_ip_);
  std::string signature;
  SWHA_ASSIGN_OR_RETURN(signature, key_.SignSha1(policy));
  std::string url(resource_url);
  url += resource_url.find('?') == std::string_view::npos ? '?' : '&';
  url += canned ? "Expires=" + std::to_string(expires_unix) : "Policy=" + UrlSafeBase64(policy);
  url += "&Signature=" + UrlSafeBase64(signature);
  url += "&Key-Pair-Id=" + key_pair_id_;
  return url;
}

std::optional<std::string> CloudFrontSigner::KeyOfSignedUrl(std::string_view url) const {
  const std::string prefix = "https://" + domain_ + "/";
  if (!url.starts_with(prefix)) return std::nullopt;
  const size_t query = url.find('?');
  if (query == std::string_view::npos || url.find("Signature=", query) == std::string_view::npos ||
      url.find("Key-Pair-Id=", query) == std::string_view::npos) {
    return std::nullopt;
  }
  std::string key;
  if (!UrlDecode(url.substr(prefix.size(), query - prefix.size()), &key) || key.empty()) {
    return std::nullopt;
  }
  return key;
}

}  // namespace swha::storage
