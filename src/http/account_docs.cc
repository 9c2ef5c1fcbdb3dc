// The fields and documentation of the account endpoints: /api/v1/auth/* (register, login, API
// keys) and /api/v1/users* (one's own profile, and the administrators' user management).
#include "http/account_fields.h"
#include "http/docs.h"
#include "service/account_service.h"

namespace swha::http {

using nlohmann::json;

namespace {

std::string Str(size_t n) { return std::to_string(n); }

}  // namespace

namespace account_fields {

const Field kUsername{.name = "username",
                      .description = Str(service::kMinUsernameLength) + " to " +
                                     Str(service::kMaxUsernameLength) +
                                     " characters: letters, digits, '_', '.' and '-'. Unique, "
                                     "whatever the case.",
                      .required = true,
                      .max_length = service::kMaxUsernameLength,
                      .example = "grace",
                      .nullable = false};
const Field kEmail{.name = "email",
                   .description = "An email address; unique, whatever the case.",
                   .required = true,
                   .max_length = service::kMaxEmailLength,
                   .example = "grace@example.com",
                   .nullable = false};
const Field kPassword{.name = "password",
                      .description = Str(service::kMinPasswordLength) + " to " +
                                     Str(service::kMaxPasswordLength) + " characters.",
                      .required = true,
                      .max_length = service::kMaxPasswordLength,
                      .nullable = false};
const Field kFullName{.name = "full_name",
                      .description = "Shown as given.",
                      .max_length = service::kMaxFullNameLength,
                      .example = "Grace Hopper"};
const Field kBio{.name = "bio", .max_length = service::kMaxBioLength};
const Field kLoginUsername{.name = "username",
                           .description = "The username (not the email).",
                           .required = true,
                           .example = "ada",
                           .nullable = false};
const Field kLoginPassword{.name = "password", .required = true, .nullable = false};
const Field kGrantType{.name = "grant_type",
                       .description = "OAuth2's password grant; when sent, it must say so.",
                       .enum_values = {"password"},
                       .nullable = false};
const Field kNewUsername{.name = "username",
                         .description = "A new username; the rules of registration apply.",
                         .max_length = service::kMaxUsernameLength};
const Field kNewEmail{
    .name = "email", .description = "A new email address.", .max_length = service::kMaxEmailLength};
const Field kCurrentPassword{.name = "current_password", .required = true, .nullable = false};
const Field kNewPassword{.name = "new_password",
                         .description = Str(service::kMinPasswordLength) + " to " +
                                        Str(service::kMaxPasswordLength) + " characters.",
                         .required = true,
                         .max_length = service::kMaxPasswordLength,
                         .nullable = false};
const Field kApiKeyName{.name = "name",
                        .description = "What the key is for, to tell keys apart.",
                        .required = true,
                        .max_length = service::kMaxApiKeyNameLength,
                        .example = "CI pipeline",
                        .nullable = false};
const Field kApiKeyExpiresInDays{.name = "expires_in_days",
                                 .type = FieldType::kInteger,
                                 .description =
                                     "Days the key works; absent or null: until "
                                     "revoked.",
                                 .minimum = 1,
                                 .maximum = static_cast<double>(service::kMaxApiKeyDays)};
const Field kApiKeyId{.name = "key_id",
                      .type = FieldType::kInteger,
                      .description =
                          "The key's id, from the listing. An id that names none of "
                          "the caller's keys is not found.",
                      .required = true};
const Field kSkip{.name = "skip",
                  .type = FieldType::kInteger,
                  .description = "Users to pass over, in id order.",
                  .default_value = 0,
                  .minimum = 0};
const Field kLimit{.name = "limit",
                   .type = FieldType::kInteger,
                   .description = "Users per page.",
                   .default_value = service::kDefaultUserPageSize,
                   .minimum = 1,
                   .maximum = static_cast<double>(service::kMaxUserPageSize)};
const Field kUserId{.name = "user_id",
                    .type = FieldType::kInteger,
                    .required = true,
                    .minimum = 1,
                    .type_message = "must be a positive integer"};
const Field kIsActive{.name = "is_active",
                      .type = FieldType::kBoolean,
                      .description = "false: the user can no longer sign in. Absent: unchanged."};
const Field kIsSuperuser{.name = "is_superuser",
                         .type = FieldType::kBoolean,
                         .description = "Administrator rights. Absent: unchanged."};

}  // namespace account_fields

namespace {

namespace fields = account_fields;

json UserExample(int64_t id, const std::string& username, json full_name = nullptr,
                 json bio = nullptr, json updated_at = nullptr) {
  return {{"id", id},
          {"username", username},
          {"email", username + "@example.com"},
          {"full_name", std::move(full_name)},
          {"bio", std::move(bio)},
          {"is_active", true},
          {"is_superuser", false},
          {"profile_image", nullptr},
          {"created_at", "2026-12-01T12:00:00Z"},
          {"updated_at", std::move(updated_at)}};
}

json ApiKeyExample() {
  return {{"id", 3},
          {"name", "CI pipeline"},
          {"prefix", "swha_Zk3q9Xa"},
          {"created_at", "2026-12-01T12:00:00Z"},
          {"expires_at", "2027-03-01T12:00:00Z"},
          {"last_used_at", nullptr}};
}

// FastAPI's 422 answer for one field.
json FieldError(const std::string& location, const std::string& field, const std::string& msg,
                const std::string& type = "value_error") {
  return {{"detail", {{{"loc", {location, field}}, {"msg", msg}, {"type", type}}}}};
}

json Detail(const std::string& detail) { return {{"detail", detail}}; }

ResponseDoc UserAnswer(std::string description, std::map<std::string, ExampleDoc> examples) {
  return {.status = 200,
          .description = std::move(description),
          .schema = SchemaRef("User"),
          .examples = std::move(examples)};
}

ResponseDoc MessageAnswer(std::string description, std::map<std::string, ExampleDoc> examples) {
  return {.status = 200,
          .description = std::move(description),
          .schema = SchemaRef("Message"),
          .examples = std::move(examples)};
}

ResponseDoc Error(int status, std::string description,
                  std::map<std::string, ExampleDoc> examples = {}) {
  return {.status = status,
          .description = std::move(description),
          .schema = SchemaRef("Error"),
          .examples = std::move(examples)};
}

ResponseDoc Invalid(std::map<std::string, ExampleDoc> examples) {
  return {.status = 422,
          .description = "A field is missing, of the wrong type or out of range.",
          .schema = SchemaRef("ValidationError"),
          .examples = std::move(examples)};
}

ResponseDoc TokenAnswer() {
  return {.status = 200,
          .description = "An access token, to send as `Authorization: Bearer <token>`.",
          .schema = SchemaRef("Token"),
          .examples = {{"ada",
                        {.value = {{"access_token", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9..."},
                                   {"token_type", "bearer"},
                                   {"expires_in", 1800}}}}}};
}

std::map<std::string, ExampleDoc> LoginExamples() {
  return {{"ada",
           {.summary = "A registered user",
            .value = {{"username", "ada"}, {"password", "correct-horse-battery"}}}},
          {"wrong_password",
           {.summary = "The wrong password",
            .value = {{"username", "ada"}, {"password", "not-the-password"}}}},
          {"missing_password", {.summary = "No password", .value = {{"username", "ada"}}}}};
}

std::vector<ResponseDoc> LoginAnswers(const std::string& bad_body) {
  return {TokenAnswer(), Error(400, bad_body + ", or the user is inactive (\"Inactive user\")."),
          Error(401, "The username or the password is wrong (one answer for both).",
                {{"wrong_password", {.value = Detail("Incorrect username or password")}}}),
          Invalid({{"missing_password",
                    {.value = FieldError("body", "password", "field required", "missing")}}})};
}

// A {user_id} parameter with examples of those names; "bob" is the user_id fixture.
ParameterDoc UserIdParameter(std::map<std::string, ExampleDoc> examples) {
  return {.in = "path", .field = fields::kUserId, .examples = std::move(examples)};
}

ExampleDoc Bob() { return {.summary = "Another user", .value = 2, .fixtures = {{"", "user_id"}}}; }

}  // namespace

OperationDoc RegisterDoc(const DocContext&) {
  return {
      .tag = "auth",
      .summary = "Make an account",
      .description = "Then sign in with POST /api/v1/auth/login (or login-json) for a token.",
      .body = BodyDoc{.fields = {fields::kUsername, fields::kEmail, fields::kPassword,
                                 fields::kFullName, fields::kBio},
                      .examples = {{"grace",
                                    {.summary = "A new user",
                                     .value = {{"username", "grace"},
                                               {"email", "grace@example.com"},
                                               {"password", "analytical-engine-1843"},
                                               {"full_name", "Grace Hopper"}}}},
                                   {"invalid",
                                    {.summary = "Every field error at once",
                                     .value = {{"username", "x y"},
                                               {"email", "not-an-email"},
                                               {"password", "short"}}}}}},
      .responses = {
          UserAnswer("The new user.",
                     {{"grace", {.value = UserExample(3, "grace", "Grace Hopper")}}}),
          Error(400,
                "The body is not well-formed JSON, or the username or email is taken "
                "(\"Email or username already registered\")."),
          Invalid(
              {{"invalid",
                {.value = {{"detail",
                            {{{"loc", {"body", "username"}},
                              {"msg",
                               "may hold only letters, digits, '_', '.' "
                               "and '-'"},
                              {"type", "value_error"}},
                             {{"loc", {"body", "email"}},
                              {"msg", "is not a valid email address"},
                              {"type", "value_error"}},
                             {{"loc", {"body", "password"}},
                              {"msg", "must be " + Str(service::kMinPasswordLength) + " to " +
                                          Str(service::kMaxPasswordLength) + " characters long"},
                              {"type", "value_error"}}}}}}}})}};
}

OperationDoc LoginFormDoc(const DocContext&) {
  return {.tag = "auth",
          .summary = "Sign in: OAuth2's password form",
          .description =
              "An application/x-www-form-urlencoded body, as OAuth2's password grant "
              "sends it (Swagger UI's Authorize button uses this).",
          .body = BodyDoc{.content_type = "application/x-www-form-urlencoded",
                          .fields = {fields::kLoginUsername, fields::kLoginPassword,
                                     fields::kGrantType},
                          .examples = LoginExamples()},
          .responses = LoginAnswers("The form is malformed (\"Malformed form body\")")};
}

OperationDoc LoginJsonDoc(const DocContext&) {
  return {.tag = "auth",
          .summary = "Sign in with a JSON body",
          .body = BodyDoc{.fields = {fields::kLoginUsername, fields::kLoginPassword},
                          .examples = LoginExamples()},
          .responses = LoginAnswers("The body is not well-formed JSON")};
}

OperationDoc CreateApiKeyDoc(const DocContext&) {
  json created = ApiKeyExample();
  created["key"] = "swha_Zk3q9Xa0n7m2LwP4sVtB8yR1cE6dH5jK9uQ3fG0a";
  return {
      .tag = "auth",
      .summary = "Make an API key for programs",
      .description =
          "The key is shown once, in this answer; send it as `Authorization: Bearer "
          "<key>`. At most " +
          Str(service::kMaxApiKeysPerUser) + " keys per user.",
      .access = Access::kUser,
      .body = BodyDoc{.fields = {fields::kApiKeyName, fields::kApiKeyExpiresInDays},
                      .examples = {{"ci",
                                    {.summary = "A key for 90 days",
                                     .value = {{"name", "CI pipeline"}, {"expires_in_days", 90}}}},
                                   {"zero_days",
                                    {.summary = "expires_in_days below 1",
                                     .value = {{"name", "CI pipeline"}, {"expires_in_days", 0}}}}}},
      .responses = {
          {.status = 200,
           .description = "The key, with the key itself.",
           .schema = SchemaRef("CreatedApiKey"),
           .examples = {{"ci", {.value = created}}}},
          Error(400, "The body is not well-formed JSON, or the caller has " +
                         Str(service::kMaxApiKeysPerUser) + " keys already."),
          Invalid({{"zero_days",
                    {.value = FieldError(
                         "body", "expires_in_days",
                         "must be from 1 to " + std::to_string(service::kMaxApiKeyDays))}}})}};
}

OperationDoc ListApiKeysDoc(const DocContext&) {
  return {.tag = "auth",
          .summary = "The caller's API keys",
          .description = "Without the keys themselves: only their first characters.",
          .access = Access::kUser,
          .responses = {
              {.status = 200,
               .description = "Every key of the caller's.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"api_keys", {{"type", "array"}, {"items", SchemaRef("ApiKey")}}},
                            {"total_count", {{"type", "integer"}}}}},
                          {"required", {"api_keys", "total_count"}}},
               .examples = {{"default",
                             {.value = {{"api_keys", {ApiKeyExample()}}, {"total_count", 1}}}}}}}};
}

