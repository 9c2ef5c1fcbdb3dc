// Text to WAV segments: validates the voice/language/speed/pattern, segments the text, runs the
// engine on each segment and encodes the audio. No storage, no HTTP.
#pragma once

#include <string>
#include <vector>

#include "tts/engine.h"
#include "tts/segmenter.h"
#include "tts/voice_catalog.h"
#include "util/status.h"

namespace swha::tts {

struct SpeedRange {
  double min;
  double max;
};
// The original API's speeds, and OpenAI's (the engine reaches both: tts/tempo.h).
constexpr SpeedRange kOriginalSpeedRange{0.5, 2.0};
constexpr SpeedRange kOpenAiSpeedRange{0.25, 4.0};
constexpr const char* kDefaultSplitPattern = "\\n+";

struct SynthesisRequest {
  std::string text;
  std::string voice = "af_heart";
  std::string language_code = "a";
  double speed = 1.0;
  std::string split_pattern = kDefaultSplitPattern;
  SpeedRange speed_range = kOriginalSpeedRange;  // which speeds this caller's API allows
  bool want_events = false;  // the caller makes speech marks (SynthesisOptions::want_events)
};

// A request checked and cut into segments, ready for Render() one segment at a time (so that a
// stream can send the first segment's audio before the last is synthesized).
struct SynthesisPlan {
  const Language* language = nullptr;
  VoiceSelection voice;
  SynthesisOptions options;
  std::vector<TextSegment> segments;  // never empty

  // Every segment's phonemes, separated by a space: the whole text's.
  std::string Phonemes() const {
    std::string out;
    for (const TextSegment& seg : segments) out += (out.empty() ? "" : " ") + seg.phonemes;
    return out;
  }
};

struct SynthesizedSegment {
  int index = 0;
  std::string graphemes;
  std::string phonemes;
  PcmAudio pcm;  // at the engine's own rate; the caller encodes it (src/audio)
  double duration_seconds = 0;
};

// Thread-safe if the engine is.
class Synthesizer {
 public:
  // `engine` must outlive the Synthesizer.
  explicit Synthesizer(Engine* engine) : engine_(engine) {}

  // Checks `request` and segments its text. A caller's mistake is an InvalidField naming the
  // field ("voice", "language_code", "speed", "text", "split_pattern"); an engine fault is
  // Internal.
  Result<SynthesisPlan> Plan(const SynthesisRequest& request) const;
  // The audio of `plan.segments[index]`. REQUIRES: index < plan.segments.size().
  Result<PcmAudio> Render(const SynthesisPlan& plan, size_t index) const;
  // Plan, then every segment rendered, up to the engine's SegmentsInParallel() at once; the
  // first failure in text order is the answer.
  Result<std::vector<SynthesizedSegment>> Synthesize(const SynthesisRequest& request) const;

 private:
  // Render of every segment of `plan`; after a failure, segments not yet started stay unrendered.
  std::vector<Result<PcmAudio>> RenderAll(const SynthesisPlan& plan) const;

  Engine* engine_;
};

// The speed rule Plan applies: InvalidField("speed") outside `range`.
Status ValidateSpeed(double speed, SpeedRange range = kOriginalSpeedRange);

}  // namespace swha::tts
