// Password hashing with argon2id (libsodium's crypto_pwhash_str, at its "interactive" limits:
// 2 passes over 64 MiB). The stored string carries its own salt and parameters.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::auth {

// Internal if libsodium cannot run (out of memory); the password is never in a message.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash`. A malformed hash is a mismatch.
bool VerifyPassword(std::string_view password, const std::string& hash);

// Spends the time a VerifyPassword against a real hash takes, for a login whose username does
// not exist: the answer must not reveal which usernames are taken by being faster.
void SpendPasswordCheckTime(std::string_view password);

}  // namespace swha::auth
