#include "service/speech_service.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <memory>
#include <vector>

#include "audio/encoder.h"
#include "audio/resampler.h"
#include "tts/voice_catalog.h"
#include "util/clock.h"
#include "util/strings.h"

namespace swha::service {

int64_t SpeechUsage::OutputTokens() const {
  constexpr double kFramesPerSecond = 50;
  return static_cast<int64_t>(std::ceil(AudioSeconds() * kFramesPerSecond));
}

const std::vector<std::string_view>& SpeechService::Models() {
  static const std::vector<std::string_view> kModels = {"tts-1", "tts-1-hd", "gpt-4o-mini-tts",
                                                        "kokoro"};
  return kModels;
}

bool SpeechService::IsKnownModel(std::string_view model) {
  constexpr std::string_view kDateSuffix = "-YYYY-MM-DD";
  for (std::string_view known : Models()) {
    if (model == known) return true;
    if (model.size() == known.size() + kDateSuffix.size() && model.starts_with(known)) {
      const std::string_view date = model.substr(known.size());
      bool dated = true;
      for (size_t i = 0; i < date.size(); ++i) {
        const bool dash = kDateSuffix[i] == '-';
        dated = dated && (dash ? date[i] == '-' : (date[i] >= '0' && date[i] <= '9'));
      }
      if (dated) return true;
    }
  }
  return false;
}

Result<std::shared_ptr<SpeechService::StreamSlot>> SpeechService::StartSpeech(
    const Principal& principal) const {
  std::shared_ptr<SynthesisPermits::Permit> permit;
  if (permits_ != nullptr) {
    SWHA_ASSIGN_OR_RETURN(permit, permits_->Acquire(principal));
  }
  if (streams_.fetch_add(1) >= limits_.max_concurrent_streams) {
    streams_.fetch_sub(1);
    return Status::Unavailable("Too many speech requests at once; retry shortly");
  }
  return std::make_shared<StreamSlot>(&streams_, std::move(permit));
}

Result<tts::SynthesisPlan> SpeechService::Prepare(const SpeechRequest& request) const {
  const size_t length = Utf8Length(request.input);
  if (length == 0) return Status::InvalidField("input", "input must not be empty");
  if (length > limits_.max_input_chars) {
    return Status::InvalidField("input", "input is too long: at most " +
                                             std::to_string(limits_.max_input_chars) +
                                             " characters, got " + std::to_string(length));
  }
  if (const size_t chars = Utf8Length(request.instructions); chars > kMaxInstructionsChars) {
    return Status::InvalidField("instructions", "instructions are too long: at most " +
                                                    std::to_string(kMaxInstructionsChars) +
                                                    " characters, got " + std::to_string(chars));
  }
  if (request.input.find('\0') != std::string::npos) {
    return Status::InvalidField("input", "input must not contain NUL characters");
  }
  auto voice = tts::FindVoiceOrAlias(request.voice);
  if (!voice.ok()) return voice.status().WithField("voice");

  tts::SynthesisRequest synthesis;
  synthesis.text = request.input;
  synthesis.voice = std::string((*voice)->name);
  synthesis.language_code = std::string(1, (*voice)->language_code);  // Kokoro: af_* speaks 'a'
  synthesis.speed = request.speed;
  synthesis.speed_range = tts::kOpenAiSpeedRange;
  synthesis.split_pattern = kSentenceSplitPattern;
  synthesis.instructions = request.instructions;
  auto plan = synthesizer_->Plan(synthesis);
  if (plan.ok()) {
    // A missing encoder library is found before a streamed answer's status line goes out.
    SWHA_RETURN_IF_ERROR(audio::EncoderAvailable(request.format));
    if (!request.instructions.empty()) {
      spdlog::info("speech with model {} and {} bytes of instructions", request.model,
                   request.instructions.size());
    }
    return plan;
  }
  const Status& s = plan.status();
  if (s.field() == "text") return Status::InvalidField("input", s.message());
  if (s.field() == "speed" || s.field() == "voice") return s;
  // An engine's own fault (an upstream's 502 naming it) stays what it is.
  if (s.code() != StatusCode::kInvalidArgument) return s;
  // Our own pattern, language and voice: any other field is a fault of ours.
  return Status::Internal("speech plan failed: " + s.ToString());
}

Result<tts::PcmAudio> SpeechService::RenderFirst(const tts::SynthesisPlan& plan) const {
  return synthesizer_->Render(plan, 0);
}

Result<SpeechUsage> SpeechService::Speak(const SpeechRequest& request,
                                         const tts::SynthesisPlan& plan, const AudioSink& sink,
                                         tts::PcmAudio* first) const {
  Stopwatch watch;
  SpeechUsage usage;
  usage.input_characters = static_cast<int64_t>(Utf8Length(request.input));
  SWHA_ASSIGN_OR_RETURN(std::unique_ptr<audio::Encoder> encoder,
                        audio::CreateEncoder({.format = request.format,
                                              .sample_rate = kSpeechSampleRate,
                                              .streaming = !request.whole_file}));
  std::unique_ptr<audio::Resampler> resampler;  // made once the engine's rate is known
  const auto send = [&](const std::string& bytes) {
    if (bytes.empty() || sink(bytes)) return Status::Ok();
    spdlog::info("speech stopped after {} of {} segments: the receiver is gone", usage.segments,
                 plan.segments.size());
    return Status::Cancelled("the receiver of the audio is gone");
  };
  tts::SegmentRenderer renderer(synthesizer_, &plan, first != nullptr ? 1 : 0);
  for (size_t i = 0; i < plan.segments.size(); ++i) {
    tts::PcmAudio pcm;
    if (i == 0 && first != nullptr) {
      pcm = std::move(*first);
    } else {
      SWHA_ASSIGN_OR_RETURN(pcm, renderer.Next());
    }
    if (resampler == nullptr) {
      SWHA_ASSIGN_OR_RETURN(resampler,
                            audio::Resampler::Create(pcm.sample_rate, kSpeechSampleRate));
    }
    SWHA_ASSIGN_OR_RETURN(std::vector<int16_t> samples, resampler->Process(pcm.samples));
    usage.output_samples += static_cast<int64_t>(samples.size());
    ++usage.segments;
    SWHA_ASSIGN_OR_RETURN(std::string bytes, encoder->Write(samples));
    SWHA_RETURN_IF_ERROR(send(bytes));
  }
  if (resampler != nullptr) {
    SWHA_ASSIGN_OR_RETURN(std::vector<int16_t> tail, resampler->Flush());
    usage.output_samples += static_cast<int64_t>(tail.size());
    SWHA_ASSIGN_OR_RETURN(std::string bytes, encoder->Write(tail));
    SWHA_RETURN_IF_ERROR(send(bytes));
  }
  SWHA_ASSIGN_OR_RETURN(std::string rest, encoder->Finish());
  SWHA_RETURN_IF_ERROR(send(rest));
  if (metrics_ != nullptr) {
    metrics_->synthesis_seconds->Add(watch.ElapsedSeconds());
    metrics_->audio_seconds->Add(usage.AudioSeconds());
  }
  return usage;
}

}  // namespace swha::service
