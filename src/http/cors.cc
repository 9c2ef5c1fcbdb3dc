#include "http/cors.h"

#include <algorithm>

#include "http/errors.h"
#include "util/strings.h"

namespace swha::http {
namespace {

// Request headers a cross-origin page may send (beyond the CORS-safelisted ones).
constexpr std::string_view kAllowedRequestHeaders = "Authorization, Content-Type";
// Response headers a cross-origin page may read (beyond the CORS-safelisted ones).
constexpr std::string_view kExposedResponseHeaders =
    "Retry-After, Content-Disposition, Content-Range, Accept-Ranges, ETag, X-Session-Id, "
    "X-Audio-URL, X-Storage-Type, X-Audio-Duration";

bool IsPreflight(const Request& request) {
  return request.method == "OPTIONS" && request.Header("origin").has_value() &&
         request.Header("access-control-request-method").has_value();
}

}  // namespace

CorsPolicy::CorsPolicy(const std::vector<std::string>& origins) {
  for (const std::string& origin : origins) origins_.push_back(ToLower(origin));
}

std::optional<std::string> CorsPolicy::AllowedOrigin(std::string_view origin) const {
  if (origins_.empty() || origin.empty()) return std::nullopt;
  if (std::ranges::find(origins_, "*") != origins_.end()) return "*";
  const std::string wanted = ToLower(origin);
  if (std::ranges::find(origins_, wanted) == origins_.end()) return std::nullopt;
  return std::string(origin);
}

void CorsPolicy::Decorate(const Request& request, Response* response) const {
  // A preflight's answer (Preflight) carries its own headers.
  if (origins_.empty() || IsPreflight(request)) return;
  // The answer depends on Origin whenever a list is configured: caches must key on it.
  response->headers.emplace_back("Vary", "Origin");
  const std::optional<std::string> allowed = AllowedOrigin(request.Header("origin").value_or(""));
  if (!allowed) return;
  response->headers.emplace_back("Access-Control-Allow-Origin", *allowed);
  response->headers.emplace_back("Access-Control-Expose-Headers",
                                 std::string(kExposedResponseHeaders));
}

std::optional<Response> CorsPolicy::Preflight(const Request& request,
                                              std::string_view allowed_methods) const {
  if (!IsPreflight(request)) return std::nullopt;
  const std::optional<std::string> origin = request.Header("origin");
  const std::optional<std::string> method = request.Header("access-control-request-method");
  const std::optional<std::string> allowed = AllowedOrigin(*origin);
  const std::string listed = ", " + std::string(allowed_methods) + ", ";
  const bool method_allowed = listed.find(", " + *method + ", ") != std::string::npos;
  if (!allowed || !method_allowed) {
    Response refused = ErrorResponse(403, "Cross-origin request not allowed");
    if (enabled()) refused.headers.emplace_back("Vary", "Origin");
    return refused;
  }
  Response ok;
  ok.status = 204;
  ok.content_type = "";
  ok.headers.emplace_back("Access-Control-Allow-Origin", *allowed);
  ok.headers.emplace_back("Access-Control-Allow-Methods", std::string(allowed_methods));
  ok.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowedRequestHeaders));
  ok.headers.emplace_back("Access-Control-Max-Age", std::to_string(kCorsPreflightMaxAgeSeconds));
  ok.headers.emplace_back("Vary", "Origin");
  return ok;
}

}  // namespace swha::http
