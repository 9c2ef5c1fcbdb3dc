// One private copy of libespeak-ng, in a link namespace of its own (dlmopen), with the
// lock-free rand() of espeak_rand_shim.cc loaded ahead of it. EspeakEngine (espeak_engine.cc)
// keeps one per worker thread.
#pragma once

#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tts/engine.h"
#include "util/status.h"

namespace swha::tts {

// Not thread-safe: loaded by, owned by and only ever called from one thread (glibc sets up the
// copy's thread-local state for the thread that loads it).
class EspeakInstance {
 public:
  // Where the copy's rand() draws come from. Both give the same draws, in the same order.
  enum class Rand {
    kLockFree,  // the shim; glibc's when the shim cannot be loaded (a warning says so)
    kGlibc,     // the copy's own libc, which locks for each draw (tests compare against it)
  };

  // Unavailable when libespeak-ng or espeak-ng-data is missing.
  static Result<std::unique_ptr<EspeakInstance>> Load(Rand rand = Rand::kLockFree);
  ~EspeakInstance();
  EspeakInstance(const EspeakInstance&) = delete;
  EspeakInstance& operator=(const EspeakInstance&) = delete;

  Result<std::string> Phonemize(std::string_view text, const VoiceSelection& voice);
  Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection& voice,
                              const SynthesisOptions& options);

  // How many draws the copy has made from the shim's rand(); nullopt when it uses glibc's.
  std::optional<uint64_t> LockFreeRandDraws() const;

 private:
  EspeakInstance() = default;
  Status UseVoice(const std::string& name);
  static int OnSamples(short* wav, int count, espeak_EVENT* events);

  decltype(&espeak_Initialize) initialize_ = nullptr;
  decltype(&espeak_ng_GetSampleRate) get_sample_rate_ = nullptr;
  decltype(&espeak_SetSynthCallback) set_callback_ = nullptr;
  decltype(&espeak_ng_SetVoiceByName) set_voice_ = nullptr;
  decltype(&espeak_ng_SetParameter) set_parameter_ = nullptr;
  decltype(&espeak_ng_Synthesize) synth_ = nullptr;
  decltype(&espeak_TextToPhonemes) text_to_phonemes_ = nullptr;
  decltype(&espeak_ng_Terminate) terminate_ = nullptr;
  uint64_t (*shim_draws_)() = nullptr;  // null when the copy uses glibc's rand()
  int sample_rate_ = 0;
  std::string current_voice_;
};

}  // namespace swha::tts
