// /api/v1/auth/* and /api/v1/users/me: the original's account endpoints and messages.
#include "http/account_fields.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/params.h"

namespace swha::http {
namespace {

using nlohmann::json;
namespace fields = account_fields;

json UserJson(const catalog::User& u) {
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"full_name", OptionalJson(u.full_name)},
          {"bio", OptionalJson(u.bio)},
          {"is_active", u.is_active},
          {"is_superuser", u.is_superuser},
          {"profile_image", nullptr},
          {"created_at", FormatIso8601Utc(u.created_at)},
          {"updated_at", u.updated_at ? json(FormatIso8601Utc(*u.updated_at)) : json(nullptr)}};
}

Response TokenResponse(const service::AccessToken& t, int64_t now) {
  return Response::Json(
      200,
      {{"access_token", t.token}, {"token_type", "bearer"}, {"expires_in", t.expires_at - now}});
}

Response Login(const ApiContext& ctx, const Request& req,
               const std::optional<std::string>& username,
               const std::optional<std::string>& password, FieldErrors* errors) {
  if (!errors->empty()) return errors->ToResponse();
  auto token = ctx.accounts->Login(*username, *password, req.remote_address);
  if (!token.ok()) return ErrorResponse(token.status());
  return TokenResponse(*token, ctx.clock->NowUnixSeconds());
}

}  // namespace

Result<service::Principal> Caller(const ApiContext& ctx, const Request& req, bool require_user) {
  service::Principal principal;
  SWHA_ASSIGN_OR_RETURN(principal, ctx.accounts->Authenticate(req.Header("authorization")));
  SWHA_ASSIGN_OR_RETURN(principal, ctx.accounts->Admit(principal, require_user));
  principal.address = req.remote_address;
  if (ctx.rate_limiter != nullptr && principal.user_id.has_value()) {
    SWHA_RETURN_IF_ERROR(ctx.rate_limiter->AdmitUser(*principal.user_id));
  }
  return principal;
}

Response HandleRegister(const ApiContext& ctx, const Request& req) {
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  service::Registration r;
  reader.Read(fields::kUsername, &r.username);
  reader.Read(fields::kEmail, &r.email);
  reader.Read(fields::kPassword, &r.password);
  reader.Read(fields::kFullName, &r.full_name);
  reader.Read(fields::kBio, &r.bio);
  if (!errors.empty()) return errors.ToResponse();
  for (const Status& e : ctx.accounts->ValidateRegistration(r)) errors.Add(e);
  if (!errors.empty()) return errors.ToResponse();
  auto user = ctx.accounts->Register(r);
  if (!user.ok()) return ErrorFromStatus(user.status(), "body");
  return Response::Json(200, UserJson(*user));
}

Response HandleLoginForm(const ApiContext& ctx, const Request& req) {
  auto form = ParseForm(req.body);
  if (!form) return ErrorResponse(400, "Malformed form body");
  FieldErrors errors("body");
  FieldReader reader(*form, &errors);
  auto username = reader.String(fields::kLoginUsername);
  auto password = reader.String(fields::kLoginPassword);
  // OAuth2's password grant: grant_type, when sent, must say so.
  if (auto grant = reader.String(fields::kGrantType);
      grant && *grant != fields::kGrantType.enum_values.front()) {
    errors.Add(fields::kGrantType.name, "must be \"password\"");
  }
  return Login(ctx, req, username, password, &errors);
}

Response HandleLoginJson(const ApiContext& ctx, const Request& req) {
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  auto username = reader.String(fields::kLoginUsername);
  auto password = reader.String(fields::kLoginPassword);
  return Login(ctx, req, username, password, &errors);
}

Response HandleGetMe(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto user = ctx.accounts->CurrentUser(*caller);
  if (!user.ok()) return ErrorResponse(user.status());
  return Response::Json(200, UserJson(*user));
}

Response HandleUpdateMe(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  service::ProfileChange change;
  reader.Read(fields::kNewUsername, &change.username);
  reader.Read(fields::kNewEmail, &change.email);
  reader.Read(fields::kFullName, &change.full_name);
  reader.Read(fields::kBio, &change.bio);
  if (!errors.empty()) return errors.ToResponse();
  auto user = ctx.accounts->UpdateProfile(*caller, change);
  if (!user.ok()) return ErrorFromStatus(user.status(), "body");
  return Response::Json(200, UserJson(*user));
}

