// OpenAI's speech use case, without HTTP: text in, one audio stream out at 24 kHz (OpenAI's
// rate), in any AudioFormat. The text is cut at sentences and each sentence is synthesized,
// resampled and encoded while the previous one is already on its way, so a client hears the
// first sentence long before the last is ready; a receiver that goes away stops the work.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "audio/format.h"
#include "metrics/service_metrics.h"
#include "tts/synthesizer.h"
#include "util/status.h"

namespace swha::service {

// OpenAI's limit on `input`, in characters (code points).
inline constexpr size_t kMaxSpeechInputChars = 4096;
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
  std::string instructions;  // accepted and recorded; espeak-ng takes no instructions
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
};

// Receives encoded audio; false when whoever reads it is gone, which ends the synthesis.
using AudioSink = std::function<bool(std::string_view bytes)>;

// Thread-safe if the synthesizer is.
class SpeechService {
 public:
  // Borrowed pointers must outlive the service; `metrics` may be null.
  SpeechService(const tts::Synthesizer* synthesizer, const metrics::ServiceMetrics* metrics)
      : synthesizer_(synthesizer), metrics_(metrics) {}

  // Everything that can be checked before the first byte: the input's length and content, the
  // voice, the speed. A mistake is an InvalidField naming "input", "voice" or "speed".
  Result<tts::SynthesisPlan> Prepare(const SpeechRequest& request) const;

  // Renders `plan` into `sink`, segment by segment. Cancelled when the sink refuses bytes;
  // Internal for an engine or encoder fault (the sink may then have had part of the audio).
  Result<SpeechUsage> Speak(const SpeechRequest& request, const tts::SynthesisPlan& plan,
                            const AudioSink& sink) const;

 private:
  const tts::Synthesizer* synthesizer_;
  const metrics::ServiceMetrics* metrics_;
};

}  // namespace swha::service
