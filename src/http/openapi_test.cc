#include "http/openapi.h"

#include <gtest/gtest.h>

#include <set>

#include "http/api.h"

namespace swha::http {
namespace {

using nlohmann::json;

class OpenApiDocumentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    routes_ = BuildRouteTable(api_);  // handlers are bound, never called
    auto document = BuildOpenApiDocument(routes_, DocContext{.settings = &settings_});
    ASSERT_TRUE(document.ok()) << document.status().ToString();
    document_ = std::move(document).value();
  }

  config::Settings settings_;
  ApiContext api_{.settings = &settings_};
  std::vector<Route> routes_;
  json document_;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(OpenApiDocumentTest, EveryRouteOfTheTableIsAnOperationAndNothingElseIs) {
  size_t operations = 0;
  for (const auto& [path, item] : document_.at("paths").items()) operations += item.size();
  EXPECT_EQ(operations, routes_.size());
  for (const Route& route : routes_) {
    EXPECT_TRUE(document_["paths"][route.pattern].contains(Lower(route.method)))
        << route.method << " " << route.pattern;
  }
}

TEST_F(OpenApiDocumentTest, EveryOperationHasASummaryAnExampleAndAnAnswerForEachExample) {
  std::set<std::string> operation_ids;
  for (const auto& [path, item] : document_.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      std::string operation = method;
      operation.append(" ").append(path);
      SCOPED_TRACE(operation);
      EXPECT_FALSE(op.value("summary", "").empty());
      EXPECT_TRUE(operation_ids.insert(op.at("operationId").get<std::string>()).second);
      std::set<std::string> answered;
      for (const auto& [status, response] : op.at("responses").items()) {
        EXPECT_FALSE(response.value("description", "").empty()) << status;
        const json content = response.value("content", json::object());
        for (const auto& [type, media] : content.items()) {
          const json examples = media.value("examples", json::object());
          for (const auto& [name, example] : examples.items()) {
            EXPECT_TRUE(answered.insert(name).second) << name << " answered twice";
          }
        }
      }
      EXPECT_FALSE(answered.empty()) << "no example";
      std::set<std::string> asked;
      const json params = op.value("parameters", json::array());
      for (const json& param : params) {
        const json examples = param.value("examples", json::object());
        for (const auto& [name, example] : examples.items()) asked.insert(name);
        // A path parameter is always required; a query one only when the handler says so.
        if (param.at("in") == "path") {
          EXPECT_TRUE(param.at("required").get<bool>());
        }
      }
      const json body_content =
          op.value("requestBody", json::object()).value("content", json::object());
      for (const auto& [type, media] : body_content.items()) {
        for (const char* key : {"examples", "x-swha-refused-examples"}) {
          const json examples = media.value(key, json::object());
          for (const auto& [name, example] : examples.items()) asked.insert(name);
        }
      }
      for (const std::string& name : asked) {
        EXPECT_EQ(answered.count(name), 1u) << "request example " << name << " has no answer";
      }
    }
  }
}

TEST_F(OpenApiDocumentTest, LimitsComeFromTheConfiguration) {
  settings_.max_text_length = 1234;
  auto document = BuildOpenApiDocument(routes_, DocContext{.settings = &settings_});
  ASSERT_TRUE(document.ok());
  const json text = (*document)["paths"]["/api/v1/tts/generate"]["post"]["requestBody"]["content"]
                               ["application/json"]["schema"]["properties"]["text"];
  EXPECT_EQ(text.at("maxLength"), 1234);
  EXPECT_EQ(text.at("type"), "string");
}

TEST(OpenApiBuildTest, ARouteWithoutADocIsAnError) {
  config::Settings settings;
  std::vector<Route> routes = {{"GET", "/undocumented", [](const Request&) { return Response{}; }}};
  auto document = BuildOpenApiDocument(routes, DocContext{.settings = &settings});
  ASSERT_FALSE(document.ok());
  EXPECT_NE(document.status().message().find("GET /undocumented"), std::string::npos);
}

}  // namespace
}  // namespace swha::http
