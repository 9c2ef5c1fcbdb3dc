#include "tests/support/sync_standin.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <iterator>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "storage/http_transport.h"
#include "util/clock.h"
#include "util/crypto.h"

namespace swha::testing {
namespace {

using nlohmann::json;

constexpr std::string_view kModels[] = {"lipsync-2", "lipsync-2-pro", "lipsync-1.9.0-beta",
                                        "sync-3", "react-1"};
constexpr std::string_view kSyncModes[] = {"cut_off", "bounce", "loop", "silence", "remap"};
constexpr double kMaxAudioSeconds = 300;
// Sent on the stand-in's own requests (audio fetches, webhooks): a test's httplib server waits
// out idle keep-alive connections when it stops, so none are left open to it.
const std::pair<std::string, std::string> kCloseConnection = {"Connection", "close"};
// The start of an MP4 `ftyp` box: enough for a client to see it downloaded the output.
constexpr std::string_view kOutputBytes(
    "\0\0\0\x18"
    "ftypmp42\0\0\0\0",
    16);

template <size_t N>
bool IsOneOf(const std::string_view (&set)[N], std::string_view value) {
  return std::find(std::begin(set), std::end(set), value) != std::end(set);
}

// The one error catalogue: each status the stand-in answers maps to the provider's errorCode.
// 401 and 404 carry no errorCode, as the provider documents them.
void SendError(httplib::Response& res, int status, const std::string& message) {
  json body = {{"statusCode", status}, {"message", message}};
  switch (status) {
    case 401:
    case 404: break;
    case 400: body["errorCode"] = "validation_error"; break;
    case 402: body["errorCode"] = "payment_required"; break;
    case 409: body["errorCode"] = "idempotency_key_conflict"; break;
    case 429: body["errorCode"] = "rate_limit_exceeded"; break;
    default: body["errorCode"] = status >= 500 ? "internal_error" : "error"; break;
  }
  res.status = status;
  // Messages may quote the request path, which need not be UTF-8.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

bool IsIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 128) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '~' || c == '-';
  });
}

bool IsOutputFileName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// The member `name` of `object`, or nullptr when it is absent or null (an optional field sent
// as null counts as not sent).
const json* Field(const json& object, const std::string& name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// The url of the first input of `type` ("" when there is none).
std::string InputUrl(const json& body, std::string_view type) {
  const json* input = Field(body, "input");
  if (input == nullptr || !input->is_array()) return "";
  for (const json& item : *input) {
    const json* item_type = Field(item, "type");
    const json* url = Field(item, "url");
    if (item_type != nullptr && *item_type == type && url != nullptr && url->is_string()) {
      return url->get<std::string>();
    }
  }
  return "";
}

Status ValidateCreate(const json& body) {
  if (!body.is_object()) return Status::InvalidArgument("body must be a JSON object");
  const json* model = Field(body, "model");
  if (model == nullptr || !model->is_string() || !IsOneOf(kModels, model->get<std::string>())) {
    return Status::InvalidArgument(
        "model must be one of lipsync-2, lipsync-2-pro, lipsync-1.9.0-beta, sync-3, react-1");
  }
  const json* input = Field(body, "input");
  if (input == nullptr || !input->is_array()) {
    return Status::InvalidArgument("input must be an array of {type, url}");
  }
  for (const json& item : *input) {
    const json* type = Field(item, "type");
    const json* url = Field(item, "url");
    if (type == nullptr || !(*type == "video" || *type == "audio") || url == nullptr ||
        !url->is_string() || url->get<std::string>().empty()) {
      return Status::InvalidArgument("each input needs type video or audio and a url");
    }
  }
  if (InputUrl(body, "video").empty()) return Status::InvalidArgument("input has no video");
  if (InputUrl(body, "audio").empty()) return Status::InvalidArgument("input has no audio");
  if (const json* options = Field(body, "options")) {
    if (!options->is_object()) return Status::InvalidArgument("options must be an object");
    const json* mode = Field(*options, "sync_mode");
    if (mode != nullptr && (!mode->is_string() || !IsOneOf(kSyncModes, mode->get<std::string>()))) {
      return Status::InvalidArgument(
          "options.sync_mode must be one of cut_off, bounce, loop, silence, remap");
    }
    const json* temperature = Field(*options, "temperature");
    if (temperature != nullptr &&
        (!temperature->is_number() || *temperature < 0 || *temperature > 1)) {
      return Status::InvalidArgument("options.temperature must be a number from 0 to 1");
    }
    for (const char* flag : {"active_speaker_detection", "occlusion_detection_enabled"}) {
      const json* value = Field(*options, flag);
      if (value != nullptr && !value->is_boolean()) {
        return Status::InvalidArgument(std::string("options.") + flag + " must be a boolean");
      }
    }
  }
  const json* webhook = Field(body, "webhookUrl");
  if (webhook != nullptr && !webhook->is_string()) {
    return Status::InvalidArgument("webhookUrl must be a string");
  }
  const json* file_name = Field(body, "outputFileName");
  if (file_name != nullptr &&
      (!file_name->is_string() || !IsOutputFileName(file_name->get<std::string>()))) {
    return Status::InvalidArgument(
        "outputFileName must be 1-255 letters, digits, underscores or hyphens");
  }
  return Status::Ok();
}

uint16_t ReadLe16(std::string_view b, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) |
                               (static_cast<uint8_t>(b[at + 1]) << 8));
}

