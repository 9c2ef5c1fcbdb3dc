#include "service/account_service.h"

#include <algorithm>
#include <string>

#include "auth/jwt.h"
#include "auth/password.h"
#include "service/rate_limiter.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::service {
namespace {

bool IsUsernameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

std::optional<Status> UsernameError(std::string_view u) {
  if (u.size() < kMinUsernameLength || u.size() > kMaxUsernameLength) {
    return Status::InvalidField("username", "must be " + std::to_string(kMinUsernameLength) +
                                                " to " + std::to_string(kMaxUsernameLength) +
                                                " characters long");
  }
  for (char c : u) {
    if (!IsUsernameChar(c)) {
      return Status::InvalidField("username", "may hold only letters, digits, '_', '.' and '-'");
    }
  }
  return std::nullopt;
}

// A syntactic check, as the original's EmailStr does in spirit: one '@', a non-empty local
// part, a dotted domain of letters, digits and hyphens, no spaces or control characters.
std::optional<Status> EmailError(std::string_view e) {
  const Status bad = Status::InvalidField("email", "is not a valid email address");
  if (e.size() > kMaxEmailLength) {
    return Status::InvalidField(
        "email", "must be at most " + std::to_string(kMaxEmailLength) + " characters long");
  }
  const size_t at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) {
    return bad;
  }
  for (char c : e.substr(0, at)) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F || c == '"' || c == '(' || c == ')' ||
        c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '[' || c == '\\' ||
        c == ']') {
      return bad;
    }
  }
  const std::string_view domain = e.substr(at + 1);
  if (domain.empty() || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return bad;
  }
  for (char c : domain) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return bad;
  }
  return std::nullopt;
}

std::optional<Status> PasswordError(std::string_view field, std::string_view p) {
  const size_t chars = Utf8Length(p);
  if (chars < kMinPasswordLength || chars > kMaxPasswordLength || !IsValidUtf8(p)) {
    return Status::InvalidField(std::string(field),
                                "must be " + std::to_string(kMinPasswordLength) + " to " +
                                    std::to_string(kMaxPasswordLength) + " characters long");
  }
  return std::nullopt;
}

std::optional<Status> TextError(std::string_view field, const std::optional<std::string>& v,
                                size_t max_chars) {
  if (!v) return std::nullopt;
  if (!IsValidUtf8(*v) || v->find('\0') != std::string::npos || Utf8Length(*v) > max_chars) {
    return Status::InvalidField(std::string(field),
                                "must be at most " + std::to_string(max_chars) + " characters");
  }
  return std::nullopt;
}

Status NotAuthenticated() { return Status::Unauthenticated("Not authenticated"); }
Status InvalidCredentials() {
  return Status::Unauthenticated("Invalid authentication credentials");
}

}  // namespace

std::string DeriveTokenKey(std::string_view secret_key) {
  return crypto::HmacSha256(secret_key, "swha-tts access tokens v1");
}

std::vector<Status> AccountService::ValidateRegistration(const Registration& r) const {
  std::vector<Status> errors;
  for (auto e :
       {UsernameError(r.username), EmailError(r.email), PasswordError("password", r.password),
        TextError("full_name", r.full_name, kMaxFullNameLength),
        TextError("bio", r.bio, kMaxBioLength)}) {
    if (e) errors.push_back(*e);
  }
  return errors;
}

Result<catalog::User> AccountService::Register(const Registration& r) const {
  if (auto errors = ValidateRegistration(r); !errors.empty()) return errors.front();
  catalog::User user;
  user.username = r.username;
  user.email = r.email;
  user.full_name = r.full_name;
  user.bio = r.bio;
  user.is_superuser = r.is_superuser;
  user.created_at = clock_->NowUnixSeconds();
  SWHA_ASSIGN_OR_RETURN(user.password_hash, auth::HashPassword(r.password));
  auto created = catalog_->CreateUser(user);
  if (created.status().code() == StatusCode::kAlreadyExists) {
    return Status::BadRequest("Email or username already registered");
  }
  return created;
}

