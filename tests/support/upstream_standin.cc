#include "tests/support/upstream_standin.h"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <numbers>
#include <vector>

#include "tests/support/loopback_listener.h"
#include "tts/voice_catalog.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::testing {
namespace {

using json = nlohmann::json;

constexpr int kSampleRate = UpstreamStandin::kSampleRate;
constexpr double kMinSpeed = 0.25;
constexpr double kMaxSpeed = 4.0;
constexpr std::string_view kModels[] = {"kokoro", "tts-1", "tts-1-hd"};

// Kokoro-FastAPI's error body.
void SendError(httplib::Response& res, int status, std::string_view error, std::string_view message,
               std::string_view type) {
  res.status = status;
  res.set_content(json{{"detail", {{"error", error}, {"message", message}, {"type", type}}}}.dump(),
                  "application/json");
}

void SendInvalid(httplib::Response& res, std::string_view message) {
  SendError(res, 400, "validation_error", message, "invalid_request_error");
}

std::string TonePcm(double hz, size_t characters, double speed) {
  const auto samples_for = [](double ms) { return static_cast<size_t>(ms * kSampleRate / 1000); };
  const size_t silence = samples_for(UpstreamStandin::kSilenceMs);
  const size_t tone =
      samples_for(static_cast<double>(characters) * UpstreamStandin::kToneMsPerCharacter / speed);
  std::vector<int16_t> pcm(silence * 2 + tone, 0);
  for (size_t i = 0; i < tone; ++i) {
    pcm[silence + i] = static_cast<int16_t>(
        UpstreamStandin::kAmplitude *
        std::sin(2 * std::numbers::pi * hz * static_cast<double>(i) / kSampleRate));
  }
  std::string bytes(pcm.size() * 2, '\0');
  std::memcpy(bytes.data(), pcm.data(), bytes.size());
  return bytes;
}

}  // namespace

struct UpstreamStandin::Impl {
  explicit Impl(std::string key) : api_key(std::move(key)) {}

  ~Impl() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    listener.Stop();
  }

  Status Listen() {
    server.Post("/v1/audio/speech", [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res, [this](const httplib::Request& r, httplib::Response& s) { Speech(r, s); });
    });
    server.Post("/dev/phonemize", [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res,
             [this](const httplib::Request& r, httplib::Response& s) { Phonemize(r, s); });
    });
    server.Get("/v1/audio/voices", [](const httplib::Request&, httplib::Response& res) {
      json voices = json::array();
      for (const tts::Voice& v : tts::AllVoices()) voices.push_back(v.name);
      res.set_content(json{{"voices", voices}}.dump(), "application/json");
    });
    server.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
          SendError(res, 500, "processing_error", "stand-in handler threw", "server_error");
        });
    return listener.Start(&server, "upstream stand-in");
  }

  // The shared part of both POST routes: counting, authentication, injected failures and stalls.
  template <typename Route>
  void Handle(const httplib::Request& req, httplib::Response& res, Route route) {
    const bool speech = req.path == "/v1/audio/speech";
    int fail_status = 0;
    std::chrono::milliseconds stall{0};
    {
      std::lock_guard lock(mu);
      (speech ? speech_count : phonemize_count)++;
      max_in_flight = std::max(max_in_flight, ++in_flight);
      if (speech) {
        last_authorization = req.get_header_value("Authorization");
        last_body = json::parse(req.body, nullptr, false);
        if (last_body.is_object() && last_body.contains("input") &&
            last_body["input"].is_string()) {
          inputs.push_back(last_body["input"].get<std::string>());
        }
      }
      if (fail_count > 0) {
        --fail_count;
        fail_status = fail_with;
      } else if (stall_count > 0) {
        --stall_count;
        stall = stall_for;
      }
      if (speech) stall = std::max(stall, response_delay);
    }
    if (stall.count() > 0) {
      std::unique_lock lock(mu);
      const int epoch = release_epoch;
      cv.wait_for(lock, stall, [&] { return stopping || release_epoch != epoch; });
    }
    if (!api_key.empty() &&
        !crypto::ConstantTimeEquals(req.get_header_value("Authorization"), "Bearer " + api_key)) {
      SendError(res, 401, "authentication_error", "Invalid API key", "invalid_request_error");
    } else if (fail_status != 0) {
      SendError(res, fail_status, "processing_error", "stand-in told to fail", "server_error");
    } else {
      route(req, res);
    }
    std::lock_guard lock(mu);
    --in_flight;
  }

  void Speech(const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object()) return SendInvalid(res, "body is not a JSON object");
    const std::string model = body.value("model", "");
    if (std::find(std::begin(kModels), std::end(kModels), model) == std::end(kModels)) {
      return SendInvalid(res, "Unsupported model: " + model);
    }
    const std::string input = body.value("input", "");
    if (TrimWhitespace(input).empty()) return SendInvalid(res, "Input text cannot be empty");
    {
      std::lock_guard lock(mu);
      if (!fail_needle.empty() && input.find(fail_needle) != std::string::npos) {
        return SendError(res, fail_needle_status, "processing_error",
                         "stand-in told to fail this input", "server_error");
      }
    }
    const std::string voice = body.value("voice", "");
    if (!tts::FindVoice(voice).ok()) return SendInvalid(res, "Voice '" + voice + "' not found");
    if (body.value("response_format", "mp3") != "pcm") {
      return SendInvalid(res, "this stand-in only makes pcm");
    }
    const double speed =
        body.contains("speed") && body["speed"].is_number() ? body["speed"].get<double>() : 1.0;
    if (!(speed >= kMinSpeed && speed <= kMaxSpeed)) {
      return SendInvalid(res, "speed must be between 0.25 and 4.0");
    }
    Garbage garbage{};
    bool send_garbage = false;
    {
      std::lock_guard lock(mu);
      if (garbage_count > 0) {
        --garbage_count;
        garbage = garbage_kind;
        send_garbage = true;
      }
    }
    if (send_garbage) {
      switch (garbage) {
        case Garbage::kHtmlPage:
          return res.set_content("<html><body>502 Bad Gateway</body></html>", "text/html");
        case Garbage::kOddBytes: return res.set_content("abc", "audio/pcm");
        case Garbage::kNoBytes: return res.set_content("", "audio/pcm");
      }
    }
    res.set_content(TonePcm(ToneHz(voice), Utf8Length(input), speed), "audio/pcm");
  }

  static void Phonemize(const httplib::Request& req, httplib::Response& res) {
    const json body = json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("text") || !body["text"].is_string()) {
      return SendInvalid(res, "text is required");
    }
    const std::string text = body["text"].get<std::string>();
    json tokens = json::array();
    for (unsigned char c : text) tokens.push_back(c);
    res.set_content(json{{"phonemes", "/" + text + "/"}, {"tokens", tokens}}.dump(),
                    "application/json");
  }

  const std::string api_key;
  httplib::Server server;
  LoopbackListener listener;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  int release_epoch = 0;  // ReleaseStalled's calls
  int speech_count = 0;
  int phonemize_count = 0;
  int in_flight = 0;
  int max_in_flight = 0;
  int fail_count = 0;
  int fail_with = 500;
  int stall_count = 0;
  std::string fail_needle;
  int fail_needle_status = 500;
  std::chrono::milliseconds stall_for{0};
  int garbage_count = 0;
  Garbage garbage_kind = Garbage::kHtmlPage;
  std::chrono::milliseconds response_delay{0};
  json last_body;
  std::vector<std::string> inputs;  // every speech request's "input"
  std::string last_authorization;
};

