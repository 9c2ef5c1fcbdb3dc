#include "tts/synthesizer.h"

#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <future>
#include <system_error>
#include <thread>

#include "tts/japanese_text.h"
#include "tts/segmenter.h"

namespace swha::tts {
namespace {

// What the engine reads for a piece of text in `language`.
Result<std::string> EngineText(const Language& language, std::string_view text) {
  if (language.code == 'j') return KanjiToHiragana(text);
  return std::string(text);
}

// What the engine reads for segment `index` of `plan`; a text it cannot have is the caller's.
Result<std::string> SegmentEngineText(const SynthesisPlan& plan, size_t index) {
  Result<std::string> text = EngineText(*plan.language, plan.segments[index].graphemes);
  if (!text.ok()) return text.status().WithField("text");
  return text;
}

// A render that threw: the server's fault, whatever the text was.
Status RenderFailure(const std::exception& e) {
  return Status::Internal(std::string("rendering segment failed: ") + e.what());
}

// The plan's segments with their audio, or the first failure in text order.
Result<std::vector<SynthesizedSegment>> SegmentsOf(SynthesisPlan plan,
                                                   std::vector<Result<PcmAudio>> rendered) {
  std::vector<SynthesizedSegment> out;
  out.reserve(plan.segments.size());
  for (size_t i = 0; i < plan.segments.size(); ++i) {
    PcmAudio pcm;
    SWHA_ASSIGN_OR_RETURN(pcm, std::move(rendered[i]));
    out.push_back(SynthesizedSegment::Of(i, std::move(plan.segments[i]), std::move(pcm)));
  }
  return out;
}

}  // namespace

Status ValidateSpeed(double speed, SpeedRange range) {
  if (!std::isfinite(speed) || speed < range.min || speed > range.max) {
    // "0.5 and 2.0", "0.25 and 4.0": as the API's documentation writes them.
    const auto number = [](double v) {
      return std::round(v * 10) == v * 10 ? fmt::format("{:.1f}", v) : fmt::format("{:.2f}", v);
    };
    return Status::InvalidField(
        "speed", "must be between " + number(range.min) + " and " + number(range.max));
  }
  return Status::Ok();
}

Result<SynthesisPlan> Synthesizer::Plan(const SynthesisRequest& request) const {
  auto language = FindLanguage(request.language_code);
  if (!language.ok()) return language.status().WithField("language_code");
  auto voice = FindVoice(request.voice);
  if (!voice.ok()) return voice.status().WithField("voice");
  SWHA_RETURN_IF_ERROR(ValidateSpeed(request.speed, request.speed_range));
  auto pattern = Regex::Compile(request.split_pattern);
  if (!pattern.ok()) return pattern.status().WithField("split_pattern");

  SynthesisPlan plan;
  plan.language = *language;
  plan.voice = VoiceSelection{.espeak_voice = EspeakVoiceName(**language, **voice),
                              .kokoro_voice = std::string((*voice)->name),
                              .language_code = (*language)->code};
  plan.options = SynthesisOptions{.speed = request.speed,
                                  .want_events = request.want_events,
                                  .instructions = request.instructions};
  const Language& lang = **language;
  PhonemizeFn phonemize = [&](std::string_view text) -> Result<std::string> {
    auto engine_text = EngineText(lang, text);
    if (!engine_text.ok()) return engine_text.status().WithField("text");
    return engine_->Phonemize(*engine_text, plan.voice);
  };
  // What is left without a field is the segmenter's own: the pattern failed on this text. Engine
  // faults are Internal and stay 500s.
  auto segments = SegmentText(request.text, *pattern, phonemize);
  if (!segments.ok()) return segments.status().WithField("split_pattern");
  if (segments->empty()) return Status::InvalidField("text", "contains nothing speakable");
  plan.segments = std::move(*segments);
  return plan;
}

Result<PcmAudio> Synthesizer::Render(const SynthesisPlan& plan, size_t index) const {
  SWHA_ASSIGN_OR_RETURN(std::string engine_text, SegmentEngineText(plan, index));
  return engine_->Synthesize(engine_text, plan.voice, plan.options);
}

Result<PcmAudio> Synthesizer::RenderNoThrow(const SynthesisPlan& plan, size_t index) const {
  // On a helper thread an exception would end the process; here it is this segment's failure.
  try {
    return Render(plan, index);
  } catch (const std::exception& e) {
    return RenderFailure(e);
  }
}

size_t Synthesizer::Parallelism(size_t segments) const {
  return std::min(segments, static_cast<size_t>(std::max(1, engine_->SegmentsInParallel())));
}

std::vector<Result<PcmAudio>> Synthesizer::RenderAll(const SynthesisPlan& plan) const {
  const size_t count = plan.segments.size();
  std::vector<Result<PcmAudio>> rendered(count, Status::Internal("not rendered"));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  // Each worker takes the next segment; after a failure the rest are not started, since the
  // text's audio is wanted whole or not at all. The check comes before the taking, so every
  // segment taken is rendered: none before a failed one is left "not rendered".
  auto work = [&] {
    while (!failed.load()) {
      const size_t i = next++;
      if (i >= count) return;
      rendered[i] = RenderNoThrow(plan, i);
      if (!rendered[i].ok()) failed.store(true);
    }
  };
  std::vector<std::jthread> helpers;  // joined when this returns, however it returns
  for (size_t t = 1; t < Parallelism(count); ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error& e) {
      // No thread to be had (a process limit): fewer helpers, the same result.
      spdlog::warn("rendering with {} threads, not more: {}", t, e.what());
      break;
    }
  }
  work();
  helpers.clear();
  return rendered;
}

