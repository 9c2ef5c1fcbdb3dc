#include "aws/sts_client.h"

#include <pugixml.hpp>

#include "storage/s3_codec.h"
#include "storage/sigv4.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::aws {
namespace {

constexpr std::string_view kApiVersion = "2011-06-15";
constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr size_t kMaxServerMessageBytes = 300;  // of STS's <Message>, in our messages

// One form field, percent-encoded as botocore's query serializer does (RFC 3986 unreserved
// characters kept).
void AppendField(std::string_view name, std::string_view value, std::string* form) {
  if (!form->empty()) form->push_back('&');
  storage::S3UriEncodeAppend(name, /*keep_slash=*/false, form);
  form->push_back('=');
  storage::S3UriEncodeAppend(value, /*keep_slash=*/false, form);
}

std::string FormFor(std::string_view action, const std::string& role_arn,
                    const std::string& session_name, const std::optional<int>& duration) {
  std::string form;
  AppendField("Action", action, &form);
  AppendField("Version", kApiVersion, &form);
  AppendField("RoleArn", role_arn, &form);
  AppendField("RoleSessionName", session_name, &form);
  if (duration) AppendField("DurationSeconds", std::to_string(*duration), &form);
  return form;
}

Status CheckRole(const std::string& role_arn, const std::string& session_name) {
  if (role_arn.empty()) return Status::InvalidArgument("STS: the role ARN is empty");
  if (session_name.empty() || session_name.size() > kMaxRoleSessionNameLength) {
    return Status::InvalidArgument("STS: a role session name has 1 to " +
                                   std::to_string(kMaxRoleSessionNameLength) + " characters");
  }
  return Status::Ok();
}

struct StsError {
  std::string code;
  std::string message;
  std::string request_id;
};

// <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>
StsError ParseError(std::string_view body) {
  StsError error;
  pugi::xml_document doc;
  if (!doc.load_buffer(body.data(), body.size())) return error;
  const pugi::xml_node root = doc.child("ErrorResponse");
  error.code = root.child("Error").child_value("Code");
  error.message = root.child("Error").child_value("Message");
  error.request_id = root.child_value("RequestId");
  return error;
}

Status ErrorStatus(std::string_view action, const storage::HttpResponse& response) {
  const StsError error = ParseError(response.body);
  std::string message =
      "STS " + std::string(action) + ": " + (error.code.empty() ? "no error code" : error.code);
  if (!error.message.empty()) {
    message += ": " + QuoteForMessage(error.message, kMaxServerMessageBytes);
  }
  message += " (";
  if (!error.request_id.empty()) message += "request id " + error.request_id + ", ";
  message += "HTTP " + std::to_string(response.status) + ")";
  const int s = response.status;
  if (s == 401 || s == 403) return Status::PermissionDenied(std::move(message));
  if (s >= 500 || s == 429 || storage::IsRetryableAwsErrorCode(error.code)) {
    return Status::Unavailable(std::move(message));
  }
  if (s >= 400) return Status::InvalidArgument(std::move(message));
  return Status::Internal(std::move(message));
}

}  // namespace

std::string StsConfig::EndpointUrl() const {
  if (!endpoint_url.empty()) return endpoint_url;
  const std::string r = region.empty() ? std::string(kDefaultStsRegion) : region;
  return "https://sts." + r + ".amazonaws.com" + (r.starts_with("cn-") ? ".cn" : "");
}

StsClient::StsClient(StsConfig config, storage::HttpTransport* transport, const Clock* clock,
                     const RetryPolicy& retry)
    : config_(std::move(config)),
      transport_(transport),
      clock_(clock),
      retry_(retry.WithDefaults()),
      endpoint_url_(config_.EndpointUrl()),
      endpoint_([this] {
        auto parsed = storage::ParseEndpointUrl("AWS_ENDPOINT_URL_STS", endpoint_url_);
        return parsed.ok() ? *parsed : storage::EndpointUrl{};
      }()) {}

Result<storage::CredentialsSnapshot> StsClient::AssumeRole(
    const AssumeRoleRequest& request, const storage::AwsCredentials& caller) const {
  SWHA_RETURN_IF_ERROR(CheckRole(request.role_arn, request.role_session_name));
  std::string form =
      FormFor("AssumeRole", request.role_arn, request.role_session_name, request.duration_seconds);
  if (!request.external_id.empty()) AppendField("ExternalId", request.external_id, &form);
  return Call("AssumeRole", form, &caller);
}

