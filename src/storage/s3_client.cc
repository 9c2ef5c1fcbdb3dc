#include "storage/s3_client.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <pugixml.hpp>
#include <random>
#include <set>
#include <thread>
#include <utility>

#include "config/settings.h"
#include "storage/s3_codec.h"
#include "util/crypto.h"
#include "util/process_unique_id.h"
#include "util/strings.h"

namespace swha::storage {

namespace {

constexpr size_t kMaxKeyBytes = 1024;           // S3's limit on an object key
constexpr size_t kMaxUserMetadataBytes = 2048;  // S3's limit on all x-amz-meta-* together
constexpr size_t kDeleteBatchSize = 1000;       // S3's limit per DeleteObjects request
constexpr size_t kMaxServerMessageBytes = 300;  // of S3's <Message>, in our messages
constexpr std::string_view kMetaPrefix = "x-amz-meta-";

struct S3ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
};

// <Error><Code/><Message/><RequestId/></Error>. Anything else (HEAD has no body; a proxy may
// answer with HTML) yields empty fields. Other fields S3 adds, such as the StringToSign of a
// SignatureDoesNotMatch, are deliberately ignored.
S3ErrorBody ParseErrorBody(std::string_view body) {
  S3ErrorBody out;
  if (body.empty()) return out;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return out;
  const pugi::xml_node error = doc.child("Error");
  out.code = error.child_value("Code");
  out.message = error.child_value("Message");
  out.request_id = error.child_value("RequestId");
  return out;
}

// A code for bodiless answers (HEAD, or a proxy's HTML), so messages always have one.
std::string CodeForStatus(int status) {
  switch (status) {
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 502: return "BadGateway";
    case 503: return "ServiceUnavailable";
    case 504: return "GatewayTimeout";
    default: return "HTTP" + std::to_string(status);
  }
}

std::string StripQuotes(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

bool ParseUint64(std::string_view text, uint64_t* out) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

Status ValidateKey(std::string_view op, std::string_view key) {
  if (key.empty()) return Status::InvalidArgument("S3 " + std::string(op) + ": empty key");
  if (key.size() > kMaxKeyBytes) {
    return Status::InvalidArgument("S3 " + std::string(op) + ": key longer than 1024 bytes");
  }
  return Status::Ok();
}

std::string ErrorSubject(std::string_view op, std::string_view key) {
  std::string s = "S3 " + std::string(op);
  if (!key.empty()) s += " " + std::string(key);
  return s;
}

// Virtual-hosted style needs a bucket that is a valid DNS label sequence; dots would also
// break the wildcard TLS certificate, so auto falls back to path style for them.
bool IsVirtualHostableBucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  return std::all_of(
             bucket.begin(), bucket.end(),
             [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }) &&
         bucket.front() != '-' && bucket.back() != '-';
}

std::string AwsRegionalHost(std::string_view region, bool dualstack) {
  if (region == "us-east-1" && !dualstack) return "s3.amazonaws.com";
  std::string host =
      std::string(dualstack ? "s3.dualstack." : "s3.") + std::string(region) + ".amazonaws.com";
  if (region.starts_with("cn-")) host += ".cn";
  return host;
}

std::string AccelerateHost(bool dualstack) {
  return dualstack ? "s3-accelerate.dualstack.amazonaws.com" : "s3-accelerate.amazonaws.com";
}

}  // namespace

S3ClientConfig S3ClientConfig::FromSettings(const config::S3Settings& settings) {
  S3ClientConfig c;
  c.endpoint_url = settings.endpoint_url;
  c.region = settings.region;
  c.bucket = settings.bucket_name;
  c.addressing_style = settings.addressing_style;
  c.credentials = {settings.access_key_id, settings.secret_access_key, settings.session_token};
  c.sse = settings.sse;
  c.use_accelerate_endpoint = settings.use_accelerate_endpoint;
  c.use_dualstack_endpoint = settings.use_dualstack_endpoint;
  return c;
}

