// Request parsing shared by the handlers: FastAPI-shaped field errors, and the value parsers
// for query strings and forms.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "http/router.h"
#include "service/session.h"
#include "util/status.h"

namespace swha::http {

// Collects every field error of a request, as FastAPI does, for one 422 response.
class FieldErrors {
 public:
  explicit FieldErrors(std::string location) : location_(std::move(location)) {}
  void Add(std::string_view field, std::string_view msg, std::string_view type = "value_error");
  // REQUIRES: s is an InvalidField status.
  void Add(const Status& s) { Add(s.field(), s.message()); }
  bool empty() const { return items_.empty(); }
  Response ToResponse() const;

  struct Item {
    std::string field;
    std::string msg;
    std::string type;  // "missing", "type_error", "value_error", ...
  };
  // The first error recorded, for APIs that answer one error at a time (OpenAI's).
  // REQUIRES: !empty().
  Item front() const;

 private:
  std::string location_;
  nlohmann::json items_ = nlohmann::json::array();
};

// Parses a JSON object body into *body; the response to send when it is not one (400 for
// malformed JSON, 422 for another JSON value).
std::optional<Response> ParseObject(const Request& req, nlohmann::json* body);

// Query-string values: booleans as FastAPI reads them (true/false/1/0/yes/no/on/off, any case),
// integers and finite numbers spelled exactly.
std::optional<bool> ParseBool(std::string_view s);
std::optional<int64_t> ParseInt(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);

// The fields of an application/x-www-form-urlencoded body; nullopt when it is malformed (bad
// percent-encoding or not UTF-8). A repeated name keeps its first value.
std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body);

// A session as both generate endpoints and the session endpoints return it: the original's
// fields (message, audio_files, audio_segments, ...) and ours (tts_handlers.cc).
nlohmann::json SessionJson(const service::Session& session);

template <typename T>
nlohmann::json OptionalJson(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace swha::http
