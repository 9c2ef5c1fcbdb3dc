#include "aws/config_files.h"

#include "util/strings.h"

namespace swha::aws {
namespace {

std::string LineError(int line_number, std::string_view what) {
  return "line " + std::to_string(line_number) + ": " + std::string(what);
}

// The profile a section header names, or nullopt for a section that holds no profile.
std::optional<std::string> ProfileOfSection(std::string_view header, AwsFileKind kind) {
  if (kind == AwsFileKind::kCredentials) return std::string(header);
  if (header == "default") return std::string(header);
  constexpr std::string_view kPrefix = "profile";
  if (!header.starts_with(kPrefix) || header.size() == kPrefix.size()) return std::nullopt;
  const std::string_view rest = header.substr(kPrefix.size());
  if (rest[0] != ' ' && rest[0] != '\t') return std::nullopt;  // "[profilex]"
  return std::string(TrimWhitespace(rest));
}

}  // namespace

Result<Profiles> ParseAwsFile(std::string_view text, AwsFileKind kind) {
  Profiles profiles;
  ProfileValues* section = nullptr;  // null: outside any profile (or in a skipped section)
  bool in_section = false;
  bool after_empty_value = false;  // the previous setting had no value: indented lines follow
  int line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    const std::string_view line = TrimWhitespace(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const bool indented = raw[0] == ' ' || raw[0] == '\t';
    if (indented && after_empty_value) continue;  // a nested setting (`s3 =` ...): not ours
    if (line[0] == '[') {
      if (line.back() != ']') {
        return Status::InvalidArgument(LineError(line_number, "a section header must end in ']'"));
      }
      const std::optional<std::string> name =
          ProfileOfSection(TrimWhitespace(line.substr(1, line.size() - 2)), kind);
      section = name ? &profiles[*name] : nullptr;
      in_section = true;
      after_empty_value = false;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument(LineError(line_number, "expected `name = value`"));
    }
    if (!in_section) {
      return Status::InvalidArgument(LineError(line_number, "a setting before any [section]"));
    }
    const std::string_view value = TrimWhitespace(line.substr(eq + 1));
    after_empty_value = value.empty();
    if (section != nullptr && !value.empty()) {
      (*section)[ToLower(TrimWhitespace(line.substr(0, eq)))] = std::string(value);
    }
  }
  return profiles;
}

const ProfileValues* AwsFiles::Merged(std::string_view profile) const {
  auto it = merged.find(profile);
  return it == merged.end() ? nullptr : &it->second;
}

std::optional<std::string> AwsFiles::Value(const Profiles& profiles, std::string_view profile,
                                           std::string_view name) {
  auto it = profiles.find(profile);
  if (it == profiles.end()) return std::nullopt;
  auto value = it->second.find(std::string(name));
  if (value == it->second.end() || value->second.empty()) return std::nullopt;
  return value->second;
}

Result<AwsFiles> LoadAwsFiles(const AwsFileLocations& where, FileSystem* fs) {
  AwsFiles files;
  const auto load = [fs](const std::string& path, AwsFileKind kind, Profiles* out) -> Status {
    if (path.empty()) return Status::Ok();
    Result<std::string> text = fs->ReadFile(path);
    if (!text.ok()) {
      if (text.status().code() == StatusCode::kNotFound) return Status::Ok();
      return Status::Unauthenticated(path + " cannot be read (" + text.status().message() + ")");
    }
    Result<Profiles> parsed = ParseAwsFile(*text, kind);
    if (!parsed.ok()) return Status::Unauthenticated(path + ": " + parsed.status().message());
    *out = *std::move(parsed);
    return Status::Ok();
  };
  SWHA_RETURN_IF_ERROR(load(where.config_file, AwsFileKind::kConfig, &files.config));
  SWHA_RETURN_IF_ERROR(load(where.credentials_file, AwsFileKind::kCredentials, &files.credentials));
  files.merged = files.config;
  for (const auto& [name, values] : files.credentials) {
    for (const auto& [key, value] : values) files.merged[name][key] = value;
  }
  return files;
}

}  // namespace swha::aws
