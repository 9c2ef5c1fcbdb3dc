#include "aws/credential_providers.h"

#include <array>
#include <nlohmann/json.hpp>

#include "storage/s3_codec.h"
#include "util/strings.h"

namespace swha::aws {
namespace {

using storage::CredentialsSnapshot;
using storage::HttpRequest;
using storage::HttpResponse;

// Hosts a container credentials URL may name over plain http: the loopback, and the addresses
// ECS (169.254.170.2) and EKS Pod Identity (169.254.170.23, fd00:ec2::23) serve it on.
bool IsAllowedHttpHost(std::string_view host) {
  static constexpr std::array<std::string_view, 5> kHosts = {"localhost", "[::1]", "169.254.170.2",
                                                             "169.254.170.23", "[fd00:ec2::23]"};
  if (std::find(kHosts.begin(), kHosts.end(), host) != kHosts.end()) return true;
  return host.starts_with("127.") &&
         host.find_first_not_of("0123456789.") == std::string_view::npos;
}

// The host of an endpoint's host[:port], brackets kept for IPv6.
std::string_view HostWithoutPort(std::string_view authority) {
  if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

class StaticCredentialProvider : public CredentialProvider {
 public:
  StaticCredentialProvider(std::string_view source, CredentialsSnapshot snapshot)
      : source_(source), snapshot_(std::move(snapshot)) {}
  Result<CredentialsSnapshot> Fetch() override { return snapshot_; }
  std::string_view source() const override { return source_; }

 private:
  const std::string_view source_;
  const CredentialsSnapshot snapshot_;
};

class ProcessCredentialProvider : public CredentialProvider {
 public:
  ProcessCredentialProvider(std::string command_line, const Clock* clock, ProcessRunner run)
      : command_line_(std::move(command_line)), clock_(clock), run_(std::move(run)) {}

  Result<CredentialsSnapshot> Fetch() override {
    Result<std::vector<std::string>> argv = SplitCommandLine(command_line_);
    if (!argv.ok()) {
      return Status::InvalidArgument("credential_process: " + argv.status().message());
    }
    const std::string what = "credential_process " + argv->front();
    SWHA_ASSIGN_OR_RETURN(ProcessResult run,
                          run_(*argv, kProcessTimeoutMs, kMaxCredentialAnswerBytes));
    if (run.exit_code != 0) {
      return Status::Unavailable(what + " exited with status " + std::to_string(run.exit_code));
    }
    const nlohmann::json answer = nlohmann::json::parse(run.stdout_text, nullptr, false);
    const auto version = answer.is_object() ? answer.find("Version") : answer.end();
    if (version == answer.end() || !version->is_number_integer() || *version != 1) {
      return Status::Internal(what + ": the output is not JSON with \"Version\": 1");
    }
    SWHA_ASSIGN_OR_RETURN(CredentialsSnapshot snapshot,
                          ParseJsonCredentials(what, run.stdout_text, "SessionToken"));
    if (snapshot.expires_at_unix && *snapshot.expires_at_unix <= clock_->NowUnixSeconds()) {
      return Status::Unauthenticated(what + ": the credentials it gave have already expired");
    }
    return snapshot;
  }
  std::string_view source() const override { return kSourceProcess; }

 private:
  const std::string command_line_;
  const Clock* const clock_;
  const ProcessRunner run_;
};

class AssumeRoleCredentialProvider : public CredentialProvider {
 public:
  AssumeRoleCredentialProvider(std::unique_ptr<CredentialProvider> source,
                               std::shared_ptr<const StsClient> sts, AssumeRoleRequest request)
      : source_(std::move(source)), sts_(std::move(sts)), request_(std::move(request)) {}

  Result<CredentialsSnapshot> Fetch() override {
    Result<CredentialsSnapshot> caller = source_->Fetch();
    if (!caller.ok()) {
      return caller.status().WithContext("AssumeRole: the source credentials (" +
                                         std::string(source_->source()) + ")");
    }
    return sts_->AssumeRole(request_, caller->credentials);
  }
  std::string_view source() const override { return kSourceAssumeRole; }

 private:
  const std::unique_ptr<CredentialProvider> source_;
  const std::shared_ptr<const StsClient> sts_;
  const AssumeRoleRequest request_;
};

class WebIdentityCredentialProvider : public CredentialProvider {
 public:
  WebIdentityCredentialProvider(FileSystem* fs, std::shared_ptr<const StsClient> sts,
                                std::string token_file, WebIdentityRequest request)
      : fs_(fs),
        sts_(std::move(sts)),
        token_file_(std::move(token_file)),
        request_(std::move(request)) {}

  Result<CredentialsSnapshot> Fetch() override {
    Result<std::string> token = fs_->ReadFile(token_file_);
    if (!token.ok()) {
      // The platform rewrites the file; a moment without it is worth another try.
      return Status::Unavailable("web identity token file " + token_file_ + " cannot be read (" +
                                 token.status().message() + ")");
    }
    WebIdentityRequest request = request_;
    request.web_identity_token = std::string(TrimWhitespace(*token));
    return sts_->AssumeRoleWithWebIdentity(request);
  }
  std::string_view source() const override { return kSourceWebIdentity; }

 private:
  FileSystem* const fs_;
  const std::shared_ptr<const StsClient> sts_;
  const std::string token_file_;
  const WebIdentityRequest request_;
};

class ContainerCredentialProvider : public CredentialProvider {
 public:
  ContainerCredentialProvider(ContainerEndpoint endpoint, FileSystem* fs,
                              storage::HttpTransport* transport)
      : endpoint_(std::move(endpoint)), fs_(fs), transport_(transport) {}

  Result<CredentialsSnapshot> Fetch() override {
    const std::string what = "container credentials at " + storage::RedactUrl(endpoint_.url);
    HttpRequest request{.method = "GET", .url = endpoint_.url, .headers = {}, .body = {}};
    std::string authorization = endpoint_.authorization;
    if (!endpoint_.authorization_file.empty()) {
      Result<std::string> token = fs_->ReadFile(endpoint_.authorization_file);
      if (!token.ok()) {
        return Status::Unavailable("container authorization token file " +
                                   endpoint_.authorization_file + " cannot be read (" +
                                   token.status().message() + ")");
      }
      authorization = std::string(TrimWhitespace(*token));
    }
    if (authorization.find_first_of("\r\n") != std::string::npos) {
      return Status::InvalidArgument(what + ": the authorization token has a line break");
    }
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    Result<HttpResponse> answer = transport_->Send(request);
    if (!answer.ok()) return answer.status().WithContext(what);
    if (answer->status != 200) {
      const std::string message = what + ": HTTP " + std::to_string(answer->status);
      if (answer->status == 401 || answer->status == 403) {
        return Status::Unauthenticated(message);
      }
      return Status::Unavailable(message);
    }
    return ParseJsonCredentials(what, answer->body, "Token");
  }
  std::string_view source() const override { return kSourceContainer; }

 private:
  const ContainerEndpoint endpoint_;
  FileSystem* const fs_;
  storage::HttpTransport* const transport_;
};

class InstanceMetadataCredentialProvider : public CredentialProvider {
 public:
  InstanceMetadataCredentialProvider(std::string endpoint, storage::HttpTransport* transport)
      : endpoint_(std::move(endpoint)), transport_(transport) {
    while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  }

  Result<CredentialsSnapshot> Fetch() override {
    const std::string what = "instance metadata at " + storage::RedactUrl(endpoint_);
    HttpRequest token_request{
        .method = "PUT",
        .url = endpoint_ + "/latest/api/token",
        .headers = {{"x-aws-ec2-metadata-token-ttl-seconds", std::to_string(kImdsTokenTtlSeconds)}},
        .body = {}};
    // No answer at all to the token request means no metadata service (not on EC2).
    Result<HttpResponse> token_answer = transport_->Send(token_request);
    if (!token_answer.ok()) {
      return Status::NotFound(what + ": no instance metadata service (" +
                              token_answer.status().message() + ")");
    }
    SWHA_ASSIGN_OR_RETURN(std::string token,
                          Body(what + ": session token", *std::move(token_answer)));
    if (token.empty() || token.find_first_of("\r\n") != std::string::npos) {
      return Status::Internal(what + ": the session token is empty or has a line break");
    }
    const std::string base = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    const storage::HttpHeaders with_token = {{"x-aws-ec2-metadata-token", token}};
    SWHA_ASSIGN_OR_RETURN(std::string roles,
                          Get(what + ": role name",
                              {.method = "GET", .url = base, .headers = with_token, .body = {}}));
    const std::string role(TrimWhitespace(roles.substr(0, roles.find('\n'))));
    if (role.empty() || role.find_first_of("/?#% ") != std::string::npos) {
      return Status::Unauthenticated(what + ": the instance has no IAM role");
    }
    SWHA_ASSIGN_OR_RETURN(
        std::string body,
        Get(what + ": credentials of role " + role,
            {.method = "GET", .url = base + role, .headers = with_token, .body = {}}));
    nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
    if (answer.is_object() && answer.contains("Code") && answer["Code"] != "Success") {
      return Status::Unavailable(what + ": the role's credentials are not ready (Code " +
                                 QuoteForMessage(answer["Code"].dump()) + ")");
    }
    return ParseJsonCredentials(what, body, "Token");
  }
  std::string_view source() const override { return kSourceInstanceMetadata; }

 private:
  Result<std::string> Get(const std::string& what, const HttpRequest& request) const {
    Result<HttpResponse> answer = transport_->Send(request);
    if (!answer.ok()) return answer.status().WithContext(what);
    return Body(what, *std::move(answer));
  }
  static Result<std::string> Body(const std::string& what, HttpResponse answer) {
    if (answer.status == 200) return std::move(answer.body);
    const std::string message = what + ": HTTP " + std::to_string(answer.status);
    // 401: the token was refused; 403: IMDS is off for this instance (or IMDSv1 is required).
    if (answer.status == 401 || answer.status == 403 || answer.status == 404) {
      return Status::Unauthenticated(message);
    }
    return Status::Unavailable(message);
  }

  std::string endpoint_;
  storage::HttpTransport* const transport_;
};

}  // namespace

std::unique_ptr<CredentialProvider> StaticProvider(std::string_view source,
                                                   CredentialsSnapshot snapshot) {
  return std::make_unique<StaticCredentialProvider>(source, std::move(snapshot));
}

std::unique_ptr<CredentialProvider> ProcessProvider(std::string command_line, const Clock* clock,
                                                    ProcessRunner run) {
  return std::make_unique<ProcessCredentialProvider>(std::move(command_line), clock,
                                                     std::move(run));
}

std::unique_ptr<CredentialProvider> AssumeRoleProvider(std::unique_ptr<CredentialProvider> source,
                                                       std::shared_ptr<const StsClient> sts,
                                                       AssumeRoleRequest request) {
  return std::make_unique<AssumeRoleCredentialProvider>(std::move(source), std::move(sts),
                                                        std::move(request));
}

std::unique_ptr<CredentialProvider> WebIdentityProvider(FileSystem* fs,
                                                        std::shared_ptr<const StsClient> sts,
                                                        std::string token_file,
                                                        WebIdentityRequest request) {
  return std::make_unique<WebIdentityCredentialProvider>(fs, std::move(sts), std::move(token_file),
                                                         std::move(request));
}

Result<std::string> ContainerCredentialsUrl(std::string_view relative_uri,
                                            std::string_view full_uri) {
  if (!relative_uri.empty()) {
    // ECS's fixed address; the relative URI starts with '/'.
    return "http://169.254.170.2" + std::string(relative_uri.starts_with('/') ? "" : "/") +
           std::string(relative_uri);
  }
  SWHA_ASSIGN_OR_RETURN(storage::EndpointUrl url,
                        storage::ParseEndpointUrl("AWS_CONTAINER_CREDENTIALS_FULL_URI", full_uri));
  if (url.scheme == "http" && !IsAllowedHttpHost(HostWithoutPort(url.host))) {
    return Status::InvalidArgument(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http only to a loopback address or to "
        "169.254.170.2, 169.254.170.23 or fd00:ec2::23; use https for " +
        std::string(HostWithoutPort(url.host)));
  }
  return std::string(full_uri);
}

std::unique_ptr<CredentialProvider> ContainerProvider(ContainerEndpoint endpoint, FileSystem* fs,
                                                      storage::HttpTransport* transport) {
  return std::make_unique<ContainerCredentialProvider>(std::move(endpoint), fs, transport);
}

std::unique_ptr<CredentialProvider> InstanceMetadataProvider(std::string endpoint,
                                                             storage::HttpTransport* transport) {
  return std::make_unique<InstanceMetadataCredentialProvider>(std::move(endpoint), transport);
}

Result<CredentialsSnapshot> ParseJsonCredentials(std::string_view what, std::string_view body,
                                                 std::string_view token_field) {
  const std::string subject(what);
  nlohmann::json answer = nlohmann::json::parse(body, nullptr, false);
  if (!answer.is_object()) return Status::Internal(subject + ": the answer is not a JSON object");
  const auto text = [&answer](std::string_view name) -> std::string {
    auto it = answer.find(std::string(name));
    return it != answer.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  CredentialsSnapshot snapshot;
  snapshot.credentials = {text("AccessKeyId"), text("SecretAccessKey"), text(token_field)};
  if (snapshot.credentials.access_key_id.empty() ||
      snapshot.credentials.secret_access_key.empty()) {
    return Status::Internal(subject + ": the answer lacks AccessKeyId or SecretAccessKey");
  }
  const std::string expiration = text("Expiration");
  if (!expiration.empty()) {
    snapshot.expires_at_unix = storage::ParseIso8601Utc(expiration);
    if (!snapshot.expires_at_unix) {
      return Status::Internal(subject + ": Expiration is not an ISO 8601 time");
    }
  }
  return snapshot;
}

}  // namespace swha::aws
