#include "tts/upstream_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>

#include "tts/voice_catalog.h"
#include "util/strings.h"

namespace swha::tts {
namespace {

using json = nlohmann::json;

constexpr std::string_view kSpeechPath = "/v1/audio/speech";
constexpr std::string_view kPhonemizePath = "/dev/phonemize";
// How much of an upstream's error text a message quotes.
constexpr size_t kMaxQuotedErrorBytes = 200;
// The OpenAI voices every OpenAI speech model speaks (tts-1 has neither ballad, verse, marin
// nor cedar), so a voice sent to OpenAI works whatever TTS_UPSTREAM_MODEL is.
constexpr std::string_view kVoicesOfEveryOpenAiModel[] = {
    "alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer"};
// A sample this loud or louder is speech, not silence (about -36 dBFS).
constexpr int kAudibleThreshold = 500;

// Up to `capacity` requests in flight at once, handed out in the order they were asked for:
// the segments one request renders ahead cannot overtake a segment another request has waited
// for longer. (A mutex and a queue, not std::counting_semaphore, which neither orders its
// waiters nor, in some libstdc++ releases, wakes a timed waiter reliably.)
class FifoSlots {
 public:
  explicit FifoSlots(int capacity) : free_(capacity) {}

  // True once a slot is held; false when none came within `wait`.
  bool Acquire(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t ticket = next_ticket_++;
    queue_.push_back(ticket);
    const bool got =
        changed_.wait_for(lock, wait, [&] { return free_ > 0 && queue_.front() == ticket; });
    queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
    if (got) --free_;
    changed_.notify_all();  // the next in line may be at the front now
    return got;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++free_;
    changed_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  int free_;                    // GUARDED_BY(mu_)
  uint64_t next_ticket_ = 0;    // GUARDED_BY(mu_)
  std::deque<uint64_t> queue_;  // GUARDED_BY(mu_): waiting tickets, oldest first
};

// A slot among the upstream's max_concurrency, held for one request when held().
class SlotGuard {
 public:
  // Waits at most `wait` for a slot: a queue behind a stalled upstream must not grow forever.
  SlotGuard(FifoSlots* slots, std::chrono::milliseconds wait)
      : slots_(slots), held_(slots->Acquire(wait)) {}
  ~SlotGuard() {
    if (held_) slots_->Release();
  }
  SlotGuard(const SlotGuard&) = delete;
  SlotGuard& operator=(const SlotGuard&) = delete;
  bool held() const { return held_; }

 private:
  FifoSlots* slots_;
  const bool held_;
};

// Printable ASCII of `text`, cut short: an upstream's words, safe in a message and a log line.
std::string Quote(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedErrorBytes)) {
    out += (c >= 0x20 && c < 0x7f) ? c : ' ';
  }
  if (text.size() > kMaxQuotedErrorBytes) out += "...";
  return std::string(TrimWhitespace(out));
}

// What an error answer says, in the shapes compatible servers use: OpenAI's
// {"error": {"message"}}, Kokoro-FastAPI's {"detail": {"message"}} or FastAPI's
// {"detail": "..."}; else the start of the body.
std::string ErrorText(const std::string& body) {
  const json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    for (const char* outer : {"error", "detail"}) {
      auto it = parsed.find(outer);
      if (it == parsed.end()) continue;
      if (it->is_string()) return Quote(it->get<std::string>());
      if (it->is_object() && it->contains("message") && (*it)["message"].is_string()) {
        return Quote((*it)["message"].get<std::string>());
      }
    }
  }
  return Quote(body);
}

bool ReadsInstructions(std::string_view model) { return model.starts_with("gpt-4o"); }

// The types servers give raw PCM (OpenAI's "pcm"), and none: anything else (audio/mpeg from a
// server that ignored response_format, an HTML error page) is not samples.
bool IsPcmContentType(std::string_view content_type) {
  const std::string type(TrimWhitespace(ToLower(content_type.substr(0, content_type.find(';')))));
  return type.empty() || type == "audio/pcm" || type == "audio/x-pcm" || type == "audio/l16" ||
         type == "audio/raw" || type == "application/octet-stream";
}

