// JSON Web Tokens (auth/jwt.h): any token is refused or accepted without a crash; whatever is
// signed verifies back to its exact payload when (and only when) its header says HS256; and an
// accepted access token, forged or (with any payload) signed right, has a user and an expiry
// after now.
#include <nlohmann/json.hpp>
#include <string>

#include "auth/jwt.h"
#include "fuzz/fuzz_input.h"

namespace {

constexpr std::string_view kKey = "fuzzing-key-of-thirty-two-bytes!";
constexpr int64_t kNow = 1'800'000'000;

bool SaysHs256(std::string_view header_json) {
  const auto header = nlohmann::json::parse(header_json, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return false;
  const auto alg = header.find("alg");
  return alg != header.end() && alg->is_string() && alg->get<std::string>() == "HS256";
}

// An accepted access token names a user and expires after now; anything else is refused as
// Unauthenticated (never another error, which would be answered as a fault of ours).
void CheckAccessToken(std::string_view token) {
  auto claims = swha::auth::VerifyAccessToken(kKey, token, kNow);
  if (claims.ok()) {
    FUZZ_CHECK(claims->user_id > 0);
    FUZZ_CHECK(claims->expires_at > kNow);
  } else {
    FUZZ_CHECK(claims.status().code() == swha::StatusCode::kUnauthenticated);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  if (input.TakeByte() % 2 == 0) {
    const std::string_view token = input.Rest();
    CheckAccessToken(token);
    // The same token under another key never verifies (the signature covers it all).
    FUZZ_CHECK(!swha::auth::VerifyHs256("another key", token).ok() ||
               !swha::auth::VerifyHs256(kKey, token).ok());
    return 0;
  }
  const std::string_view header = input.TakePart();
  const std::string_view payload = input.Rest();
  const std::string token = swha::auth::SignHs256(kKey, header, payload);
  auto verified = swha::auth::VerifyHs256(kKey, token);
  FUZZ_CHECK(verified.ok() == SaysHs256(header));
  if (verified.ok()) FUZZ_CHECK(*verified == payload);
  // Signed right, so the claims are what decides: any payload, as an access token.
  CheckAccessToken(token);
  return 0;
}
