// Where the S3 credentials come from, in the order the AWS CLI and SDKs look: the environment
// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN), else the AWS_PROFILE section
// of the shared credentials file (~/.aws/credentials or AWS_SHARED_CREDENTIALS_FILE).
#pragma once

#include <string>
#include <string_view>

#include "storage/s3_client.h"
#include "storage/sigv4.h"
#include "util/file_system.h"
#include "util/status.h"

namespace swha::config {
struct S3Settings;
}

namespace swha::storage {

// The keys of `profile` in the INI text of a shared credentials file: `[profile]` sections of
// `name = value` lines, `#`/`;` comments, names case-insensitive. NotFound when the section or
// its key pair is missing; InvalidArgument for a malformed line (by number, never its content,
// which may hold a secret).
Result<AwsCredentials> ParseSharedCredentials(std::string_view text, std::string_view profile);

struct ResolvedS3Config {
  S3ClientConfig config;
  // For people, never a secret: "environment" or "shared credentials file <path> [<profile>]".
  std::string credentials_source;
  // The same as a kind, without the server's paths (for API answers): "environment" or
  // "shared credentials file".
  std::string credentials_kind;
};

// S3ClientConfig::FromSettings, with the credentials taken from the shared credentials file
// when the environment has none. Fails with Unauthenticated, saying where it looked, when
// neither has them.
Result<ResolvedS3Config> ResolveS3Config(const config::S3Settings& settings, FileSystem* fs);

}  // namespace swha::storage
