#include "storage/local_url_signer.h"

#include <charconv>

#include "util/crypto.h"

namespace swha::storage {

LocalUrlSigner::LocalUrlSigner(std::string_view secret_key, std::string public_base_url)
    : key_(crypto::HmacSha256(secret_key, "swha-tts local audio URL v1")),
      public_base_url_(std::move(public_base_url)) {}

std::string LocalUrlSigner::Signature(std::string_view session_id, std::string_view filename,
                                      int64_t expires_unix) const {
  std::string to_sign = "GET\n";
  to_sign += kLocalAudioPrefix;
  to_sign += session_id;
  to_sign += '/';
  to_sign += filename;
  to_sign += '\n';
  to_sign += std::to_string(expires_unix);
  return crypto::HexEncode(crypto::HmacSha256(key_, to_sign));
}

std::string LocalUrlSigner::SignedUrl(std::string_view session_id, std::string_view filename,
                                      int64_t expires_unix) const {
  std::string url = public_base_url_;
  url += kLocalAudioPrefix;
  url += session_id;
  url += '/';
  url += filename;
  url += "?expires=" + std::to_string(expires_unix);
  url += "&signature=" + Signature(session_id, filename, expires_unix);
  return url;
}

Status LocalUrlSigner::Verify(std::string_view session_id, std::string_view filename,
                              std::string_view expires, std::string_view signature,
                              int64_t now_unix) const {
  if (expires.empty() || signature.empty()) {
    return Status::PermissionDenied("this URL is not signed: expires and signature are required");
  }
  int64_t expires_unix = 0;
  const auto [end, ec] =
      std::from_chars(expires.data(), expires.data() + expires.size(), expires_unix);
  if (ec != std::errc() || end != expires.data() + expires.size() || expires_unix < 0) {
    return Status::PermissionDenied("malformed expires");
  }
  // The signature is checked before the expiry so that a tampered URL never learns more.
  if (!crypto::ConstantTimeEquals(signature, Signature(session_id, filename, expires_unix))) {
    return Status::PermissionDenied("signature does not match");
  }
  if (now_unix > expires_unix) return Status::PermissionDenied("URL has expired");
  return Status::Ok();
}

}  // namespace swha::storage
