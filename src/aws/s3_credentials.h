// The S3 client configuration from the settings, with its credentials from the AWS default
// chain (aws/credential_chain.h), kept fresh in the background when they are temporary.
#pragma once

#include <memory>
#include <string>

#include "aws/credential_chain.h"
#include "aws/refreshing_credentials.h"
#include "metrics/service_metrics.h"
#include "storage/s3_client.h"

namespace swha::config {
struct S3Settings;
}

namespace swha::aws {

struct ResolvedS3Config {
  storage::S3ClientConfig config;  // credentials_source set; region as resolved
  // For the log, never a secret: the source and the profile, files and role behind it.
  std::string credentials_description;
  // One of the kSource* names, for API answers (no server paths).
  std::string credentials_kind;
  // The live credentials; also in config.credentials_source.
  std::shared_ptr<RefreshingCredentials> credentials;
};

// Borrowed; the transports must outlive what ResolveS3Config returns.
struct S3CredentialsDeps {
  FileSystem* fs = nullptr;
  storage::HttpTransport* sts_transport = nullptr;
  storage::HttpTransport* metadata_transport = nullptr;
  const Clock* clock = nullptr;
  const metrics::ServiceMetrics* metrics = nullptr;
  RefreshOptions refresh;
};

// The chain's settings from the service's.
CredentialChainConfig ChainConfigFromSettings(const config::S3Settings& settings);

// Resolves the chain and fetches the first credentials. Unauthenticated when there are none
// (saying where it looked: paths, never content), InvalidArgument for a malformed profile, and
// the first fetch's failure otherwise.
Result<ResolvedS3Config> ResolveS3Config(const config::S3Settings& settings,
                                         const S3CredentialsDeps& deps);

// Transports for the chain, with the SDKs' timeouts: STS as S3's, the metadata endpoints
// short (an instance without IMDS must not hold start-up for long).
struct CredentialTransports {
  std::unique_ptr<storage::HttpTransport> sts;
  std::unique_ptr<storage::HttpTransport> metadata;
};
CredentialTransports CreateCredentialTransports(const config::S3Settings& settings);

}  // namespace swha::aws