Response HandleChangePassword(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  auto current = reader.String(fields::kCurrentPassword);
  auto replacement = reader.String(fields::kNewPassword);
  if (!errors.empty()) return errors.ToResponse();
  Status changed = ctx.accounts->ChangePassword(*caller, *current, *replacement);
  if (!changed.ok()) return ErrorFromStatus(changed, "body");
  return Response::Json(200, {{"message", "Password changed; sign in again"}});
}

namespace {

// The {user_id} path parameter; the 422 to send when it is not a positive integer.
std::optional<Response> UserIdParam(const Request& req, int64_t* id) {
  FieldErrors errors("path");
  auto n = FieldReader(req.path_params, &errors).Int(fields::kUserId);
  if (n && *n >= *fields::kUserId.minimum) {
    *id = *n;
    return std::nullopt;
  }
  return ValidationError("path", fields::kUserId.name, fields::kUserId.type_message, "type_error");
}

}  // namespace

namespace {

json ApiKeyJson(const catalog::ApiKey& k) {
  auto time = [](const std::optional<int64_t>& t) {
    return t ? json(FormatIso8601Utc(*t)) : json(nullptr);
  };
  return {{"id", k.id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"created_at", FormatIso8601Utc(k.created_at)},
          {"expires_at", time(k.expires_at)},
          {"last_used_at", time(k.last_used_at)}};
}

}  // namespace

Response HandleCreateApiKey(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  auto name = reader.String(fields::kApiKeyName);
  auto days = reader.Int(fields::kApiKeyExpiresInDays);
  if (!errors.empty()) return errors.ToResponse();
  auto created = ctx.accounts->CreateApiKey(*caller, *name, days);
  if (!created.ok()) return ErrorFromStatus(created.status(), "body");
  json out = ApiKeyJson(created->record);
  out["key"] = created->key;
  return Response::Json(200, out);
}

Response HandleListApiKeys(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto keys = ctx.accounts->ListApiKeys(*caller);
  if (!keys.ok()) return ErrorResponse(keys.status());
  json out = json::array();
  for (const catalog::ApiKey& k : *keys) out.push_back(ApiKeyJson(k));
  return Response::Json(200, {{"api_keys", out}, {"total_count", out.size()}});
}

Response HandleRevokeApiKey(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  // Any id that names none of the caller's keys, a malformed one included, is not found.
  FieldErrors malformed("path");
  auto id = FieldReader(req.path_params, &malformed).Int(fields::kApiKeyId);
  if (!id || *id < 1) return ErrorResponse(404, "API key not found");
  if (Status revoked = ctx.accounts->RevokeApiKey(*caller, *id); !revoked.ok()) {
    return ErrorResponse(revoked);
  }
  return Response::Json(200, {{"message", "API key revoked"}});
}

Response HandleListUsers(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  auto skip = reader.Int(fields::kSkip);
  auto limit = reader.Int(fields::kLimit);
  if (!errors.empty()) return errors.ToResponse();
  auto users = ctx.accounts->ListUsers(*caller, skip.value_or(0),
                                       limit.value_or(service::kDefaultUserPageSize));
  if (!users.ok()) return ErrorFromStatus(users.status(), "query");
  json out = json::array();
  for (const catalog::User& u : *users) out.push_back(UserJson(u));
  return Response::Json(200, out);
}

Response HandleGetUser(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  int64_t id = 0;
  if (auto bad = UserIdParam(req, &id)) return *bad;
  auto user = ctx.accounts->GetUser(*caller, id);
  if (!user.ok()) return ErrorResponse(user.status());
  return Response::Json(200, UserJson(*user));
}

Response HandleDeleteUser(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  int64_t id = 0;
  if (auto bad = UserIdParam(req, &id)) return *bad;
  if (Status deleted = ctx.accounts->DeleteUser(*caller, id); !deleted.ok()) {
    return ErrorResponse(deleted);
  }
  return Response::Json(200, {{"message", "User deleted successfully"}});
}

Response HandlePatchUser(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  int64_t id = 0;
  if (auto bad = UserIdParam(req, &id)) return *bad;
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  auto is_active = reader.Bool(fields::kIsActive);
  auto is_superuser = reader.Bool(fields::kIsSuperuser);
  if (!errors.empty()) return errors.ToResponse();
  auto user = ctx.accounts->SetFlags(*caller, id, is_active, is_superuser);
  if (!user.ok()) return ErrorResponse(user.status());
  return Response::Json(200, UserJson(*user));
}

}  // namespace swha::http
