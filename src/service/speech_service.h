// OpenAI's speech use case, without HTTP: text in, one audio stream out at 24 kHz (OpenAI's
// rate), in any AudioFormat. The text is cut at sentences and each sentence is synthesized,
// resampled and encoded while the previous one is already on its way, so a client hears the
// first sentence long before the last is ready; a receiver that goes away stops the work.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "audio/format.h"
#include "metrics/service_metrics.h"
#include "service/session.h"
#include "service/synthesis_permits.h"
#include "tts/synthesizer.h"
#include "util/status.h"

namespace swha::service {

// OpenAI's limit on `input`, in characters (code points).
inline constexpr size_t kMaxSpeechInputChars = 4096;
// Ours on `instructions` (sent with every segment to a model that reads them), in characters.
inline constexpr size_t kMaxInstructionsChars = 4096;
// OpenAI's output rate: its PCM is 24 kHz 16-bit mono, and so is every format we send.
inline constexpr int kSpeechSampleRate = 24000;
// Where a speech text is cut: after a sentence's end mark and its spacing, and at line breaks.
inline constexpr const char* kSentenceSplitPattern = "(?<=[.!?\u2026\u3002\uFF01\uFF1F])\\s+|\\n+";

struct SpeechRequest {
  std::string model;  // accepted and recorded; every model is the one engine
  std::string input;
  std::string voice;  // a Kokoro name, or an OpenAI name (tts::OpenAiVoiceAliases)
  audio::AudioFormat format = audio::AudioFormat::kMp3;
  double speed = 1.0;
  // Logged (their length), and passed to an upstream model that reads them (tts/engine.h).
  std::string instructions;
  // true: headers that need the end (WAV sizes, FLAC's STREAMINFO, MP3's gapless tag) are
  // filled in and everything is handed over at once; false: bytes as they are encoded.
  // (Kokoro-FastAPI's "stream": false.)
  bool whole_file = false;
};

struct SpeechUsage {
  int64_t input_characters = 0;
  int64_t output_samples = 0;  // at kSpeechSampleRate
  int segments = 0;
  double AudioSeconds() const { return static_cast<double>(output_samples) / kSpeechSampleRate; }
  // OpenAI reports usage in tokens, which we do not have: the input's characters, and the
  // audio in 20 ms frames.
  int64_t InputTokens() const { return input_characters; }
  int64_t OutputTokens() const;
};

struct SpeechLimits {
  size_t max_input_chars = kMaxSpeechInputChars;  // the smaller of OpenAI's and MAX_TEXT_LENGTH
  // Streams at once; one more is refused before it starts, so that streams (which hold an HTTP
  // worker while they last) can never take every worker. Half of HTTP_THREADS.
  int max_concurrent_streams = 8;
};

// Receives encoded audio; false when whoever reads it is gone, which ends the synthesis.
using AudioSink = std::function<bool(std::string_view bytes)>;

// Thread-safe if the synthesizer is.
class SpeechService {
 public:
  // Borrowed pointers must outlive the service; `metrics` and `permits` (no per-caller limit)
  // may be null.
  SpeechService(SpeechLimits limits, const tts::Synthesizer* synthesizer,
                const metrics::ServiceMetrics* metrics, SynthesisPermits* permits = nullptr)
      : limits_(limits), synthesizer_(synthesizer), metrics_(metrics), permits_(permits) {}

  // The models a request may name: OpenAI's and "kokoro", each also with a "-YYYY-MM-DD"
  // snapshot suffix as OpenAI dates them. All are served by the one configured engine.
  static const std::vector<std::string_view>& Models();
  static bool IsKnownModel(std::string_view model);

  // A place for one more synthesis, held until the last copy of the handle is gone: one of
  // SpeechLimits::max_concurrent_streams, and one of the caller's MAX_SYNTHESES_PER_USER.
  class StreamSlot {
   public:
    StreamSlot(std::atomic<int>* streams, std::shared_ptr<SynthesisPermits::Permit> permit)
        : streams_(streams), permit_(std::move(permit)) {}
    ~StreamSlot() { streams_->fetch_sub(1); }
    StreamSlot(const StreamSlot&) = delete;
    StreamSlot& operator=(const StreamSlot&) = delete;

   private:
    std::atomic<int>* streams_;
    std::shared_ptr<SynthesisPermits::Permit> permit_;
  };
  // Unavailable when max_concurrent_streams are running (the server is busy: 503);
  // RateLimited when the caller runs as many syntheses as it may (429).
  Result<std::shared_ptr<StreamSlot>> StartSpeech(const Principal& principal) const;

  // Everything that can be checked before the first byte: the input's length and content (no
  // NUL, which would end espeak-ng's text), the voice, the speed. A mistake is an InvalidField
  // naming "input", "voice" or "speed".
  Result<tts::SynthesisPlan> Prepare(const SpeechRequest& request) const;

  // The audio of the plan's first segment. A stream renders it before its status line, so that
  // an engine that fails at once (an upstream that is down) is still an error status rather
  // than a stream cut short.
  Result<tts::PcmAudio> RenderFirst(const tts::SynthesisPlan& plan) const;

  // Renders `plan` into `sink`, segment by segment, starting from `first` when given (what
  // RenderFirst returned). Cancelled when the sink refuses bytes; Internal for an engine or
  // encoder fault (the sink may then have had part of the audio).
  Result<SpeechUsage> Speak(const SpeechRequest& request, const tts::SynthesisPlan& plan,
                            const AudioSink& sink, tts::PcmAudio* first = nullptr) const;

 private:
  const SpeechLimits limits_;
  const tts::Synthesizer* synthesizer_;
  const metrics::ServiceMetrics* metrics_;
  SynthesisPermits* permits_;
  mutable std::atomic<int> streams_{0};
};

}  // namespace swha::service