Status S3ClientConfig::Validate() const {
  if (bucket.empty()) return Status::InvalidArgument("S3 bucket: must not be empty");
  if (bucket.size() > 255 || bucket.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 bucket " + QuoteForMessage(bucket) +
                                   ": at most 255 characters, no '/'");
  }
  if (region.empty() || region.find('/') != std::string::npos) {
    return Status::InvalidArgument("S3 region " + QuoteForMessage(region) +
                                   ": must be non-empty, no '/'");
  }
  const std::string style = ToLower(addressing_style);
  if (style != "auto" && style != "path" && style != "virtual") {
    return Status::InvalidArgument("S3 addressing_style " + QuoteForMessage(addressing_style) +
                                   ": must be auto, path or virtual");
  }
  if (!sse.empty() && sse != "AES256" && sse != "aws:kms") {
    return Status::InvalidArgument("S3 sse " + QuoteForMessage(sse) +
                                   ": must be empty, AES256 or aws:kms");
  }
  if (credentials_source == nullptr &&
      (credentials.access_key_id.empty() || credentials.secret_access_key.empty())) {
    return Status::InvalidArgument("S3 credentials: access key id and secret are required");
  }
  if (!endpoint_url.empty()) {
    auto endpoint = ParseEndpointUrl("S3 endpoint_url", endpoint_url);
    if (!endpoint.ok()) return endpoint.status();
    if (use_accelerate_endpoint || use_dualstack_endpoint) {
      return Status::InvalidArgument(
          "S3 endpoint_url: a custom endpoint cannot be combined with the accelerate or "
          "dual-stack endpoints, which exist only on AWS");
    }
  }
  if (use_accelerate_endpoint) {
    if (auto problem = config::TransferAccelerationProblem(bucket, region)) {
      return Status::InvalidArgument("S3 bucket " + QuoteForMessage(bucket) + " in " + region +
                                     ": " + *problem);
    }
  }
  return Status::Ok();
}

std::string S3ClientConfig::ToString() const {
  const std::string& id = credentials.access_key_id;
  const std::string shown_id = id.size() > 4 ? id.substr(0, 4) + "..." : std::string("***");
  return "S3ClientConfig{endpoint_url=" + (endpoint_url.empty() ? "<aws>" : endpoint_url) +
         ", region=" + region + ", bucket=" + bucket + ", addressing_style=" + addressing_style +
         ", sse=" + sse + (use_accelerate_endpoint ? ", accelerate" : "") +
         (use_dualstack_endpoint ? ", dualstack" : "") +
         // A source says where its credentials come from itself (the log's next words).
         (credentials_source != nullptr
              ? std::string()
              : ", access_key_id=" + shown_id + ", secret_access_key=***" +
                    (credentials.session_token.empty() ? "" : ", session_token=***")) +
         "}";
}

// Everything that differs between operations.
struct S3Client::Call {
  std::string_view op;   // "PutObject", ... for messages
  std::string_view key;  // the key or prefix for messages; may be empty
  std::string method;
  std::string path;      // raw, unencoded
  KeyValueList query;    // raw
  KeyValueList headers;  // signed and sent
  std::string_view body;
  // An S3 error code (with HTTP 404) that means "not configured" rather than a failure, e.g.
  // NoSuchLifecycleConfiguration: that answer is returned as it is, not as an error.
  std::string_view absent_code;
  // The body's SHA-256 in lowercase hex when the caller already has it; "" = hash it here.
  std::string_view body_sha256_hex;
};

