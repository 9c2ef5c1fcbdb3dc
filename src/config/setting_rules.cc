#include "config/setting_rules.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "util/strings.h"

namespace swha::config {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool LooksLikeIpv4(std::string_view v) {
  int groups = 0;
  size_t start = 0;
  while (start <= v.size()) {
    size_t dot = v.find('.', start);
    std::string_view part = v.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (part.empty()) return false;
    for (char c : part) {
      if (c < '0' || c > '9') return false;
    }
    ++groups;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return groups == 4;
}

}  // namespace

bool IsCorsOriginEntry(std::string_view entry) {
  if (entry == "*") return true;
  const size_t scheme_end = entry.find("://");
  if (scheme_end == std::string_view::npos) return false;
  const std::string_view scheme = entry.substr(0, scheme_end);
  const std::string_view host = entry.substr(scheme_end + 3);
  return (scheme == "http" || scheme == "https") && !host.empty() &&
         std::ranges::all_of(host, [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
                  c == '[' || c == ']';
         });
}

std::string IntExpectation(const IntRule& rule) {
  std::string e = "an integer from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
  if (!rule.note.empty()) {
    e += " (";
    e += rule.note;
    e += ")";
  }
  return e;
}

std::string ChoiceExpectation(std::span<const std::string_view> allowed, bool allow_empty) {
  std::string e = "one of ";
  bool first = true;
  for (std::string_view a : allowed) {
    if (!first) e += ", ";
    e += a;
    first = false;
  }
  if (allow_empty) e += ", or empty for none";
  return e;
}

bool IsOneOf(std::string_view v, std::span<const std::string_view> allowed) {
  for (std::string_view a : allowed) {
    if (v == a) return true;
  }
  return false;
}

bool HasSpaceOrControl(std::string_view v) {
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

bool IsValidBucketName(std::string_view v) {
  if (v.size() < 3 || v.size() > 63) return false;
  for (char c : v) {
    if (!IsLowerAlnum(c) && c != '.' && c != '-') return false;
  }
  if (!IsLowerAlnum(v.front()) || !IsLowerAlnum(v.back())) return false;
  if (v.find("..") != std::string_view::npos) return false;
  return !LooksLikeIpv4(v);
}

bool IsValidRegion(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  for (char c : v) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

// No credentials either, since the URL is logged.
bool IsBaseUrl(std::string_view v) {
  std::string lower = ToLower(v);
  size_t rest;
  if (lower.starts_with("http://")) {
    rest = 7;
  } else if (lower.starts_with("https://")) {
    rest = 8;
  } else {
    return false;
  }
  if (HasSpaceOrControl(v) || v.find_first_of("?#") != std::string_view::npos) return false;
  std::string_view after = v.substr(rest);
  std::string_view authority = after.substr(0, after.find('/'));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return false;
  return !v.ends_with('/');
}

std::string_view StripTrailingSlashes(std::string_view v) {
  while (v.ends_with('/')) v.remove_suffix(1);
  return v;
}

// URLs (refused for carrying credentials, among other things) must not put a password in a log.
std::string UrlForMessage(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    // No scheme: whatever precedes an '@' may still be a password.
    const size_t at = url.find('@');
    if (at == std::string_view::npos) return std::string(url);
    return "<redacted>" + std::string(url.substr(at));
  }
  const size_t authority = scheme_end + 3;
  const size_t authority_end = url.find_first_of("/?#", authority);
  const std::string_view host_part = url.substr(authority, authority_end - authority);
  const size_t at = host_part.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority)) + "<redacted>" +
         std::string(url.substr(authority + at));
}

Status CheckUrl(std::string_view var, const std::string& value) {
  if (value.empty()) return Status::Ok();
  if (value.ends_with('/')) {
    return Invalid(var, UrlForMessage(value), "a URL without a trailing slash");
  }
  if (!IsBaseUrl(value)) return Invalid(var, UrlForMessage(value), kUrlExpectation);
  return Status::Ok();
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

Status ReadBool(std::string_view var, const std::string& raw, bool* field) {
  std::string v = ToLower(raw);
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    *field = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    *field = false;
  } else {
    return Invalid(var, raw, kBoolExpectation);
  }
  return Status::Ok();
}

Status ReadChoice(std::string_view var, std::span<const std::string_view> allowed, bool allow_empty,
                  const std::string& raw, std::string* field) {
  if (raw.empty() && allow_empty) {
    field->clear();
    return Status::Ok();
  }
  std::string lower = ToLower(raw);
  for (std::string_view a : allowed) {
    if (lower == ToLower(a)) {
      *field = std::string(a);
      return Status::Ok();
    }
  }
  return Invalid(var, raw, ChoiceExpectation(allowed, allow_empty));
}

Status ReadUrl(std::string_view var, const std::string& raw, std::string* field) {
  std::string_view stripped = StripTrailingSlashes(raw);
  if (!raw.empty() && !IsBaseUrl(stripped)) {
    return Invalid(var, UrlForMessage(raw), kUrlExpectation);
  }
  *field = std::string(stripped);
  return Status::Ok();
}

Status ReadPrice(std::string_view var, const std::string& raw, double* field) {
  double v = 0;
  const auto [end, error] = std::from_chars(raw.data(), raw.data() + raw.size(), v);
  if (error != std::errc() || end != raw.data() + raw.size() || !(v >= 0) ||
      v > kMaxPricePerGbMonth) {
    return Invalid(var, raw, kPriceExpectation);
  }
  *field = v;
  return Status::Ok();
}

}  // namespace swha::config
