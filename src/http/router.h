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

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, const nlohmann::json& body);
};

using Handler = std::function<Response(const Request&)>;

struct Route {
  std::string method;   // "GET", "POST", ...
  std::string pattern;  // "/api/v1/tts/generate", "/static/audio/{session}/{file}"
  Handler handler;
};

// Matches method + path against the route table. Thread-safe after construction.
class Router {
 public:
  explicit Router(std::vector<Route> routes) : routes_(std::move(routes)) {}

  // Unknown path → 404, known path with another method → 405 (with Allow), else the handler's
  // response. Never throws: a handler's exception becomes a 500 JSON error.
  Response Dispatch(Request& request) const;

 private:
  static bool Match(std::string_view pattern, std::string_view path,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace swha::http
