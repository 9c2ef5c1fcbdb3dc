#include "aws/credential_chain.h"

#include <charconv>
#include <set>

#include "util/strings.h"

namespace swha::aws {
namespace {

using storage::CredentialsSnapshot;

// Role session names when none is configured: like the SDKs' "botocore-session-<time>".
std::string DefaultSessionName(const Clock* clock) {
  return "swha-tts-" + std::to_string(clock->NowUnixSeconds());
}

std::string ProfileLabel(std::string_view profile) { return "profile " + std::string(profile); }

// The state of one resolution: the files, the STS client shared by every role in the chain,
// and the profiles visited while following source_profile (to stop at a loop).
class Resolver {
 public:
  Resolver(const CredentialChainConfig& config, const CredentialChainDeps& deps, AwsFiles files)
      : config_(config), deps_(deps), files_(std::move(files)) {
    region_ = config.region;
    if (region_.empty()) {
      region_ = AwsFiles::Value(files_.config, config.files.profile, "region")
                    .value_or(std::string(kDefaultRegion));
    }
  }

  const std::string& region() const { return region_; }

  // A setting of `profile` from either file (the credentials file's winning), or nullopt.
  std::optional<std::string> Merged(std::string_view profile, std::string_view name) const {
    return AwsFiles::Value(files_.merged, profile, name);
  }

  std::shared_ptr<const StsClient> Sts() {
    if (sts_ == nullptr) {
      sts_ = std::make_shared<const StsClient>(
          StsConfig{.region = region_, .endpoint_url = config_.sts_endpoint_url},
          deps_.sts_transport, deps_.clock, deps_.sts_retry);
    }
    return sts_;
  }

  bool HasRoleConfig(std::string_view profile) const {
    return Merged(profile, "role_arn") && !Merged(profile, "web_identity_token_file");
  }

  // Keys of `profile` in one file, or nullopt when it has none. InvalidArgument when only half
  // of the pair is there.
  Result<std::optional<CredentialsSnapshot>> KeysIn(const Profiles& profiles,
                                                    std::string_view profile,
                                                    std::string_view file) const {
    auto id = AwsFiles::Value(profiles, profile, "aws_access_key_id");
    if (!id) return std::optional<CredentialsSnapshot>();
    auto secret = AwsFiles::Value(profiles, profile, "aws_secret_access_key");
    if (!secret) {
      return Status::InvalidArgument(ProfileLabel(profile) + " in the " + std::string(file) +
                                     " has aws_access_key_id but no aws_secret_access_key");
    }
    CredentialsSnapshot snapshot;
    snapshot.credentials = {*id, *secret,
                            AwsFiles::Value(profiles, profile, "aws_session_token").value_or("")};
    return std::optional<CredentialsSnapshot>(std::move(snapshot));
  }

  // AssumeRole for a profile with role_arn.
  Result<std::unique_ptr<CredentialProvider>> AssumeRoleFor(std::string_view profile,
                                                            std::string* description) {
    visited_.insert(std::string(profile));
    const auto source_profile = Merged(profile, "source_profile");
    const auto credential_source = Merged(profile, "credential_source");
    if (source_profile && credential_source) {
      return Status::InvalidArgument(ProfileLabel(profile) +
                                     " has both source_profile and credential_source");
    }
    if (!source_profile && !credential_source) {
      return Status::InvalidArgument(ProfileLabel(profile) +
                                     " has role_arn but neither source_profile nor "
                                     "credential_source");
    }
    if (Merged(profile, "mfa_serial")) {
      return Status::InvalidArgument(ProfileLabel(profile) +
                                     " asks for an MFA code (mfa_serial), which a service "
                                     "cannot type");
    }
    AssumeRoleRequest request;
    request.role_arn = *Merged(profile, "role_arn");
    request.role_session_name =
        Merged(profile, "role_session_name").value_or(DefaultSessionName(deps_.clock));
    request.external_id = Merged(profile, "external_id").value_or("");
    if (const std::optional<std::string> duration = Merged(profile, "duration_seconds")) {
      const std::string_view text = *duration;
      const char* const last = text.data() + text.size();
      int seconds = 0;
      auto [end, ec] = std::from_chars(text.data(), last, seconds);
      if (ec != std::errc() || end != last || seconds < kMinRoleSessionSeconds) {
        return Status::InvalidArgument(ProfileLabel(profile) +
                                       ": duration_seconds must be a "
                                       "whole number of at least " +
                                       std::to_string(kMinRoleSessionSeconds));
      }
      request.duration_seconds = seconds;
    }
    std::unique_ptr<CredentialProvider> source;
    std::string source_description;
    if (credential_source) {
      SWHA_ASSIGN_OR_RETURN(source, FromCredentialSource(*credential_source, profile));
      source_description = "credential_source " + *credential_source;
    } else {
      SWHA_ASSIGN_OR_RETURN(source,
                            FromSourceProfile(*source_profile, profile, &source_description));
    }
    *description = "role " + request.role_arn + " of " + ProfileLabel(profile) + ", from " +
                   source_description;
    return AssumeRoleProvider(std::move(source), Sts(), std::move(request));
  }

