// The one-line messages for a setting that is wrong, shared by every component's settings: they
// name the variable and what is allowed, and never show a secret's value.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace swha::config
