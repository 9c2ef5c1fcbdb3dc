// The AWS shared files, read as the AWS CLI and SDKs read them: the credentials file
// (~/.aws/credentials, `[name]` sections) and the config file (~/.aws/config, `[default]` and
// `[profile name]` sections). Both are INI: `name = value` lines, `#` and `;` comment lines,
// names compared in lower case, and indented lines under an empty value (`s3 =` then
// `  addressing_style = path`) belonging to that value, which nothing here needs.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/file_system.h"
#include "util/status.h"

namespace swha::aws {

// A profile's settings: lowercase name -> value.
using ProfileValues = std::map<std::string, std::string>;
// Profile name (as written) -> its settings.
using Profiles = std::map<std::string, ProfileValues, std::less<>>;

enum class AwsFileKind {
  kCredentials,  // [name]
  kConfig,       // [default] and [profile name]; other sections ([sso-session x]) are skipped
};

// InvalidArgument for a malformed line, by number, never quoting it (it may hold a secret).
// A profile named twice gets the settings of both, the later winning.
Result<Profiles> ParseAwsFile(std::string_view text, AwsFileKind kind);

// Where the files are and which profile is in use.
struct AwsFileLocations {
  std::string credentials_file;     // AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials
  std::string config_file;          // AWS_CONFIG_FILE, else ~/.aws/config
  std::string profile = "default";  // AWS_PROFILE
  bool profile_explicit = false;    // AWS_PROFILE was set: the profile must exist
};

// Both files' profiles. `config` holds the config file's, `merged` the same with each
// credentials-file profile's settings laid over (as botocore's full_config: a source_profile
// may name either file's profile).
struct AwsFiles {
  Profiles credentials;
  Profiles config;
  Profiles merged;

  // The named profile's settings in `merged`; nullptr when neither file has it.
  const ProfileValues* Merged(std::string_view profile) const;
  // One setting of a profile from one of the maps; nullopt when absent or empty.
  static std::optional<std::string> Value(const Profiles& profiles, std::string_view profile,
                                          std::string_view name);
};

// Reads both files; a file that does not exist counts as empty. Unauthenticated, naming the
// file, when one cannot be read or parsed (never quoting its content).
Result<AwsFiles> LoadAwsFiles(const AwsFileLocations& where, FileSystem* fs);

}  // namespace swha::aws
