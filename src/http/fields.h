// Request fields declared once: the handlers read them through FieldReader, and /openapi.json
// documents them from the same declaration (http/openapi.cc), so a field cannot be read one
// way and documented another. Value limits are the services' to enforce (the CLI shares
// them); a Field states them from the services' own named constants, and the example tests
// probe every stated limit against a running server.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/params.h"

namespace swha::http {

enum class FieldType { kString, kInteger, kNumber, kBoolean, kStringList };

struct Field {
  std::string name;
  FieldType type = FieldType::kString;
  std::string description;
  bool required = false;
  nlohmann::json default_value;  // what an absent field means; null: nothing to document
  std::optional<double> minimum;
  std::optional<double> maximum;
  std::optional<int64_t> max_length;  // characters of a string, items of a list
  std::vector<std::string> enum_values;
  nlohmann::json example;  // null: none
  // The message of a value of the wrong type; empty: the type's usual one ("must be a string").
  std::string type_message;
  // A JSON null is read as absent (the original's Optional fields); documented as nullable.
  bool nullable = true;
  // In a query string, "x=" leaves a number or boolean out (as if absent) rather than being a
  // type error: where the original's clients send empty values for "not given".
  bool empty_is_absent = false;

  // The field's JSON Schema (2020-12, as OpenAPI 3.1 uses it).
  nlohmann::json Schema() const;
  // "a string", "an integer", ...: for errors that name the expected type.
  std::string_view TypeNoun() const;
};

// Reads declared fields from a JSON object body, or from the strings of a query string or a
// form (where "true"/"1"/"on" are booleans; see Field::empty_is_absent).
// A missing required field or a value of the wrong type goes to `errors` (borrowed) and reads
// as nullopt; anything else is returned as given, for the service to check its range.
class FieldReader {
 public:
  FieldReader(const nlohmann::json& object, FieldErrors* errors);
  FieldReader(const std::multimap<std::string, std::string>& strings, FieldErrors* errors);
  FieldReader(const std::map<std::string, std::string>& strings, FieldErrors* errors);

  std::optional<std::string> String(const Field& field);
  std::optional<bool> Bool(const Field& field);
  std::optional<int64_t> Int(const Field& field);
  std::optional<double> Number(const Field& field);
  std::optional<std::vector<std::string>> StringList(const Field& field);

  // Assign a present, well-typed value; leave `out` alone otherwise.
  void Read(const Field& field, std::string* out);
  void Read(const Field& field, std::optional<std::string>* out);
  void Read(const Field& field, bool* out);
  void Read(const Field& field, std::optional<bool>* out);
  void Read(const Field& field, double* out);
  void Read(const Field& field, std::optional<double>* out);
  void Read(const Field& field, std::optional<int64_t>* out);
  void Read(const Field& field, std::vector<std::string>* out);

 private:
  // The field's raw JSON value (strings for a query or form), or nullptr when absent; a
  // missing required field is recorded.
  const nlohmann::json* Find(const Field& field);
  void TypeError(const Field& field);

  nlohmann::json strings_;        // the query or form as a JSON object of strings
  const nlohmann::json* object_;  // what is read: the body, or strings_
  bool from_strings_;
  FieldErrors* errors_;
};

}  // namespace swha::http
