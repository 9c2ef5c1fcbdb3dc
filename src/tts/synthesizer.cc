#include "tts/synthesizer.h"

#include <cmath>

#include "tts/japanese_text.h"
#include "tts/segmenter.h"
#include "tts/wav.h"

namespace swha::tts {
namespace {

// What the engine reads for a piece of text in `language`.
Result<std::string> EngineText(const Language& language, std::string_view text) {
  if (language.code == 'j') return KanjiToHiragana(text);
  return std::string(text);
}

}  // namespace

Status ValidateSpeed(double speed) {
  if (!std::isfinite(speed) || speed < kMinSpeed || speed > kMaxSpeed) {
    return Status::InvalidField("speed", "must be between 0.5 and 2.0");
  }
  return Status::Ok();
}

Result<std::vector<SynthesizedSegment>> Synthesizer::Synthesize(
    const SynthesisRequest& request) const {
  auto language = FindLanguage(request.language_code);
  if (!language.ok()) return language.status().WithField("language_code");
  auto voice = FindVoice(request.voice);
  if (!voice.ok()) return voice.status().WithField("voice");
  SWHA_RETURN_IF_ERROR(ValidateSpeed(request.speed));
  auto pattern = Regex::Compile(request.split_pattern);
  if (!pattern.ok()) return pattern.status().WithField("split_pattern");

  const VoiceSelection selection{EspeakVoiceName(**language, **voice)};
  const Language& lang = **language;
  PhonemizeFn phonemize = [&](std::string_view text) -> Result<std::string> {
    auto engine_text = EngineText(lang, text);
    if (!engine_text.ok()) return engine_text.status().WithField("text");
    return engine_->Phonemize(*engine_text, selection);
  };
  // What is left without a field is the segmenter's own: the pattern failed on this text. Engine
  // faults are Internal and stay 500s.
  auto segments = SegmentText(request.text, *pattern, phonemize);
  if (!segments.ok()) return segments.status().WithField("split_pattern");
  if (segments->empty()) return Status::InvalidField("text", "contains nothing speakable");

  std::vector<SynthesizedSegment> out;
  out.reserve(segments->size());
  const SynthesisOptions options{request.speed};
  for (TextSegment& seg : *segments) {
    auto engine_text = EngineText(lang, seg.graphemes);
    if (!engine_text.ok()) return engine_text.status().WithField("text");
    PcmAudio pcm;
    SWHA_ASSIGN_OR_RETURN(pcm, engine_->Synthesize(*engine_text, selection, options));
    SynthesizedSegment s;
    s.index = static_cast<int>(out.size());
    s.graphemes = std::move(seg.graphemes);
    s.phonemes = std::move(seg.phonemes);
    s.duration_seconds = pcm.DurationSeconds();
    s.sample_rate = pcm.sample_rate;
    s.wav = EncodeWav(pcm.samples, pcm.sample_rate);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace swha::tts
