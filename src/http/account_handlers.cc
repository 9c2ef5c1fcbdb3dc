// /api/v1/auth/* and /api/v1/users/me: the original's account endpoints and messages.
#include "http/api.h"
#include "http/errors.h"
#include "http/params.h"

namespace swha::http {
namespace {

using nlohmann::json;

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

// Reads a string field of `body`: absent or null leaves `out` alone (and is an error when
// `required`); any other type is an error.
void ReadString(const json& body, const char* name, bool required, FieldErrors* errors,
                std::optional<std::string>* out) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) errors->Add(name, "field required", "missing");
    return;
  }
  if (!it->is_string()) return errors->Add(name, "must be a string", "type_error");
  *out = it->get<std::string>();
}

Response TokenResponse(const service::AccessToken& t, int64_t now) {
  return Response::Json(
      200,
      {{"access_token", t.token}, {"token_type", "bearer"}, {"expires_in", t.expires_at - now}});
}

Response Login(const ApiContext& ctx, const std::optional<std::string>& username,
               const std::optional<std::string>& password, FieldErrors* errors) {
  if (!errors->empty()) return errors->ToResponse();
  auto token = ctx.accounts->Login(*username, *password);
  if (!token.ok()) return ErrorResponse(token.status());
  return TokenResponse(*token, ctx.clock->NowUnixSeconds());
}

}  // namespace

Result<service::Principal> Caller(const ApiContext& ctx, const Request& req, bool require_user) {
  service::Principal principal;
  SWHA_ASSIGN_OR_RETURN(principal, ctx.accounts->Authenticate(req.Header("authorization")));
  return ctx.accounts->Admit(principal, require_user);
}

Response HandleRegister(const ApiContext& ctx, const Request& req) {
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  std::optional<std::string> username, email, password, full_name, bio;
  ReadString(body, "username", true, &errors, &username);
  ReadString(body, "email", true, &errors, &email);
  ReadString(body, "password", true, &errors, &password);
  ReadString(body, "full_name", false, &errors, &full_name);
  ReadString(body, "bio", false, &errors, &bio);
  if (!errors.empty()) return errors.ToResponse();
  const service::Registration r{*username, *email, *password, full_name, bio};
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
  std::optional<std::string> username, password;
  for (auto [name, out] : {std::pair{"username", &username}, std::pair{"password", &password}}) {
    if (auto it = form->find(name); it != form->end()) {
      *out = it->second;
    } else {
      errors.Add(name, "field required", "missing");
    }
  }
  // OAuth2's password grant: grant_type, when sent, must say so.
  if (auto it = form->find("grant_type"); it != form->end() && it->second != "password") {
    errors.Add("grant_type", "must be \"password\"");
  }
  return Login(ctx, username, password, &errors);
}

Response HandleLoginJson(const ApiContext& ctx, const Request& req) {
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  FieldErrors errors("body");
  std::optional<std::string> username, password;
  ReadString(body, "username", true, &errors, &username);
  ReadString(body, "password", true, &errors, &password);
  return Login(ctx, username, password, &errors);
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
  service::ProfileChange change;
  ReadString(body, "username", false, &errors, &change.username);
  ReadString(body, "email", false, &errors, &change.email);
  ReadString(body, "full_name", false, &errors, &change.full_name);
  ReadString(body, "bio", false, &errors, &change.bio);
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
  std::optional<std::string> current, replacement;
  ReadString(body, "current_password", true, &errors, &current);
  ReadString(body, "new_password", true, &errors, &replacement);
  if (!errors.empty()) return errors.ToResponse();
  Status changed = ctx.accounts->ChangePassword(*caller, *current, *replacement);
  if (!changed.ok()) return ErrorFromStatus(changed, "body");
  return Response::Json(200, {{"message", "Password changed; sign in again"}});
}

namespace {

// The {user_id} path parameter; the 422 to send when it is not a positive integer.
std::optional<Response> UserIdParam(const Request& req, int64_t* id) {
  auto n = ParseInt(req.path_params.at("user_id"));
  if (n && *n > 0) {
    *id = *n;
    return std::nullopt;
  }
  return ValidationError("path", "user_id", "must be a positive integer", "type_error");
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
  std::optional<std::string> name;
  ReadString(body, "name", true, &errors, &name);
  std::optional<int64_t> days;
  if (auto it = body.find("expires_in_days"); it != body.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      days = it->get<int64_t>();
    } else {
      errors.Add("expires_in_days", "must be an integer", "type_error");
    }
  }
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
  auto id = ParseInt(req.path_params.at("key_id"));
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
  int64_t skip = 0;
  int64_t limit = service::kDefaultUserPageSize;
  for (auto [name, out] : {std::pair{"skip", &skip}, std::pair{"limit", &limit}}) {
    if (auto v = req.Query(name)) {
      if (auto n = ParseInt(*v)) {
        *out = *n;
      } else {
        errors.Add(name, "must be an integer", "type_error");
      }
    }
  }
  if (!errors.empty()) return errors.ToResponse();
  auto users = ctx.accounts->ListUsers(*caller, skip, limit);
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
  std::optional<bool> is_active, is_superuser;
  for (auto [name, out] :
       {std::pair{"is_active", &is_active}, std::pair{"is_superuser", &is_superuser}}) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_boolean()) {
      errors.Add(name, "must be a boolean", "type_error");
      continue;
    }
    *out = it->get<bool>();
  }
  if (!errors.empty()) return errors.ToResponse();
  auto user = ctx.accounts->SetFlags(*caller, id, is_active, is_superuser);
  if (!user.ok()) return ErrorResponse(user.status());
  return Response::Json(200, UserJson(*user));
}

}  // namespace swha::http
