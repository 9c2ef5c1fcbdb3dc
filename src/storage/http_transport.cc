#include "storage/http_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace swha::storage {

std::string HttpResponse::Header(std::string_view lowercase_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lowercase_name) return value;
  }
  return "";
}

int HttpResponse::RetryAfterSeconds() const {
  const std::string value = std::string(TrimWhitespace(Header("retry-after")));
  int seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (value.empty() || error != std::errc() || end != value.data() + value.size() || seconds < 0) {
    return 0;
  }
  return seconds;
}

std::string RedactUrl(std::string_view url) {
  const size_t cut = url.find_first_of("?#");
  return std::string(url.substr(0, cut));
}

namespace {

// The one place where a CURLcode becomes a Status.
Status CurlStatus(CURLcode code, const char* error_buffer, const HttpRequest& request,
                  const CurlOptions& options) {
  // The error buffer names host and port at most, never the query string.
  std::string detail = (error_buffer != nullptr && error_buffer[0] != '\0')
                           ? std::string(error_buffer)
                           : std::string(curl_easy_strerror(code));
  const std::string where = request.method + " " + RedactUrl(request.url) + ": ";
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::Unavailable(where + "timed out (connect limit " +
                                 std::to_string(options.connect_timeout_ms) + " ms, total " +
                                 std::to_string(options.total_timeout_ms) + " ms): " + detail);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_FUNCTION_ARGUMENT:
      return Status::InvalidArgument(where + "cannot send: " + detail);
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT: return Status::Internal(where + "libcurl failed: " + detail);
    default:
      // Connection refused, DNS, TLS, reset, empty reply...: the server or the path to it is
      // down, and a later attempt may succeed.
      return Status::Unavailable(where + "connection failed: " + detail);
  }
}

// Where a response body goes, and how much of it may come.
struct BodySink {
  std::string* body;
  size_t max_bytes;  // 0: no limit
  bool too_large = false;
};

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  if (sink->max_bytes != 0 && sink->body->size() + size * count > sink->max_bytes) {
    sink->too_large = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  sink->body->append(data, size * count);
  return size * count;
}

size_t AppendHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    // A new status line (after "100 Continue", say): only the final response's headers count.
    response->headers.clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    response->headers.emplace_back(ToLower(TrimWhitespace(line.substr(0, colon))),
                                   std::string(TrimWhitespace(line.substr(colon + 1))));
  }
  return size * count;
}

void EnsureCurlGlobalInit() {
  static std::once_flag once;
  // curl_global_init is not thread-safe on every libcurl build; run it exactly once.
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

class CurlTransport : public HttpTransport {
 public:
  explicit CurlTransport(const CurlOptions& options) : options_(options) {}

  ~CurlTransport() override {
    for (CURL* handle : idle_) curl_easy_cleanup(handle);
  }

  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  Result<HttpResponse> Send(const HttpRequest& request) override {
    CURL* handle = Acquire();
    if (handle == nullptr) return Status::Internal("curl_easy_init failed");
    HttpResponse response;
    Status status = Perform(handle, request, &response);
    Release(handle);
    if (!status.ok()) return status;
    return response;
  }

 private:
  Status Perform(CURL* handle, const HttpRequest& request, HttpResponse* response) {
    // reset keeps the handle's live connections and DNS cache: that is the reuse we want.
    curl_easy_reset(handle);
    char error_buffer[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout_ms));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout_ms));
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, AppendBody);
    BodySink sink{&response->body, options_.max_response_bytes};
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, AppendHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, response);

    const bool has_body =
        !request.body.empty() || request.method == "PUT" || request.method == "POST";
    if (request.method == "HEAD") {
      curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
      // POSTFIELDS with an explicit size sends binary bodies and a Content-Length; the custom
      // method turns the POST into PUT where needed.
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else if (request.method != "GET") {
      curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    curl_slist* headers = nullptr;
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      if (ToLower(name) == "content-type") has_content_type = true;
      std::string line = name;
      line += ": ";
      line += value;
      headers = curl_slist_append(headers, line.c_str());
    }
    // No "Expect: 100-continue" round trip, and no form Content-Type that curl would add to a
    // body sent with POSTFIELDS (S3 would store it as the object's type).
    headers = curl_slist_append(headers, "Expect:");
    if (has_body && !has_content_type) headers = curl_slist_append(headers, "Content-Type:");
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);

    const CURLcode code = curl_easy_perform(handle);
    curl_slist_free_all(headers);
    // The buffer lives on this stack frame; the handle must not keep a pointer to it.
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, nullptr);
    if (sink.too_large) {
      return Status::TooLarge(request.method + " " + RedactUrl(request.url) +
                              ": the answer is longer than " +
                              std::to_string(options_.max_response_bytes) + " bytes");
    }
    if (code != CURLE_OK) return CurlStatus(code, error_buffer, request, options_);
    long http_status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &http_status);
    response->status = static_cast<int>(http_status);
    return Status::Ok();
  }

  CURL* Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!idle_.empty()) {
        CURL* handle = idle_.back();
        idle_.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* handle) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (idle_.size() < options_.max_idle_handles) {
        idle_.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }

  const CurlOptions options_;
  std::mutex mu_;
  std::vector<CURL*> idle_;  // GUARDED_BY(mu_)
};

}  // namespace

std::unique_ptr<HttpTransport> CreateCurlTransport(const CurlOptions& options) {
  EnsureCurlGlobalInit();
  return std::make_unique<CurlTransport>(options);
}

Result<EndpointUrl> ParseEndpointUrl(std::string_view setting, std::string_view url) {
  const std::string bad = std::string(setting) + " " + QuoteForMessage(url, 200) + ": ";
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) return Status::InvalidArgument(bad + "missing scheme");
  EndpointUrl e;
  e.scheme = ToLower(url.substr(0, sep));
  if (e.scheme != "http" && e.scheme != "https") {
    return Status::InvalidArgument(bad + "scheme must be http or https");
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty()) return Status::InvalidArgument(bad + "missing host");
  if (authority.find_first_of("@?#") != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos) {
    return Status::InvalidArgument(bad + "only scheme://host[:port][/path] is allowed");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const std::string_view default_port = e.scheme == "http" ? ":80" : ":443";
  const size_t bracket = authority.rfind(']');
  if (authority.ends_with(default_port) &&
      (bracket == std::string_view::npos || bracket < authority.size() - default_port.size())) {
    authority.remove_suffix(default_port.size());
  }
  e.host = ToLower(authority);
  e.base_path = std::string(path);
  return e;
}

bool IsRetryableAwsErrorCode(std::string_view code) {
  static constexpr std::array<std::string_view, 14> kCodes = {
      "SlowDown",
      "Throttling",
      "ThrottlingException",
      "RequestLimitExceeded",
      "RequestThrottled",
      "TooManyRequestsException",
      "ProvisionedThroughputExceededException",
      "RequestTimeout",
      "RequestTimeoutException",
      "PriorRequestNotComplete",
      "BandwidthLimitExceeded",
      "EC2ThrottledException",
      "TransactionInProgressException",
      "IDPCommunicationError",  // STS: the identity provider did not answer in time
  };
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

}  // namespace swha::storage
