#include "http/params.h"

#include <charconv>
#include <cmath>

#include "http/errors.h"
#include "util/strings.h"

namespace swha::http {

void FieldErrors::Add(std::string_view field, std::string_view msg, std::string_view type) {
  items_.push_back({{"loc", {location_, field}}, {"msg", msg}, {"type", type}});
}

Response FieldErrors::ToResponse() const { return Response::Json(422, {{"detail", items_}}); }

FieldErrors::Item FieldErrors::front() const {
  const nlohmann::json& item = items_.front();
  return {item.at("loc").at(1).get<std::string>(), item.at("msg").get<std::string>(),
          item.at("type").get<std::string>()};
}

std::optional<bool> ParseBool(std::string_view s) {
  const std::string v = ToLower(s);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::optional<std::map<std::string, std::string>> ParseForm(std::string_view body) {
  std::map<std::string, std::string> fields;
  while (!body.empty()) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string name;
    std::string value;
    if (!UrlDecode(pair.substr(0, eq), &name, /*plus_as_space=*/true) ||
        (eq != std::string_view::npos &&
         !UrlDecode(pair.substr(eq + 1), &value, /*plus_as_space=*/true)) ||
        !IsValidUtf8(name) || !IsValidUtf8(value)) {
      return std::nullopt;
    }
    fields.emplace(std::move(name), std::move(value));
  }
  return fields;
}

std::optional<Response> ParseObject(const Request& req, nlohmann::json* body) {
  *body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body->is_discarded()) return ErrorResponse(400, "Malformed JSON in request body");
  if (!body->is_object()) return ValidationError("body", "body", "must be a JSON object");
  return std::nullopt;
}

}  // namespace swha::http
