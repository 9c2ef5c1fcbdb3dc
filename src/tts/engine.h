// The speech engine interface: text in a language's script in, IPA phonemes or PCM out.
// The text front end (segmentation, kanji-to-kana) sits above it in Synthesizer.
#pragma once

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha::tts {

struct VoiceSelection {
  std::string espeak_voice;  // e.g. "en-us+f3"
  std::string kokoro_voice;  // the voice's Kokoro name, e.g. "af_heart" (upstream engines)
  char language_code = 'a';  // Kokoro's language code of the text
};

struct SynthesisOptions {
  double speed = 1.0;  // 0.25 .. 4.0, validated by the caller
  // Whether the caller will use PcmAudio::events. An engine that gets its events at a cost
  // (the upstream engine synthesizes locally for them) leaves them out when false.
  bool want_events = false;
  // How to speak (OpenAI's `instructions`: "calm and clear"); only an upstream model that
  // reads them gets them (upstream_engine.h), espeak-ng takes none.
  std::string instructions;
};

// Something the engine reports at a point of its audio: where a sentence or word of the text
// starts, or a phoneme. What speech marks (tts/marks.h) are made from.
struct SynthesisEvent {
  enum class Kind { kSentence, kWord, kPhoneme };
  Kind kind = Kind::kWord;
  int64_t sample = 0;        // where in the audio it starts
  size_t text_position = 0;  // kSentence, kWord: code points from the text's start
  size_t text_length = 0;    // kWord: its length in code points
  std::string phoneme;       // kPhoneme: its IPA name; "" for a pause
};

struct PcmAudio {
  int sample_rate = 0;
  std::vector<int16_t> samples;  // mono
  // In the order of `sample`; empty from an engine that reports none.
  std::vector<SynthesisEvent> events;
  double DurationSeconds() const {
    return sample_rate > 0 ? static_cast<double>(samples.size()) / sample_rate : 0.0;
  }
};

// Implementations are thread-safe: any number of threads may call concurrently.
class Engine {
 public:
  virtual ~Engine() = default;
  // IPA phonemes for `text`, clauses separated by a space. Empty if nothing is speakable.
  virtual Result<std::string> Phonemize(std::string_view text, const VoiceSelection& voice) = 0;
  virtual Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection& voice,
                                      const SynthesisOptions& options) = 0;
  // Synthesize, begun now and answered through the future, for a caller with other work to do
  // meanwhile. Here it runs when the future is asked (deferred); an engine with threads of its
  // own (espeak-ng's pool) starts it on one of them at once. The future must not outlive the
  // engine.
  virtual std::future<Result<PcmAudio>> StartSynthesis(std::string text, VoiceSelection voice,
                                                       SynthesisOptions options);
  // How many segments of one text are worth synthesizing at once: 1 for an engine that works
  // on this machine's cores (the other requests share them), more for one that mostly waits
  // on a remote server.
  virtual int SegmentsInParallel() const { return 1; }
};

// The engines there are; chosen explicitly, never guessed from which settings are present.
enum class EngineType {
  kEspeakNg,        // libespeak-ng in this process; needs nothing else
  kOpenAiUpstream,  // an OpenAI-compatible server (Kokoro-FastAPI, OpenAI, ...): upstream_engine.h
};
std::string_view EngineTypeName(EngineType type);  // "espeak-ng", "openai"

// How an upstream server names voices: Kokoro's 54 names as they are (Kokoro-FastAPI), or
// OpenAI's 11 (OpenAI itself; each Kokoro voice sent as the OpenAI name of like gender).
enum class UpstreamVoiceNames { kKokoro, kOpenAi };

struct UpstreamConfig {
  std::string base_url;          // TTS_UPSTREAM_URL, without /v1 and without a trailing '/'
  std::string api_key;           // TTS_UPSTREAM_API_KEY (secret); sent as a Bearer token when set
  std::string model = "kokoro";  // TTS_UPSTREAM_MODEL
  int max_concurrency = 4;       // TTS_UPSTREAM_MAX_CONCURRENCY: requests in flight at once
  int connect_timeout_ms = 3000;
  int timeout_ms = 60000;           // TTS_UPSTREAM_TIMEOUT_MS, one whole attempt
  bool phonemize_upstream = false;  // TTS_UPSTREAM_PHONEMIZE=upstream: its /dev/phonemize
  UpstreamVoiceNames voice_names = UpstreamVoiceNames::kKokoro;  // TTS_UPSTREAM_VOICE_NAMES

  Status Validate() const;
  std::string ToString() const;  // without the key
};

struct EngineConfig {
  EngineType type = EngineType::kEspeakNg;
  // Parallel synthesis threads (for espeak-ng, each with a private copy of the library);
  // 0 = one per core. The upstream engine's local espeak-ng (phonemes, timing) uses them too.
  int threads = 0;
  UpstreamConfig upstream;  // kOpenAiUpstream only
};

// The one factory: creates the engine `config.type` names. Fails if it cannot be loaded.
Result<std::unique_ptr<Engine>> CreateEngine(const EngineConfig& config);

// One per engine, called by CreateEngine (espeak_engine.cc). Fails if libespeak-ng or its data
// cannot be loaded.
Result<std::unique_ptr<Engine>> CreateEspeakEngine(const EngineConfig& config);

}  // namespace swha::tts
