#include "util/status.h"

namespace swha {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "OK";
    case StatusCode::kInvalidArgument: return "INVALID_ARGUMENT";
    case StatusCode::kBadRequest: return "BAD_REQUEST";
    case StatusCode::kTooLarge: return "TOO_LARGE";
    case StatusCode::kNotFound: return "NOT_FOUND";
    case StatusCode::kAlreadyExists: return "ALREADY_EXISTS";
    case StatusCode::kPermissionDenied: return "PERMISSION_DENIED";
    case StatusCode::kUnauthenticated: return "UNAUTHENTICATED";
    case StatusCode::kUnavailable: return "UNAVAILABLE";
    case StatusCode::kIOError: return "IO_ERROR";
    case StatusCode::kPaymentRequired: return "PAYMENT_REQUIRED";
    case StatusCode::kRateLimited: return "RATE_LIMITED";
    case StatusCode::kBadGateway: return "BAD_GATEWAY";
    case StatusCode::kGone: return "GONE";
    case StatusCode::kCancelled: return "CANCELLED";
    case StatusCode::kInternal: return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(StatusCodeName(code_));
  out += ": ";
  out += message_;
  return out;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  Status out(code_, std::move(m));
  out.field_ = field_;
  out.retry_after_seconds_ = retry_after_seconds_;
  return out;
}

Status Status::WithField(std::string_view field) const {
  if (code_ != StatusCode::kInvalidArgument || !field_.empty()) return *this;
  return InvalidField(std::string(field), message_);
}

}  // namespace swha