OperationDoc RevokeApiKeyDoc(const DocContext&) {
  return {.tag = "auth",
          .summary = "Revoke one of the caller's API keys",
          .access = Access::kUser,
          .parameters = {{.in = "path",
                          .field = fields::kApiKeyId,
                          .examples = {{"mine",
                                        {.summary = "One of the caller's keys",
                                         .value = 3,
                                         .fixtures = {{"", "api_key_id"}}}},
                                       {"unknown",
                                        {.summary = "No key of the caller's", .value = 987654}}}}},
          .responses = {MessageAnswer("The key no longer works.",
                                      {{"mine", {.value = {{"message", "API key revoked"}}}}}),
                        Error(404, "No key of the caller's has this id.",
                              {{"unknown", {.value = Detail("API key not found")}}})}};
}

OperationDoc GetMeDoc(const DocContext&) {
  return {.tag = "users",
          .summary = "The signed-in user",
          .access = Access::kUser,
          .responses = {
              UserAnswer("The caller's account.", {{"default", {.value = UserExample(1, "ada")}}}),
              Error(401, "No credentials, or they are not valid.",
                    {{"anonymous",
                      {.summary = "No credentials",
                       .value = Detail("Not authenticated"),
                       .anonymous = true}}})}};
}

OperationDoc UpdateMeDoc(const DocContext&) {
  return {
      .tag = "users",
      .summary = "Change the signed-in user's profile",
      .description = "Fields left out (or null) stay as they are.",
      .access = Access::kUser,
      .body = BodyDoc{.fields = {fields::kNewUsername, fields::kNewEmail, fields::kFullName,
                                 fields::kBio},
                      .examples = {{"profile",
                                    {.summary = "A name and a bio",
                                     .value = {{"full_name", "Ada Lovelace"},
                                               {"bio", "Wrote the first program."}}}},
                                   {"bad_email",
                                    {.summary = "Not an email address",
                                     .value = {{"email", "not-an-email"}}}}}},
      .responses = {
          UserAnswer("The account as it is now.",
                     {{"profile",
                       {.value = UserExample(1, "ada", "Ada Lovelace", "Wrote the first program.",
                                             "2026-12-01T12:05:00Z")}}}),
          Error(400,
                "The body is not well-formed JSON, or the username or email is "
                "another user's (\"Username already taken\", \"Email already "
                "taken\")."),
          Invalid({{"bad_email",
                    {.value = FieldError("body", "email", "is not a valid email address")}}})}};
}