// The container an encoded file starts with ("RIFF", "ID3", "OggS", "fLaC"), or "".
std::string_view EncodedAudioMagic(std::string_view body) {
  for (std::string_view magic : {"RIFF", "ID3", "OggS", "fLaC"}) {
    if (body.starts_with(magic)) return magic;
  }
  return "";
}

// [first, last) audible samples of `audio`; the whole of it when nothing is audible.
std::pair<int64_t, int64_t> SpeechSpan(const PcmAudio& audio) {
  const auto audible = [](int16_t s) { return std::abs(static_cast<int>(s)) >= kAudibleThreshold; };
  const auto first = std::find_if(audio.samples.begin(), audio.samples.end(), audible);
  if (first == audio.samples.end()) return {0, static_cast<int64_t>(audio.samples.size())};
  const auto last = std::find_if(audio.samples.rbegin(), audio.samples.rend(), audible);
  return {first - audio.samples.begin(), audio.samples.rend() - last};
}

class UpstreamEngine : public Engine {
 public:
  UpstreamEngine(UpstreamConfig config, std::unique_ptr<Engine> local,
                 std::shared_ptr<storage::HttpTransport> transport, const RetryPolicy& retry)
      : config_(std::move(config)),
        local_(std::move(local)),
        transport_(std::move(transport)),
        retry_(retry.WithDefaults()),
        slots_(config_.max_concurrency),
        name_("upstream TTS server " + storage::RedactUrl(config_.base_url)) {}