Result<std::vector<SynthesizedSegment>> Synthesizer::Synthesize(
    const SynthesisRequest& request) const {
  SynthesisPlan plan;
  SWHA_ASSIGN_OR_RETURN(plan, Plan(request));
  return Synthesize(std::move(plan));
}

Result<std::vector<SynthesizedSegment>> Synthesizer::Synthesize(SynthesisPlan plan) const {
  std::vector<Result<PcmAudio>> rendered = RenderAll(plan);
  return SegmentsOf(std::move(plan), std::move(rendered));
}

PendingSynthesis Synthesizer::Start(SynthesisPlan plan) const {
  PendingSynthesis pending(this, std::move(plan));
  if (pending.plan_.segments.size() != 1) return pending;
  Result<std::string> engine_text = SegmentEngineText(pending.plan_, 0);
  // A text the engine cannot be given fails in Wait, as Synthesize fails it.
  if (!engine_text.ok()) return pending;
  pending.lone_segment_ =
      engine_->StartSynthesis(std::move(*engine_text), pending.plan_.voice, pending.plan_.options);
  return pending;
}

PendingSynthesis::PendingSynthesis(const Synthesizer* synthesizer, SynthesisPlan plan)
    : synthesizer_(synthesizer), plan_(std::move(plan)) {}

PendingSynthesis::~PendingSynthesis() {
  // Only an engine's own thread can still be at work; a deferred render is left unstarted
  // (waiting for it would run it).
  if (UnderWay()) lone_segment_.wait();
}

bool PendingSynthesis::UnderWay() const {
  return lone_segment_.valid() &&
         lone_segment_.wait_for(std::chrono::seconds(0)) != std::future_status::deferred;
}

Result<std::vector<SynthesizedSegment>> PendingSynthesis::Wait() {
  if (!lone_segment_.valid()) return synthesizer_->Synthesize(std::move(plan_));
  std::vector<Result<PcmAudio>> rendered;
  try {
    rendered.push_back(lone_segment_.get());
  } catch (const std::exception& e) {  // a deferred render runs here, on the caller's thread
    rendered.push_back(RenderFailure(e));
  }
  return SegmentsOf(std::move(plan_), std::move(rendered));
}

SegmentRenderer::SegmentRenderer(const Synthesizer* synthesizer, const SynthesisPlan* plan,
                                 size_t first)
    : synthesizer_(synthesizer),
      plan_(plan),
      parallel_(
          synthesizer->Parallelism(plan->segments.size() - std::min(first, plan->segments.size()))),
      next_to_start_(first) {}

SegmentRenderer::~SegmentRenderer() {
  // std::async's futures wait in their destructors; said here, where it matters.
  for (std::future<Result<PcmAudio>>& pending : ahead_) pending.wait();
}

Result<PcmAudio> SegmentRenderer::Next() {
  if (parallel_ <= 1) return synthesizer_->RenderNoThrow(*plan_, next_to_start_++);
  while (ahead_.size() < parallel_ && next_to_start_ < plan_->segments.size()) {
    const size_t index = next_to_start_;
    try {
      ahead_.push_back(std::async(std::launch::async, [this, index] {
        return synthesizer_->RenderNoThrow(*plan_, index);
      }));
    } catch (const std::system_error& e) {
      // No thread to be had: what is ahead already will do, or this one on our own thread.
      spdlog::warn("rendering ahead stopped at {} segments: {}", ahead_.size(), e.what());
      break;
    }
    ++next_to_start_;
  }
  if (ahead_.empty()) return synthesizer_->RenderNoThrow(*plan_, next_to_start_++);
  Result<PcmAudio> next = ahead_.front().get();
  ahead_.pop_front();
  return next;
}

}  // namespace swha::tts
