// A small S3 client: the object operations swha-tts needs, signed with our SigV4 signer and
// sent through an injected HttpTransport, with the AWS SDKs' "standard" retry behaviour.
// Works against AWS and S3-compatible servers (Ceph RGW, MinIO). No AWS SDK.
//
// Errors: S3's XML error bodies become messages of the form
//   "S3 <op> <key>: <Code>: <Message> (request id <id>, HTTP <status>)"
// with codes 404/NoSuchKey/NoSuchBucket -> NotFound, 403 -> PermissionDenied,
// 400 -> InvalidArgument, 5xx/429 and transport failures -> Unavailable, anything else ->
// Internal. No message ever contains the secret key, a signature or a presigned URL.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/service_metrics.h"
#include "storage/credentials_source.h"
#include "storage/http_transport.h"
#include "storage/sigv4.h"
#include "util/clock.h"
#include "util/locked_shared_ptr.h"
#include "util/retry.h"
#include "util/status.h"

namespace swha::config {
struct S3Settings;
}

namespace swha::storage {

struct S3ClientConfig {
  std::string endpoint_url;  // "" = AWS; else "http(s)://host[:port][/base]", no trailing '/'
  std::string region = "us-east-1";
  std::string bucket;
  // auto | path | virtual (any case). auto: virtual-hosted on AWS when the bucket name allows
  // it, path style for any other endpoint (most S3-compatible servers lack wildcard DNS).
  std::string addressing_style = "auto";
  AwsCredentials credentials;
  // When set, the credentials are taken from here at every signature instead (temporary
  // credentials that are refreshed); `credentials` is then ignored.
  std::shared_ptr<const CredentialsSource> credentials_source;
  std::string sse;  // "" | "AES256" | "aws:kms": x-amz-server-side-encryption on PutObject
  // AWS only (no endpoint_url), as botocore's use_accelerate_endpoint / use_dualstack_endpoint:
  // <bucket>.s3-accelerate[.dualstack].amazonaws.com (always virtual-hosted; the bucket must be
  // a DNS name without dots), or s3.dualstack.<region>.amazonaws.com. Signed for `region`.
  bool use_accelerate_endpoint = false;
  bool use_dualstack_endpoint = false;

  static S3ClientConfig FromSettings(const config::S3Settings& settings);
  // One line naming the field and what is allowed; never contains a secret.
  Status Validate() const;
  // For logs: the secret and session token are masked, the access key id shortened.
  std::string ToString() const;
};

// The retry policy moved to util/retry.h; the S3 code names it here too.
using RetryPolicy = ::swha::RetryPolicy;

struct ObjectInfo {
  uint64_t size = 0;
  std::string content_type;
  int64_t last_modified = 0;                    // unix seconds, UTC
  std::string etag;                             // without the surrounding quotes
  std::map<std::string, std::string> metadata;  // x-amz-meta-* with the prefix dropped, lowercase
};

struct ListedObject {
  std::string key;
  uint64_t size = 0;
  int64_t last_modified = 0;  // unix seconds, UTC
  std::string etag;           // without the surrounding quotes
};

// One key that DeleteObjects could not delete.
struct DeleteError {
  std::string key;
  std::string code;  // S3's error code, e.g. "AccessDenied"
  std::string message;
};

// Thread-safe: the configuration is immutable after Create, the signer and the transport are
// thread-safe, and each call keeps its state on its own stack.
class S3Client {
 public:
  // `transport` and `clock` are not owned and must outlive the client. Returns
  // InvalidArgument when config.Validate() fails.
  // `metrics` (borrowed, may be null) counts every call by operation and outcome.
  static Result<std::unique_ptr<S3Client>> Create(S3ClientConfig config, HttpTransport* transport,
                                                  const Clock* clock, RetryPolicy retry = {},
                                                  const metrics::ServiceMetrics* metrics = nullptr);

  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  // Metadata names must be HTTP tokens and values printable ASCII (S3 would mangle anything
  // else); names are sent lowercased. S3's 2 KiB limit on user metadata is checked here.
  // `body_sha256_hex`: the body's SHA-256 (lowercase hex) when the caller has it already, so
  // the body is not hashed twice; S3 refuses the PUT when it is wrong.
  Status PutObject(std::string_view key, std::string_view body, std::string_view content_type,
                   const std::map<std::string, std::string>& metadata = {},
                   std::string_view body_sha256_hex = {}) const;
  Result<ObjectInfo> HeadObject(std::string_view key) const;
  Result<std::string> GetObject(std::string_view key) const;
  // Succeeds when the key is absent too (S3 semantics).
  Status DeleteObject(std::string_view key) const;
  // Deletes in batches of at most 1,000 keys. The Status fails only when a whole batch
  // failed; keys that S3 refused one by one are returned.
  Result<std::vector<DeleteError>> DeleteObjects(const std::vector<std::string>& keys) const;
  // Every object whose key starts with `prefix`, following continuation tokens over all pages,
  // in S3's order (UTF-8 binary order of the keys).
  Result<std::vector<ListedObject>> ListObjectsV2(std::string_view prefix) const;
  // OK when the bucket exists and these credentials may use it.
  Status HeadBucket() const;
  // GetBucketAccelerateConfiguration: "Enabled", "Suspended", or "" when the bucket was never
  // configured for Transfer Acceleration.
  Result<std::string> GetBucketAccelerateStatus() const;
  // A bucket subresource's configuration (?lifecycle, ?accelerate, ...), as the XML S3 keeps.
  // GET: nullopt when S3 answers 404 with `absent_code` (the bucket has none); PUT sends
  // Content-MD5; DELETE removes it. `op` names the operation in errors and metrics.
  Result<std::optional<std::string>> GetBucketConfiguration(
      std::string_view op, std::string_view subresource, std::string_view absent_code = {}) const;
  Status PutBucketConfiguration(std::string_view op, std::string_view subresource,
                                std::string_view xml) const;
  Status DeleteBucketConfiguration(std::string_view op, std::string_view subresource) const;
  // A GET URL valid for `expires_seconds` (1..604800) from now; signing is local, no request.
  // A URL cannot outlive the credentials that signed it: with temporary credentials the
  // expiry is cut to theirs. `expires_at_unix`, when not null, receives the expiry it got.
  // Unavailable when the credentials have already expired (a refresh keeps failing).
  Result<std::string> PresignGet(std::string_view key, int64_t expires_seconds,
                                 int64_t* expires_at_unix = nullptr) const;
  // The same for a PUT of the object (an upload by whoever holds the URL; only the host is
  // signed, so the uploader chooses the body and its Content-Type).
  Result<std::string> PresignPut(std::string_view key, int64_t expires_seconds,
                                 int64_t* expires_at_unix = nullptr) const;
  // When the credentials in force expire (unix seconds); nullopt for long-term keys.
  std::optional<int64_t> CredentialsExpireAt() const;

