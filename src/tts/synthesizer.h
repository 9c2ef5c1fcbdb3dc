// Text to WAV segments: validates the voice/language/speed/pattern, segments the text, runs the
// engine on each segment and encodes the audio. No storage, no HTTP.
#pragma once

#include <string>
#include <vector>

#include "tts/engine.h"
#include "tts/voice_catalog.h"
#include "util/status.h"

namespace swha::tts {

constexpr double kMinSpeed = 0.5;
constexpr double kMaxSpeed = 2.0;
constexpr const char* kDefaultSplitPattern = "\\n+";

struct SynthesisRequest {
  std::string text;
  std::string voice = "af_heart";
  std::string language_code = "a";
  double speed = 1.0;
  std::string split_pattern = kDefaultSplitPattern;
};

struct SynthesizedSegment {
  int index = 0;
  std::string graphemes;
  std::string phonemes;
  std::string wav;  // complete RIFF/WAVE file
  double duration_seconds = 0;
  int sample_rate = 0;
};

// Thread-safe if the engine is.
class Synthesizer {
 public:
  // `engine` must outlive the Synthesizer.
  explicit Synthesizer(Engine* engine) : engine_(engine) {}

  // A caller's mistake is an InvalidField naming the field ("voice", "text", "split_pattern");
  // an engine fault is Internal.
  Result<std::vector<SynthesizedSegment>> Synthesize(const SynthesisRequest& request) const;

 private:
  Engine* engine_;
};

// The speed rule Synthesize applies: InvalidField("speed") outside kMinSpeed..kMaxSpeed.
Status ValidateSpeed(double speed);

}  // namespace swha::tts
