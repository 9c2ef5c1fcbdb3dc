// The error catalogue: every error the API returns is built here, as FastAPI-style JSON
// {"detail": ...} with one status code per kind, so clients of the original keep working.
#pragma once

#include <string>
#include <string_view>

#include "http/router.h"
#include "util/status.h"

namespace swha::http {

// StatusCode → HTTP status: InvalidArgument 422, BadRequest 400, TooLarge 413, NotFound 404,
// AlreadyExists 409, PermissionDenied 403, Unauthenticated 401, Unavailable 503, IOError/Internal
// 500, PaymentRequired 402, RateLimited 429 (with Retry-After), BadGateway 502.
int HttpStatusFor(StatusCode code);

// {"detail": message}. Internal and I/O errors are logged here and answered with a generic
// message: paths and library errors are not for clients.
Response ErrorResponse(const Status& status);
// A 401 carries `WWW-Authenticate: Bearer`.
Response ErrorResponse(int http_status, std::string_view detail);

// 422 in FastAPI's shape: {"detail": [{"loc": [location, field], "msg": ..., "type": ...}]}.
// `location` is "body" or "query".
Response ValidationError(std::string_view location, std::string_view field, std::string_view msg,
                         std::string_view type = "value_error");

// For an InvalidField status: a ValidationError on that field; any other status goes through
// ErrorResponse.
Response ErrorFromStatus(const Status& status, std::string_view location);

// The OpenAI-compatible endpoints' errors, in OpenAI's shape and with its status codes:
// {"error": {"message", "type", "param", "code"}}; `param` and `code` are null when empty.
Response OpenAiError(int http_status, std::string_view message, std::string_view type,
                     std::string_view param = "", std::string_view code = "");
// The errors produced before any handler runs (no route, wrong method, body too large) in the
// shape of the API the path belongs to: OpenAI's under /v1/, else ErrorResponse's.
Response ErrorForPath(std::string_view path, int http_status, std::string_view detail);
Response ErrorForPath(std::string_view path, const Status& status);

// A Status in OpenAI's terms: a field error is a 400 invalid_request_error naming the field
// as `param`, a size limit a 400 too, a 5xx a generic server_error (logged, as ErrorResponse
// does); the rest keep HttpStatusFor's code.
Response OpenAiErrorFromStatus(const Status& status);

}  // namespace swha::http
