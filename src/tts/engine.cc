#include "tts/engine.h"

#include <future>
#include <string>
#include <utility>

namespace swha::tts {

std::future<Result<PcmAudio>> Engine::StartSynthesis(std::string text, VoiceSelection voice,
                                                     SynthesisOptions options) {
  return std::async(std::launch::deferred,
                    [this, text = std::move(text), voice = std::move(voice),
                     options = std::move(options)] { return Synthesize(text, voice, options); });
}

}  // namespace swha::tts
