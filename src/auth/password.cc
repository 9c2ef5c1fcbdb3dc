#include "auth/password.h"

#include <sodium.h>

#include <mutex>

namespace swha::auth {
namespace {

void InitSodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sodium_init() < 0) std::abort();  // no CSPRNG: nothing here can be made safely
  });
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  InitSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::Internal("password hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  InitSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void SpendPasswordCheckTime(std::string_view password) {
  // A hash made once with the same limits as real ones, so checking against it costs the same.
  static const std::string decoy = [] {
    auto h = HashPassword("decoy password, never matches");
    return h.ok() ? *h : std::string();
  }();
  if (decoy.empty()) {
    (void)HashPassword(password);  // the same work, without a decoy to check against
    return;
  }
  (void)VerifyPassword(password, decoy);
}

}  // namespace swha::auth