Result<std::unique_ptr<S3Client>> S3Client::Create(S3ClientConfig config, HttpTransport* transport,
                                                   const Clock* clock, RetryPolicy retry,
                                                   const metrics::ServiceMetrics* metrics) {
  SWHA_RETURN_IF_ERROR(config.Validate());
  if (transport == nullptr || clock == nullptr) {
    return Status::InvalidArgument("S3Client: transport and clock are required");
  }
  retry = retry.WithDefaults();

  const std::string style = ToLower(config.addressing_style);
  EndpointUrl endpoint;
  if (config.use_accelerate_endpoint) {
    endpoint = {"https", AccelerateHost(config.use_dualstack_endpoint), ""};
  } else if (config.endpoint_url.empty()) {
    endpoint = {"https", AwsRegionalHost(config.region, config.use_dualstack_endpoint), ""};
  } else {
    SWHA_ASSIGN_OR_RETURN(endpoint, ParseEndpointUrl("S3 endpoint_url", config.endpoint_url));
  }
  // The accelerate endpoint knows the bucket only from the host name: botocore ignores a path
  // addressing style there, and so do we.
  const bool virtual_hosted =
      config.use_accelerate_endpoint || style == "virtual" ||
      (style == "auto" && config.endpoint_url.empty() && IsVirtualHostableBucket(config.bucket));
  std::string host = virtual_hosted ? config.bucket + "." + endpoint.host : endpoint.host;
  auto client = std::unique_ptr<S3Client>(new S3Client(
      std::move(config), transport, clock, std::move(retry), std::move(endpoint.scheme),
      std::move(host), std::move(endpoint.base_path), virtual_hosted));
  client->metrics_ = metrics;
  return client;
}

S3Client::S3Client(S3ClientConfig config, HttpTransport* transport, const Clock* clock,
                   RetryPolicy retry, std::string scheme, std::string host, std::string base_path,
                   bool virtual_hosted)
    : config_(std::move(config)),
      transport_(transport),
      clock_(clock),
      retry_(std::move(retry)),
      credentials_(config_.credentials_source != nullptr
                       ? config_.credentials_source
                       : std::make_shared<const StaticCredentialsSource>(config_.credentials)),
      signer_(std::make_shared<const SnapshotSigner>(credentials_->Current(), config_.region)),
      scheme_(std::move(scheme)),
      host_(std::move(host)),
      base_path_(std::move(base_path)),
      virtual_hosted_(virtual_hosted),
      base_url_(scheme_ + "://" + host_),
      object_path_prefix_(base_path_ + "/" + (virtual_hosted_ ? "" : config_.bucket + "/")),
      serial_(NextProcessUniqueId()) {}

std::string S3Client::BaseUrl() const { return base_url_; }

std::string S3Client::ObjectUrlPrefix() const { return BaseUrl() + S3CanonicalUri(ObjectPath("")); }

std::string S3Client::BucketPath() const {
  return virtual_hosted_ ? base_path_ + "/" : base_path_ + "/" + config_.bucket;
}

std::string S3Client::ObjectPath(std::string_view key) const {
  std::string path;
  AssignObjectPath(key, &path);
  return path;
}

void S3Client::AssignObjectPath(std::string_view key, std::string* path) const {
  path->assign(object_path_prefix_);
  *path += key;
}

Status S3ErrorStatus(std::string_view op, std::string_view key, const HttpResponse& response) {
  S3ErrorBody error = ParseErrorBody(response.body);
  if (error.code.empty()) error.code = CodeForStatus(response.status);
  if (error.request_id.empty()) error.request_id = response.Header("x-amz-request-id");
  std::string message = ErrorSubject(op, key) + ": " + error.code;
  if (!error.message.empty()) {
    message +=
        ": " + error.message.substr(0, Utf8SafePrefix(error.message, kMaxServerMessageBytes));
  }
  message += " (";
  if (!error.request_id.empty()) message += "request id " + error.request_id + ", ";
  message += "HTTP " + std::to_string(response.status) + ")";

  const int s = response.status;
  if (s == 404 || error.code == "NoSuchKey" || error.code == "NoSuchBucket") {
    return Status::NotFound(std::move(message));
  }
  if (s == 401 || s == 403) return Status::PermissionDenied(std::move(message));
  if (s == 400) return Status::InvalidArgument(std::move(message));
  if (s >= 500 || s == 429) return Status::Unavailable(std::move(message));
  return Status::Internal(std::move(message));
}

bool IsRetryableS3Error(const HttpResponse& response) {
  const int s = response.status;
  if (s == 500 || s == 502 || s == 503 || s == 504) return true;
  return IsRetryableAwsErrorCode(ParseErrorBody(response.body).code);
}

