#include "aws/s3_credentials.h"

#include "config/settings.h"

namespace swha::aws {

CredentialChainConfig ChainConfigFromSettings(const config::S3Settings& s) {
  CredentialChainConfig c;
  c.environment = {s.access_key_id, s.secret_access_key, s.session_token};
  c.files = {.credentials_file = s.shared_credentials_file,
             .config_file = s.config_file,
             .profile = s.profile,
             .profile_explicit = s.profile_explicit};
  if (s.region_explicit) c.region = s.region;
  c.sts_endpoint_url = s.sts_endpoint_url;
  c.web_identity_token_file = s.web_identity_token_file;
  c.role_arn = s.role_arn;
  c.role_session_name = s.role_session_name;
  c.container_relative_uri = s.container_credentials_relative_uri;
  c.container_full_uri = s.container_credentials_full_uri;
  c.container_authorization_token = s.container_authorization_token;
  c.container_authorization_token_file = s.container_authorization_token_file;
  c.ec2_metadata_endpoint = s.ec2_metadata_service_endpoint;
  c.ec2_metadata_disabled = s.ec2_metadata_disabled;
  return c;
}

Result<ResolvedS3Config> ResolveS3Config(const config::S3Settings& settings,
                                         const S3CredentialsDeps& deps) {
  SWHA_ASSIGN_OR_RETURN(ResolvedCredentials chosen,
                        CredentialChain::Resolve(ChainConfigFromSettings(settings),
                                                 {.fs = deps.fs,
                                                  .sts_transport = deps.sts_transport,
                                                  .metadata_transport = deps.metadata_transport,
                                                  .clock = deps.clock,
                                                  .sts_retry = {}}));
  ResolvedS3Config out;
  out.credentials_kind = std::string(chosen.source());
  out.credentials_description = std::string(chosen.source()) + " (" + chosen.description() + ")";
  const std::string region = chosen.region();
  std::optional<storage::CredentialsSnapshot> first = chosen.first();
  Result<std::unique_ptr<RefreshingCredentials>> live = RefreshingCredentials::Start(
      chosen.TakeProvider(), std::move(first), deps.clock, deps.refresh, deps.metrics);
  if (!live.ok()) {
    return live.status().WithContext("AWS credentials from " + out.credentials_description);
  }
  out.credentials = std::move(*live);
  out.config = storage::S3ClientConfig::FromSettings(settings);
  out.config.region = region;
  out.config.credentials = {};
  out.config.credentials_source = out.credentials;
  return out;
}

CredentialTransports CreateCredentialTransports(const config::S3Settings& settings) {
  return {storage::CreateCurlTransport({.connect_timeout_ms = settings.connect_timeout_ms,
                                        .total_timeout_ms = settings.request_timeout_ms,
                                        .max_idle_handles = 2,
                                        .max_response_bytes = kMaxCredentialAnswerBytes}),
          storage::CreateCurlTransport({.connect_timeout_ms = kMetadataTimeoutMs,
                                        .total_timeout_ms = kContainerTimeoutMs,
                                        .max_idle_handles = 2,
                                        .max_response_bytes = kMaxCredentialAnswerBytes})};
}

}  // namespace swha::aws
