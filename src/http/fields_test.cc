#include "http/fields.h"

#include <gtest/gtest.h>

namespace swha::http {
namespace {

using nlohmann::json;

const Field kName{.name = "name", .required = true, .nullable = false};
const Field kCount{.name = "count", .type = FieldType::kInteger, .minimum = 1, .maximum = 9};
const Field kLoud{.name = "loud", .type = FieldType::kBoolean, .default_value = false};
const Field kTags{.name = "tags", .type = FieldType::kStringList, .max_length = 2};

json Errors(const FieldErrors& errors) { return json::parse(errors.ToResponse().body)["detail"]; }

TEST(FieldReaderTest, ReadsJsonValuesOfTheDeclaredTypes) {
  const json body = {{"name", "x"}, {"count", 3}, {"loud", true}, {"tags", {"a", "b"}}};
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  EXPECT_EQ(reader.String(kName), "x");
  EXPECT_EQ(reader.Int(kCount), 3);
  EXPECT_EQ(reader.Bool(kLoud), true);
  EXPECT_EQ(reader.StringList(kTags), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(errors.empty());
}

TEST(FieldReaderTest, MissingRequiredAndWrongTypesAreFieldErrorsNullIsAbsent) {
  const json body = {{"count", "3"}, {"loud", nullptr}, {"tags", {"a", 1}}};
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  EXPECT_EQ(reader.String(kName), std::nullopt);
  EXPECT_EQ(reader.Int(kCount), std::nullopt);
  EXPECT_EQ(reader.Bool(kLoud), std::nullopt);
  EXPECT_EQ(reader.StringList(kTags), std::nullopt);
  const json detail = Errors(errors);
  ASSERT_EQ(detail.size(), 3u) << detail;
  EXPECT_EQ(detail[0]["loc"], json({"body", "name"}));
  EXPECT_EQ(detail[0]["msg"], "field required");
  EXPECT_EQ(detail[0]["type"], "missing");
  EXPECT_EQ(detail[1]["msg"], "must be an integer");
  EXPECT_EQ(detail[2]["msg"], "must be a list of strings");
}

TEST(FieldReaderTest, RangesAreTheServicesButListsOverTheLimitAreRefusedUncopied) {
  FieldErrors errors("body");
  const json body = {{"count", 99}, {"tags", {"a", "b", "c"}}};
  FieldReader reader(body, &errors);
  EXPECT_EQ(reader.Int(kCount), 99);
  EXPECT_EQ(reader.StringList(kTags), std::nullopt);
  EXPECT_EQ(Errors(errors)[0]["msg"], "at most 2 items per call");
}

TEST(FieldReaderTest, QueryStringsAreParsedAndEmptyValuesAreAbsentOnlyWhereDeclared) {
  const Field optional_count{.name = "count", .type = FieldType::kInteger, .empty_is_absent = true};
  const std::multimap<std::string, std::string> query = {
      {"name", ""}, {"count", ""}, {"loud", "on"}, {"loud", "off"}};
  FieldErrors errors("query");
  FieldReader reader(query, &errors);
  EXPECT_EQ(reader.String(kName), "");  // present, and empty
  EXPECT_EQ(reader.Int(optional_count), std::nullopt);
  EXPECT_EQ(reader.Bool(kLoud), true);  // the first of a repeated name
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(reader.Int(kCount), std::nullopt);  // "count=" is no integer here
  EXPECT_EQ(Errors(errors)[0]["msg"], "must be an integer");
  const std::multimap<std::string, std::string> bad = {{"count", "3.5"}, {"loud", "maybe"}};
  FieldReader bad_reader(bad, &errors);
  EXPECT_EQ(bad_reader.Int(kCount), std::nullopt);
  EXPECT_EQ(bad_reader.Bool(kLoud), std::nullopt);
  EXPECT_EQ(Errors(errors).size(), 3u);
}

TEST(FieldTest, SchemaStatesTypeLimitsAndNullability) {
  EXPECT_EQ(kName.Schema(), json({{"type", "string"}}));
  // Integer limits are integers: a client sending 9.0 back would be refused as no integer.
  EXPECT_EQ(kCount.Schema().dump(),
            json({{"type", {"integer", "null"}}, {"minimum", 1}, {"maximum", 9}}).dump());
  EXPECT_EQ(kTags.Schema()["maxItems"], 2);
  EXPECT_EQ(kTags.Schema()["items"], json({{"type", "string"}}));
  EXPECT_EQ(kLoud.Schema()["default"], false);
  const Field choice{.name = "c", .enum_values = {"a", "b"}};
  EXPECT_EQ(choice.Schema()["enum"], json({"a", "b", nullptr}));
}

}  // namespace
}  // namespace swha::http
