#include "http/openapi.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace swha::http {

using nlohmann::json;

namespace {

// Every tag an operation may carry and what it groups, in the order readers meet them.
const std::vector<std::pair<std::string, std::string>> kTagDescriptions = {
    {"tts", "Text to speech: generate audio, timing marks, voices and languages."},
    {"sessions", "A user's generated sessions: list, fetch with fresh URLs, delete, presign."},
    {"audio", "Stored audio behind signed local URLs."},
    {"auth", "Registration, sign-in and API keys."},
    {"users", "The signed-in user's account, and user administration for superusers."},
    {"admin", "Operator reports for superusers."},
    {"lipsync", "Lipsync jobs: video plus generated speech, rendered by sync.so."},
    {"openai", "OpenAI-compatible speech: POST /v1/audio/speech and its models and voices."},
    {"service", "The service itself: what it is, health, metrics, this document."},
};

json ExamplesJson(const std::map<std::string, ExampleDoc>& examples) {
  json out = json::object();
  for (const auto& [name, example] : examples) {
    json e = json::object();
    if (!example.summary.empty()) e["summary"] = example.summary;
    if (!example.value.is_null()) e["value"] = example.value;
    if (!example.fixtures.empty()) e["x-swha-fixtures"] = example.fixtures;
    if (example.anonymous) e["x-swha-anonymous"] = true;
    out[name] = std::move(e);
  }
  return out;
}

json ObjectSchema(const std::vector<Field>& fields) {
  json properties = json::object();
  json required = json::array();
  for (const Field& f : fields) {
    properties[f.name] = f.Schema();
    if (f.required) required.push_back(f.name);
  }
  json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = std::move(required);
  return schema;
}

json SecurityFor(Access access) {
  switch (access) {
    case Access::kPublic:
    case Access::kSignedRequest: return json::array();
    case Access::kOptionalUser:
      // {} first: no credentials at all is one of the accepted choices.
      return json::array({json::object(),
                          {{"bearerAuth", json::array()}},
                          {{"apiKeyAuth", json::array()}},
                          {{"passwordLogin", json::array()}}});
    case Access::kUser:
    case Access::kSuperuser:
      return json::array({{{"bearerAuth", json::array()}},
                          {{"apiKeyAuth", json::array()}},
                          {{"passwordLogin", json::array()}}});
    case Access::kMetricsToken:
      return json::array({json::object(), {{"metricsToken", json::array()}}});
  }
  return json::array();
}

const char* AccessName(Access access) {
  switch (access) {
    case Access::kPublic: return "public";
    case Access::kOptionalUser: return "optional-user";
    case Access::kUser: return "user";
    case Access::kSuperuser: return "superuser";
    case Access::kMetricsToken: return "metrics-token";
    case Access::kSignedRequest: return "signed-request";
  }
  return "public";
}

ResponseDoc ErrorAnswer(int status, std::string description, bool openai) {
  return {.status = status,
          .description = std::move(description),
          .schema = SchemaRef(openai ? "OpenAiError" : "Error")};
}

// The answers every operation of its kind can give, beside the ones its doc lists.
std::vector<ResponseDoc> CommonAnswers(const Route& route, const OperationDoc& doc) {
  std::vector<ResponseDoc> out;
  const bool openai = doc.openai_errors;
  if (route.rate_limit == RateLimit::kPerAddress) {
    ResponseDoc limited = ErrorAnswer(
        429,
        "Past RATE_LIMIT_PER_MINUTE for the client's address or user (when it is set), or past "
        "MAX_SYNTHESES_PER_USER for an operation that synthesizes.",
        openai);
    limited.headers = {{"Retry-After", "Seconds until a request will be admitted."}};
    out.push_back(std::move(limited));
  }
  if (doc.access == Access::kUser || doc.access == Access::kSuperuser ||
      doc.access == Access::kOptionalUser) {
    out.push_back(ErrorAnswer(401, "Not authenticated, or the credentials are not valid.", openai));
  }
  if (doc.access == Access::kSuperuser) {
    out.push_back(ErrorAnswer(403, "The caller is not a superuser.", openai));
  }
  if (doc.body && doc.body->content_type == "application/json") {
    out.push_back(ErrorAnswer(400, "The body is not well-formed JSON.", openai));
  }
  // A path parameter that names nothing is a 404; only query and body fields are a 422.
  // A signed request with a bad part fails its signature check (403), never a field check.
  const bool has_fields = doc.access != Access::kSignedRequest &&
                          (std::any_of(doc.parameters.begin(), doc.parameters.end(),
                                       [](const ParameterDoc& p) { return p.in == "query"; }) ||
                           (doc.body && !doc.body->fields.empty()));
  if (has_fields && !openai) {
    out.push_back({.status = 422,
                   .description = "A field is missing, of the wrong type or out of range.",
                   .schema = SchemaRef("ValidationError")});
  }
  out.push_back(
      ErrorAnswer(500, "A fault on the server's side; nothing about the request.", openai));
  return out;
}

json ResponseJson(const ResponseDoc& r) {
  json out = {{"description", r.description}};
  if (!r.content_type.empty()) {
    json media = json::object();
    if (!r.schema.is_null()) media["schema"] = r.schema;
    if (!r.examples.empty()) media["examples"] = ExamplesJson(r.examples);
    out["content"] = {{r.content_type, std::move(media)}};
  }
  if (!r.headers.empty()) {
    json headers = json::object();
    for (const auto& [name, description] : r.headers) {
      headers[name] = {{"description", description}, {"schema", {{"type", "string"}}}};
    }
    out["headers"] = std::move(headers);
  }
  return out;
}

// "/api/v1/tts/sessions/{session_id}" + DELETE → "deleteApiV1TtsSessionsSessionId".
std::string OperationId(const std::string& method, const std::string& pattern) {
  std::string id;
  for (char c : method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upper = true;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      upper = true;
      continue;
    }
    id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return id;
}

// The status of the response with an example named `name`; 0 when none has.
int AnswerStatusOf(const OperationDoc& doc, const std::string& name) {
  for (const ResponseDoc& r : doc.responses) {
    if (r.examples.count(name) > 0) return r.status;
  }
  return 0;
}

json OperationJson(const Route& route, const OperationDoc& doc) {
  json op = {{"operationId", OperationId(route.method, route.pattern)},
             {"summary", doc.summary},
             {"tags", {doc.tag}},
             {"security", SecurityFor(doc.access)},
             {"x-swha-access", AccessName(doc.access)}};
  if (!doc.description.empty()) op["description"] = doc.description;
  if (!doc.parameters.empty()) {
    json params = json::array();
    for (const ParameterDoc& p : doc.parameters) {
      json param = {{"name", p.field.name},
                    {"in", p.in},
                    {"required", p.in == "path" || p.field.required},
                    {"schema", p.field.Schema()}};
      if (!p.field.description.empty()) param["description"] = p.field.description;
      if (!p.examples.empty()) param["examples"] = ExamplesJson(p.examples);
      params.push_back(std::move(param));
    }
    op["parameters"] = std::move(params);
  }
  if (doc.body) {
    json media = {{"schema", ObjectSchema(doc.body->fields)}};
    // A body the server refuses does not fit the schema, and a validator (or Swagger UI's
    // "Try it out") would flag it as a bad example: those go under an extension of their own,
    // shown through their error answers and still sent by the example tests.
    std::map<std::string, ExampleDoc> valid;
    std::map<std::string, ExampleDoc> refused;
    for (const auto& [name, example] : doc.body->examples) {
      (AnswerStatusOf(doc, name) >= 400 ? refused : valid).emplace(name, example);
    }
    if (!valid.empty()) media["examples"] = ExamplesJson(valid);
    if (!refused.empty()) media["x-swha-refused-examples"] = ExamplesJson(refused);
    op["requestBody"] = {{"required", true},
                         {"content", {{doc.body->content_type, std::move(media)}}}};
  }
  json responses = json::object();
  for (const ResponseDoc& r : doc.responses) {
    // One status may answer in several media types (OpenAI speech: one per format).
    const std::string status = std::to_string(r.status);
    json answer = ResponseJson(r);
    if (responses.contains(status) && answer.contains("content")) {
      responses[status]["content"].update(answer["content"]);
      if (answer.contains("headers")) responses[status]["headers"].update(answer["headers"]);
    } else {
      responses[status] = std::move(answer);
    }
  }
  for (const ResponseDoc& r : CommonAnswers(route, doc)) {
    const std::string status = std::to_string(r.status);
    if (!responses.contains(status)) responses[status] = ResponseJson(r);
  }
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

json SchemaRef(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

Result<json> BuildOpenApiDocument(const std::vector<Route>& routes, const DocContext& ctx) {
  json paths = json::object();
  std::set<std::string> tags;
  for (const Route& route : routes) {
    if (route.doc == nullptr) {
      return Status::Internal("route " + route.method + " " + route.pattern + " has no doc");
    }
    const OperationDoc doc = route.doc(ctx);
    tags.insert(doc.tag);
    std::string method = route.method;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[route.pattern][method] = OperationJson(route, doc);
  }
  json tag_list = json::array();
  for (const auto& [tag, description] : kTagDescriptions) {
    if (tags.erase(tag) > 0) tag_list.push_back({{"name", tag}, {"description", description}});
  }
  if (!tags.empty()) return Status::Internal("tag " + *tags.begin() + " has no description");
  json info = {{"title", "swha-tts"},
               {"version", SWHA_VERSION},
               {"summary", "Text to speech, stored locally or in S3, with presigned URLs."},
               {"description",
                "Every error is JSON: FastAPI's {\"detail\": ...} shape, or OpenAI's "
                "{\"error\": {...}} under /v1/."}};
  json schemes = {
      {"bearerAuth",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"bearerFormat", "JWT"},
        {"description", "An access token from POST /api/v1/auth/login-json."}}},
      {"apiKeyAuth",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "An API key from POST /api/v1/auth/api-keys, sent as the bearer token."}}},
      {"passwordLogin",
       {{"type", "oauth2"},
        {"description", "Username and password, exchanged for an access token."},
        {"flows",
         {{"password", {{"tokenUrl", "/api/v1/auth/login"}, {"scopes", json::object()}}}}}}},
      {"metricsToken",
       {{"type", "http"},
        {"scheme", "bearer"},
        {"description", "METRICS_TOKEN, when the operator set one."}}}};
  json document = json::object();
  document["openapi"] = "3.1.0";
  document["info"] = std::move(info);
  document["servers"] = json::array({{{"url", "/"}, {"description", "This server"}}});
  document["tags"] = std::move(tag_list);
  document["paths"] = std::move(paths);
  document["components"] = {{"schemas", ComponentSchemas()},
                            {"securitySchemes", std::move(schemes)}};
  return document;
}

}  // namespace swha::http
