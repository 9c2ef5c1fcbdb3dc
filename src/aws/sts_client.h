// AWS Security Token Service: the two calls that turn a role into temporary credentials.
// AssumeRole is signed with SigV4 (service "sts") by the caller's credentials;
// AssumeRoleWithWebIdentity is not signed at all: the web identity token (an OIDC JWT, as EKS
// projects into pods) is the proof. Both are the Query API: a form-encoded POST to "/" of the
// regional endpoint, answered in XML. No AWS SDK.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "storage/credentials_source.h"
#include "storage/http_transport.h"
#include "util/clock.h"
#include "util/retry.h"
#include "util/status.h"

namespace swha::aws {

// STS's own limits on a role session (AWS STS API reference).
inline constexpr int kMinRoleSessionSeconds = 900;
inline constexpr size_t kMaxRoleSessionNameLength = 64;
// The region STS is asked in when none is configured (as the SDKs' regional default).
inline constexpr std::string_view kDefaultStsRegion = "us-east-1";

struct StsConfig {
  std::string region = "us-east-1";
  // AWS_ENDPOINT_URL_STS: "http(s)://host[:port]"; empty means the regional endpoint,
  // https://sts.<region>.amazonaws.com (amazonaws.com.cn in China).
  std::string endpoint_url;

  // The endpoint the calls go to.
  std::string EndpointUrl() const;
};

struct AssumeRoleRequest {
  std::string role_arn;
  std::string role_session_name;
  std::optional<int> duration_seconds;  // STS's default (1 hour) when unset
  std::string external_id;              // sent only when not empty
};

struct WebIdentityRequest {
  std::string role_arn;
  std::string role_session_name;
  std::string web_identity_token;  // a secret: never in a message
  std::optional<int> duration_seconds;
};

// Thread-safe: every call keeps its state on its own stack.
class StsClient {
 public:
  // `transport` and `clock` are borrowed and must outlive the client.
  StsClient(StsConfig config, storage::HttpTransport* transport, const Clock* clock,
            const RetryPolicy& retry = {});

  // STS's error code becomes the message ("STS AssumeRole: AccessDenied: ... (HTTP 403)");
  // 403 is PermissionDenied, other 4xx InvalidArgument, 5xx, throttling and transport
  // failures Unavailable (after the retries), an answer without credentials Internal.
  Result<storage::CredentialsSnapshot> AssumeRole(const AssumeRoleRequest& request,
                                                  const storage::AwsCredentials& caller) const;
  Result<storage::CredentialsSnapshot> AssumeRoleWithWebIdentity(
      const WebIdentityRequest& request) const;

 private:
  // Posts the form, signed by `caller` when it is set, and reads the credentials out of the
  // `<action>Result` element.
  Result<storage::CredentialsSnapshot> Call(std::string_view action, const std::string& form,
                                            const storage::AwsCredentials* caller) const;
  Result<storage::HttpResponse> SendOnce(const std::string& form,
                                         const storage::AwsCredentials* caller) const;

  const StsConfig config_;
  storage::HttpTransport* const transport_;
  const Clock* const clock_;
  const RetryPolicy retry_;
  const std::string endpoint_url_;
  const storage::EndpointUrl endpoint_;  // host empty when endpoint_url_ is malformed
};

// Exposed for tests: the credentials in an STS answer to `action`, or the error it carries.
Result<storage::CredentialsSnapshot> ParseStsResponse(std::string_view action,
                                                      const storage::HttpResponse& response);
// The reverse, for stand-ins and tests: STS's XML answer to `action` handing out `credentials`
// (which must have an expiry), as the STS API reference shows it.
std::string FormatStsResponse(std::string_view action,
                              const storage::CredentialsSnapshot& credentials);

}  // namespace swha::aws
