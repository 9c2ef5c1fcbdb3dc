// The ways AWS hands credentials to a program, one provider each, as the AWS SDKs' default
// chain knows them (botocore/credentials.py is the reference for behaviour). A provider only
// fetches; aws/credential_chain.h decides which one applies and aws/refreshing_credentials.h
// fetches again before temporary credentials expire.
//
// No message names a secret, a token or the content of a file. The sources' names are what
// `swha-tts s3 check` and GET /api/v1/tts/s3-info show.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sts_client.h"
#include "storage/credentials_source.h"
#include "storage/http_transport.h"
#include "util/clock.h"
#include "util/file_system.h"
#include "util/status.h"
#include "util/subprocess.h"

namespace swha::aws {

// The sources, by the names the service shows.
inline constexpr std::string_view kSourceEnvironment = "environment";
inline constexpr std::string_view kSourceSharedCredentialsFile = "shared-credentials-file";
inline constexpr std::string_view kSourceConfigFile = "config-file";
inline constexpr std::string_view kSourceProcess = "process";
inline constexpr std::string_view kSourceAssumeRole = "assume-role";
inline constexpr std::string_view kSourceWebIdentity = "web-identity";
inline constexpr std::string_view kSourceContainer = "container";
inline constexpr std::string_view kSourceInstanceMetadata = "instance-metadata";

// Limits on the endpoints and programs credentials come from.
inline constexpr int kMetadataTimeoutMs = 1000;   // IMDS, as botocore's default
inline constexpr int kContainerTimeoutMs = 2000;  // ECS, as botocore's
inline constexpr int kProcessTimeoutMs = 60000;   // a credential_process may ask a vault
inline constexpr size_t kMaxCredentialAnswerBytes = 64 * 1024;
inline constexpr int kImdsTokenTtlSeconds = 21600;  // what the SDKs ask for

class CredentialProvider {
 public:
  virtual ~CredentialProvider() = default;
  // One fetch. Unavailable when the source could not be reached (worth retrying);
  // Unauthenticated when it answered no; Internal when its answer made no sense.
  virtual Result<storage::CredentialsSnapshot> Fetch() = 0;
  // One of the kSource* names.
  virtual std::string_view source() const = 0;
};

// Keys known at start-up (the environment, a file's profile).
std::unique_ptr<CredentialProvider> StaticProvider(std::string_view source,
                                                   storage::CredentialsSnapshot snapshot);

// Runs a program (util/subprocess.h's RunProcess, unless a test injects another).
using ProcessRunner = std::function<Result<ProcessResult>(const std::vector<std::string>& argv,
                                                          int timeout_ms, size_t max_output_bytes)>;

// `credential_process`: runs the command and reads its JSON ({"Version": 1, "AccessKeyId",
// "SecretAccessKey", "SessionToken"?, "Expiration"?}).
std::unique_ptr<CredentialProvider> ProcessProvider(std::string command_line, const Clock* clock,
                                                    ProcessRunner run = RunProcess);

// AssumeRole with the credentials `source` fetches (fetched anew each time, so a source that
// is itself temporary stays fresh).
std::unique_ptr<CredentialProvider> AssumeRoleProvider(std::unique_ptr<CredentialProvider> source,
                                                       std::shared_ptr<const StsClient> sts,
                                                       AssumeRoleRequest request);

// AssumeRoleWithWebIdentity with the token read from `token_file` at every fetch (Kubernetes
// rotates it).
std::unique_ptr<CredentialProvider> WebIdentityProvider(FileSystem* fs,
                                                        std::shared_ptr<const StsClient> sts,
                                                        std::string token_file,
                                                        WebIdentityRequest request);

struct ContainerEndpoint {
  std::string url;                 // the full URL to GET
  std::string authorization;       // the Authorization header value, or empty
  std::string authorization_file;  // read at every fetch when set; wins over `authorization`
};
// The ECS/EKS container credentials endpoint. Only https, or http to a loopback address or to
// the ECS/EKS link-local hosts (169.254.170.2, 169.254.170.23, fd00:ec2::23), is allowed:
// InvalidArgument otherwise.
Result<std::string> ContainerCredentialsUrl(std::string_view relative_uri,
                                            std::string_view full_uri);
std::unique_ptr<CredentialProvider> ContainerProvider(ContainerEndpoint endpoint, FileSystem* fs,
                                                      storage::HttpTransport* transport);

// EC2 instance metadata, IMDSv2 only: PUT /latest/api/token, then the role's credentials
// under /latest/meta-data/iam/security-credentials/ with the token. `endpoint`:
// "http://169.254.169.254" unless AWS_EC2_METADATA_SERVICE_ENDPOINT says otherwise.
std::unique_ptr<CredentialProvider> InstanceMetadataProvider(std::string endpoint,
                                                             storage::HttpTransport* transport);

// Exposed for tests: the JSON credentials the container endpoint, IMDS and credential_process
// answer with. `token_field` is "Token" (IMDS, ECS) or "SessionToken" (process).
Result<storage::CredentialsSnapshot> ParseJsonCredentials(std::string_view what,
                                                          std::string_view body,
                                                          std::string_view token_field);

}  // namespace swha::aws