OperationDoc ChangePasswordDoc(const DocContext&) {
  return {
      .tag = "users",
      .summary = "Change the signed-in user's password",
      .description = "Every token issued before stops working: sign in again.",
      .access = Access::kUser,
      .body = BodyDoc{.fields = {fields::kCurrentPassword, fields::kNewPassword},
                      .examples = {{"wrong_current",
                                    {.summary = "The current password is wrong",
                                     .value = {{"current_password", "not-my-password"},
                                               {"new_password", "another-horse-battery"}}}},
                                   {"short",
                                    {.summary = "A new password too short",
                                     .value = {{"current_password", "correct-horse-battery"},
                                               {"new_password", "short"}}}}}},
      // No success example: it would end the token the other examples are sent with.
      .responses = {MessageAnswer("Changed; every earlier token is refused from now on.", {}),
                    Error(400,
                          "The body is not well-formed JSON, or current_password is wrong "
                          "(\"Incorrect password\").",
                          {{"wrong_current", {.value = Detail("Incorrect password")}}}),
                    Invalid({{"short",
                              {.value = FieldError("body", "new_password",
                                                   "must be " + Str(service::kMinPasswordLength) +
                                                       " to " + Str(service::kMaxPasswordLength) +
                                                       " characters long")}}})}};
}

