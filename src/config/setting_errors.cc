#include "config/setting_errors.h"

#include <cstdio>

#include "util/strings.h"

namespace swha::config {
namespace {

// The most bytes of a value an error message quotes.
constexpr size_t kMaxValueInMessage = 64;

}  // namespace

std::string EscapeForDisplay(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string SecretForDisplay(std::string_view v) { return v.empty() ? "<unset>" : "<redacted>"; }

std::string QuoteValue(std::string_view v) {
  size_t n = Utf8SafePrefix(v, kMaxValueInMessage);
  std::string out = "\"";
  for (char c : v.substr(0, n)) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out += EscapeForDisplay(std::string_view(&c, 1));
  }
  if (n < v.size()) out += "...";
  out.push_back('"');
  return out;
}

Status Invalid(std::string_view var, std::string_view value, std::string_view expectation) {
  std::string m(var);
  m += "=" + QuoteValue(value) + " is invalid: expected ";
  m += expectation;
  return Status::InvalidArgument(std::move(m));
}

Status InvalidSecret(std::string_view var, std::string_view expectation) {
  std::string m(var);
  m += " is invalid (value not shown): expected ";
  m += expectation;
  return Status::InvalidArgument(std::move(m));
}

Status Required(std::string_view var, std::string_view condition) {
  std::string m(var);
  m += " is required when ";
  m += condition;
  return Status::InvalidArgument(std::move(m));
}

}  // namespace swha::config