Result<HttpResponse> S3Client::SendOnce(const Call& call, const std::string& payload_sha256) const {
  SigningRequest signing;
  signing.method = call.method;
  signing.host = host_;
  signing.path = call.path;
  signing.query = call.query;
  signing.headers = call.headers;
  signing.payload_sha256_hex = payload_sha256;
  // Signed per attempt: a retry after a long back-off must not carry a stale x-amz-date.
  const std::shared_ptr<const SnapshotSigner> signer = CurrentSigner();
  SWHA_ASSIGN_OR_RETURN(KeyValueList auth,
                        signer->signer.SignHeaders(signing, clock_->NowUnixSeconds()));

  HttpRequest request;
  request.method = call.method;
  request.url = BaseUrl() + S3CanonicalUri(call.path);
  if (!call.query.empty()) request.url += "?" + S3CanonicalQueryString(call.query);
  request.headers = call.headers;
  request.headers.insert(request.headers.end(), auth.begin(), auth.end());
  request.body = std::string(call.body);
  return transport_->Send(request);
}

Result<HttpResponse> S3Client::Execute(const Call& call) const {
  int attempts = 0;
  if (metrics_ == nullptr) return ExecuteAttempts(call, &attempts);
  const Stopwatch watch;
  Result<HttpResponse> result = ExecuteAttempts(call, &attempts);
  const std::string_view outcome = !result.ok() ? "failed" : attempts > 1 ? "retried" : "success";
  metrics_->s3_operations->CounterFor({call.op, outcome}).Add();
  metrics_->s3_duration->HistogramFor({call.op}).Observe(watch.ElapsedSeconds());
  return result;
}

Result<HttpResponse> S3Client::ExecuteAttempts(const Call& call, int* attempts) const {
  if (CurrentSigner()->snapshot->credentials.access_key_id.empty()) {
    return NoCredentialsYet(call.op, call.key);  // not retried here: the source retries
  }
  const std::string payload_sha256 = call.body_sha256_hex.empty()
                                         ? crypto::HexEncode(crypto::Sha256(call.body))
                                         : std::string(call.body_sha256_hex);
  for (int attempt = 1;; ++attempt) {
    *attempts = attempt;
    Result<HttpResponse> sent = SendOnce(call, payload_sha256);
    Status failure;
    bool retryable = false;
    if (!sent.ok()) {
      failure = sent.status().WithContext(ErrorSubject(call.op, call.key));
      retryable = sent.status().code() == StatusCode::kUnavailable;
    } else if ((sent->status >= 200 && sent->status < 300) ||
               (sent->status == 404 && !call.absent_code.empty() &&
                ParseErrorBody(sent->body).code == call.absent_code)) {
      return sent;
    } else {
      failure = S3ErrorStatus(call.op, call.key, *sent);
      retryable = IsRetryableS3Error(*sent);
    }
    if (!retryable) return failure;
    if (attempt >= retry_.max_attempts) {
      if (attempt == 1) return failure;
      return Status(failure.code(), failure.message() + " [gave up after " +
                                        std::to_string(attempt) + " attempts]");
    }
    retry_.sleep(retry_.BackoffSeconds(attempt));
  }
}

Status S3Client::PutObject(std::string_view key, std::string_view body,
                           std::string_view content_type,
                           const std::map<std::string, std::string>& metadata,
                           std::string_view body_sha256_hex) const {
  SWHA_RETURN_IF_ERROR(ValidateKey("PutObject", key));
  Call call{"PutObject", key, "PUT", ObjectPath(key), {}, {}, body};
  call.body_sha256_hex = body_sha256_hex;
  if (!content_type.empty()) call.headers.emplace_back("Content-Type", std::string(content_type));
  size_t metadata_bytes = 0;
  for (const auto& [name, value] : metadata) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar) ||
        !IsPrintableAscii(value)) {
      return Status::InvalidArgument(ErrorSubject("PutObject", key) + ": metadata " +
                                     QuoteForMessage(name) +
                                     ": names must be HTTP tokens and values printable ASCII");
    }
    metadata_bytes += name.size() + value.size();
    call.headers.emplace_back(std::string(kMetaPrefix) + ToLower(name), value);
  }
  if (metadata_bytes > kMaxUserMetadataBytes) {
    return Status::InvalidArgument(ErrorSubject("PutObject", key) +
                                   ": user metadata exceeds S3's 2 KiB limit");
  }
  if (!config_.sse.empty()) call.headers.emplace_back("x-amz-server-side-encryption", config_.sse);
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  (void)response;
  return Status::Ok();
}

