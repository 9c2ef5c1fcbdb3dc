#include "http/fields.h"

#include <cstdint>
#include <limits>

namespace swha::http {

using nlohmann::json;

namespace {

const char* JsonTypeName(FieldType type) {
  switch (type) {
    case FieldType::kString: return "string";
    case FieldType::kInteger: return "integer";
    case FieldType::kNumber: return "number";
    case FieldType::kBoolean: return "boolean";
    case FieldType::kStringList: return "array";
  }
  return "string";
}

}  // namespace

std::string_view Field::TypeNoun() const {
  switch (type) {
    case FieldType::kString: return "a string";
    case FieldType::kInteger: return "an integer";
    case FieldType::kNumber: return "a number";
    case FieldType::kBoolean: return "a boolean";
    case FieldType::kStringList: return "a list of strings";
  }
  return "a string";
}

json Field::Schema() const {
  json schema = json::object();
  if (nullable && !required) {
    schema["type"] = {JsonTypeName(type), "null"};
  } else {
    schema["type"] = JsonTypeName(type);
  }
  if (type == FieldType::kStringList) schema["items"] = {{"type", "string"}};
  if (!description.empty()) schema["description"] = description;
  if (!default_value.is_null()) schema["default"] = default_value;
  // An integer's limits are integers: 100, not 100.0 (which a client would send back as a
  // number no integer field takes).
  const auto limit = [this](double v) {
    return type == FieldType::kInteger ? json(static_cast<int64_t>(v)) : json(v);
  };
  if (minimum) schema["minimum"] = limit(*minimum);
  if (maximum) schema["maximum"] = limit(*maximum);
  if (max_length) schema[type == FieldType::kStringList ? "maxItems" : "maxLength"] = *max_length;
  if (!enum_values.empty()) {
    json values = enum_values;
    if (nullable && !required) values.push_back(nullptr);
    schema["enum"] = std::move(values);
  }
  // OpenAPI's "example", not JSON Schema's "examples" array: Swagger UI 5 fails to resolve an
  // operation whose parameters' schemas carry the array ("Invalid value used as weak map key").
  if (!example.is_null()) schema["example"] = example;
  return schema;
}

FieldReader::FieldReader(const json& object, FieldErrors* errors)
    : object_(&object), from_strings_(false), errors_(errors) {}

FieldReader::FieldReader(const std::multimap<std::string, std::string>& strings,
                         FieldErrors* errors)
    : strings_(json::object()), object_(&strings_), from_strings_(true), errors_(errors) {
  // A repeated name keeps its first value, as Request::Query does.
  for (const auto& [name, value] : strings) {
    if (!strings_.contains(name)) strings_[name] = value;
  }
}

FieldReader::FieldReader(const std::map<std::string, std::string>& strings, FieldErrors* errors)
    : strings_(json::object()), object_(&strings_), from_strings_(true), errors_(errors) {
  for (const auto& [name, value] : strings) strings_[name] = value;
}

const json* FieldReader::Find(const Field& field) {
  auto it = object_->find(field.name);
  bool absent = it == object_->end() || it->is_null();
  if (!absent && from_strings_ && field.empty_is_absent && field.type != FieldType::kString) {
    absent = it->get_ref<const std::string&>().empty();
  }
  if (absent) {
    if (field.required) errors_->Add(field.name, "field required", "missing");
    return nullptr;
  }
  return &*it;
}

void FieldReader::TypeError(const Field& field) {
  errors_->Add(
      field.name,
      field.type_message.empty() ? "must be " + std::string(field.TypeNoun()) : field.type_message,
      "type_error");
}

std::optional<std::string> FieldReader::String(const Field& field) {
  const json* v = Find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    TypeError(field);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<bool> FieldReader::Bool(const Field& field) {
  const json* v = Find(field);
  if (v == nullptr) return std::nullopt;
  std::optional<bool> b;
  if (from_strings_) {
    b = ParseBool(v->get_ref<const std::string&>());
  } else if (v->is_boolean()) {
    b = v->get<bool>();
  }
  if (!b) TypeError(field);
  return b;
}

std::optional<int64_t> FieldReader::Int(const Field& field) {
  const json* v = Find(field);
  if (v == nullptr) return std::nullopt;
  std::optional<int64_t> n;
  if (from_strings_) {
    n = ParseInt(v->get_ref<const std::string&>());
  } else if (v->is_number_integer()) {
    // An unsigned value past int64's range is not an integer we can hold.
    if (!v->is_number_unsigned() ||
        v->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      n = v->get<int64_t>();
    }
  }
  if (!n) TypeError(field);
  return n;
}

std::optional<double> FieldReader::Number(const Field& field) {
  const json* v = Find(field);
  if (v == nullptr) return std::nullopt;
  std::optional<double> d;
  if (from_strings_) {
    d = ParseDouble(v->get_ref<const std::string&>());
  } else if (v->is_number()) {
    d = v->get<double>();
  }
  if (!d) TypeError(field);
  return d;
}

std::optional<std::vector<std::string>> FieldReader::StringList(const Field& field) {
  const json* v = Find(field);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    TypeError(field);
    return std::nullopt;
  }
  // Over the limit is refused before anything is copied: a huge list costs nothing more.
  if (field.max_length && static_cast<int64_t>(v->size()) > *field.max_length) {
    errors_->Add(field.name, "at most " + std::to_string(*field.max_length) + " items per call");
    return std::nullopt;
  }
  std::vector<std::string> items;
  items.reserve(v->size());
  for (const json& item : *v) {
    if (!item.is_string()) {
      TypeError(field);
      return std::nullopt;
    }
    items.push_back(item.get<std::string>());
  }
  return items;
}

void FieldReader::Read(const Field& field, std::string* out) {
  if (auto v = String(field)) *out = std::move(*v);
}
void FieldReader::Read(const Field& field, std::optional<std::string>* out) {
  if (auto v = String(field)) *out = std::move(v);
}
void FieldReader::Read(const Field& field, bool* out) {
  if (auto v = Bool(field)) *out = *v;
}
void FieldReader::Read(const Field& field, std::optional<bool>* out) {
  if (auto v = Bool(field)) *out = v;
}
void FieldReader::Read(const Field& field, double* out) {
  if (auto v = Number(field)) *out = *v;
}
void FieldReader::Read(const Field& field, std::optional<double>* out) {
  if (auto v = Number(field)) *out = v;
}
void FieldReader::Read(const Field& field, std::optional<int64_t>* out) {
  if (auto v = Int(field)) *out = v;
}
void FieldReader::Read(const Field& field, std::vector<std::string>* out) {
  if (auto v = StringList(field)) *out = std::move(*v);
}

}  // namespace swha::http
