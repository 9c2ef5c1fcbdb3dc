// CloudFront signed URLs (CLOUDFRONT_*): the URL of an object through the distribution, with
// a canned policy (Expires, Signature, Key-Pair-Id) or, when the URL is tied to a client
// address, a custom policy (Policy, Signature, Key-Pair-Id). Signatures are RSA over SHA-1 of
// the policy JSON, in CloudFront's URL-safe base64 ('+' -> '-', '=' -> '_', '/' -> '~').
// tests/oracles/botocore_cloudfront.py checks every byte against botocore's CloudFrontSigner.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/settings.h"
#include "util/file_system.h"
#include "util/rsa.h"
#include "util/status.h"

namespace swha::storage {

// Immutable; thread-safe.
class CloudFrontSigner {
 public:
  // Reads the private key file through `fs`. REQUIRES: config.enabled() and Validate()d.
  // InvalidArgument, one line starting "CLOUDFRONT_PRIVATE_KEY_FILE", when the file is missing,
  // unreadable or not an RSA private key (never quoting the key).
  static Result<std::unique_ptr<CloudFrontSigner>> Create(const config::CloudFrontSettings& config,
                                                          FileSystem* fs);
  // `allowed_ip`: "" for canned policies, else the custom policy's AWS:SourceIp.
  CloudFrontSigner(std::string domain, std::string key_pair_id, crypto::RsaPrivateKey key,
                   std::string allowed_ip);

  // "https://<domain>/<key>", the key percent-encoded as in an S3 path ('/' kept).
  std::string ResourceUrl(std::string_view s3_key) const;
  // `resource_url` signed to be fetched until `expires_unix`: from the allowed source only
  // (a custom policy) when there is one and `bind_to_allowed_ip`, else by anyone (canned).
  Result<std::string> Sign(std::string_view resource_url, int64_t expires_unix,
                           bool bind_to_allowed_ip = true) const;
  // The S3 key of a URL this signer made (this domain; Signature and Key-Pair-Id in the query),
  // else nullopt: tells the URLs we handed out from anybody else's.
  std::optional<std::string> KeyOfSignedUrl(std::string_view url) const;

  // The policies, byte for byte as CloudFront documents them (no whitespace; for the canned
  // one, the only order CloudFront accepts). A source address without a prefix length gets
  // /32 (IPv4) or /128 (IPv6).
  static std::string CannedPolicy(std::string_view resource, int64_t expires_unix);
  static std::string CustomPolicy(std::string_view resource, int64_t expires_unix,
                                  std::string_view source_ip);
  static std::string UrlSafeBase64(std::string_view bytes);
  // The inverse; nullopt for text UrlSafeBase64 cannot have written.
  static std::optional<std::string> UrlSafeBase64Decode(std::string_view text);

  const std::string& domain() const { return domain_; }
  const std::string& key_pair_id() const { return key_pair_id_; }
  const std::string& allowed_ip() const { return allowed_ip_; }

 private:
  const std::string domain_;
  const std::string key_pair_id_;
  const crypto::RsaPrivateKey key_;
  const std::string allowed_ip_;
};

}  // namespace swha::storage
