// The one-line messages for a setting that is wrong, shared by every component's settings: they
// name the variable and what is allowed, and never show a secret's value.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "util/status.h"

namespace swha::config {

// Control characters escaped, so that a value can neither split a log line nor forge one.
std::string EscapeForDisplay(std::string_view v);
// What `config` shows for a secret: <redacted> when set, <unset> when empty.
std::string SecretForDisplay(std::string_view v);
// The value in double quotes, escaped, cut after kMaxValueInMessage bytes.
std::string QuoteValue(std::string_view v);
// `VAR="value" is invalid: expected <expectation>`.
Status Invalid(std::string_view var, std::string_view value, std::string_view expectation);
// The same without the value, for secrets.
Status InvalidSecret(std::string_view var, std::string_view expectation);
// `VAR is required when <condition>`.
Status Required(std::string_view var, std::string_view condition);

// The NAME=value lines `swha-tts config` shows, one component's at a time. Text is escaped;
// Raw takes a value already safe to show (masked, redacted or built from numbers).
class DisplayLines {
 public:
  void Raw(std::string_view name, std::string_view value) {
    out_.append(name).append("=").append(value).append("\n");
  }
  void Text(std::string_view name, std::string_view value) { Raw(name, EscapeForDisplay(value)); }
  template <typename T>
  void Number(std::string_view name, T value) {
    Raw(name, std::to_string(value));
  }
  void Flag(std::string_view name, bool value) { Raw(name, value ? "true" : "false"); }
  // Another component's lines, as its ToString() wrote them.
  void Append(std::string_view lines) { out_.append(lines); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace swha::config
