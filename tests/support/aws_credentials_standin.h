// An in-process stand-in for the three places AWS hands out temporary credentials, on one
// loopback port, behaving as AWS documents them:
// - EC2 instance metadata, IMDSv2: PUT /latest/api/token with x-aws-ec2-metadata-token-ttl-
//   seconds (1..21600, else 400) gives a token; every GET without a valid
//   x-aws-ec2-metadata-token is refused with 401 (IMDSv1 is off, as on instances that require
//   v2). GET /latest/meta-data/iam/security-credentials/ names the role; .../<role> gives
//   {"Code": "Success", "AccessKeyId", "SecretAccessKey", "Token", "Expiration", ...}.
// - The ECS/EKS container endpoint: GET /v1/credentials with `Authorization` equal to the
//   configured token (else 401) gives {"AccessKeyId", "SecretAccessKey", "Token",
//   "Expiration", "RoleArn"}.
// - STS's Query API: POST / (form) with Action=AssumeRole, whose SigV4 signature (service
//   sts) is checked against the caller keys it knows (403 SignatureDoesNotMatch otherwise), or
//   Action=AssumeRoleWithWebIdentity, whose WebIdentityToken must equal the configured one
//   (400 InvalidIdentityToken otherwise); the answer is STS's XML.
// The credentials themselves come from a vendor the test supplies (for instance real session
// credentials from the Ceph gateway's own STS), and are reported to expire after
// `reported_lifetime_seconds`, so that a client refreshes them within the test.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "storage/credentials_source.h"
#include "util/status.h"

namespace swha::testing {

struct AwsCredentialsStandinOptions {
  // Fresh credentials for each request that asks for them.
  std::function<Result<storage::CredentialsSnapshot>()> vendor;
  int reported_lifetime_seconds = 900;
  std::string role_name = "swha-instance-role";                 // IMDS
  std::string container_authorization = "container-token";      // ECS
  std::map<std::string, std::string> sts_callers;               // access key id -> secret
  std::string web_identity_token = "header.payload.signature";  // STS web identity
};

class AwsCredentialsStandin {
 public:
  static Result<std::unique_ptr<AwsCredentialsStandin>> Start(AwsCredentialsStandinOptions options);
  ~AwsCredentialsStandin();
  AwsCredentialsStandin(const AwsCredentialsStandin&) = delete;
  AwsCredentialsStandin& operator=(const AwsCredentialsStandin&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  std::string container_url() const { return base_url() + "/v1/credentials"; }

  // Credentials handed out, by protocol ("imds", "container", "sts"), and requests refused.
  int handed_out(const std::string& protocol) const;
  int refused() const;

 private:
  struct State;
  explicit AwsCredentialsStandin(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace swha::testing