Result<ObjectInfo> S3Client::HeadObject(std::string_view key) const {
  SWHA_RETURN_IF_ERROR(ValidateKey("HeadObject", key));
  const Call call{"HeadObject", key, "HEAD", ObjectPath(key), {}, {}, {}};
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  ObjectInfo info;
  if (!ParseUint64(response.Header("content-length"), &info.size)) {
    return Status::Internal(ErrorSubject("HeadObject", key) + ": no valid Content-Length");
  }
  info.content_type = response.Header("content-type");
  info.etag = StripQuotes(response.Header("etag"));
  const std::string last_modified = response.Header("last-modified");
  if (auto t = ParseHttpDate(last_modified); t.has_value()) {
    info.last_modified = *t;
  } else {
    return Status::Internal(ErrorSubject("HeadObject", key) + ": bad Last-Modified " +
                            QuoteForMessage(last_modified));
  }
  for (const auto& [name, value] : response.headers) {
    if (name.starts_with(kMetaPrefix)) info.metadata[name.substr(kMetaPrefix.size())] = value;
  }
  return info;
}

Result<std::string> S3Client::GetObject(std::string_view key) const {
  SWHA_RETURN_IF_ERROR(ValidateKey("GetObject", key));
  const Call call{"GetObject", key, "GET", ObjectPath(key), {}, {}, {}};
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  return std::move(response.body);
}

Status S3Client::DeleteObject(std::string_view key) const {
  SWHA_RETURN_IF_ERROR(ValidateKey("DeleteObject", key));
  const Call call{"DeleteObject", key, "DELETE", ObjectPath(key), {}, {}, {}};
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  (void)response;
  return Status::Ok();
}

Result<std::vector<DeleteError>> S3Client::DeleteObjects(
    const std::vector<std::string>& keys) const {
  std::vector<DeleteError> errors;
  for (size_t begin = 0; begin < keys.size(); begin += kDeleteBatchSize) {
    const size_t end = std::min(keys.size(), begin + kDeleteBatchSize);
    // Quiet mode: S3 lists only the failures, which keeps 1,000-key answers small.
    std::string body =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
    for (size_t i = begin; i < end; ++i) {
      SWHA_RETURN_IF_ERROR(ValidateKey("DeleteObjects", keys[i]));
      body += "<Object><Key>" + XmlEscape(keys[i]) + "</Key></Object>";
    }
    body += "</Delete>";
    // S3 requires Content-MD5 (or a flexible checksum) on DeleteObjects.
    const Call call{"DeleteObjects",
                    config_.bucket,
                    "POST",
                    BucketPath(),
                    {{"delete", ""}},
                    {{"Content-MD5", crypto::Base64Encode(crypto::Md5(body))},
                     {"Content-Type", "application/xml"}},
                    body};
    SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
    pugi::xml_document doc;
    if (!doc.load_buffer(response.body.data(), response.body.size())) {
      return Status::Internal(ErrorSubject("DeleteObjects", config_.bucket) +
                              ": unparsable DeleteResult");
    }
    for (const pugi::xml_node error : doc.child("DeleteResult").children("Error")) {
      errors.push_back(
          {error.child_value("Key"), error.child_value("Code"), error.child_value("Message")});
    }
  }
  return errors;
}

