// HTTP as an injectable side effect: the S3 client sends every request through an
// HttpTransport, so a test can replace the network with scripted responses (503s, timeouts,
// malformed XML) and production uses libcurl. libcurl's CURLcode is translated into a Status
// in http_transport.cc and nowhere else.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace swha::storage {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "PUT", "POST", "DELETE"
  // Absolute, already encoded: "http://127.0.0.1:9000/bucket/key?list-type=2". The transport
  // sends it as is and sets Host from it.
  std::string url;
  HttpHeaders headers;  // sent in this order; no Host, no Content-Length (derived from body)
  std::string body;
};

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;  // names lowercased, values trimmed, in arrival order
  std::string body;     // empty for HEAD

  // The first value of the header `lowercase_name`, or "" when absent.
  std::string Header(std::string_view lowercase_name) const;
  // Seconds from a Retry-After header (delta-seconds form); 0 when absent or unreadable.
  int RetryAfterSeconds() const;
};

// Whether an API answering `http_status` may answer better later: 429 and 5xx.
inline bool IsRetryableHttpStatus(int http_status) {
  return http_status == 429 || http_status >= 500;
}

// Implementations are thread-safe: Send may be called from many threads at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Any HTTP status, including 4xx and 5xx, is a successful Send. A failure to connect, a
  // timeout or a broken connection is Unavailable (retrying may help); a URL that cannot be
  // sent is InvalidArgument. Never follows redirects. Messages name the method and the URL
  // without its query string, which may carry a signature.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

struct CurlOptions {
  int64_t connect_timeout_ms = 3000;
  int64_t total_timeout_ms = 30000;  // the whole exchange, body included
  // Idle easy handles (each holding its open connections) kept for reuse; more concurrent
  // Sends than this still work, their extra handles are closed afterwards.
  size_t max_idle_handles = 16;
  // A body longer than this is not read on (0: no limit): Send fails with TooLarge instead of
  // holding whatever a server sends in memory. The caller translates it: a TooLarge passed on
  // as it is would be a 413 blaming our own client.
  size_t max_response_bytes = 0;
};

// A libcurl transport. It reuses connections through a pool of easy handles, never uses
// signals (CURLOPT_NOSIGNAL, so it is safe in a multithreaded server), and only speaks
// http and https.
std::unique_ptr<HttpTransport> CreateCurlTransport(const CurlOptions& options = {});

// "scheme://host/path" without the query string or fragment, for messages and logs.
std::string RedactUrl(std::string_view url);

// A service endpoint URL split up. The scheme's default port is dropped from `host`, so that a
// signed Host header equals the one libcurl sends.
struct EndpointUrl {
  std::string scheme;     // "http" or "https"
  std::string host;       // lowercase host[:port]
  std::string base_path;  // "" or "/base", no trailing '/'
};
// Only scheme://host[:port][/path]; InvalidArgument otherwise, starting with `setting`.
Result<EndpointUrl> ParseEndpointUrl(std::string_view setting, std::string_view url);

// Error codes the AWS SDKs' standard retry mode treats as throttling or transient, whatever
// the HTTP status (RequestTimeout comes as a 400, for instance), for S3 and STS alike.
bool IsRetryableAwsErrorCode(std::string_view code);

}  // namespace swha::storage
