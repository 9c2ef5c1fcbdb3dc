#include "lipsync/key_sealer.h"

#include <sodium.h>

#include <cstdlib>

#include "util/crypto.h"

namespace swha::lipsync {
namespace {

constexpr std::string_view kVersionPrefix = "v1.";
// The derived key is used for nothing else, so a leak of sealed keys says nothing of the
// signing keys derived from the same SECRET_KEY.
constexpr std::string_view kDerivationLabel = "swha-tts lipsync api key v1";

void EnsureSodium() {
  static const bool ready = [] {
    if (sodium_init() < 0) std::abort();  // no CSPRNG: nothing can be sealed safely
    return true;
  }();
  (void)ready;
}

}  // namespace

KeySealer::KeySealer(std::string_view secret_key)
    : key_(crypto::HmacSha256(secret_key, kDerivationLabel)) {
  static_assert(crypto_secretbox_KEYBYTES == 32);
  EnsureSodium();
}

std::string KeySealer::Seal(std::string_view api_key) const {
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + api_key.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(api_key.data()), api_key.size(),
                        nonce, reinterpret_cast<const unsigned char*>(key_.data()));
  return std::string(kVersionPrefix) + crypto::Base64UrlEncode(out);
}

Result<std::string> KeySealer::Open(std::string_view sealed) const {
  const Status cannot =
      Status::Internal("a stored provider API key cannot be opened (was SECRET_KEY changed?)");
  if (!sealed.starts_with(kVersionPrefix)) return cannot;
  const std::optional<std::string> raw =
      crypto::Base64UrlDecode(sealed.substr(kVersionPrefix.size()));
  if (!raw || raw->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return cannot;
  const auto* nonce = reinterpret_cast<const unsigned char*>(raw->data());
  const size_t boxed = raw->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(boxed - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, boxed, nonce,
                                 reinterpret_cast<const unsigned char*>(key_.data())) != 0) {
    return cannot;
  }
  return plain;
}

}  // namespace swha::lipsync
