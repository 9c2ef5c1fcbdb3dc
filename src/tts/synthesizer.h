// Text to WAV segments: validates the voice/language/speed/pattern, segments the text, runs the
// engine on each segment and encodes the audio. No storage, no HTTP.
#pragma once

#include <deque>
#include <future>
#include <string>
#include <utility>
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
  std::string instructions;  // SynthesisOptions::instructions
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

  // Segment `index` of a plan, `text`, rendered as `pcm`.
  static SynthesizedSegment Of(size_t index, TextSegment text, PcmAudio pcm) {
    SynthesizedSegment out{static_cast<int>(index), std::move(text.graphemes),
                           std::move(text.phonemes), std::move(pcm), 0};
    out.duration_seconds = out.pcm.DurationSeconds();
    return out;
  }
};

class Synthesizer;

// A plan's synthesis, begun by Synthesizer::Start while its caller does other work (makes the
// place its audio will be stored). Destruction waits for whatever the engine is still doing, so
// no synthesis outlives its request (and the permit it holds). REQUIRES: the Synthesizer (and
// its engine) outlive it. One thread uses it.
class PendingSynthesis {
 public:
  PendingSynthesis(PendingSynthesis&&) = default;
  PendingSynthesis& operator=(PendingSynthesis&&) = delete;
  ~PendingSynthesis();

  // Whether the engine is at work on it now, on a thread of its own: only then does what the
  // caller does before Wait overlap the synthesis. False for a longer plan, and for an engine
  // that synthesizes on the caller's thread (an upstream server's), which starts in Wait.
  bool UnderWay() const;
  // What Synthesizer::Synthesize(plan) answers. Call once.
  Result<std::vector<SynthesizedSegment>> Wait();

 private:
  friend class Synthesizer;
  PendingSynthesis(const Synthesizer* synthesizer, SynthesisPlan plan);

  const Synthesizer* synthesizer_;
  SynthesisPlan plan_;
  // A lone segment's render, under way on the engine; invalid for a longer plan, which Wait
  // renders as Synthesize does.
  std::future<Result<PcmAudio>> lone_segment_;
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
  // Synthesize of a request already planned.
  Result<std::vector<SynthesizedSegment>> Synthesize(SynthesisPlan plan) const;
  // Synthesize(plan), begun on the engine now when the plan is a lone segment, so that the
  // caller's next steps overlap it; a longer plan is rendered by Wait, segments in parallel.
  PendingSynthesis Start(SynthesisPlan plan) const;

 private:
  friend class PendingSynthesis;
  friend class SegmentRenderer;
  // Render of every segment of `plan`; after a failure, segments not yet started stay unrendered.
  std::vector<Result<PcmAudio>> RenderAll(const SynthesisPlan& plan) const;
  // How many segments of one text to render at once (the engine's say, at least 1; 0 for none).
  size_t Parallelism(size_t segments) const;
  // Render, with an exception turned into Internal: what runs on a thread of ours.
  Result<PcmAudio> RenderNoThrow(const SynthesisPlan& plan, size_t index) const;

  Engine* engine_;
};

// Renders the segments of a plan in text order for a consumer that takes them one at a time (a
// stream), keeping up to the engine's SegmentsInParallel() renders going ahead of it: an
// upstream's latency then overlaps with encoding and sending. With an engine that computes
// locally (1), each segment is rendered when asked for, on the caller's thread. Destruction
// waits for the renders in flight (for an upstream, up to its timeout and retries each: a
// consumer that leaves early still pays for what was asked ahead); none start after a consumer
// stops asking.
class SegmentRenderer {
 public:
  // Borrowed; both must outlive the renderer. Starts at segment `first`.
  SegmentRenderer(const Synthesizer* synthesizer, const SynthesisPlan* plan, size_t first);
  ~SegmentRenderer();
  SegmentRenderer(const SegmentRenderer&) = delete;
  SegmentRenderer& operator=(const SegmentRenderer&) = delete;

  // The audio of the next segment. REQUIRES: a segment is left.
  Result<PcmAudio> Next();

 private:
  const Synthesizer* synthesizer_;
  const SynthesisPlan* plan_;
  const size_t parallel_;
  size_t next_to_start_;
  std::deque<std::future<Result<PcmAudio>>> ahead_;
};

// The speed rule Plan applies: InvalidField("speed") outside `range`.
Status ValidateSpeed(double speed, SpeedRange range = kOriginalSpeedRange);

}  // namespace swha::tts
