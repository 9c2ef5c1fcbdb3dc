// Status and Result<T>: the error currency of swha-tts. Fallible code returns one of these;
// exceptions never cross a module boundary. Each foreign error source (errno, libcurl,
// espeak-ng, PCRE2, ...) is translated into a Status in exactly one place.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace swha {

// A small closed set of codes; http/errors.cc maps each to one HTTP status.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // caller's input is malformed or out of range (422)
  kBadRequest,        // request cannot be parsed at all (400)
  kTooLarge,          // input exceeds a configured limit (413)
  kNotFound,          // (404)
  kAlreadyExists,     // a unique value is taken (409)
  kPermissionDenied,  // signature missing/invalid/expired (403)
  kUnauthenticated,   // (401)
  kUnavailable,       // a dependency is down; retrying may help (503)
  kIOError,           // filesystem failure (500)
  kInternal,          // a bug or an engine failure (500)
  kPaymentRequired,   // an upstream provider refused for billing (402)
  kRateLimited,       // too many requests; retry_after_seconds() says when to retry (429)
  kBadGateway,        // an upstream provider failed or answered nonsense (502)
  kGone,              // it existed, and is gone for good (410)
  kCancelled,         // the caller went away before the work was done (499, never sent)
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  // InvalidArgument about one named input field ("voice", "split_pattern"): the HTTP layer turns
  // it into a 422 naming that field without reading the message.
  static Status InvalidField(std::string field, std::string m) {
    Status s(StatusCode::kInvalidArgument, std::move(m));
    s.field_ = std::move(field);
    return s;
  }
  static Status BadRequest(std::string m) { return {StatusCode::kBadRequest, std::move(m)}; }
  static Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Gone(std::string m) { return {StatusCode::kGone, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  // `field`: which unique value is taken ("email"), when known.
  static Status AlreadyExists(std::string m, std::string field = "") {
    Status s(StatusCode::kAlreadyExists, std::move(m));
    s.field_ = std::move(field);
    return s;
  }
  static Status PermissionDenied(std::string m) {
    return {StatusCode::kPermissionDenied, std::move(m)};
  }
  static Status Unauthenticated(std::string m) {
    return {StatusCode::kUnauthenticated, std::move(m)};
  }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status PaymentRequired(std::string m) {
    return {StatusCode::kPaymentRequired, std::move(m)};
  }
  static Status RateLimited(std::string m, int retry_after_seconds) {
    Status s(StatusCode::kRateLimited, std::move(m));
    s.retry_after_seconds_ = retry_after_seconds;
    return s;
  }
  // The message reaches the client: it must name only the upstream and what it said.
  static Status BadGateway(std::string m) { return {StatusCode::kBadGateway, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The input field an InvalidArgument (or the value an AlreadyExists) is about; empty when it
  // is about no single field.
  const std::string& field() const { return field_; }
  // For RateLimited: seconds the caller should wait before trying again (0: not said).
  int retry_after_seconds() const { return retry_after_seconds_; }
  // "CODE: message", for logs and CLI output.
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: ` (the field, if any, is kept).
  Status WithContext(std::string_view context) const;
  // An InvalidArgument without a field gets `field`; any other status is returned unchanged.
  Status WithField(std::string_view field) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string field_;
  int retry_after_seconds_ = 0;
};

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(state_).ok() && "Result built from an OK status has no value");
  }

  bool ok() const { return std::holds_alternative<T>(state_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }
  // REQUIRES: ok()
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace swha

#define SWHA_CONCAT_INNER(a, b) a##b
#define SWHA_CONCAT(a, b) SWHA_CONCAT_INNER(a, b)

// Returns early from the enclosing function if `expr` (a Status) is not OK.
#define SWHA_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::swha::Status swha_status_ = (expr);        \
    if (!swha_status_.ok()) return swha_status_; \
  } while (0)

// Evaluates `rexpr` (a Result<T>); on error returns its Status, else moves the value into `lhs`.
#define SWHA_ASSIGN_OR_RETURN(lhs, rexpr) \
  SWHA_ASSIGN_OR_RETURN_IMPL(SWHA_CONCAT(swha_result_, __LINE__), lhs, rexpr)
// `tmp` names a variable and `lhs` may be a declaration: neither can be parenthesized.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define SWHA_ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                               \
  if (!(tmp).ok()) return (tmp).status();           \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
