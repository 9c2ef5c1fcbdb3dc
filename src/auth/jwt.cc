#include "auth/jwt.h"

#include <nlohmann/json.hpp>

#include "util/crypto.h"

namespace swha::auth {
namespace {

using nlohmann::json;

Status Refused(std::string_view why) {
  return Status::Unauthenticated("token refused: " + std::string(why));
}

// A positive decimal integer with no sign, spaces or leading zeros, as `sub` must be.
bool ParseUserId(const std::string& s, int64_t* out) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::string SignHs256(std::string_view key, std::string_view header_json,
                      std::string_view payload_json) {
  std::string token = crypto::Base64UrlEncode(header_json);
  token += '.';
  token += crypto::Base64UrlEncode(payload_json);
  const std::string signature = crypto::HmacSha256(key, token);
  token += '.';
  token += crypto::Base64UrlEncode(signature);
  return token;
}

Result<std::string> VerifyHs256(std::string_view key, std::string_view token) {
  const size_t first = token.find('.');
  const size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Refused("not three dot-separated parts");
  }
  const auto header_text = crypto::Base64UrlDecode(token.substr(0, first));
  if (!header_text) return Refused("header is not base64url");
  const json header = json::parse(*header_text, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Refused("header is not a JSON object");
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get<std::string>() != "HS256") {
    return Refused("alg must be HS256");
  }
  const auto signature = crypto::Base64UrlDecode(token.substr(second + 1));
  if (!signature) return Refused("signature is not base64url");
  const std::string expected = crypto::HmacSha256(key, token.substr(0, second));
  if (!crypto::ConstantTimeEquals(*signature, expected)) return Refused("bad signature");
  auto payload = crypto::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload) return Refused("payload is not base64url");
  return *std::move(payload);
}

std::string IssueAccessToken(std::string_view key, const AccessClaims& claims) {
  const json payload = {{"sub", std::to_string(claims.user_id)},
                        {"iat", claims.issued_at},
                        {"exp", claims.expires_at},
                        {"ver", claims.token_version}};
  return SignHs256(key, R"({"alg":"HS256","typ":"JWT"})", payload.dump());
}

Result<AccessClaims> VerifyAccessToken(std::string_view key, std::string_view token,
                                       int64_t now_unix) {
  std::string payload_text;
  SWHA_ASSIGN_OR_RETURN(payload_text, VerifyHs256(key, token));
  const json payload = json::parse(payload_text, nullptr, /*allow_exceptions=*/false);
  if (!payload.is_object()) return Refused("payload is not a JSON object");
  AccessClaims claims;
  const auto exp = payload.find("exp");
  if (exp == payload.end() || !exp->is_number_integer()) return Refused("no integer exp");
  claims.expires_at = exp->get<int64_t>();
  if (claims.expires_at <= now_unix) return Refused("expired");
  const auto sub = payload.find("sub");
  if (sub == payload.end() || !sub->is_string() ||
      !ParseUserId(sub->get<std::string>(), &claims.user_id)) {
    return Refused("sub is not a user id");
  }
  if (const auto iat = payload.find("iat"); iat != payload.end()) {
    if (!iat->is_number_integer()) return Refused("iat is not an integer");
    claims.issued_at = iat->get<int64_t>();
  }
  if (const auto ver = payload.find("ver"); ver != payload.end()) {
    if (!ver->is_number_integer()) return Refused("ver is not an integer");
    claims.token_version = ver->get<int64_t>();
  }
  return claims;
}

}  // namespace swha::auth