AccessToken AccountService::IssueToken(const catalog::User& user,
                                       std::optional<int64_t> lifetime_seconds) const {
  const int64_t now = clock_->NowUnixSeconds();
  AccessToken t;
  t.expires_at = now + lifetime_seconds.value_or(config_.token_lifetime_seconds);
  t.token =
      auth::IssueAccessToken(config_.token_key, {user.id, now, t.expires_at, user.token_version});
  return t;
}

AccountService::AccountService(AccountConfig config, catalog::Catalog* catalog, const Clock* clock)
    : config_(std::move(config)), catalog_(catalog), clock_(clock) {
  if (config_.login_failure_limit <= 0) return;
  const double limit = config_.login_failure_limit;
  const double refill = limit / static_cast<double>(kLoginFailureWindowSeconds);
  failures_by_username_ = std::make_unique<TokenBuckets>(limit, refill, clock_);
  failures_by_address_ = std::make_unique<TokenBuckets>(limit, refill, clock_);
}

Result<AccessToken> AccountService::Login(std::string_view username, std::string_view password,
                                          std::string_view address) const {
  if (failures_by_username_ == nullptr) return CheckPassword(username, password);
  // Names are looked up whatever their case, so they are counted so too.
  const std::string name_key = ToLower(username.substr(0, kLoginThrottleKeyBytes));
  const std::string address_key = ClientAddressKey(address);
  const auto refused = [](int wait) {
    return Status::RateLimited("Too many failed logins; retry in " + std::to_string(wait) + " s",
                               wait);
  };
  // Each attempt takes its tokens before the password is checked, so that attempts made at
  // once cannot all pass a check that none of them has failed yet; one that does not fail on
  // the password gives them back.
  if (const int wait = failures_by_username_->Take(name_key); wait > 0) return refused(wait);
  if (const int wait = failures_by_address_->Take(address_key); wait > 0) {
    failures_by_username_->GiveBack(name_key);
    return refused(wait);
  }
  Result<AccessToken> token = CheckPassword(username, password);
  if (token.ok() || token.status().code() != StatusCode::kUnauthenticated) {
    failures_by_username_->GiveBack(name_key);
    failures_by_address_->GiveBack(address_key);
  }
  return token;
}

Result<AccessToken> AccountService::CheckPassword(std::string_view username,
                                                  std::string_view password) const {
  const Status wrong = Status::Unauthenticated("Incorrect username or password");
  // No account has such a name (registration allows letters, digits and _ . - only), and a
  // NUL could not even be looked up in PostgreSQL: the same answer, after the same work.
  if (!IsValidUtf8(username) || username.find('\0') != std::string_view::npos) {
    auth::SpendPasswordCheckTime(password);
    return wrong;
  }
  auto user = catalog_->FindUserByUsername(username);
  if (!user.ok()) {
    if (user.status().code() != StatusCode::kNotFound) return user.status();
    auth::SpendPasswordCheckTime(password);
    return wrong;
  }
  if (!auth::VerifyPassword(password, user->password_hash)) return wrong;
  if (!user->is_active) return Status::BadRequest("Inactive user");
  return IssueToken(*user);
}

Result<Principal> AccountService::Authenticate(
    std::optional<std::string_view> authorization) const {
  if (!authorization) return Principal::Anonymous();
  const std::string_view value = TrimWhitespace(*authorization);
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || ToLower(value.substr(0, kScheme.size())) != kScheme) {
    return NotAuthenticated();
  }
  const std::string_view token = TrimWhitespace(value.substr(kScheme.size()));
  if (token.starts_with(kApiKeyPrefix)) return AuthenticateApiKey(token);
  auto claims = auth::VerifyAccessToken(config_.token_key, token, clock_->NowUnixSeconds());
  if (!claims.ok()) return InvalidCredentials();
  return ActiveUser(claims->user_id, claims->token_version);
}