Result<std::vector<ListedObject>> S3Client::ListObjectsV2(std::string_view prefix) const {
  const std::string subject = config_.bucket + "/" + std::string(prefix);
  std::vector<ListedObject> objects;
  std::string token;
  std::set<std::string> seen_tokens;  // a server repeating a token would loop forever
  while (true) {
    Call call{"ListObjectsV2", subject, "GET", BucketPath(), {{"list-type", "2"}}, {}, {}};
    // Keys come back percent-encoded, so keys with characters XML 1.0 cannot carry still list.
    call.query.emplace_back("encoding-type", "url");
    if (!prefix.empty()) call.query.emplace_back("prefix", std::string(prefix));
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));

    pugi::xml_document doc;
    const pugi::xml_node result = doc.load_buffer(response.body.data(), response.body.size())
                                      ? doc.child("ListBucketResult")
                                      : pugi::xml_node();
    if (!result) {
      return Status::Internal(ErrorSubject("ListObjectsV2", subject) +
                              ": unparsable ListBucketResult");
    }
    // Servers that ignore encoding-type say so by leaving EncodingType out.
    const bool url_encoded = std::string_view(result.child_value("EncodingType")) == "url";
    for (const pugi::xml_node contents : result.children("Contents")) {
      ListedObject object;
      object.key = contents.child_value("Key");
      if (url_encoded) {
        std::string decoded;
        if (!UrlDecode(object.key, &decoded, /*plus_as_space=*/true)) {
          return Status::Internal(ErrorSubject("ListObjectsV2", subject) +
                                  ": bad url-encoded key " + QuoteForMessage(object.key));
        }
        object.key = std::move(decoded);
      }
      // S3 never lists an object without a name; one would stand for the whole bucket in the
      // deletes and cleanups that act on a listing.
      if (object.key.empty()) {
        return Status::Internal(ErrorSubject("ListObjectsV2", subject) +
                                ": an object without a Key");
      }
      const std::string_view size = contents.child_value("Size");
      const std::string_view modified = contents.child_value("LastModified");
      const std::optional<int64_t> seconds = ParseIso8601Utc(modified);
      if (!ParseUint64(size, &object.size) || !seconds.has_value()) {
        return Status::Internal(ErrorSubject("ListObjectsV2", subject) + ": bad Size " +
                                QuoteForMessage(size) + " or LastModified " +
                                QuoteForMessage(modified) + " for " + QuoteForMessage(object.key));
      }
      object.last_modified = *seconds;
      object.etag = StripQuotes(contents.child_value("ETag"));
      objects.push_back(std::move(object));
    }
    if (std::string_view(result.child_value("IsTruncated")) != "true") return objects;
    token = result.child_value("NextContinuationToken");
    if (token.empty() || !seen_tokens.insert(token).second) {
      return Status::Internal(ErrorSubject("ListObjectsV2", subject) +
                              ": truncated page without a new NextContinuationToken");
    }
  }
}

Status S3Client::HeadBucket() const {
  const Call call{"HeadBucket", config_.bucket, "HEAD", BucketPath(), {}, {}, {}};
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  (void)response;
  return Status::Ok();
}

Result<std::optional<std::string>> S3Client::GetBucketConfiguration(
    std::string_view op, std::string_view subresource, std::string_view absent_code) const {
  Call call{op, config_.bucket, "GET", BucketPath(), {{std::string(subresource), ""}}, {}, {}};
  call.absent_code = absent_code;
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  if (response.status == 404) return std::optional<std::string>();
  return std::optional<std::string>(std::move(response.body));
}

Status S3Client::PutBucketConfiguration(std::string_view op, std::string_view subresource,
                                        std::string_view xml) const {
  // S3 requires Content-MD5 (or a flexible checksum) on bucket configuration writes.
  const Call call{op,
                  config_.bucket,
                  "PUT",
                  BucketPath(),
                  {{std::string(subresource), ""}},
                  {{"Content-MD5", crypto::Base64Encode(crypto::Md5(xml))},
                   {"Content-Type", "application/xml"}},
                  xml};
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  (void)response;
  return Status::Ok();
}

Status S3Client::DeleteBucketConfiguration(std::string_view op,
                                           std::string_view subresource) const {
  const Call call{op, config_.bucket, "DELETE", BucketPath(), {{std::string(subresource), ""}}, {},
                  {}};
  SWHA_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
  (void)response;
  return Status::Ok();
}

