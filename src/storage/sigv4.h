// AWS Signature Version 4, S3 flavour: the Authorization header for a request, or the query
// string of a presigned URL. Follows AWS's S3 API reference ("Authenticating Requests (AWS
// Signature Version 4)"); checked byte for byte against its published examples and against
// botocore (sigv4_test.cc, sigv4_botocore_test.cc). No AWS SDK.
//
// The S3 rules, which differ from other services: the path is URI-encoded once and never
// normalised ("a//b/./c" stays), every byte but A-Za-z0-9-._~ is %XX-encoded (and '/' too,
// except in the path), and a query key with no value is signed as "key=".
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/limits.h"
#include "storage/s3_uri.h"
#include "util/crypto.h"
#include "util/status.h"

namespace swha::storage {

using KeyValueList = std::vector<std::pair<std::string, std::string>>;

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless these are temporary (STS) credentials
};

// What a signature covers. Everything is raw: the signer does all encoding.
struct SigningRequest {
  std::string method;  // "GET", "PUT", ...; uppercase, as sent
  // The Host header as sent: "examplebucket.s3.amazonaws.com", or "minio:9000" when the port
  // is not the scheme's default.
  std::string host;
  // Raw object path, not yet encoded: "/test$file.text". Empty means "/". Put the result of
  // S3CanonicalUri(path) on the request line, so the server sees what was signed.
  std::string path;
  KeyValueList query;    // raw keys and values; duplicates allowed (header signing only)
  KeyValueList headers;  // extra headers to sign, names in any case; not host (see `host`)
  // Header signing: lowercase hex SHA-256 of the body, or "UNSIGNED-PAYLOAD".
  // Presigning: empty or "UNSIGNED-PAYLOAD" (a presigned URL never covers the body).
  std::string payload_sha256_hex;
};

// The intermediate strings of one signature, for tests and for debugging a 403 from S3.
struct SignatureTrace {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lowercase hex
};

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr int64_t kMaxPresignExpirySeconds = kMaxUrlExpirySeconds;  // 7 days, S3's limit

// Encodes and sorts (by encoded key, then encoded value) `query` into "k1=v1&k2=&k3=v3". Usable
// as the query string on the wire for a header-signed request.
std::string S3CanonicalQueryString(const KeyValueList& query);

// "20130524T000000Z". InvalidArgument outside years 1970..9999.
Result<std::string> FormatAmzDate(int64_t unix_seconds);

// Thread-safe: credentials and scope are immutable after construction, the derived-key cache is
// guarded by a mutex, and presigning keeps what one second's URLs share per thread
// (ThisSecond).
class SigV4Signer {
 public:
  // Bad credentials or scope (empty, or containing '/') are reported by every Sign call.
  SigV4Signer(AwsCredentials credentials, std::string region, std::string service = "s3");

  SigV4Signer(const SigV4Signer&) = delete;
  SigV4Signer& operator=(const SigV4Signer&) = delete;

  // Header authentication at `now_unix`. Returns the headers to add to the request, in this
  // order: Authorization, x-amz-content-sha256, x-amz-date, and x-amz-security-token when
  // there is a session token. All but Authorization are signed, with host and
  // `request.headers`, which must not name any of them. `trace`, if not null, receives the
  // intermediate strings.
  Result<KeyValueList> SignHeaders(const SigningRequest& request, int64_t now_unix,
                                   SignatureTrace* trace = nullptr) const;

  // Query authentication (a presigned URL) valid from `now_unix` for `expires_seconds`
  // (1..604800, else InvalidArgument naming the limit). Returns the encoded query string to
  // append after '?': the sorted canonical query (request.query, X-Amz-Algorithm,
  // X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-Security-Token when there is a session
  // token, X-Amz-SignedHeaders) then "&X-Amz-Signature=...". The payload is UNSIGNED-PAYLOAD;
  // signed headers are host plus request.headers, which the client must then send.
  Result<std::string> PresignQuery(const SigningRequest& request, int64_t now_unix,
                                   int64_t expires_seconds, SignatureTrace* trace = nullptr) const;
  // The whole URL: `url_base` ("https://host"), the encoded path, '?', then PresignQuery's
  // string. Built in one allocation, since the service makes one per segment.
  Result<std::string> PresignUrl(const SigningRequest& request, std::string_view url_base,
                                 int64_t now_unix, int64_t expires_seconds) const;

  // The stages, exposed for tests. CanonicalRequest signs exactly `request.headers` plus host;
  // the Sign methods add their own fields before calling it.
  static Result<std::string> CanonicalRequest(const SigningRequest& request);
  // `amz_date` as from FormatAmzDate.
  std::string StringToSign(std::string_view amz_date, std::string_view canonical_request) const;
  // HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request" (32 raw bytes),
  // from a small cache keyed by date (region and service are fixed per signer). `date` is
  // "YYYYMMDD".
  std::string SigningKey(std::string_view date) const;
  size_t CachedSigningKeyCount() const;

 private:
  Result<SignatureTrace> Sign(const SigningRequest& request, const std::string& amz_date) const;
  std::string CredentialScope(std::string_view date) const;
  // The string to sign up to the request hash: algorithm, time and scope, each on its line.
  std::string StringToSignHead(std::string_view amz_date) const;
  // A date's signing key, raw and ready to MAC with.
  struct DatedKey {
    crypto::Digest256 raw;
    crypto::HmacSha256Key mac;
  };
  DatedKey CachedSigningKey(std::string_view date) const;
  // What every URL this signer presigns within one second has in common.
  struct SecondOfUrls {
    uint64_t signer_id = 0;  // the signer it belongs to (id_)
    int64_t unix_seconds = -1;
    std::array<char, 16> amz_date{};  // "20130524T000000Z"
    // The presigned query up to the expiry's value: algorithm, credential, date, "&X-Amz-Expires=".
    std::string query_head;
    // The signing key, having absorbed the string to sign up to the request hash.
    std::optional<crypto::HmacSha256Key> string_to_sign_key;
  };
  // That of `now_unix`, kept per thread and made again when the second (or the signer) changes:
  // a run of URLs formats the date, takes the key cache's lock and hashes the string to sign's
  // first block once a second. The state is the calling thread's: valid until its next
  // ThisSecond call, by any signer. It keeps a copy of the day's signing key until then (or
  // until the thread ends).
  Result<const SecondOfUrls*> ThisSecond(int64_t now_unix) const;
  Result<std::string> Presign(const SigningRequest& request, int64_t now_unix,
                              int64_t expires_seconds, SignatureTrace* trace,
                              std::optional<std::string_view> url_base) const;

  const AwsCredentials credentials_;
  const std::string region_;
  const std::string service_;
  const Status config_status_;  // why these credentials/scope cannot sign, or OK
  const uint64_t id_;           // unique among the signers of this process
  // "&X-Amz-Security-Token=<token>", encoded (empty without a token): the presigned query's one
  // piece that is the same for every URL and every second (ThisSecond makes the others).
  std::string query_security_token_;

  mutable std::mutex mu_;
  // Scope date "YYYYMMDD" -> signing key; the oldest dates are evicted first, so a
  // long-running process keeps only a few.
  mutable std::map<std::string, DatedKey, std::less<>> key_cache_;  // GUARDED_BY(mu_)
};

}  // namespace swha::storage
