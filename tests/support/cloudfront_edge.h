// An in-process stand-in for a CloudFront edge in front of a private S3 origin, so that the
// signed URLs the service hands out are tried the way CloudFront tries them: over HTTP, by a
// verifier that holds only the public key.
//
// Wire behaviour (as CloudFront documents it for signed URLs):
// - GET /<key>?Expires=..&Signature=..&Key-Pair-Id=.. (canned policy) or
//   ?Policy=..&Signature=..&Key-Pair-Id=.. (custom policy). The resource is
//   https://<domain><path as requested> (a test fetches http://127.0.0.1:<port>/... where the
//   service wrote https://<domain>/...: the edge answers for the domain).
// - 403 with CloudFront's XML error body when a parameter is missing, the key pair id is not
//   the trusted one, the signature does not verify (RSA-SHA1 over the policy), the time is
//   not before DateLessThan, the policy's Resource does not match (a '*' matches any run of
//   characters), or the client's address is outside the policy's IpAddress.
// - Otherwise the object, fetched from the origin with S3 credentials (as an origin access
//   control would), with the origin's status and body.
//
// Thread-safety: safe from any thread; it answers one request per connection.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "storage/s3_client.h"
#include "util/status.h"

namespace swha::testing {

struct CloudFrontEdgeOptions {
  std::string domain;          // the distribution's host name the URLs carry
  std::string key_pair_id;     // the trusted public key's id
  std::string public_key_pem;  // verifies the signatures
  storage::S3ClientConfig origin;
  std::function<int64_t()> now_unix;  // the edge's clock
};

class CloudFrontEdge {
 public:
  // Listens on 127.0.0.1 on a port the kernel picks until destroyed.
  static Result<std::unique_ptr<CloudFrontEdge>> Start(CloudFrontEdgeOptions options);
  ~CloudFrontEdge();
  CloudFrontEdge(const CloudFrontEdge&) = delete;
  CloudFrontEdge& operator=(const CloudFrontEdge&) = delete;

  int port() const;
  // `signed_url` (https://<domain>/...) as this edge serves it: http://127.0.0.1:<port>/...
  std::string LocalUrl(const std::string& signed_url) const;
  // Requests answered so far, and how many of them were refused (403).
  int requests() const;
  int refused() const;

  class Impl;

 private:
  explicit CloudFrontEdge(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swha::testing