OperationDoc ListUsersDoc(const DocContext&) {
  return {
      .tag = "users",
      .summary = "Every user, a page at a time",
      .access = Access::kSuperuser,
      .parameters = {{.in = "query", .field = fields::kSkip},
                     {.in = "query",
                      .field = fields::kLimit,
                      .examples = {{"first_page", {.summary = "Ten users", .value = 10}},
                                   {"too_many",
                                    {.summary = "Past the page limit",
                                     .value = service::kMaxUserPageSize + 1}}}}},
      .responses = {
          {.status = 200,
           .description = "The users, in id order.",
           .schema = {{"type", "array"}, {"items", SchemaRef("User")}},
           .examples = {{"first_page", {.value = {UserExample(1, "ada"), UserExample(2, "bob")}}}}},
          Invalid({{"too_many",
                    {.value = FieldError(
                         "query", "limit",
                         "must be from 1 to " + std::to_string(service::kMaxUserPageSize))}}})}};
}

OperationDoc GetUserDoc(const DocContext&) {
  return {
      .tag = "users",
      .summary = "One user",
      .description = "A user may read their own account; any other, only a superuser.",
      .access = Access::kSuperuser,
      .parameters = {UserIdParameter(
          {{"bob", Bob()},
           {"unknown", {.summary = "No such user", .value = 987654}},
           {"zero", {.summary = "Not a positive integer", .value = 0}}})},
      .responses = {
          UserAnswer("The user.", {{"bob", {.value = UserExample(2, "bob")}}}),
          Error(404, "No user has this id.", {{"unknown", {.value = Detail("User not found")}}}),
          Invalid({{"zero",
                    {.value = FieldError("path", "user_id", fields::kUserId.type_message,
                                         "type_error")}}})}};
}