  // "scheme://host" and the raw (unencoded) path of `key`; exposed for tests.
  std::string BaseUrl() const;
  // Where every object URL of the bucket starts ("http://host:port/bucket/"): an object's URL
  // is this followed by its URI-encoded key.
  std::string ObjectUrlPrefix() const;
  std::string ObjectPath(std::string_view key) const;
  const std::string& host() const { return host_; }
  const std::string& bucket() const { return config_.bucket; }
  const std::string& region() const { return config_.region; }
  bool virtual_hosted() const { return virtual_hosted_; }

 private:
  struct Call;  // one logical operation: what to sign and send, and how to name it in errors

  S3Client(S3ClientConfig config, HttpTransport* transport, const Clock* clock, RetryPolicy retry,
           std::string scheme, std::string host, std::string base_path, bool virtual_hosted);

  // Signs and sends `call`, retrying per the policy; a non-2xx answer becomes a Status. Counted
  // in metrics_ when set.
  Result<HttpResponse> Execute(const Call& call) const;
  // Execute without the counting; `attempts` receives how many were made.
  Result<HttpResponse> ExecuteAttempts(const Call& call, int* attempts) const;
  Result<HttpResponse> SendOnce(const Call& call, const std::string& payload_sha256) const;
  // ObjectPath into `*path`, whose capacity is reused.
  void AssignObjectPath(std::string_view key, std::string* path) const;
  std::string BucketPath() const;
  Result<std::string> Presign(std::string_view op, std::string_view method, std::string_view key,
                              int64_t expires_seconds, int64_t* expires_at_unix) const;
  // A signer for one snapshot of the credentials.
  struct SnapshotSigner {
    SnapshotSigner(std::shared_ptr<const CredentialsSnapshot> s, const std::string& region)
        : snapshot(std::move(s)), signer(snapshot->credentials, region) {}
    std::shared_ptr<const CredentialsSnapshot> snapshot;
    SigV4Signer signer;
  };
  // The signer of the credentials in force now: made anew when the source has handed out new
  // credentials since the last signature.
  std::shared_ptr<const SnapshotSigner> CurrentSigner() const;
  // What a presigned URL (one per segment per response) needs, kept per thread for the client
  // the thread last presigned with, so that the next URL of the same client neither counts
  // references nor copies the host and the path's prefix again.
  struct PresignState {
    uint64_t client_serial = 0;                    // serials start at 1
    std::shared_ptr<const SnapshotSigner> signer;  // CurrentSigner, checked per call
    SigningRequest request;  // host and path prefix this client's; the strings keep capacity
  };
  // This thread's state, made this client's and its signer current. Valid until the thread's
  // next call, so nothing may presign in between. The thread keeps the last client's signer,
  // and with it the client's secret key, in memory until it presigns with another client or
  // ends: after its client is gone too (never logged or sent anywhere).
  PresignState& ThisThreadsPresignState() const;
  // Unavailable for `op` while the source has no credentials (its first fetch failed).
  Status NoCredentialsYet(std::string_view op, std::string_view key) const;

  const S3ClientConfig config_;
  HttpTransport* const transport_;
  const Clock* const clock_;
  const RetryPolicy retry_;
  const std::shared_ptr<const CredentialsSource> credentials_;
  // The last signer made; replaced (never changed) when the credentials change.
  mutable LockedSharedPtr<const SnapshotSigner> signer_;
  const std::string scheme_;     // "http" or "https"
  const std::string host_;       // Host header, port only when not the scheme's default
  const std::string base_path_;  // endpoint's own path prefix, "" or "/base"
  const bool virtual_hosted_;
  const std::string base_url_;            // "scheme://host"
  const std::string object_path_prefix_;  // ObjectPath("")
  // Names this client in the threads' PresignState: unlike its address, never reused by a
  // later client (whose credentials or region may differ).
  const uint64_t serial_;
  const metrics::ServiceMetrics* metrics_ = nullptr;  // set by Create only
};

// Exposed for tests: S3's error for one response, as described at the top of this file.
Status S3ErrorStatus(std::string_view op, std::string_view key, const HttpResponse& response);
// Whether a failed attempt is worth repeating (5xx, throttling codes, transport failures).
bool IsRetryableS3Error(const HttpResponse& response);

}  // namespace swha::storage
