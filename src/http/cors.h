// Cross-origin requests from browsers (CORS_ORIGINS): a page on an allowed origin may call the
// API with its bearer token; pages on other origins get no CORS headers, so the browser keeps
// the answer from them. Credentials (cookies) are never allowed: the API authenticates by the
// Authorization header, so "*" (any origin) cannot expose a user's session to a foreign page.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"

namespace swha::http {

// How long a browser may reuse a preflight's answer.
inline constexpr int kCorsPreflightMaxAgeSeconds = 600;

class CorsPolicy {
 public:
  CorsPolicy() = default;  // no cross-origin access
  // `origins`: "*" or origins such as https://app.example.com (as CORS_ORIGINS checks them).
  explicit CorsPolicy(const std::vector<std::string>& origins);

  bool enabled() const { return !origins_.empty(); }
  // Adds the CORS headers to `response` when the request's Origin is allowed.
  void Decorate(const Request& request, Response* response) const;
  // A preflight (OPTIONS with Origin and Access-Control-Request-Method) answered: 204 with the
  // path's `allowed_methods` for an allowed origin and method, else 403. nullopt when
  // `request` is not a preflight.
  std::optional<Response> Preflight(const Request& request, std::string_view allowed_methods) const;

 private:
  // The Access-Control-Allow-Origin value for `origin`, or nullopt when it is not allowed.
  std::optional<std::string> AllowedOrigin(std::string_view origin) const;

  std::vector<std::string> origins_;  // lowercased; "*" for any
};

}  // namespace swha::http
