// Accounts: registration, login, access tokens, and who a request's Authorization header
// names. Compatible with the original's messages; knows no HTTP.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "service/session.h"
#include "util/clock.h"
#include "util/status.h"
#include "util/token_buckets.h"

namespace swha::service {

// Limits on account fields; one constant each.
inline constexpr size_t kMinUsernameLength = 3;
inline constexpr size_t kMaxUsernameLength = 50;
inline constexpr size_t kMaxEmailLength = 255;
inline constexpr size_t kMinPasswordLength = 8;
inline constexpr size_t kMaxPasswordLength = 128;
inline constexpr size_t kMaxFullNameLength = 100;
inline constexpr size_t kMaxBioLength = 1000;
// API keys: what every key starts with, how much of it a listing shows, and the limits.
inline constexpr std::string_view kApiKeyPrefix = "swha_";
inline constexpr size_t kApiKeyShownChars = 12;
inline constexpr size_t kMaxApiKeyNameLength = 100;
inline constexpr int64_t kMaxApiKeyDays = 3650;
inline constexpr size_t kMaxApiKeysPerUser = 100;
// last_used_at is written at most this often per key, so a busy key does not turn every
// request into a database write.
inline constexpr int64_t kApiKeyTouchIntervalSeconds = 60;
// LOGIN_FAILURE_LIMIT counts failures over this window (a token bucket refilled evenly over it).
inline constexpr int64_t kLoginFailureWindowSeconds = 900;
// Of a username that failed to log in, this many bytes key its failure count.
inline constexpr size_t kLoginThrottleKeyBytes = 64;
// Users per page of the administrators' listing.
inline constexpr int64_t kDefaultUserPageSize = 100;
inline constexpr int64_t kMaxUserPageSize = 1000;

struct Registration {
  std::string username;
  std::string email;
  std::string password;
  std::optional<std::string> full_name;
  std::optional<std::string> bio;
  bool is_superuser = false;  // only the operator's CLI sets this
};

// A change to one's own profile; absent fields stay as they are.
struct ProfileChange {
  std::optional<std::string> username;
  std::optional<std::string> email;
  std::optional<std::string> full_name;
  std::optional<std::string> bio;
};

struct AccessToken {
  std::string token;
  int64_t expires_at = 0;
};

struct CreatedApiKey {
  catalog::ApiKey record;
  std::string key;  // shown this once; only its hash is kept
};

struct AccountConfig {
  std::string token_key;                  // derived from SECRET_KEY (DeriveTokenKey)
  int64_t token_lifetime_seconds = 1800;  // ACCESS_TOKEN_EXPIRE_MINUTES
  bool allow_anonymous = true;            // ALLOW_ANONYMOUS
  int login_failure_limit = 10;           // LOGIN_FAILURE_LIMIT per kLoginFailureWindowSeconds
};

// The HMAC key for access tokens: a key of its own derived from SECRET_KEY, so that the raw
// secret signs nothing directly and instances sharing SECRET_KEY accept each other's tokens.
std::string DeriveTokenKey(std::string_view secret_key);

// Thread-safe.
class AccountService {
 public:
  // Borrowed pointers must outlive the service.
  AccountService(AccountConfig config, catalog::Catalog* catalog, const Clock* clock);

  // Every field error (an InvalidField each); empty when valid.
  std::vector<Status> ValidateRegistration(const Registration& r) const;
  // BadRequest "Email or username already registered" when either is taken.
  Result<catalog::User> Register(const Registration& r) const;

  // Unauthenticated "Incorrect username or password" (taking as long whether or not the user
  // exists); BadRequest "Inactive user". After LOGIN_FAILURE_LIMIT such failures for the
  // username, or from `address`, within the window: RateLimited before any password is checked,
  // whether the account exists or not.
  Result<AccessToken> Login(std::string_view username, std::string_view password,
                            std::string_view address) const;
  // A token for `user`, valid for `lifetime_seconds` (the configured lifetime when nullopt).
  AccessToken IssueToken(const catalog::User& user,
                         std::optional<int64_t> lifetime_seconds = std::nullopt) const;

  // Who an Authorization header value names. No header: anonymous. Anything but
  // "Bearer <token>": Unauthenticated "Not authenticated". A refused token (signature, alg,
  // expiry, subject, issued before the last password change): Unauthenticated
  // "Invalid authentication credentials"; an unknown user: Unauthenticated "User not found";
  // an inactive one: BadRequest "Inactive user".
  Result<Principal> Authenticate(std::optional<std::string_view> authorization) const;
  // Unauthenticated "Not authenticated" for an anonymous principal when anonymous use is off
  // (or `require_user`); else the principal.
  Result<Principal> Admit(const Principal& principal, bool require_user) const;

  // The signed-in user's record. REQUIRES: principal.user_id.
  Result<catalog::User> CurrentUser(const Principal& principal) const;
  // BadRequest "Username already taken" / "Email already taken"; field errors as InvalidField.
  Result<catalog::User> UpdateProfile(const Principal& principal,
                                      const ProfileChange& change) const;
  // BadRequest "Incorrect password" when `current` is wrong; every token issued before is
  // refused afterwards.
  Status ChangePassword(const Principal& principal, std::string_view current,
                        std::string_view replacement) const;

  // API keys of the signed-in user. `Authorization: Bearer swha_…` authenticates like a token.
  // InvalidField "name" / "expires_in_days"; BadRequest past kMaxApiKeysPerUser.
  Result<CreatedApiKey> CreateApiKey(const Principal& principal, std::string_view name,
                                     std::optional<int64_t> expires_in_days) const;
  Result<std::vector<catalog::ApiKey>> ListApiKeys(const Principal& principal) const;
  // NotFound "API key not found" for a key that is not the caller's.
  Status RevokeApiKey(const Principal& principal, int64_t id) const;

  // Administration: PermissionDenied "Not enough permissions" unless `principal` is a
  // superuser (GetUser also lets users read themselves); NotFound "User not found".
  Result<std::vector<catalog::User>> ListUsers(const Principal& principal, int64_t skip,
                                               int64_t limit) const;
  Result<catalog::User> GetUser(const Principal& principal, int64_t id) const;
  Result<catalog::User> FindByUsername(const Principal& principal, std::string_view username) const;
  // BadRequest "Cannot delete yourself". The user's sessions stay until cleaned up.
  Status DeleteUser(const Principal& principal, int64_t id) const;
  // Sets the flags that are given; a superuser cannot take their own rights or deactivate
  // themselves (BadRequest), so an installation is never left without an administrator by
  // accident.
  Result<catalog::User> SetFlags(const Principal& principal, int64_t id,
                                 std::optional<bool> is_active,
                                 std::optional<bool> is_superuser) const;

 private:
  // The principal an API key names, or why it names none (as Authenticate says).
  Result<Principal> AuthenticateApiKey(std::string_view key) const;
  // The principal for user `user_id`, checked as Authenticate says.
  Result<Principal> ActiveUser(int64_t user_id, std::optional<int64_t> token_version) const;
  // Login without the throttle.
  Result<AccessToken> CheckPassword(std::string_view username, std::string_view password) const;

  const AccountConfig config_;
  catalog::Catalog* catalog_;
  const Clock* clock_;
  // Failed logins by username and by address; nullptr when LOGIN_FAILURE_LIMIT is 0.
  std::unique_ptr<TokenBuckets> failures_by_username_;
  std::unique_ptr<TokenBuckets> failures_by_address_;
};

}  // namespace swha::service
