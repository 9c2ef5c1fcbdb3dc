// RSA signatures that other services verify: CloudFront signed URLs (PKCS#1 v1.5 over SHA-1,
// which CloudFront requires). Backed by OpenSSL, like util/crypto.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::crypto {

// Immutable once made, so one key may sign from many threads at once.
class RsaPrivateKey {
 public:
  // A PEM private key: PKCS#1 ("BEGIN RSA PRIVATE KEY") or PKCS#8 ("BEGIN PRIVATE KEY"),
  // unencrypted. InvalidArgument saying what is wrong, never quoting the key.
  static Result<RsaPrivateKey> FromPem(std::string_view pem);
  // A new random key of `bits` bits (tests and tools).
  static Result<RsaPrivateKey> Generate(int bits);

  // The RSASSA-PKCS1-v1_5 signature of SHA-1(`message`): deterministic, so equal inputs give
  // equal bytes in any correct implementation.
  Result<std::string> SignSha1(std::string_view message) const;

  int bits() const;
  std::string PrivateKeyPem() const;  // PKCS#8
  std::string PublicKeyPem() const;   // SubjectPublicKeyInfo ("BEGIN PUBLIC KEY")

 private:
  explicit RsaPrivateKey(std::shared_ptr<void> key) : key_(std::move(key)) {}
  std::shared_ptr<void> key_;  // EVP_PKEY
};

// Whether `signature` is the RSASSA-PKCS1-v1_5 SHA-1 signature of `message` under the PEM
// public key `public_key_pem`; false for a key that does not parse.
bool RsaVerifySha1(std::string_view public_key_pem, std::string_view message,
                   std::string_view signature);

}  // namespace swha::crypto
