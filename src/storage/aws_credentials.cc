#include "storage/aws_credentials.h"

#include "config/settings.h"
#include "util/strings.h"

namespace swha::storage {

Result<AwsCredentials> ParseSharedCredentials(std::string_view text, std::string_view profile) {
  AwsCredentials found;
  bool in_profile = false;
  bool seen_profile = false;
  int line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = TrimWhitespace(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++line_number;
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      if (line.back() != ']') {
        return Status::InvalidArgument("line " + std::to_string(line_number) +
                                       ": a section header must end with ']'");
      }
      in_profile = TrimWhitespace(line.substr(1, line.size() - 2)) == profile;
      seen_profile = seen_profile || in_profile;
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return Status::InvalidArgument("line " + std::to_string(line_number) +
                                     ": expected `name = value`");
    }
    if (!in_profile) continue;
    const std::string name = ToLower(TrimWhitespace(line.substr(0, eq)));
    const std::string value(TrimWhitespace(line.substr(eq + 1)));
    if (name == "aws_access_key_id") {
      found.access_key_id = value;
    } else if (name == "aws_secret_access_key") {
      found.secret_access_key = value;
    } else if (name == "aws_session_token") {
      found.session_token = value;
    }
  }
  if (!seen_profile) return Status::NotFound("no [" + std::string(profile) + "] section");
  if (found.access_key_id.empty() || found.secret_access_key.empty()) {
    return Status::NotFound("[" + std::string(profile) +
                            "] lacks aws_access_key_id or aws_secret_access_key");
  }
  return found;
}

Result<ResolvedS3Config> ResolveS3Config(const config::S3Settings& settings, FileSystem* fs) {
  ResolvedS3Config out{S3ClientConfig::FromSettings(settings), "environment", "environment"};
  if (!settings.access_key_id.empty()) return out;
  const std::string& path = settings.shared_credentials_file;
  const std::string where = "shared credentials file " + path + " [" + settings.profile + "]";
  if (path.empty()) {
    return Status::Unauthenticated(
        "no S3 credentials: AWS_ACCESS_KEY_ID is unset and there is no shared credentials file "
        "(set HOME or AWS_SHARED_CREDENTIALS_FILE)");
  }
  Result<std::string> text = fs->ReadFile(path);
  if (!text.ok()) {
    return Status::Unauthenticated("no S3 credentials: AWS_ACCESS_KEY_ID is unset and " + path +
                                   " cannot be read (" + text.status().message() + ")");
  }
  Result<AwsCredentials> credentials = ParseSharedCredentials(*text, settings.profile);
  if (!credentials.ok()) {
    return Status::Unauthenticated("no S3 credentials: AWS_ACCESS_KEY_ID is unset and " + where +
                                   ": " + credentials.status().message());
  }
  out.config.credentials = *std::move(credentials);
  out.credentials_source = where;
  out.credentials_kind = "shared credentials file";
  return out;
}

}  // namespace swha::storage