uint32_t ReadLe32(std::string_view b, size_t at) {
  return static_cast<uint32_t>(ReadLe16(b, at)) |
         (static_cast<uint32_t>(ReadLe16(b, at + 2)) << 16);
}

// Seconds of PCM audio in a RIFF/WAVE file, or nullopt when it is not one. The chunks are
// walked rather than a 44-byte header assumed, since encoders put LIST or fact chunks first.
std::optional<double> WavSeconds(std::string_view wav) {
  if (wav.size() < 12 || wav.substr(0, 4) != "RIFF" || wav.substr(8, 4) != "WAVE") {
    return std::nullopt;
  }
  bool have_fmt = false;
  uint16_t format = 0, channels = 0, bits = 0;
  uint32_t rate = 0;
  for (size_t pos = 12; pos + 8 <= wav.size();) {
    const std::string_view id = wav.substr(pos, 4);
    const size_t size = ReadLe32(wav, pos + 4);
    const size_t start = pos + 8;
    if (size > wav.size() - start) return std::nullopt;  // declared beyond the end of the file
    if (id == "fmt ") {
      if (size < 16) return std::nullopt;
      format = ReadLe16(wav, start);
      channels = ReadLe16(wav, start + 2);
      rate = ReadLe32(wav, start + 4);
      bits = ReadLe16(wav, start + 14);
      have_fmt = true;
    } else if (id == "data") {
      if (!have_fmt || format != 1 || channels == 0 || rate == 0 || bits == 0 || bits % 8 != 0) {
        return std::nullopt;
      }
      const uint64_t bytes_per_second = uint64_t{rate} * channels * (bits / 8u);
      return static_cast<double>(size) / static_cast<double>(bytes_per_second);
    }
    pos = start + size + (size & 1);  // chunks are padded to an even length
  }
  return std::nullopt;
}

// What the job learnt from fetching its audio URL.
struct AudioCheck {
  std::optional<std::string> bytes;  // the body of a 200 answer
  double seconds = 0;
  std::string error;  // empty when the audio is usable
  std::string error_code;
};

AudioCheck FetchAudio(storage::HttpTransport& transport, const std::string& url) {
  AudioCheck check;
  Result<storage::HttpResponse> response = transport.Send({"GET", url, {kCloseConnection}, ""});
  if (!response.ok() || response->status != 200) {
    check.error =
        "audio could not be fetched: " +
        (response.ok() ? "HTTP " + std::to_string(response->status) : response.status().message());
    check.error_code = "media_fetch_failed";
    return check;
  }
  check.bytes = std::move(response->body);
  const std::optional<double> seconds = WavSeconds(*check.bytes);
  if (!seconds) {
    check.error = "audio is not a valid WAV file";
    check.error_code = "invalid_audio";
  } else if (*seconds > kMaxAudioSeconds) {
    check.error = "audio is longer than 300 seconds";
    check.error_code = "generation_audio_length_exceeded";
  }
  check.seconds = seconds.value_or(0);
  return check;
}

