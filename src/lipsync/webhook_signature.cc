#include "lipsync/webhook_signature.h"

#include <charconv>
#include <vector>

#include "util/crypto.h"
#include "util/strings.h"

namespace swha::lipsync {

std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body) {
  const std::string t = std::to_string(timestamp);
  const crypto::Digest256 mac = crypto::HmacSha256Of(secret, {t, ".", body});
  std::string hex(64, '\0');
  crypto::HexEncodeTo(mac, hex.data());
  return "t=" + t + ",v1=" + hex;
}

Status VerifyWebhookSignature(std::string_view header, std::string_view body,
                              std::string_view secret, int64_t now_unix) {
  if (header.empty()) return Status::BadRequest("Sync-Signature header is missing");
  std::string_view timestamp;
  std::vector<std::string_view> signatures;
  for (std::string_view rest = header; !rest.empty();) {
    const size_t comma = rest.find(',');
    const std::string_view part = TrimWhitespace(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
    if (part.starts_with("t=")) timestamp = part.substr(2);
    if (part.starts_with("v1=")) signatures.push_back(part.substr(3));
  }
  int64_t t = 0;
  const auto [end, error] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), t);
  if (timestamp.empty() || error != std::errc() || end != timestamp.data() + timestamp.size()) {
    return Status::BadRequest("Sync-Signature has no timestamp");
  }
  if (signatures.empty()) return Status::BadRequest("Sync-Signature has no v1 signature");
  if (t < now_unix - kWebhookToleranceSeconds || t > now_unix + kWebhookToleranceSeconds) {
    return Status::BadRequest("Sync-Signature timestamp is outside the accepted window");
  }
  const crypto::Digest256 mac = crypto::HmacSha256Of(secret, {timestamp, ".", body});
  std::string expected(64, '\0');
  crypto::HexEncodeTo(mac, expected.data());
  bool matched = false;
  for (std::string_view candidate : signatures) {
    // Every candidate is compared, so the time taken does not say which one matched.
    matched |= crypto::ConstantTimeEquals(ToLower(candidate), expected);
  }
  if (!matched) return Status::BadRequest("Sync-Signature does not match the body");
  return Status::Ok();
}

}  // namespace swha::lipsync
