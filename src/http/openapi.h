// GET /openapi.json: an OpenAPI 3.1 document built from the route table, each route's
// OperationDoc and the Fields its handler reads (http/fields.h) — one source, so a route or a
// field cannot be documented differently from how it behaves.
//
// Examples are named: a request example (a body's or a parameter's) named K is answered by the
// response that has an example named K, and the example tests (tests/openapi) send every one
// of them to a running server and check that status and that schema. A response example with
// no request example of its name is the answer to the request with no parameters or body.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/settings.h"
#include "http/fields.h"
#include "http/router.h"
#include "util/status.h"

namespace swha::http {

// Who may call an operation; it picks the security requirement and the error answers every
// such operation has (401, 403).
enum class Access {
  kPublic,         // no credentials
  kOptionalUser,   // anonymous allowed while ALLOW_ANONYMOUS is on; a user's own otherwise
  kUser,           // a signed-in user (bearer token or API key)
  kSuperuser,      // a signed-in superuser
  kMetricsToken,   // METRICS_TOKEN as a bearer token, when set
  kSignedRequest,  // authenticated by the request's own signature (signed URL, webhook)
};

struct ExampleDoc {
  std::string summary;
  nlohmann::json value;  // null: none shown (binary bodies)
  // For live runs: JSON pointer into `value` (or "" for the whole value) → the name of a
  // resource the example tests make first ("session_id", "api_key_id", ...), whose real value
  // replaces the placeholder. Documented as the x-swha-fixtures extension.
  std::map<std::string, std::string> fixtures;
  // For live runs: send this request without credentials (x-swha-anonymous).
  bool anonymous = false;
};

struct ParameterDoc {
  std::string in;  // "query", "path" or "header"
  Field field;
  std::map<std::string, ExampleDoc> examples;  // example name → value
};

struct BodyDoc {
  std::string content_type = "application/json";
  std::vector<Field> fields;                   // the object's properties
  std::map<std::string, ExampleDoc> examples;  // example name → body
};

struct ResponseDoc {
  int status = 200;
  std::string description;
  std::string content_type = "application/json";  // "" for no body
  nlohmann::json schema;                          // a JSON Schema or {"$ref": ...}
  std::map<std::string, ExampleDoc> examples;     // example name → body
  std::map<std::string, std::string> headers;     // name → description
};

struct OperationDoc {
  std::string tag;
  std::string summary;
  std::string description;
  Access access = Access::kPublic;
  std::vector<ParameterDoc> parameters;
  std::optional<BodyDoc> body;
  std::vector<ResponseDoc> responses;
  // OpenAI-compatible routes answer errors in OpenAI's shape, the rest in FastAPI's.
  bool openai_errors = false;
};

// What the documentation may depend on: the configured limits.
struct DocContext {
  const config::Settings* settings = nullptr;
};

// The whole document, from `routes` (every one must have a doc; else an Internal status that
// names the route).
Result<nlohmann::json> BuildOpenApiDocument(const std::vector<Route>& routes,
                                            const DocContext& ctx);

// The schemas the responses share, by name (#/components/schemas/<name>): openapi_schemas.cc.
nlohmann::json ComponentSchemas();
// {"$ref": "#/components/schemas/<name>"}
nlohmann::json SchemaRef(const std::string& name);

}  // namespace swha::http