  Result<std::string> Phonemize(std::string_view text, const VoiceSelection& voice) override {
    if (!config_.phonemize_upstream) return local_->Phonemize(text, voice);
    const json body = {{"text", text}, {"language", std::string(1, voice.language_code)}};
    storage::HttpResponse answer;
    SWHA_ASSIGN_OR_RETURN(answer, Call(kPhonemizePath, body));
    const json parsed = json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_object() || !parsed.contains("phonemes") || !parsed["phonemes"].is_string()) {
      return Status::BadGateway(name_ + " answered " + std::string(kPhonemizePath) +
                                " without a \"phonemes\" string: " + Quote(Redact(answer.body)));
    }
    return parsed["phonemes"].get<std::string>();
  }

  // As many as may be in flight: the upstream, not this machine, does the work.
  int SegmentsInParallel() const override { return config_.max_concurrency; }

  Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection& voice,
                              const SynthesisOptions& options) override {
    json body = {{"model", config_.model},
                 {"input", text},
                 {"voice", UpstreamVoiceName(voice, config_.voice_names)},
                 {"response_format", "pcm"},
                 {"speed", options.speed}};
    // Kokoro-FastAPI reads the language from the voice's first letter unless told; we tell it,
    // since any voice may speak any language. OpenAI refuses fields it does not know.
    if (config_.voice_names == UpstreamVoiceNames::kKokoro) {
      body["lang_code"] = std::string(1, voice.language_code);
      // Kokoro-FastAPI streams by default, and a failure halfway would reach us as a 200 cut
      // short: asked whole, it answers an error status instead.
      body["stream"] = false;
    }
    // OpenAI's gpt-4o-mini-tts reads instructions; tts-1 and tts-1-hd refuse them.
    if (!options.instructions.empty() && ReadsInstructions(config_.model)) {
      body["instructions"] = options.instructions;
    }
    storage::HttpResponse answer;
    SWHA_ASSIGN_OR_RETURN(answer, Call(kSpeechPath, body));
    PcmAudio audio;
    SWHA_ASSIGN_OR_RETURN(audio, DecodePcm(answer));
    if (options.want_events) {
      PcmAudio timed;
      SWHA_ASSIGN_OR_RETURN(timed, local_->Synthesize(text, voice, options));
      audio.events = AlignEvents(timed, audio);
    }
    return audio;
  }

 private:
  // The answer must be raw 16-bit PCM: an HTML error page or JSON with a 200 is not audio.
  Result<PcmAudio> DecodePcm(const storage::HttpResponse& answer) const {
    const std::string content_type = answer.Header("content-type");
    if (!IsPcmContentType(content_type)) {
      return Status::BadGateway(name_ + " answered Content-Type \"" + Quote(content_type) +
                                "\" instead of audio: " + Quote(Redact(answer.body)));
    }
    if (std::string_view magic = EncodedAudioMagic(answer.body); !magic.empty()) {
      return Status::BadGateway(name_ + " answered encoded audio (" + std::string(magic) +
                                ") instead of 16-bit PCM");
    }
    if (answer.body.empty() || answer.body.size() % 2 != 0 ||
        answer.body.size() > kMaxUpstreamAudioBytes) {
      return Status::BadGateway(name_ + " answered " + std::to_string(answer.body.size()) +
                                " bytes, which is not 16-bit PCM audio of a segment");
    }
    PcmAudio audio;
    audio.sample_rate = kUpstreamSampleRate;
    audio.samples.resize(answer.body.size() / 2);
    // Little-endian on the wire; this build targets little-endian machines only (Debian amd64
    // and arm64), as the WAV writer does.
    std::memcpy(audio.samples.data(), answer.body.data(), answer.body.size());
    return audio;
  }

  // POSTs `body` to `path`, retrying what may pass; a 2xx answer or one BadGateway.
  Result<storage::HttpResponse> Call(std::string_view path, const json& body) {
    storage::HttpRequest request;
    request.method = "POST";
    request.url = config_.base_url + std::string(path);
    request.headers = {{"Content-Type", "application/json"}, {"Accept", "*/*"}};
    if (!config_.api_key.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + config_.api_key);
    }
    request.body = body.dump();
    for (int attempt = 1;; ++attempt) {
      Result<storage::HttpResponse> sent = Status::Internal("not sent");  // set below
      {
        SlotGuard slot(&slots_, std::chrono::milliseconds(config_.timeout_ms));
        if (!slot.held()) {
          // Our own requests fill every slot: the upstream is slow, and this one would only
          // add to its queue. A 503: later may be better.
          Status busy = Status::Unavailable(
              name_ + " is busy: all " + std::to_string(config_.max_concurrency) +
              " requests allowed at once (TTS_UPSTREAM_MAX_CONCURRENCY) stayed in flight for " +
              std::to_string(config_.timeout_ms) + " ms");
          spdlog::warn("{}", busy.message());
          return busy;
        }
        sent = transport_->Send(request);
      }
      Status failure;
      bool retryable = false;
      double wait_seconds = retry_.BackoffSeconds(attempt);
      if (!sent.ok()) {
        failure = Status::BadGateway(name_ +
                                     (sent.status().code() == StatusCode::kTooLarge
                                          ? " answered too much: "
                                          : " could not be reached: ") +
                                     sent.status().message());
        retryable = sent.status().code() == StatusCode::kUnavailable;
      } else if (sent->status >= 200 && sent->status < 300) {
        return sent;
      } else {
        // A refused key is said so; its answer is not quoted (OpenAI's repeats part of the key).
        const bool refused_key = sent->status == 401 || sent->status == 403;
        failure = Status::BadGateway(
            name_ + " answered " + std::string(path) + " with HTTP " +
            std::to_string(sent->status) + ": " +
            (refused_key ? "it refused TTS_UPSTREAM_API_KEY" : ErrorText(Redact(sent->body))));
        retryable = storage::IsRetryableHttpStatus(sent->status);
        // A server that says when to come back is waited for that long, unless that is longer
        // than any back-off of ours: then its failure is the answer, not a hung request.
        const int retry_after = sent->RetryAfterSeconds();
        if (retry_after > retry_.max_delay_seconds) retryable = false;
        wait_seconds = std::max(wait_seconds, static_cast<double>(retry_after));
      }
      if (!retryable || attempt >= retry_.max_attempts) {
        if (attempt > 1) {
          failure = Status::BadGateway(failure.message() + " (after " + std::to_string(attempt) +
                                       " attempts)");
        }
        // The 502's message goes to the client; the operator's log gets it too.
        spdlog::warn("{}", failure.message());
        return failure;
      }
      spdlog::warn("{} (attempt {} of {}), retrying", failure.message(), attempt,
                   retry_.max_attempts);
      retry_.sleep(wait_seconds);
    }
  }

  // `text` with the API key cut out: an upstream's words may repeat what it was sent.
  std::string Redact(std::string text) const {
    // (Before any cut to length, which could leave a part of the key behind.)
    if (config_.api_key.empty()) return text;
    for (size_t at = text.find(config_.api_key); at != std::string::npos;
         at = text.find(config_.api_key, at)) {
      text.replace(at, config_.api_key.size(), "<redacted>");
    }
    return text;
  }

  const UpstreamConfig config_;
  const std::unique_ptr<Engine> local_;
  const std::shared_ptr<storage::HttpTransport> transport_;
  const RetryPolicy retry_;
  FifoSlots slots_;
  const std::string name_;  // "upstream TTS server http://host:port", for messages
};

}  // namespace

