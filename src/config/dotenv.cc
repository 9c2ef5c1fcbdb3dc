#include "config/dotenv.h"

#include <unistd.h>

#include <cctype>
#include <string>

#include "util/strings.h"

extern char** environ;

namespace swha::config {
namespace {

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsValidKey(std::string_view key) {
  if (key.empty()) return false;
  auto is_alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!is_alpha(key[0]) && key[0] != '_') return false;
  for (char c : key) {
    if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_') return false;
  }
  return true;
}

Status LineError(size_t line_number, std::string_view what) {
  return Status::InvalidArgument("line " + std::to_string(line_number) + ": " + std::string(what));
}

// After a closing quote only whitespace and a comment may follow.
bool OnlyCommentFollows(std::string_view rest) {
  rest = TrimWhitespace(rest);
  return rest.empty() || rest[0] == '#';
}

Result<std::string> ParseDoubleQuoted(std::string_view v, size_t line_number) {
  std::string out;
  for (size_t i = 1; i < v.size(); ++i) {
    char c = v[i];
    if (c == '"') {
      if (!OnlyCommentFollows(v.substr(i + 1))) {
        return LineError(line_number, "unexpected text after the closing double quote");
      }
      return out;
    }
    if (c == '\\' && i + 1 < v.size()) {
      char e = v[++i];
      switch (e) {
        case 'n': out.push_back('\n'); break;
        case 't': out.push_back('\t'); break;
        case 'r': out.push_back('\r'); break;
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        default:
          // Kept as written, so a Windows path or a regex does not lose its backslashes.
          out.push_back('\\');
          out.push_back(e);
      }
      continue;
    }
    out.push_back(c);
  }
  return LineError(line_number, "double-quoted value has no closing quote");
}

Result<std::string> ParseSingleQuoted(std::string_view v, size_t line_number) {
  size_t close = v.find('\'', 1);
  if (close == std::string_view::npos) {
    return LineError(line_number, "single-quoted value has no closing quote");
  }
  if (!OnlyCommentFollows(v.substr(close + 1))) {
    return LineError(line_number, "unexpected text after the closing single quote");
  }
  return std::string(v.substr(1, close - 1));
}

// `raw` is everything after the '='. A '#' starts a comment only after whitespace, so values
// such as `color=#fff` or `url=http://h/#frag` survive.
std::string ParseUnquoted(std::string_view raw) {
  for (size_t i = 1; i < raw.size(); ++i) {
    if (raw[i] == '#' && IsSpace(raw[i - 1])) {
      raw = raw.substr(0, i);
      break;
    }
  }
  return std::string(TrimWhitespace(raw));
}

}  // namespace

Result<EnvMap> ParseDotEnv(std::string_view content) {
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  if (content.starts_with(kBom)) content.remove_prefix(kBom.size());

  EnvMap out;
  size_t line_number = 0;
  while (!content.empty()) {
    ++line_number;
    size_t eol = content.find('\n');
    std::string_view line = content.substr(0, eol);
    content.remove_prefix(eol == std::string_view::npos ? content.size() : eol + 1);

    line = TrimWhitespace(line);  // also drops the '\r' of CRLF files
    if (line.empty() || line[0] == '#') continue;
    if (line.starts_with("export") && line.size() > 6 && IsSpace(line[6])) {
      line = TrimWhitespace(line.substr(6));
    }

    size_t eq = line.find('=');
    if (eq == std::string_view::npos) return LineError(line_number, "expected KEY=VALUE");
    std::string_view key = TrimWhitespace(line.substr(0, eq));
    if (!IsValidKey(key)) {
      return LineError(line_number,
                       "invalid variable name: expected letters, digits and underscores, not "
                       "starting with a digit");
    }

    std::string_view raw = line.substr(eq + 1);
    std::string_view trimmed = TrimWhitespace(raw);
    std::string value;
    if (trimmed.starts_with('"')) {
      SWHA_ASSIGN_OR_RETURN(value, ParseDoubleQuoted(trimmed, line_number));
    } else if (trimmed.starts_with('\'')) {
      SWHA_ASSIGN_OR_RETURN(value, ParseSingleQuoted(trimmed, line_number));
    } else {
      value = ParseUnquoted(raw);
    }
    out[std::string(key)] = std::move(value);
  }
  return out;
}

Result<EnvMap> ReadDotEnvFile(FileSystem* fs, const std::string& path) {
  Result<std::string> content = fs->ReadFile(path);
  if (!content.ok()) {
    if (content.status().code() == StatusCode::kNotFound) return EnvMap{};
    return content.status();
  }
  Result<EnvMap> parsed = ParseDotEnv(*content);
  if (!parsed.ok()) return parsed.status().WithContext(path);
  return parsed;
}

EnvMap MergeEnvironment(const EnvMap& process_env, const EnvMap& dotenv) {
  EnvMap out = process_env;
  // insert() never overwrites, which is exactly "the process environment wins".
  out.insert(dotenv.begin(), dotenv.end());
  return out;
}

EnvMap ProcessEnvironment() {
  EnvMap out;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    out.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return out;
}

}  // namespace swha::config