  // A role's source_profile: its own role (a chain), its web identity, or its keys.
  Result<std::unique_ptr<CredentialProvider>> FromSourceProfile(const std::string& source,
                                                                std::string_view parent,
                                                                std::string* description) {
    if (files_.Merged(source) == nullptr) {
      return Status::InvalidArgument("the source_profile " + source + " of " +
                                     ProfileLabel(parent) + " does not exist");
    }
    // A profile may name itself as its source: it then means its own keys (botocore's rule).
    const bool itself = source == parent;
    if (!itself && visited_.count(source) != 0) {
      return Status::InvalidArgument("the source_profile chain of " + ProfileLabel(parent) +
                                     " loops back to " + ProfileLabel(source));
    }
    if (!itself && HasRoleConfig(source) && !Merged(source, "aws_access_key_id")) {
      std::string inner;
      SWHA_ASSIGN_OR_RETURN(auto provider, AssumeRoleFor(source, &inner));
      *description = inner;
      return provider;
    }
    *description = "source_profile " + source;
    SWHA_ASSIGN_OR_RETURN(auto provider, ProfileProviderFor(source, /*use_environment=*/false));
    if (provider == nullptr) {
      return Status::InvalidArgument("the source_profile " + source + " of " +
                                     ProfileLabel(parent) + " has no credentials");
    }
    return provider;
  }

  Result<std::unique_ptr<CredentialProvider>> FromCredentialSource(const std::string& name,
                                                                   std::string_view profile) {
    if (name == "Environment") {
      if (config_.environment.access_key_id.empty()) {
        return Status::InvalidArgument(ProfileLabel(profile) +
                                       ": credential_source Environment, but AWS_ACCESS_KEY_ID "
                                       "is not set");
      }
      return StaticProvider(kSourceEnvironment, {config_.environment, std::nullopt});
    }
    if (name == "Ec2InstanceMetadata") {
      return InstanceMetadataProvider(config_.ec2_metadata_endpoint, deps_.metadata_transport);
    }
    if (name == "EcsContainer") {
      SWHA_ASSIGN_OR_RETURN(auto provider, Container());
      if (provider == nullptr) {
        return Status::InvalidArgument(ProfileLabel(profile) +
                                       ": credential_source EcsContainer, but no "
                                       "AWS_CONTAINER_CREDENTIALS_*_URI is set");
      }
      return provider;
    }
    return Status::InvalidArgument(ProfileLabel(profile) +
                                   ": credential_source must be "
                                   "Environment, Ec2InstanceMetadata or EcsContainer");
  }

  // Web identity, from the environment (which wins, unless `use_environment` is false) or the
  // profile; nullptr when neither configures it.
  Result<std::unique_ptr<CredentialProvider>> WebIdentity(std::string_view profile,
                                                          bool use_environment,
                                                          std::string* description) {
    const auto pick = [&](const std::string& from_environment,
                          std::string_view name) -> std::optional<std::string> {
      if (use_environment && !from_environment.empty()) return from_environment;
      return Merged(profile, name);
    };
    const auto token_file = pick(config_.web_identity_token_file, "web_identity_token_file");
    if (!token_file) return std::unique_ptr<CredentialProvider>();
    const auto role_arn = pick(config_.role_arn, "role_arn");
    if (!role_arn) {
      return Status::InvalidArgument(
          "a web identity token file is set (AWS_WEB_IDENTITY_TOKEN_FILE or "
          "web_identity_token_file) but no role (AWS_ROLE_ARN or role_arn)");
    }
    WebIdentityRequest request;
    request.role_arn = *role_arn;
    request.role_session_name = pick(config_.role_session_name, "role_session_name")
                                    .value_or(DefaultSessionName(deps_.clock));
    *description = "role " + *role_arn + " with the web identity token in " + *token_file;
    return WebIdentityProvider(deps_.fs, Sts(), *token_file, std::move(request));
  }