Result<Principal> AccountService::ActiveUser(int64_t user_id,
                                             std::optional<int64_t> token_version) const {
  auto user = catalog_->FindUserById(user_id);
  if (!user.ok()) {
    if (user.status().code() == StatusCode::kNotFound) {
      return Status::Unauthenticated("User not found");
    }
    return user.status();
  }
  if (token_version && *token_version != user->token_version) return InvalidCredentials();
  if (!user->is_active) return Status::BadRequest("Inactive user");
  return Principal{.user_id = user->id, .is_superuser = user->is_superuser};
}

Result<Principal> AccountService::AuthenticateApiKey(std::string_view key) const {
  // Keys are random and long, so a plain SHA-256 is enough to keep them unrecoverable; the
  // lookup is by that hash, so no comparison of the key itself can leak through timing.
  auto found = catalog_->FindApiKeyByHash(crypto::HexEncode(crypto::Sha256(key)));
  if (!found.ok()) {
    return found.status().code() == StatusCode::kNotFound ? InvalidCredentials() : found.status();
  }
  const int64_t now = clock_->NowUnixSeconds();
  if (found->expires_at && *found->expires_at <= now) return InvalidCredentials();
  // API keys survive password changes: they are revoked one by one, not by a new password.
  Result<Principal> principal = ActiveUser(found->user_id, std::nullopt);
  if (principal.ok() &&
      (!found->last_used_at || now - *found->last_used_at >= kApiKeyTouchIntervalSeconds)) {
    (void)catalog_->TouchApiKey(found->id, now);  // best effort: a failed touch loses a date
  }
  return principal;
}

Result<CreatedApiKey> AccountService::CreateApiKey(const Principal& principal,
                                                   std::string_view name,
                                                   std::optional<int64_t> expires_in_days) const {
  if (!principal.user_id) return NotAuthenticated();
  if (TrimWhitespace(name).empty() || !IsValidUtf8(name) ||
      name.find('\0') != std::string_view::npos || Utf8Length(name) > kMaxApiKeyNameLength) {
    return Status::InvalidField(
        "name", "must be 1 to " + std::to_string(kMaxApiKeyNameLength) + " characters");
  }
  if (expires_in_days && (*expires_in_days < 1 || *expires_in_days > kMaxApiKeyDays)) {
    return Status::InvalidField("expires_in_days",
                                "must be from 1 to " + std::to_string(kMaxApiKeyDays));
  }
  std::vector<catalog::ApiKey> existing;
  SWHA_ASSIGN_OR_RETURN(existing, catalog_->ListApiKeys(*principal.user_id));
  if (existing.size() >= kMaxApiKeysPerUser) {
    return Status::BadRequest("At most " + std::to_string(kMaxApiKeysPerUser) +
                              " API keys per user: revoke one first");
  }
  CreatedApiKey out;
  out.key = std::string(kApiKeyPrefix) + crypto::Base64UrlEncode(crypto::RandomBytes(30));
  const int64_t now = clock_->NowUnixSeconds();
  catalog::ApiKey& r = out.record;
  r.user_id = *principal.user_id;
  r.name = std::string(name);
  r.prefix = out.key.substr(0, kApiKeyShownChars);
  r.key_sha256 = crypto::HexEncode(crypto::Sha256(out.key));
  r.created_at = now;
  if (expires_in_days) r.expires_at = now + *expires_in_days * kSecondsPerDay;
  SWHA_ASSIGN_OR_RETURN(r, catalog_->CreateApiKey(r));
  return out;
}

Result<std::vector<catalog::ApiKey>> AccountService::ListApiKeys(const Principal& principal) const {
  if (!principal.user_id) return NotAuthenticated();
  return catalog_->ListApiKeys(*principal.user_id);
}

Status AccountService::RevokeApiKey(const Principal& principal, int64_t id) const {
  if (!principal.user_id) return NotAuthenticated();
  return catalog_->DeleteApiKey(*principal.user_id, id);
}

Result<Principal> AccountService::Admit(const Principal& principal, bool require_user) const {
  if (principal.user_id || (config_.allow_anonymous && !require_user)) return principal;
  return NotAuthenticated();
}