Result<std::unique_ptr<UpstreamStandin>> UpstreamStandin::Start(std::string api_key) {
  auto impl = std::make_unique<Impl>(std::move(api_key));
  SWHA_RETURN_IF_ERROR(impl->Listen());
  return std::unique_ptr<UpstreamStandin>(new UpstreamStandin(std::move(impl)));
}

UpstreamStandin::UpstreamStandin(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
UpstreamStandin::~UpstreamStandin() = default;

std::string UpstreamStandin::base_url() const { return impl_->listener.base_url(); }

double UpstreamStandin::ToneHz(std::string_view voice) {
  const auto& voices = tts::AllVoices();
  const auto it = std::find_if(voices.begin(), voices.end(),
                               [&](const tts::Voice& v) { return v.name == voice; });
  // 220, 240, ... 1280 Hz: far enough apart to tell by counting zero crossings.
  return 220.0 + 20.0 * static_cast<double>(it - voices.begin());
}

void UpstreamStandin::FailNext(int count, int status) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_count = count;
  impl_->fail_with = status;
}

void UpstreamStandin::FailInputsContaining(std::string needle, int status) {
  std::lock_guard lock(impl_->mu);
  impl_->fail_needle = std::move(needle);
  impl_->fail_needle_status = status;
}

void UpstreamStandin::StallNext(int count, std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu);
  impl_->stall_count = count;
  impl_->stall_for = delay;
}

void UpstreamStandin::GarbageNext(int count, Garbage kind) {
  std::lock_guard lock(impl_->mu);
  impl_->garbage_count = count;
  impl_->garbage_kind = kind;
}

void UpstreamStandin::SetResponseDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu);
  impl_->response_delay = delay;
}

int UpstreamStandin::speech_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->speech_count;
}

int UpstreamStandin::phonemize_requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->phonemize_count;
}

void UpstreamStandin::ReleaseStalled() {
  {
    std::lock_guard lock(impl_->mu);
    ++impl_->release_epoch;
  }
  impl_->cv.notify_all();
}

int UpstreamStandin::in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->in_flight;
}

void UpstreamStandin::ResetMaxInFlight() {
  std::lock_guard lock(impl_->mu);
  impl_->max_in_flight = impl_->in_flight;
}

int UpstreamStandin::max_in_flight() const {
  std::lock_guard lock(impl_->mu);
  return impl_->max_in_flight;
}

nlohmann::json UpstreamStandin::last_speech_request() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_body;
}

std::vector<std::string> UpstreamStandin::speech_inputs() const {
  std::lock_guard lock(impl_->mu);
  return impl_->inputs;
}

std::string UpstreamStandin::last_authorization() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_authorization;
}

}  // namespace swha::testing