  // The profile-only providers botocore tries for a profile (web identity, keys in the
  // credentials file, credential_process, keys in the config file); nullptr when none applies.
  Result<std::unique_ptr<CredentialProvider>> ProfileProviderFor(
      std::string_view profile, bool use_environment, std::string* description = nullptr) {
    std::string ignored;
    std::string* out = description != nullptr ? description : &ignored;
    SWHA_ASSIGN_OR_RETURN(auto web, WebIdentity(profile, use_environment, out));
    if (web != nullptr) return web;
    SWHA_ASSIGN_OR_RETURN(auto keys, KeysIn(files_.credentials, profile, "credentials file"));
    if (keys) {
      *out = ProfileLabel(profile) + " in " + config_.files.credentials_file;
      return StaticProvider(kSourceSharedCredentialsFile, *std::move(keys));
    }
    if (auto command = Merged(profile, "credential_process")) {
      *out = "credential_process of " + ProfileLabel(profile);
      return ProcessProvider(*command, deps_.clock);
    }
    SWHA_ASSIGN_OR_RETURN(keys, KeysIn(files_.config, profile, "config file"));
    if (keys) {
      *out = ProfileLabel(profile) + " in " + config_.files.config_file;
      return StaticProvider(kSourceConfigFile, *std::move(keys));
    }
    return std::unique_ptr<CredentialProvider>();
  }

  Result<std::unique_ptr<CredentialProvider>> Container() {
    if (config_.container_relative_uri.empty() && config_.container_full_uri.empty()) {
      return std::unique_ptr<CredentialProvider>();
    }
    SWHA_ASSIGN_OR_RETURN(std::string url, ContainerCredentialsUrl(config_.container_relative_uri,
                                                                   config_.container_full_uri));
    return ContainerProvider({.url = std::move(url),
                              .authorization = config_.container_authorization_token,
                              .authorization_file = config_.container_authorization_token_file},
                             deps_.fs, deps_.metadata_transport);
  }

 private:
  const CredentialChainConfig& config_;
  const CredentialChainDeps& deps_;
  const AwsFiles files_;
  std::string region_;
  std::shared_ptr<const StsClient> sts_;
  std::set<std::string, std::less<>> visited_;
};

}  // namespace

Result<ResolvedCredentials> CredentialChain::Resolve(const CredentialChainConfig& config,
                                                     const CredentialChainDeps& deps) {
  SWHA_ASSIGN_OR_RETURN(AwsFiles files, LoadAwsFiles(config.files, deps.fs));
  if (config.files.profile_explicit && files.Merged(config.files.profile) == nullptr) {
    // As the SDKs: a profile asked for by name must exist, even when keys are in the
    // environment, so that a typo never quietly means other credentials.
    return Status::InvalidArgument("AWS_PROFILE " + config.files.profile + " is in neither " +
                                   config.files.credentials_file + " nor " +
                                   config.files.config_file);
  }
  Resolver resolver(config, deps, std::move(files));
  const std::string& profile = config.files.profile;
  ResolvedCredentials out;
  out.region_ = resolver.region();
  const auto chose = [&out](std::unique_ptr<CredentialProvider> provider,
                            std::string description) -> Result<ResolvedCredentials> {
    out.source_ = provider->source();
    out.provider_ = std::move(provider);
    out.description_ = std::move(description);
    return std::move(out);
  };

  if (!config.environment.access_key_id.empty()) {
    return chose(StaticProvider(kSourceEnvironment, {config.environment, std::nullopt}),
                 "AWS_ACCESS_KEY_ID");
  }
  std::string description;
  if (resolver.HasRoleConfig(profile)) {
    SWHA_ASSIGN_OR_RETURN(auto provider, resolver.AssumeRoleFor(profile, &description));
    return chose(std::move(provider), description);
  }
  SWHA_ASSIGN_OR_RETURN(auto from_profile, resolver.ProfileProviderFor(
                                               profile, /*use_environment=*/true, &description));
  if (from_profile != nullptr) return chose(std::move(from_profile), description);
  SWHA_ASSIGN_OR_RETURN(auto container, resolver.Container());
  if (container != nullptr) {
    return chose(std::move(container), "the container credentials endpoint");
  }
  std::string looked = "AWS_ACCESS_KEY_ID, AWS_WEB_IDENTITY_TOKEN_FILE, " + ProfileLabel(profile) +
                       " in " + config.files.credentials_file + " and " + config.files.config_file +
                       ", AWS_CONTAINER_CREDENTIALS_*_URI";
  if (!config.ec2_metadata_disabled) {
    auto imds = InstanceMetadataProvider(config.ec2_metadata_endpoint, deps.metadata_transport);
    Result<CredentialsSnapshot> first = imds->Fetch();
    const StatusCode code = first.status().code();
    // No service (NotFound) or no role (Unauthenticated): not on EC2, the chain ends. A service
    // that answers but fails is the source, and is asked again until it works.
    if (first.ok() || (code != StatusCode::kNotFound && code != StatusCode::kUnauthenticated)) {
      if (first.ok()) out.first_ = *std::move(first);
      return chose(std::move(imds), "instance metadata at " + config.ec2_metadata_endpoint);
    }
    looked += ", and instance metadata (" + first.status().message() + ")";
  } else {
    looked += " (instance metadata is off: AWS_EC2_METADATA_DISABLED)";
  }
  return Status::Unauthenticated("no AWS credentials: looked at " + looked);
}

}  // namespace swha::aws
