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
#include "util/status.h"

namespace swha::http {

struct Request {
  std::string method;
  std::string path;
  std::string remote_address;                       // the peer's IP address ("" when not known)
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

// Whether a route's requests count against the per-address rate limit (the router's gate).
// Monitoring, the web page's files, signed audio and the provider's webhook do not.
enum class RateLimit { kPerAddress, kNone };

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/v1/tts/generate", "/static/audio/{session}/{file}"
  Handler handler;
  DocBuilder doc = nullptr;  // every route of the service has one (openapi_test.cc)
  RateLimit rate_limit = RateLimit::kPerAddress;
};

// Asked before the handler of every RateLimit::kPerAddress route; an error is the answer (in
// the shape of the API the path belongs to) and the handler does not run.
using RequestGate = std::function<Status(const Request&)>;

struct RouterOptions {
  // With metrics (borrowed; it must outlive the router), every dispatch is counted by route
  // template, method and status (swha_http_requests_total) and timed
  // (swha_http_request_duration_seconds); a path no route matches counts as route "unmatched",
  // so raw paths never become label values.
  metrics::Registry* metrics = nullptr;
  RequestGate gate;                       // none: every request goes to its handler
  std::vector<std::string> cors_origins;  // CORS_ORIGINS (http/cors.h); empty: none
};

class CorsPolicy;

// Matches method + path against the route table. Thread-safe after construction.
class Router {
 public:
  explicit Router(std::vector<Route> routes, RouterOptions options = {});

  // Unknown path → 404, known path with another method → 405 (with Allow), a CORS preflight →
  // its answer, else the handler's response, with CORS headers for an allowed Origin. Never
  // throws: a handler's exception becomes a 500 JSON error.
  Response Dispatch(Request& request) const;

 private:
  static bool Match(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>* params);
  // The route's response, or the 404/405 when none matches; `pattern` gets the matched one.
  Response Answer(Request& request, std::string_view* pattern) const;

  std::vector<Route> routes_;
  RequestGate gate_;
  std::shared_ptr<const CorsPolicy> cors_;  // never nullptr
  metrics::Family* requests_ = nullptr;     // nullptr without metrics
  metrics::Family* durations_ = nullptr;
};

}  // namespace swha::http