Result<storage::CredentialsSnapshot> StsClient::AssumeRoleWithWebIdentity(
    const WebIdentityRequest& request) const {
  SWHA_RETURN_IF_ERROR(CheckRole(request.role_arn, request.role_session_name));
  if (request.web_identity_token.empty()) {
    return Status::InvalidArgument(
        "STS AssumeRoleWithWebIdentity: the web identity token is empty");
  }
  std::string form = FormFor("AssumeRoleWithWebIdentity", request.role_arn,
                             request.role_session_name, request.duration_seconds);
  AppendField("WebIdentityToken", request.web_identity_token, &form);
  return Call("AssumeRoleWithWebIdentity", form, nullptr);
}

Result<storage::CredentialsSnapshot> StsClient::Call(std::string_view action,
                                                     const std::string& form,
                                                     const storage::AwsCredentials* caller) const {
  if (endpoint_.host.empty()) {
    return storage::ParseEndpointUrl("AWS_ENDPOINT_URL_STS", endpoint_url_).status();
  }
  for (int attempt = 1;; ++attempt) {
    Result<storage::HttpResponse> sent = SendOnce(form, caller);
    Status failure;
    if (!sent.ok()) {
      failure = sent.status().WithContext("STS " + std::string(action) + " at " +
                                          storage::RedactUrl(endpoint_url_));
    } else if (sent->status == 200) {
      return ParseStsResponse(action, *sent);
    } else {
      failure = ErrorStatus(action, *sent);
    }
    if (failure.code() != StatusCode::kUnavailable || attempt >= retry_.max_attempts) {
      return failure;
    }
    retry_.sleep(retry_.BackoffSeconds(attempt));
  }
}

Result<storage::HttpResponse> StsClient::SendOnce(const std::string& form,
                                                  const storage::AwsCredentials* caller) const {
  storage::HttpRequest request;
  request.method = "POST";
  // The Query API posts to the endpoint's root (under its base path, if it has one).
  const std::string path = endpoint_.base_path + "/";
  request.url = endpoint_.scheme + "://" + endpoint_.host + path;
  request.headers = {{"Content-Type", std::string(kFormContentType)}};
  request.body = form;
  if (caller != nullptr) {
    storage::SigningRequest signing;
    signing.method = "POST";
    signing.host = endpoint_.host;
    signing.path = path;
    signing.headers = request.headers;
    signing.payload_sha256_hex = crypto::HexEncode(crypto::Sha256(form));
    // Signed per attempt, so that a retry carries a fresh date.
    const storage::SigV4Signer signer(
        *caller, config_.region.empty() ? std::string(kDefaultStsRegion) : config_.region, "sts");
    SWHA_ASSIGN_OR_RETURN(storage::KeyValueList auth,
                          signer.SignHeaders(signing, clock_->NowUnixSeconds()));
    for (auto& header : auth) request.headers.push_back(std::move(header));
  }
  return transport_->Send(request);
}

Result<storage::CredentialsSnapshot> ParseStsResponse(std::string_view action,
                                                      const storage::HttpResponse& response) {
  const std::string subject = "STS " + std::string(action);
  pugi::xml_document doc;
  if (!doc.load_buffer(response.body.data(), response.body.size())) {
    return Status::Internal(subject + ": the answer is not XML");
  }
  const std::string response_name = std::string(action) + "Response";
  const std::string result_name = std::string(action) + "Result";
  const pugi::xml_node credentials =
      doc.child(response_name.c_str()).child(result_name.c_str()).child("Credentials");
  storage::CredentialsSnapshot out;
  out.credentials.access_key_id = credentials.child_value("AccessKeyId");
  out.credentials.secret_access_key = credentials.child_value("SecretAccessKey");
  out.credentials.session_token = credentials.child_value("SessionToken");
  out.expires_at_unix = storage::ParseIso8601Utc(credentials.child_value("Expiration"));
  if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty() ||
      out.credentials.session_token.empty() || !out.expires_at_unix) {
    return Status::Internal(subject + ": the answer lacks credentials or their expiration");
  }
  return out;
}

std::string FormatStsResponse(std::string_view action,
                              const storage::CredentialsSnapshot& credentials) {
  const std::string a(action);
  const storage::AwsCredentials& c = credentials.credentials;
  return "<" + a + "Response xmlns=\"https://sts.amazonaws.com/doc/" + std::string(kApiVersion) +
         "/\"><" + a + "Result><Credentials><AccessKeyId>" + storage::XmlEscape(c.access_key_id) +
         "</AccessKeyId><SecretAccessKey>" + storage::XmlEscape(c.secret_access_key) +
         "</SecretAccessKey><SessionToken>" + storage::XmlEscape(c.session_token) +
         "</SessionToken><Expiration>" + FormatIso8601Utc(credentials.expires_at_unix.value_or(0)) +
         "</Expiration></Credentials></" + a + "Result><ResponseMetadata><RequestId>" +
         crypto::RandomHex(8) + "</RequestId></ResponseMetadata></" + a + "Response>";
}

}  // namespace swha::aws