Result<catalog::User> AccountService::CurrentUser(const Principal& principal) const {
  if (!principal.user_id) return NotAuthenticated();
  auto user = catalog_->FindUserById(*principal.user_id);
  if (user.status().code() == StatusCode::kNotFound) {
    return Status::Unauthenticated("User not found");
  }
  return user;
}

Result<catalog::User> AccountService::UpdateProfile(const Principal& principal,
                                                    const ProfileChange& change) const {
  if (!principal.user_id) return NotAuthenticated();
  if (change.username) {
    if (auto e = UsernameError(*change.username)) return *e;
  }
  if (change.email) {
    if (auto e = EmailError(*change.email)) return *e;
  }
  if (auto e = TextError("full_name", change.full_name, kMaxFullNameLength)) return *e;
  if (auto e = TextError("bio", change.bio, kMaxBioLength)) return *e;
  auto updated = catalog_->UpdateProfile(
      *principal.user_id, {change.username, change.email, change.full_name, change.bio},
      clock_->NowUnixSeconds());
  if (updated.status().code() == StatusCode::kAlreadyExists) {
    return Status::BadRequest(updated.status().field() == "email" ? "Email already taken"
                                                                  : "Username already taken");
  }
  if (updated.status().code() == StatusCode::kNotFound) {
    return Status::Unauthenticated("User not found");
  }
  return updated;
}

Status AccountService::ChangePassword(const Principal& principal, std::string_view current,
                                      std::string_view replacement) const {
  catalog::User user;
  SWHA_ASSIGN_OR_RETURN(user, CurrentUser(principal));
  if (auto e = PasswordError("new_password", replacement)) return *e;
  if (!auth::VerifyPassword(current, user.password_hash)) {
    return Status::BadRequest("Incorrect password");
  }
  std::string hash;
  SWHA_ASSIGN_OR_RETURN(hash, auth::HashPassword(replacement));
  auto updated = catalog_->SetPassword(user.id, hash, clock_->NowUnixSeconds());
  return updated.ok() ? Status::Ok() : updated.status();
}

namespace {

Status NotEnoughPermissions() { return Status::PermissionDenied("Not enough permissions"); }

}  // namespace

Result<std::vector<catalog::User>> AccountService::ListUsers(const Principal& principal,
                                                             int64_t skip, int64_t limit) const {
  if (!principal.is_superuser) return NotEnoughPermissions();
  if (skip < 0) return Status::InvalidField("skip", "must be 0 or more");
  if (limit < 1 || limit > kMaxUserPageSize) {
    return Status::InvalidField("limit", "must be from 1 to " + std::to_string(kMaxUserPageSize));
  }
  return catalog_->ListUsers(skip, limit);
}

Result<catalog::User> AccountService::GetUser(const Principal& principal, int64_t id) const {
  if (!principal.is_superuser && principal.user_id != id) return NotEnoughPermissions();
  return catalog_->FindUserById(id);
}

Result<catalog::User> AccountService::FindByUsername(const Principal& principal,
                                                     std::string_view username) const {
  if (!principal.is_superuser) return NotEnoughPermissions();
  return catalog_->FindUserByUsername(username);
}

Status AccountService::DeleteUser(const Principal& principal, int64_t id) const {
  if (!principal.is_superuser) return NotEnoughPermissions();
  if (principal.user_id == id) return Status::BadRequest("Cannot delete yourself");
  return catalog_->DeleteUser(id);
}

Result<catalog::User> AccountService::SetFlags(const Principal& principal, int64_t id,
                                               std::optional<bool> is_active,
                                               std::optional<bool> is_superuser) const {
  if (!principal.is_superuser) return NotEnoughPermissions();
  if (principal.user_id == id && (is_active == false || is_superuser == false)) {
    return Status::BadRequest("Cannot deactivate yourself or drop your own superuser rights");
  }
  return catalog_->SetUserFlags(id, is_active, is_superuser, clock_->NowUnixSeconds());
}

}  // namespace swha::service
