#include "http/errors.h"

#include <spdlog/spdlog.h>

namespace swha::http {

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 422;
    case StatusCode::kBadRequest: return 400;
    case StatusCode::kTooLarge: return 413;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kIOError:
    case StatusCode::kInternal: return 500;
    case StatusCode::kPaymentRequired: return 402;
    case StatusCode::kRateLimited: return 429;
    case StatusCode::kBadGateway: return 502;
    case StatusCode::kGone: return 410;
    // nginx's "client closed request": only ever logged, as nobody is left to read it.
    case StatusCode::kCancelled: return 499;
  }
  return 500;
}

Response ErrorResponse(int http_status, std::string_view detail) {
  Response r = Response::Json(http_status, {{"detail", detail}});
  // RFC 6750: a 401 names the scheme that would be accepted.
  if (http_status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

Response ErrorResponse(const Status& status) {
  const int http_status = HttpStatusFor(status.code());
  if (status.code() == StatusCode::kRateLimited) {
    Response r = ErrorResponse(http_status, status.message());
    if (status.retry_after_seconds() > 0) {
      r.headers.emplace_back("Retry-After", std::to_string(status.retry_after_seconds()));
    }
    return r;
  }
  // A 502's message names the upstream and what it answered, which is what a client needs.
  if (http_status >= 500 && status.code() != StatusCode::kBadGateway) {
    spdlog::error("request failed: {}", status.ToString());
    return ErrorResponse(http_status, http_status == 503 ? "Service temporarily unavailable"
                                                         : "Internal server error");
  }
  return ErrorResponse(http_status, status.message());
}

Response ValidationError(std::string_view location, std::string_view field, std::string_view msg,
                         std::string_view type) {
  nlohmann::json item = {{"loc", {location, field}}, {"msg", msg}, {"type", type}};
  return Response::Json(422, {{"detail", nlohmann::json::array({item})}});
}

Response ErrorFromStatus(const Status& status, std::string_view location) {
  if (status.code() != StatusCode::kInvalidArgument || status.field().empty()) {
    return ErrorResponse(status);
  }
  return ValidationError(location, status.field(), status.message());
}

Response OpenAiError(int http_status, std::string_view message, std::string_view type,
                     std::string_view param, std::string_view code) {
  const auto or_null = [](std::string_view v) {
    return v.empty() ? nlohmann::json(nullptr) : nlohmann::json(v);
  };
  Response r = Response::Json(http_status, {{"error",
                                             {{"message", message},
                                              {"type", type},
                                              {"param", or_null(param)},
                                              {"code", or_null(code)}}}});
  if (http_status == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

Response ErrorForPath(std::string_view path, int http_status, std::string_view detail) {
  if (!path.starts_with("/v1/")) return ErrorResponse(http_status, detail);
  return OpenAiError(http_status, detail,
                     http_status >= 500 ? "server_error" : "invalid_request_error");
}

Response ErrorForPath(std::string_view path, const Status& status) {
  return path.starts_with("/v1/") ? OpenAiErrorFromStatus(status) : ErrorResponse(status);
}

Response OpenAiErrorFromStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kBadRequest:
    case StatusCode::kTooLarge:
      return OpenAiError(400, status.message(), "invalid_request_error", status.field());
    case StatusCode::kUnauthenticated:
      return OpenAiError(401, status.message(), "invalid_request_error", "", "invalid_api_key");
    case StatusCode::kRateLimited: {
      Response r =
          OpenAiError(429, status.message(), "rate_limit_error", "", "rate_limit_exceeded");
      if (status.retry_after_seconds() > 0) {
        r.headers.emplace_back("Retry-After", std::to_string(status.retry_after_seconds()));
      }
      return r;
    }
    default: break;
  }
  const int http_status = HttpStatusFor(status.code());
  if (http_status >= 500 && status.code() != StatusCode::kBadGateway) {
    spdlog::error("request failed: {}", status.ToString());
    return OpenAiError(http_status,
                       http_status == 503 ? "The server is temporarily unavailable"
                                          : "The server had an error while processing your request",
                       "server_error");
  }
  return OpenAiError(http_status, status.message(),
                     http_status >= 500 ? "server_error" : "invalid_request_error");
}

}  // namespace swha::http
