// Hashing, MACs and randomness, all backed by OpenSSL (only util/crypto.cc and util/rsa.cc
// include it).
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace swha::crypto {

// Raw 32-byte digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

// The same digests over the concatenation of `pieces`, without building it. They call
// OpenSSL's SHA256_* functions directly: EVP's per-call dispatch costs about as much as hashing
// the few hundred bytes SigV4 signs (docs/decisions.md).
using Digest256 = std::array<uint8_t, 32>;
Digest256 Sha256Of(std::initializer_list<std::string_view> pieces);
Digest256 HmacSha256Of(std::string_view key, std::initializer_list<std::string_view> pieces);
// An HMAC-SHA256 key whose padded key blocks are hashed once, when it is made (RFC 2104,
// section 4): each Mac then costs two SHA-256 compressions fewer than HmacSha256Of. For a key
// used many times, such as a SigV4 signing key. Holds key material: keep it as secret as the key.
class HmacSha256Key {
 public:
  static constexpr size_t kStateBytes = 128;  // room for OpenSSL's SHA256_CTX (checked)

  explicit HmacSha256Key(std::string_view key);
  ~HmacSha256Key();  // wipes the states
  HmacSha256Key(const HmacSha256Key&) = default;
  HmacSha256Key& operator=(const HmacSha256Key&) = default;
  // HmacSha256Of(key, pieces).
  Digest256 Mac(std::initializer_list<std::string_view> pieces) const;
  // The key with `prefix` already absorbed: its Mac(pieces) is this key's Mac of `prefix`
  // followed by the pieces. For messages that share a start, hashed once instead of per message.
  HmacSha256Key WithPrefix(std::string_view prefix) const;

 private:
  // SHA-256 states after the inner (key ^ 0x36) and outer (key ^ 0x5c) blocks.
  alignas(8) std::array<unsigned char, kStateBytes> inner_{};
  alignas(8) std::array<unsigned char, kStateBytes> outer_{};
};

// Lowercase hex of a digest, in place: `out` must have room for 64 characters.
void HexEncodeTo(const Digest256& digest, char* out);

// Raw 16-byte MD5 digest. Only for integrity headers such as S3's Content-MD5, never for
// anything that must resist an attacker.
std::string Md5(std::string_view data);

std::string HexEncode(std::string_view bytes);  // lowercase
// Standard base64 (RFC 4648 section 4) with padding.
std::string Base64Encode(std::string_view bytes);
// base64url (RFC 4648 section 5) without padding, as JWTs use it.
std::string Base64UrlEncode(std::string_view bytes);
// The inverse; nullopt for padding, any other character, an impossible length, or non-zero
// leftover bits (so a token has exactly one spelling).
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Cryptographically secure random bytes (RAND_bytes). Aborts if the CSPRNG fails, since
// every caller uses it for something that must not be guessable.
std::string RandomBytes(size_t n);
std::string RandomHex(size_t n_bytes);

}  // namespace swha::crypto
