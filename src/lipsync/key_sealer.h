// Keeps a caller's provider API key in the catalog without keeping it in plain text: sealed
// (XSalsa20-Poly1305, libsodium's secretbox) under a key derived from SECRET_KEY, so the
// background poller can still use it, and every instance sharing SECRET_KEY can open it.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::lipsync {

// Immutable; thread-safe.
class KeySealer {
 public:
  explicit KeySealer(std::string_view secret_key);

  // "v1." followed by base64url(nonce || ciphertext); a fresh random nonce each time.
  std::string Seal(std::string_view api_key) const;
  // The key Seal was given; Internal when `sealed` was not made under this SECRET_KEY (it was
  // changed) or was altered. The message never holds any part of a key.
  Result<std::string> Open(std::string_view sealed) const;

 private:
  std::string key_;  // 32 bytes
};

}  // namespace swha::lipsync
