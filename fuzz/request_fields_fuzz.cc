// Request bodies and query strings as the handlers read them, route by route: the query
// parameters and body fields each route declares (the route table that also feeds
// /openapi.json), read through FieldReader from a query string as httplib decodes it and from
// a JSON (ParseObject) or form (ParseForm) body. No input crashes or throws, and every refusal
// is a JSON answer: 400 for a malformed body, 422 naming the fields for the rest.
#include <httplib.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "config/settings.h"
#include "fuzz/fuzz_input.h"
#include "http/api.h"
#include "http/fields.h"
#include "http/openapi.h"

namespace {

namespace http = swha::http;

struct RouteFields {
  std::vector<http::Field> query;
  std::vector<http::Field> body;
  bool form_body = false;  // application/x-www-form-urlencoded (the OAuth2 login)
};

// Every route that declares fields, as its documentation declares them. The handlers are bound
// but never called.
const std::vector<RouteFields>& Routes() {
  static const std::vector<RouteFields> routes = [] {
    static const swha::config::Settings settings;
    const http::ApiContext api{.settings = &settings};
    std::vector<RouteFields> out;
    for (const http::Route& route : http::BuildRouteTable(api)) {
      const http::OperationDoc doc = route.doc(http::DocContext{.settings = &settings});
      RouteFields fields;
      for (const http::ParameterDoc& parameter : doc.parameters) {
        if (parameter.in == "query") fields.query.push_back(parameter.field);
      }
      if (doc.body) {
        fields.body = doc.body->fields;
        fields.form_body = doc.body->content_type == "application/x-www-form-urlencoded";
      }
      if (!fields.query.empty() || !fields.body.empty()) out.push_back(std::move(fields));
    }
    FUZZ_CHECK(!out.empty());
    return out;
  }();
  return routes;
}

// Reads every field as its declared type; the errors, if any, must make a 422 JSON answer.
void ReadAll(const std::vector<http::Field>& fields, http::FieldReader* reader,
             const http::FieldErrors& errors) {
  for (const http::Field& field : fields) {
    switch (field.type) {
      case http::FieldType::kString: (void)reader->String(field); break;
      case http::FieldType::kInteger: (void)reader->Int(field); break;
      case http::FieldType::kNumber: {
        const auto number = reader->Number(field);
        FUZZ_CHECK(!number || std::isfinite(*number));
        break;
      }
      case http::FieldType::kBoolean: (void)reader->Bool(field); break;
      case http::FieldType::kStringList: (void)reader->StringList(field); break;
    }
  }
  if (errors.empty()) return;
  const http::Response answer = errors.ToResponse();
  FUZZ_CHECK(answer.status == 422);
  const auto body = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object() && body.contains("detail"));
  FUZZ_CHECK(body.at("detail").is_array() && !body.at("detail").empty());
}

void ReadQuery(const RouteFields& route, std::string_view text) {
  httplib::Params params;
  httplib::detail::parse_query_text(std::string(text), params);
  const std::multimap<std::string, std::string> query(params.begin(), params.end());
  http::FieldErrors errors("query");
  http::FieldReader reader(query, &errors);
  ReadAll(route.query, &reader, errors);
}

void ReadBody(const RouteFields& route, std::string_view text) {
  http::FieldErrors errors("body");
  if (route.form_body) {
    const auto form = http::ParseForm(text);
    if (!form) return;  // the handler answers 400 for a form it cannot decode
    http::FieldReader reader(*form, &errors);
    ReadAll(route.body, &reader, errors);
    return;
  }
  http::Request request;
  request.method = "POST";
  request.body = std::string(text);
  nlohmann::json object;
  if (auto refused = http::ParseObject(request, &object)) {
    FUZZ_CHECK(refused->status == 400 || refused->status == 422);
    FUZZ_CHECK(nlohmann::json::accept(refused->body));
    return;
  }
  FUZZ_CHECK(object.is_object());
  http::FieldReader reader(object, &errors);
  ReadAll(route.body, &reader, errors);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const std::vector<RouteFields>& routes = Routes();
  const RouteFields& route = routes[input.TakeByte() % routes.size()];
  ReadQuery(route, input.TakePart());
  ReadBody(route, input.Rest());
  return 0;
}
