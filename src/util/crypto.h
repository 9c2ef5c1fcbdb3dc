// Hashing, MACs and randomness, all backed by OpenSSL (the only place that includes it).
#pragma once

#include <string>
#include <string_view>

namespace swha::crypto {

// Raw 32-byte digests.
std::string Sha256(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);

std::string HexEncode(std::string_view bytes);  // lowercase

// Compares in time that depends only on the lengths, never on where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Cryptographically secure random bytes (RAND_bytes). Aborts if the CSPRNG fails, since
// every caller uses it for something that must not be guessable.
std::string RandomBytes(size_t n);
std::string RandomHex(size_t n_bytes);

}  // namespace swha::crypto
