// Which credentials a process on AWS (or anywhere) should use, decided as the AWS SDKs' default
// chain decides, in botocore's order:
//   1. environment          AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN]
//   2. assume-role          the profile has role_arn, with source_profile or credential_source
//   3. web-identity         AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (or the profile's
//                           web_identity_token_file + role_arn)
//   4. shared-credentials-file   the profile's keys in ~/.aws/credentials
//   5. process              the profile's credential_process
//   6. config-file          the profile's keys in ~/.aws/config
//   7. container            AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI
//   8. instance-metadata    IMDSv2, unless AWS_EC2_METADATA_DISABLED
// The first that is configured is used; a configured source that is wrong is an error, not a
// reason to go on (as botocore), except instance metadata, which is simply absent off EC2.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aws/config_files.h"
#include "aws/credential_providers.h"
#include "aws/sts_client.h"
#include "storage/credentials_source.h"
#include "storage/http_transport.h"
#include "util/clock.h"
#include "util/file_system.h"
#include "util/retry.h"
#include "util/status.h"

namespace swha::aws {

inline constexpr std::string_view kDefaultRegion = "us-east-1";
inline constexpr std::string_view kDefaultImdsEndpoint = "http://169.254.169.254";

// The settings the chain reads (the variables' names are the AWS SDKs').
struct CredentialChainConfig {
  storage::AwsCredentials environment;  // AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, ..._TOKEN
  AwsFileLocations files;               // AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE, AWS_PROFILE
  // AWS_REGION, else AWS_DEFAULT_REGION; empty: the profile's region, else us-east-1.
  std::string region;
  std::string sts_endpoint_url;                    // AWS_ENDPOINT_URL_STS
  std::string web_identity_token_file;             // AWS_WEB_IDENTITY_TOKEN_FILE
  std::string role_arn;                            // AWS_ROLE_ARN
  std::string role_session_name;                   // AWS_ROLE_SESSION_NAME
  std::string container_relative_uri;              // AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
  std::string container_full_uri;                  // AWS_CONTAINER_CREDENTIALS_FULL_URI
  std::string container_authorization_token;       // AWS_CONTAINER_AUTHORIZATION_TOKEN
  std::string container_authorization_token_file;  // AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
  std::string ec2_metadata_endpoint = std::string(kDefaultImdsEndpoint);
  bool ec2_metadata_disabled = false;  // AWS_EC2_METADATA_DISABLED
};

// What the chain talks through; all borrowed, outliving the chain.
struct CredentialChainDeps {
  FileSystem* fs = nullptr;
  storage::HttpTransport* sts_transport = nullptr;
  // For IMDS and the container endpoint: short timeouts (kMetadataTimeoutMs).
  storage::HttpTransport* metadata_transport = nullptr;
  const Clock* clock = nullptr;
  RetryPolicy sts_retry;
};

// The chain's choice: a provider to fetch (and fetch again) with, and what it is.
class ResolvedCredentials {
 public:
  CredentialProvider* provider() const { return provider_.get(); }
  std::unique_ptr<CredentialProvider> TakeProvider() { return std::move(provider_); }
  // One of the kSource* names.
  std::string_view source() const { return source_; }
  // For the log, never a secret: the profile, files and role ARN involved.
  const std::string& description() const { return description_; }
  // The region in force (explicit, else the profile's, else us-east-1).
  const std::string& region() const { return region_; }
  // Credentials already fetched while deciding (instance metadata is only known to be there
  // once it answered); nullopt when none was fetched yet.
  const std::optional<storage::CredentialsSnapshot>& first() const { return first_; }

 private:
  friend class CredentialChain;
  std::unique_ptr<CredentialProvider> provider_;
  std::string_view source_;
  std::string description_;
  std::string region_;
  std::optional<storage::CredentialsSnapshot> first_;
};

class CredentialChain {
 public:
  // Unauthenticated when no source is configured (saying where it looked); InvalidArgument
  // when the configured one is malformed (a role without a source, a loop of profiles, ...).
  static Result<ResolvedCredentials> Resolve(const CredentialChainConfig& config,
                                             const CredentialChainDeps& deps);
};

}  // namespace swha::aws
