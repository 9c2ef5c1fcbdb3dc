#include "http/router.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "http/cors.h"
#include "http/errors.h"

namespace swha::http {

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> Request::Header(const std::string& lowercase_name) const {
  auto it = headers.find(lowercase_name);
  if (it == headers.end()) return std::nullopt;
  return it->second;
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  // Invalid UTF-8 cannot reach here from clients (parsing rejects it), but replace rather than
  // throw if it ever does.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

bool Router::Match(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>* params) {
  params->clear();
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    const size_t pe = pattern.find('/');
    const size_t ae = path.find('/');
    const std::string_view pseg = pattern.substr(0, pe);
    const std::string_view aseg = path.substr(0, ae);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (aseg.empty()) return false;
      (*params)[std::string(pseg.substr(1, pseg.size() - 2))] = std::string(aseg);
    } else if (pseg != aseg) {
      return false;
    }
    pattern.remove_prefix(pseg.size());
    path.remove_prefix(aseg.size());
  }
  return true;
}

Router::Router(std::vector<Route> routes, RouterOptions options)
    : routes_(std::move(routes)),
      gate_(std::move(options.gate)),
      cors_(std::make_shared<const CorsPolicy>(options.cors_origins)) {
  metrics::Registry* metrics = options.metrics;
  if (metrics == nullptr) return;
  requests_ = metrics->AddCounter("swha_http_requests_total",
                                  "HTTP requests answered, by route template, method and status.",
                                  {"route", "method", "status"});
  durations_ = metrics->AddHistogram("swha_http_request_duration_seconds",
                                     "Time from routing a request to its response being ready.",
                                     {"route", "method"});
}

Response Router::Dispatch(Request& request) const {
  if (requests_ == nullptr) {
    std::string_view pattern;
    Response response = Answer(request, &pattern);
    cors_->Decorate(request, &response);
    return response;
  }
  const auto start = std::chrono::steady_clock::now();
  std::string_view pattern = "unmatched";
  Response response = Answer(request, &pattern);
  cors_->Decorate(request, &response);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  requests_->CounterFor({pattern, request.method, std::to_string(response.status)}).Add();
  durations_->HistogramFor({pattern, request.method}).Observe(seconds);
  return response;
}

Response Router::Answer(Request& request, std::string_view* pattern) const {
  std::string allowed;
  std::map<std::string, std::string> params;
  for (const Route& route : routes_) {
    if (!Match(route.pattern, request.path, &params)) continue;
    const bool head_of_get = request.method == "HEAD" && route.method == "GET";
    if (route.method != request.method && !head_of_get) {
      if (!allowed.empty()) allowed += ", ";
      allowed += route.method;
      continue;
    }
    *pattern = route.pattern;
    request.path_params = std::move(params);
    try {
      if (gate_ && route.rate_limit == RateLimit::kPerAddress) {
        if (Status admitted = gate_(request); !admitted.ok()) {
          return ErrorForPath(request.path, admitted);
        }
      }
      return route.handler(request);
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception in {} {}: {}", request.method, route.pattern, e.what());
    } catch (...) {
      spdlog::error("unhandled non-standard exception in {} {}", request.method, route.pattern);
    }
    return ErrorResponse(500, "Internal server error");
  }
  if (!allowed.empty()) {
    if (std::optional<Response> preflight = cors_->Preflight(request, allowed)) {
      return std::move(*preflight);
    }
    Response r = ErrorForPath(request.path, 405, "Method Not Allowed");
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
  return ErrorForPath(request.path, 404, "Not Found");
}

}  // namespace swha::http
