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

}  // namespace swha::http
