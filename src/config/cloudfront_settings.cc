// CloudFrontSettings: CLOUDFRONT_* checked when settings load (the key file itself is read by
// storage::CloudFrontSigner at start-up).
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "config/setting_errors.h"
#include "config/settings.h"

namespace swha::config {
namespace {

// DNS limits (RFC 1035): a whole name, and one dot-separated label.
constexpr size_t kMaxHostNameLength = 253;
constexpr size_t kMaxHostLabelLength = 63;
// CloudFront's public key IDs are 14 characters today; this leaves room and bounds messages.
constexpr size_t kMaxKeyPairIdLength = 64;

// A DNS host name: dot-separated labels of letters, digits and inner hyphens.
bool IsValidHostName(std::string_view v) {
  if (v.empty() || v.size() > kMaxHostNameLength) return false;
  size_t label = 0;
  for (size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == '.') {
      if (label == 0 || label > kMaxHostLabelLength || v[i - 1] == '-' || v[i - label] == '-')
        return false;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(v[i])) || v[i] == '-') {
      ++label;
    } else {
      return false;
    }
  }
  return true;
}

// "1.2.3.4", "1.2.3.0/24", "2001:db8::1", "2001:db8::/32".
bool IsValidIpOrCidr(const std::string& v) {
  const size_t slash = v.find('/');
  const std::string address = v.substr(0, slash);
  unsigned char buffer[sizeof(in6_addr)];
  const bool v4 = inet_pton(AF_INET, address.c_str(), buffer) == 1;
  const bool v6 = !v4 && inet_pton(AF_INET6, address.c_str(), buffer) == 1;
  if (!v4 && !v6) return false;
  if (slash == std::string::npos) return true;
  const std::string prefix = v.substr(slash + 1);
  if (prefix.empty() || prefix.size() > 3 ||
      !std::all_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::stoi(prefix) <= (v4 ? 32 : 128);
}

}  // namespace

Status CloudFrontSettings::Validate(bool use_s3_storage) const {
  const CloudFrontSettings& cf = *this;
  const bool any = !cf.domain.empty() || !cf.key_pair_id.empty() || !cf.private_key_file.empty();
  if (!any) {
    if (!cf.allowed_ip.empty())
      return Required("CLOUDFRONT_DOMAIN", "CLOUDFRONT_ALLOWED_IP is set");
    return Status::Ok();
  }
  if (cf.domain.empty())
    return Required("CLOUDFRONT_DOMAIN", "another CLOUDFRONT_ variable is set");
  if (!IsValidHostName(cf.domain)) {
    return Invalid("CLOUDFRONT_DOMAIN", cf.domain,
                   "the distribution's host name, e.g. d111111abcdef8.cloudfront.net (no scheme, "
                   "no path)");
  }
  if (cf.key_pair_id.empty()) return Required("CLOUDFRONT_KEY_PAIR_ID", "CLOUDFRONT_DOMAIN is set");
  if (cf.key_pair_id.size() > kMaxKeyPairIdLength ||
      !std::all_of(cf.key_pair_id.begin(), cf.key_pair_id.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) ||
               std::isdigit(static_cast<unsigned char>(c));
      })) {
    return Invalid("CLOUDFRONT_KEY_PAIR_ID", cf.key_pair_id,
                   "the public key's ID from CloudFront: capital letters and digits, e.g. "
                   "K2JCJMDEHXQW5F");
  }
  if (cf.private_key_file.empty()) {
    return Required("CLOUDFRONT_PRIVATE_KEY_FILE", "CLOUDFRONT_DOMAIN is set");
  }
  if (!cf.allowed_ip.empty() && !IsValidIpOrCidr(cf.allowed_ip)) {
    return Invalid("CLOUDFRONT_ALLOWED_IP", cf.allowed_ip,
                   "an IPv4 or IPv6 address or CIDR range, e.g. 203.0.113.7 or 203.0.113.0/24");
  }
  if (!use_s3_storage) return Required("USE_S3_STORAGE=true", "CLOUDFRONT_DOMAIN is set");
  return Status::Ok();
}

std::string CloudFrontSettings::ToString() const {
  DisplayLines lines;
  lines.Text("CLOUDFRONT_DOMAIN", domain);
  lines.Text("CLOUDFRONT_KEY_PAIR_ID", key_pair_id);
  lines.Text("CLOUDFRONT_PRIVATE_KEY_FILE", private_key_file);  // a path, never the key
  lines.Text("CLOUDFRONT_ALLOWED_IP", allowed_ip);
  return lines.Take();
}

}  // namespace swha::config