std::string NewJobId() {
  const std::string hex = crypto::RandomHex(16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

struct Job {
  std::string id;
  std::string created_at;
  json request;  // the create body, for model, input and options
  std::string video_url;
  std::string audio_url;
  std::string webhook_url;
  std::string status = "PENDING";
  std::optional<std::string> output_url;
  std::optional<double> output_duration;
  std::optional<std::string> error;
  std::optional<std::string> error_code;
  std::optional<std::string> fetched_audio;
  double audio_seconds = 0;
};

template <typename T>
json OrNull(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json StatusJson(const Job& job) {
  const json* options = Field(job.request, "options");
  return {{"id", job.id},
          {"createdAt", job.created_at},
          {"status", job.status},
          {"model", job.request.at("model")},
          {"input", job.request.at("input")},
          {"options", options != nullptr ? *options : json::object()},
          {"outputUrl", OrNull(job.output_url)},
          {"outputDuration", OrNull(job.output_duration)},
          {"error", OrNull(job.error)},
          {"error_code", OrNull(job.error_code)}};
}

}  // namespace

// The server, the job workers and the state they share. SyncStandin's accessors read the state
// directly (under mu_), so only what runs behind the API lives here.
class SyncStandin::Impl {
 public:
  Impl(std::string api_key, std::string webhook_secret)
      : api_key_(std::move(api_key)),
        webhook_secret_(std::move(webhook_secret)),
        transport_(
            storage::CreateCurlTransport({.connect_timeout_ms = 2000, .total_timeout_ms = 10000})) {
  }

  ~Impl() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    server_.stop();
    if (listener_.joinable()) listener_.join();
    // The listener has returned, so no handler runs any more and none can add a worker.
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
    }
    for (std::thread& worker : workers) worker.join();
  }

  Status Listen() {
    server_.Post("/v2/generate", [this](const httplib::Request& req, httplib::Response& res) {
      HandleCreate(req, res);
    });
    server_.Get(
        R"(/v2/generate/([^/]+))",
        [this](const httplib::Request& req, httplib::Response& res) { HandleStatus(req, res); });
    server_.Get(
        R"(/outputs/([^/]+)\.mp4)",
        [this](const httplib::Request& req, httplib::Response& res) { HandleOutput(req, res); });
    server_.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
          SendError(res, 500, "sync stand-in handler threw");
        });
    // httplib's stop() waits out every idle keep-alive connection (5 s each), so a client that
    // outlives the stand-in would stall its destructor: one request per connection instead.
    server_.set_keep_alive_max_count(1);
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return Status::Unavailable("sync stand-in: cannot bind 127.0.0.1");
    listener_ = std::thread([this] {
      server_.listen_after_bind();
      listener_done_ = true;
    });
    // stop() is a no-op until the accept loop runs, so the destructor could hang without this.
    while (!server_.is_running() && !listener_done_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_.is_running()) return Status::Unavailable("sync stand-in: server did not start");
    return Status::Ok();
  }

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  Result<int> SendWebhook(const std::string& url, const std::string& body, int64_t timestamp,
                          const std::string& secret) {
    const std::string stamp = std::to_string(timestamp);
    const std::string signature =
        "t=" + stamp + ",v1=" + crypto::HexEncode(crypto::HmacSha256(secret, stamp + "." + body));
    SWHA_ASSIGN_OR_RETURN(storage::HttpResponse response,
                          transport_->Send({"POST",
                                            url,
                                            {{"Content-Type", "application/json"},
                                             {"Sync-Signature", signature},
                                             kCloseConnection},
                                            body}));
    return response.status;
  }

 private:
  friend class SyncStandin;

  bool Authorized(const httplib::Request& req) const {
    return req.has_header("x-api-key") &&
           crypto::ConstantTimeEquals(req.get_header_value("x-api-key"), api_key_);
  }

  static void SendJson(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }

  void HandleCreate(const httplib::Request& req, httplib::Response& res) {
    std::unique_lock lock(mu_);
    ++generate_requests_;
    if (!Authorized(req)) return SendError(res, 401, "Unauthorized");
    const bool has_key = req.has_header("Idempotency-Key");
    const std::string key = req.get_header_value("Idempotency-Key");
    if (has_key) idempotency_keys_seen_.push_back(key);
    if (reject_remaining_ > 0) {
      --reject_remaining_;
      if (reject_status_ == 429) {
        res.set_header("Retry-After", std::to_string(reject_retry_after_));
      }
      return SendError(res, reject_status_,
                       "injected failure " + std::to_string(reject_status_) + " (stand-in)");
    }
    if (has_key && !IsIdempotencyKey(key)) {
      return SendError(res, 400, "Idempotency-Key must be 1-128 characters of A-Za-z0-9._~-");
    }
    const json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded()) return SendError(res, 400, "body is not valid JSON");
    if (has_key) {
      const auto seen = idempotent_.find(key);
      if (seen != idempotent_.end()) {
        // Parsed JSON is compared, so key order and whitespace do not make a body "different".
        if (seen->second.first != body) {
          return SendError(res, 409, "Idempotency-Key was already used with a different body");
        }
        return SendJson(res, 200, StatusJson(jobs_.at(seen->second.second)));
      }
    }
    if (const Status valid = ValidateCreate(body); !valid.ok()) {
      return SendError(res, 400, valid.message());
    }
    Job job;
    job.id = NewJobId();
    job.created_at = FormatIso8601Utc(Clock::Real()->NowUnixSeconds());
    job.request = body;
    job.video_url = InputUrl(body, "video");
    job.audio_url = InputUrl(body, "audio");
    if (const json* webhook = Field(body, "webhookUrl")) {
      job.webhook_url = webhook->get<std::string>();
    }
    const std::string id = job.id;
    SendJson(res, 201, StatusJson(job));
    jobs_.emplace(id, std::move(job));
    job_order_.push_back(id);
    if (has_key) idempotent_.emplace(key, std::make_pair(body, id));
    workers_.emplace_back([this, id] { RunJob(id); });
    // Waiting releases the mutex, so the job proceeds and the stand-in answers other calls.
    const auto delay = std::exchange(next_response_delay_, std::chrono::milliseconds(0));
    if (delay.count() > 0) cv_.wait_for(lock, delay, [this] { return stopping_; });
  }

  void HandleStatus(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    ++status_requests_;
    if (!Authorized(req)) return SendError(res, 401, "Unauthorized");
    const auto it = jobs_.find(req.matches[1].str());
    if (it == jobs_.end()) {
      return SendError(res, 404, "generation " + req.matches[1].str() + " not found");
    }
    SendJson(res, 200, StatusJson(it->second));
  }

  // Stands in for the provider's CDN: no key, and only finished outputs exist.
  void HandleOutput(const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu_);
    const auto it = jobs_.find(req.matches[1].str());
    if (it == jobs_.end() || it->second.status != "COMPLETED") {
      res.status = 404;
      return;
    }
    res.set_content(std::string(kOutputBytes), "video/mp4");
  }

  // Waits one step delay; false when the stand-in is shutting down.
  bool WaitStep() {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, step_delay_, [this] { return stopping_; });
  }

  bool WaitUntilReleased() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stopping_ || !hold_; });
    return !stopping_;
  }

  void RunJob(const std::string& id) {
    std::string audio_url, video_url;
    {
      std::lock_guard lock(mu_);
      const Job& job = jobs_.at(id);
      audio_url = job.audio_url;
      video_url = job.video_url;
    }
    // The fetch runs unlocked: a slow audio server must not stall the API.
    AudioCheck audio = FetchAudio(*transport_, audio_url);
    {
      std::lock_guard lock(mu_);
      Job& job = jobs_.at(id);
      job.fetched_audio = std::move(audio.bytes);
      job.audio_seconds = audio.seconds;
    }
    if (!WaitStep()) return;
    if (!audio.error.empty()) return Transition(id, "FAILED", audio.error, audio.error_code);
    if (video_url.find("reject") != std::string::npos) {
      return Transition(id, "REJECTED", "video rejected by moderation", "content_rejected");
    }
    Transition(id, "PROCESSING", "", "");
    if (!WaitStep() || !WaitUntilReleased()) return;
    if (video_url.find("fail") != std::string::npos) {
      return Transition(id, "FAILED", "generation failed", "generation_error");
    }
    Transition(id, "COMPLETED", "", "");
  }

  // Moves the job on and, if it has a webhook, delivers its new state (outside the mutex, so a
  // slow receiver cannot stall the API; one thread per job keeps its deliveries in order).
  void Transition(const std::string& id, const std::string& status, const std::string& error,
                  const std::string& error_code) {
    std::string webhook_url, body;
    {
      std::lock_guard lock(mu_);
      Job& job = jobs_.at(id);
      job.status = status;
      if (!error.empty()) {
        job.error = error;
        job.error_code = error_code;
      }
      if (status == "COMPLETED") {
        job.output_url = base_url() + "/outputs/" + id + ".mp4";
        job.output_duration = job.audio_seconds;
      }
      webhook_url = job.webhook_url;
      body = StatusJson(job).dump();
    }
    if (webhook_url.empty()) return;
    const Result<int> delivered =
        SendWebhook(webhook_url, body, Clock::Real()->NowUnixSeconds(), webhook_secret_);
    std::lock_guard lock(mu_);
    webhook_statuses_.push_back(delivered.ok() ? *delivered : -1);
  }

  const std::string api_key_;
  const std::string webhook_secret_;
  const std::unique_ptr<storage::HttpTransport> transport_;  // thread-safe
  httplib::Server server_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  int port_ = 0;  // set before any handler or worker runs

  mutable std::mutex mu_;
  std::condition_variable cv_;                        // signals stopping_, hold_ and job changes
  bool stopping_ = false;                             // GUARDED_BY(mu_)
  bool hold_ = false;                                 // GUARDED_BY(mu_)
  std::chrono::milliseconds step_delay_{200};         // GUARDED_BY(mu_)
  std::chrono::milliseconds next_response_delay_{0};  // GUARDED_BY(mu_)
  int reject_remaining_ = 0;                          // GUARDED_BY(mu_)
  int reject_status_ = 0;                             // GUARDED_BY(mu_)
  int reject_retry_after_ = 0;                        // GUARDED_BY(mu_)
  int generate_requests_ = 0;                         // GUARDED_BY(mu_)
  int status_requests_ = 0;                           // GUARDED_BY(mu_)
  std::map<std::string, Job> jobs_;                   // GUARDED_BY(mu_)
  std::vector<std::string> job_order_;                // GUARDED_BY(mu_)
  // Idempotency-Key → (create body, job id).
  std::map<std::string, std::pair<json, std::string>> idempotent_;  // GUARDED_BY(mu_)
  std::vector<std::string> idempotency_keys_seen_;                  // GUARDED_BY(mu_)
  std::vector<int> webhook_statuses_;                               // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;                                // GUARDED_BY(mu_)
};