Result<std::string> S3Client::GetBucketAccelerateStatus() const {
  constexpr std::string_view kOp = "GetBucketAccelerateConfiguration";
  std::optional<std::string> body;
  SWHA_ASSIGN_OR_RETURN(body, GetBucketConfiguration(kOp, "accelerate"));
  pugi::xml_document doc;
  const pugi::xml_node result = body.has_value() && doc.load_buffer(body->data(), body->size())
                                    ? doc.child("AccelerateConfiguration")
                                    : pugi::xml_node();
  if (!result) {
    return Status::Internal(ErrorSubject(kOp, config_.bucket) +
                            ": the answer is not an AccelerateConfiguration");
  }
  return std::string(result.child_value("Status"));
}

std::shared_ptr<const S3Client::SnapshotSigner> S3Client::CurrentSigner() const {
  std::shared_ptr<const SnapshotSigner> last = signer_.Load();
  std::shared_ptr<const CredentialsSnapshot> now = credentials_->Current();
  if (last->snapshot == now) return last;
  // Two threads may both make one after a refresh; either is right, and the next call agrees.
  auto fresh = std::make_shared<const SnapshotSigner>(std::move(now), config_.region);
  signer_.Store(fresh);
  return fresh;
}

S3Client::PresignState& S3Client::ThisThreadsPresignState() const {
  thread_local PresignState state;
  if (state.client_serial != serial_) {
    state.client_serial = serial_;
    state.signer = CurrentSigner();
    state.request.host = host_;
    state.request.path = object_path_prefix_;
  } else if (!credentials_->IsCurrent(*state.signer->snapshot)) {
    state.signer = CurrentSigner();
  }
  return state;
}

Status S3Client::NoCredentialsYet(std::string_view op, std::string_view key) const {
  const Status why = credentials_->LastError();
  return Status::Unavailable(ErrorSubject(op, key) + ": no AWS credentials yet" +
                             (why.ok() ? std::string() : " (" + why.message() + ")"));
}

std::optional<int64_t> S3Client::CredentialsExpireAt() const {
  return credentials_->Current()->expires_at_unix;
}

Result<std::string> S3Client::Presign(std::string_view op, std::string_view method,
                                      std::string_view key, int64_t expires_seconds,
                                      int64_t* expires_at_unix) const {
  SWHA_RETURN_IF_ERROR(ValidateKey(op, key));
  PresignState& state = ThisThreadsPresignState();
  const SnapshotSigner& signer = *state.signer;
  if (signer.snapshot->credentials.access_key_id.empty()) return NoCredentialsYet(op, key);
  // One coarse reading (see Clock) gives the URL's date and *expires_at_unix alike, so what we
  // report is what S3 enforces; the URL only lives up to one kernel tick less than asked.
  const int64_t now = clock_->NowUnixSecondsCoarse();
  if (const std::optional<int64_t>& until = signer.snapshot->expires_at_unix) {
    if (*until <= now) {
      return Status::Unavailable(ErrorSubject(op, key) +
                                 ": the S3 credentials have expired and were not refreshed");
    }
    // A URL signed by temporary credentials stops working when they expire, whatever it says.
    expires_seconds = std::min(expires_seconds, *until - now);
  }
  SigningRequest& request = state.request;  // host and the path's prefix are this client's
  if (request.method != method) request.method.assign(method);
  request.path.resize(object_path_prefix_.size());
  request.path += key;
  Result<std::string> url = signer.signer.PresignUrl(request, base_url_, now, expires_seconds);
  if (url.ok() && expires_at_unix != nullptr) *expires_at_unix = now + expires_seconds;
  return url;  // not unwrapped and wrapped again: each move of a URL showed in its profile
}

Result<std::string> S3Client::PresignGet(std::string_view key, int64_t expires_seconds,
                                         int64_t* expires_at_unix) const {
  return Presign("PresignGet", "GET", key, expires_seconds, expires_at_unix);
}

Result<std::string> S3Client::PresignPut(std::string_view key, int64_t expires_seconds,
                                         int64_t* expires_at_unix) const {
  return Presign("PresignPut", "PUT", key, expires_seconds, expires_at_unix);
}

}  // namespace swha::storage
