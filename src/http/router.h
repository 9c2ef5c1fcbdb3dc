// The HTTP vocabulary shared by the route table and the handlers, independent of the server
// library (http/server.cc is the only file that includes httplib).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/registry.h"

namespace swha::http {

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> path_params;   // from "{name}" route segments
  std::multimap<std::string, std::string> query;    // decoded
  std::multimap<std::string, std::string> headers;  // names lowercased
  std::string body;

  std::optional<std::string> Query(const std::string& name) const;
  std::optional<std::string> Header(const std::string& lowercase_name) const;
};

// Sends part of a streamed body; blocks while the client reads slowly (the back-pressure that
// keeps a stream's memory bounded) and returns false once the client is gone.
using BodyWriter = std::function<bool(std::string_view bytes)>;
// Produces a streamed body through `write`, on the request's worker thread, after the status
// and headers have gone out with chunked transfer encoding. Returns false to abort the
// response (the client then sees it cut short, never a complete-looking body).
using StreamedBody = std::function<bool(const BodyWriter& write)>;

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  StreamedBody stream;  // when set, the body is streamed and `body` is ignored

  static Response Json(int status, const nlohmann::json& body);
};

using Handler = std::function<Response(const Request&)>;

// A route's documentation (http/openapi.h), built on demand for /openapi.json.
struct OperationDoc;
struct DocContext;
using DocBuilder = OperationDoc (*)(const DocContext&);

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/v1/tts/generate", "/static/audio/{session}/{file}"
  Handler handler;
  DocBuilder doc = nullptr;  // every route of the service has one (openapi_test.cc)
};

// Matches method + path against the route table. Thread-safe after construction.
class Router {
 public:
  // With `metrics` (borrowed; it must outlive the router), every dispatch is counted by route
  // template, method and status (swha_http_requests_total) and timed
  // (swha_http_request_duration_seconds); a path no route matches counts as route "unmatched",
  // so raw paths never become label values.
  explicit Router(std::vector<Route> routes, metrics::Registry* metrics = nullptr);

  // Unknown path → 404, known path with another method → 405 (with Allow), else the handler's
  // response. Never throws: a handler's exception becomes a 500 JSON error.
  Response Dispatch(Request& request) const;

 private:
  static bool Match(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>* params);
  // The route's response, or the 404/405 when none matches; `pattern` gets the matched one.
  Response Answer(Request& request, std::string_view* pattern) const;

  std::vector<Route> routes_;
  metrics::Family* requests_ = nullptr;  // nullptr without metrics
  metrics::Family* durations_ = nullptr;
};

}  // namespace swha::http