std::string UpstreamVoiceName(const VoiceSelection& voice, UpstreamVoiceNames names) {
  if (names == UpstreamVoiceNames::kKokoro) return voice.kokoro_voice;
  for (const VoiceAlias& alias : OpenAiVoiceAliases()) {
    if (alias.kokoro_name == voice.kokoro_voice &&
        std::ranges::find(kVoicesOfEveryOpenAiModel, alias.openai_name) !=
            std::end(kVoicesOfEveryOpenAiModel)) {
      return std::string(alias.openai_name);
    }
  }
  auto found = FindVoice(voice.kokoro_voice);
  const bool male = found.ok() && (*found)->gender == Gender::kMale;
  return male ? "onyx" : "nova";
}

std::vector<SynthesisEvent> AlignEvents(const PcmAudio& timed, const PcmAudio& target) {
  const auto [from_start, from_end] = SpeechSpan(timed);
  const auto [to_start, to_end] = SpeechSpan(target);
  const double scale = from_end > from_start ? static_cast<double>(to_end - to_start) /
                                                   static_cast<double>(from_end - from_start)
                                             : 0.0;
  const auto size = static_cast<int64_t>(target.samples.size());
  std::vector<SynthesisEvent> out = timed.events;
  for (SynthesisEvent& e : out) {
    const double moved =
        static_cast<double>(to_start) + static_cast<double>(e.sample - from_start) * scale;
    e.sample = std::clamp<int64_t>(std::llround(moved), 0, size);
  }
  return out;
}

Status UpstreamConfig::Validate() const {
  if (!base_url.starts_with("http://") && !base_url.starts_with("https://")) {
    return Status::InvalidArgument("TTS_UPSTREAM_URL must be an http:// or https:// URL");
  }
  if (base_url.ends_with('/')) {
    return Status::InvalidArgument("TTS_UPSTREAM_URL must not end with '/'");
  }
  if (model.empty()) return Status::InvalidArgument("TTS_UPSTREAM_MODEL must not be empty");
  if (max_concurrency < 1 || max_concurrency > kMaxUpstreamConcurrency) {
    return Status::InvalidArgument("TTS_UPSTREAM_MAX_CONCURRENCY must be from 1 to " +
                                   std::to_string(kMaxUpstreamConcurrency));
  }
  if (timeout_ms < 1 || connect_timeout_ms < 1) {
    return Status::InvalidArgument("upstream timeouts must be positive");
  }
  return Status::Ok();
}

std::string UpstreamConfig::ToString() const {
  return "url=" + storage::RedactUrl(base_url) + " model=" + model +
         " max_concurrency=" + std::to_string(max_concurrency) +
         " timeout_ms=" + std::to_string(timeout_ms) +
         " phonemize=" + (phonemize_upstream ? "upstream" : "local") +
         " voice_names=" + (voice_names == UpstreamVoiceNames::kKokoro ? "kokoro" : "openai") +
         " api_key=" + (api_key.empty() ? "<unset>" : "<redacted>");
}

Result<std::unique_ptr<Engine>> CreateUpstreamEngine(
    const UpstreamConfig& config, std::unique_ptr<Engine> local,
    std::shared_ptr<storage::HttpTransport> transport, const RetryPolicy& retry) {
  SWHA_RETURN_IF_ERROR(config.Validate());
  if (local == nullptr || transport == nullptr) {
    return Status::Internal("the upstream engine needs a local engine and a transport");
  }
  return std::unique_ptr<Engine>(
      new UpstreamEngine(config, std::move(local), std::move(transport), retry));
}

}  // namespace swha::tts
