// JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (JWS, RFC 7515), the only algorithm
// accepted: the header's `alg` is checked before anything else, so `none`, HS512 or RS256
// tokens are refused whatever their signature.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::auth {

// The compact serialization of `header_json`.`payload_json` signed with `key`. Exposed for
// tests against published vectors and for tests that build tokens by hand.
std::string SignHs256(std::string_view key, std::string_view header_json,
                      std::string_view payload_json);

// Checks a compact JWS: three base64url parts, a JSON header whose `alg` is exactly "HS256",
// and a signature equal (in constant time) to the one `key` makes. Returns the decoded payload.
// Unauthenticated on any failure; the message says what failed, never the expected signature.
Result<std::string> VerifyHs256(std::string_view key, std::string_view token);

// What an access token says: whose it is, when it was issued, when it expires, and the user's
// token version at issue (a password change raises it and so ends older tokens).
struct AccessClaims {
  int64_t user_id = 0;
  int64_t issued_at = 0;   // iat, unix seconds
  int64_t expires_at = 0;  // exp, unix seconds
  int64_t token_version = 0;
};

std::string IssueAccessToken(std::string_view key, const AccessClaims& claims);

// VerifyHs256, then the claims: `exp` present and after `now_unix`, `sub` a positive integer
// in a string, `iat` and `ver` integers when present. Unauthenticated on any failure.
Result<AccessClaims> VerifyAccessToken(std::string_view key, std::string_view token,
                                       int64_t now_unix);

}  // namespace swha::auth