OperationDoc DeleteUserDoc(const DocContext&) {
  return {
      .tag = "users",
      .summary = "Delete a user",
      .description =
          "Their sessions stay until cleaned up. A superuser cannot delete "
          "themselves.",
      .access = Access::kSuperuser,
      .parameters = {UserIdParameter(
          {{"doomed",
            {.summary = "A user to delete", .value = 4, .fixtures = {{"", "doomed_user_id"}}}},
           {"unknown", {.summary = "No such user", .value = 987654}}})},
      .responses = {
          MessageAnswer("Deleted.",
                        {{"doomed", {.value = {{"message", "User deleted successfully"}}}}}),
          Error(400,
                "The caller tried to delete themselves (\"Cannot delete "
                "yourself\")."),
          Error(404, "No user has this id.", {{"unknown", {.value = Detail("User not found")}}})}};
}

OperationDoc PatchUserDoc(const DocContext&) {
  return {
      .tag = "users",
      .summary = "Set a user's flags",
      .description =
          "A superuser cannot deactivate themselves or drop their own rights, so an "
          "installation is never left without an administrator by accident.",
      .access = Access::kSuperuser,
      .parameters = {UserIdParameter({{"activate", Bob()}, {"not_boolean", Bob()}})},
      .body = BodyDoc{.fields = {fields::kIsActive, fields::kIsSuperuser},
                      .examples = {{"activate",
                                    {.summary = "An active user without rights",
                                     .value = {{"is_active", true}, {"is_superuser", false}}}},
                                   {"not_boolean",
                                    {.summary = "A flag that is not a boolean",
                                     .value = {{"is_active", "yes"}}}}}},
      .responses = {
          UserAnswer(
              "The user as they are now.",
              {{"activate",
                {.value = UserExample(2, "bob", nullptr, nullptr, "2026-12-01T12:05:00Z")}}}),
          Error(400,
                "The body is not well-formed JSON, or the superuser tried to "
                "deactivate themselves or drop their own rights."),
          Error(404, "No user has this id."),
          Invalid(
              {{"not_boolean",
                {.value = FieldError("body", "is_active", "must be a boolean", "type_error")}}})}};
}

}  // namespace swha::http
