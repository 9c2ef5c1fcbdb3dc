#include "lipsync/sync_client.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace swha::lipsync {
namespace {

// Long provider messages are cut: they reach clients and logs.
constexpr size_t kMaxProviderMessageChars = 300;

using Json = nlohmann::json;

std::optional<std::string> OptionalString(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// "errorCode: message" from an error body ({statusCode, errorCode, message}), or "" when the
// body says nothing readable. Any occurrence of the key is masked, should a provider echo it.
std::string ErrorDetail(std::string_view body, std::string_view api_key) {
  const Json j = Json::parse(body, nullptr, false);
  if (!j.is_object()) return "";
  std::string detail;
  if (auto code = OptionalString(j, "errorCode")) detail = *code;
  auto message = OptionalString(j, "message");
  if (!message) message = OptionalString(j, "error");
  if (message) detail += (detail.empty() ? "" : ": ") + *message;
  if (api_key.size() >= 4) {
    for (size_t at = detail.find(api_key); at != std::string::npos; at = detail.find(api_key)) {
      detail.replace(at, api_key.size(), "<redacted>");
    }
  }
  if (detail.size() > kMaxProviderMessageChars) {
    detail.resize(Utf8SafePrefix(detail, kMaxProviderMessageChars));
    detail += "...";
  }
  return detail;
}

// The one place where the provider's HTTP answers become a Status.
Status ProviderError(std::string_view method, const storage::HttpResponse& response,
                     std::string_view api_key) {
  const std::string detail = ErrorDetail(response.body, api_key);
  const std::string said = detail.empty() ? "" : " (" + detail + ")";
  const int code = response.status;
  switch (code) {
    case 401:
    case 403: return Status::Unauthenticated("sync.so rejected the API key");
    case 402: return Status::PaymentRequired("sync.so refused the job: payment required" + said);
    case 404:
      // Only a job can be missing; a 404 for the create means a wrong SYNC_API_BASE_URL.
      if (method == "POST")
        return Status::BadGateway(
            "sync.so has no create endpoint at the "
            "configured SYNC_API_BASE_URL (HTTP 404)");
      return Status::NotFound("sync.so has no such job");
    case 400:
    case 413:
    case 422: return Status::InvalidArgument("sync.so refused the request" + said);
    case 429: {
      const int retry_after = std::max(response.RetryAfterSeconds(), 1);
      return Status::RateLimited("sync.so's rate limit was reached; retry after " +
                                     std::to_string(retry_after) + " s" + said,
                                 retry_after);
    }
    default: return Status::BadGateway("sync.so failed (HTTP " + std::to_string(code) + ")" + said);
  }
}

class SyncClient : public LipsyncProvider {
 public:
  SyncClient(SyncClientConfig config, storage::HttpTransport* transport, const RetryPolicy& retry)
      : config_(std::move(config)), transport_(transport), retry_(retry.WithDefaults()) {}

  Result<ProviderJob> Create(std::string_view api_key, std::string_view idempotency_key,
                             std::string_view body) override {
    storage::HttpRequest request{"POST", config_.base_url + "/v2/generate", Headers(api_key),
                                 std::string(body)};
    request.headers.emplace_back("Content-Type", "application/json");
    request.headers.emplace_back("Idempotency-Key", std::string(idempotency_key));
    SWHA_ASSIGN_OR_RETURN(storage::HttpResponse response, Execute(request, api_key));
    return ParseProviderJob(response.body);
  }

  Result<ProviderJob> Get(std::string_view api_key, std::string_view provider_job_id) override {
    storage::HttpRequest request{"GET",
                                 config_.base_url + "/v2/generate/" + UrlEncode(provider_job_id),
                                 Headers(api_key), ""};
    SWHA_ASSIGN_OR_RETURN(storage::HttpResponse response, Execute(request, api_key));
    return ParseProviderJob(response.body);
  }

 private:
  static storage::HttpHeaders Headers(std::string_view api_key) {
    return {{"x-api-key", std::string(api_key)}, {"Accept", "application/json"}};
  }

  Result<storage::HttpResponse> Execute(const storage::HttpRequest& request,
                                        std::string_view api_key) const {
    for (int attempt = 1;; ++attempt) {
      Result<storage::HttpResponse> sent = transport_->Send(request);
      Status failure;
      double wait_seconds = retry_.BackoffSeconds(attempt);
      if (!sent.ok()) {
        // Lost connections and timeouts: the request may have arrived, which is why a create
        // always carries its Idempotency-Key.
        // Any other transport failure is ours (a request that cannot be sent), not the caller's.
        if (sent.status().code() != StatusCode::kUnavailable) {
          return Status::Internal("sync.so request could not be sent: " + sent.status().message());
        }
        failure = Status::Unavailable("sync.so could not be reached: " + sent.status().message());
      } else if (sent->status >= 200 && sent->status < 300) {
        return sent;
      } else {
        failure = ProviderError(request.method, *sent, api_key);
        if (!storage::IsRetryableHttpStatus(sent->status)) return failure;
        if (sent->status == 429) {
          const int retry_after = sent->RetryAfterSeconds();
          if (retry_after > config_.max_retry_after_seconds) return failure;
          wait_seconds = std::max(wait_seconds, static_cast<double>(retry_after));
        }
      }
      if (attempt >= retry_.max_attempts) return failure;
      retry_.sleep(wait_seconds);
    }
  }

  const SyncClientConfig config_;
  storage::HttpTransport* const transport_;
  const RetryPolicy retry_;
};

}  // namespace

const std::vector<NamedChoice>& Models() {
  static const std::vector<NamedChoice> models = {
      {"lipsync-2", "General-purpose model that keeps the speaker's own way of speaking."},
      {"lipsync-2-pro", "Higher-fidelity lipsync-2 for close-ups and fine detail; slower."},
      {"lipsync-1.9.0-beta", "The earlier generation: fastest, with lower fidelity."},
      {"sync-3", "The newest generation model."},
      {"react-1", "Also changes facial expression and head motion to match the audio's mood."},
  };
  return models;
}

const std::vector<NamedChoice>& SyncModes() {
  static const std::vector<NamedChoice> modes = {
      {"cut_off", "Cut the longer of audio and video to the length of the shorter."},
      {"bounce", "Play the video forward, then backward, until the audio ends."},
      {"loop", "Repeat the video from its start until the audio ends."},
      {"silence", "Pad the audio with silence to the length of the video."},
      {"remap", "Stretch or compress the video's timing to the audio's length."},
  };
  return modes;
}

Result<ProviderJob> ParseProviderJob(std::string_view json) {
  const Json j = Json::parse(json, nullptr, false);
  if (!j.is_object()) return Status::BadGateway("sync.so answered with something not JSON");
  ProviderJob job;
  auto id = OptionalString(j, "id");
  auto status = OptionalString(j, "status");
  if (!id || id->empty() || !status || status->empty()) {
    return Status::BadGateway("sync.so answered without a job id and status");
  }
  job.id = *std::move(id);
  job.status = *std::move(status);
  job.output_url = OptionalString(j, "outputUrl");
  if (auto it = j.find("outputDuration"); it != j.end() && it->is_number()) {
    job.output_duration = it->get<double>();
  }
  job.error = OptionalString(j, "error");
  job.error_code = OptionalString(j, "error_code");
  if (!job.error_code) job.error_code = OptionalString(j, "errorCode");
  job.created_at = OptionalString(j, "createdAt");
  return job;
}

Status SyncClientConfig::Validate() const {
  if (!base_url.starts_with("http://") && !base_url.starts_with("https://")) {
    return Status::InvalidField("SYNC_API_BASE_URL", "must start with http:// or https://");
  }
  if (base_url.ends_with('/')) {
    return Status::InvalidField("SYNC_API_BASE_URL", "must not end with '/'");
  }
  if (max_retry_after_seconds < 0) {
    return Status::InvalidArgument("max_retry_after_seconds must not be negative");
  }
  return Status::Ok();
}

std::string SyncClientConfig::ToString() const {
  return "base_url=" + base_url +
         " max_retry_after_seconds=" + std::to_string(max_retry_after_seconds);
}

std::unique_ptr<LipsyncProvider> NewSyncClient(SyncClientConfig config,
                                               storage::HttpTransport* transport,
                                               const RetryPolicy& retry) {
  return std::make_unique<SyncClient>(std::move(config), transport, retry);
}

}  // namespace swha::lipsync