SyncStandin::SyncStandin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SyncStandin::~SyncStandin() = default;

Result<std::unique_ptr<SyncStandin>> SyncStandin::Start(std::string api_key,
                                                        std::string webhook_secret) {
  auto impl = std::make_unique<Impl>(std::move(api_key), std::move(webhook_secret));
  SWHA_RETURN_IF_ERROR(impl->Listen());
  return std::unique_ptr<SyncStandin>(new SyncStandin(std::move(impl)));
}

std::string SyncStandin::base_url() const { return impl_->base_url(); }
int SyncStandin::port() const { return impl_->port(); }
void SyncStandin::SetStepDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu_);
  impl_->step_delay_ = delay;
}
void SyncStandin::HoldJobs(bool hold) {
  {
    std::lock_guard lock(impl_->mu_);
    impl_->hold_ = hold;
  }
  impl_->cv_.notify_all();
}
void SyncStandin::RejectNextGenerates(int count, int status, int retry_after_seconds) {
  std::lock_guard lock(impl_->mu_);
  impl_->reject_remaining_ = count;
  impl_->reject_status_ = status;
  impl_->reject_retry_after_ = retry_after_seconds;
}
void SyncStandin::DelayNextGenerateResponse(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu_);
  impl_->next_response_delay_ = delay;
}
int SyncStandin::generate_requests() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->generate_requests_;
}
int SyncStandin::jobs_created() const {
  std::lock_guard lock(impl_->mu_);
  return static_cast<int>(impl_->job_order_.size());
}
int SyncStandin::status_requests() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->status_requests_;
}
std::vector<std::string> SyncStandin::job_ids() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->job_order_;
}
std::optional<std::string> SyncStandin::fetched_audio(const std::string& job_id) const {
  std::lock_guard lock(impl_->mu_);
  const auto it = impl_->jobs_.find(job_id);
  return it == impl_->jobs_.end() ? std::nullopt : it->second.fetched_audio;
}
std::optional<nlohmann::json> SyncStandin::job(const std::string& id) const {
  std::lock_guard lock(impl_->mu_);
  const auto it = impl_->jobs_.find(id);
  if (it == impl_->jobs_.end()) return std::nullopt;
  return StatusJson(it->second);
}
std::vector<std::string> SyncStandin::idempotency_keys_seen() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->idempotency_keys_seen_;
}
std::vector<int> SyncStandin::webhook_delivery_statuses() const {
  std::lock_guard lock(impl_->mu_);
  return impl_->webhook_statuses_;
}
Result<int> SyncStandin::SendWebhook(const std::string& url, const std::string& body,
                                     int64_t timestamp, const std::string& secret) {
  return impl_->SendWebhook(url, body, timestamp, secret);
}
std::string SyncStandin::StatusBody(const std::string& id) const {
  const std::optional<nlohmann::json> status = job(id);
  return status ? status->dump() : "";
}

}  // namespace swha::testing
