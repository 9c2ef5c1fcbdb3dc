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
#include <vector>

#include "tts/engine.h"
#include "util/status.h"

namespace swha::tts {

// Where the binary's copy of the rand() shim can be opened (an in-memory file, made once per
// process), or "" when it cannot be made.
const std::string& EmbeddedRandShimPath();

// Not thread-safe: loaded by, owned by and only ever called from one thread, which also destroys
// it (glibc sets up the copy's thread-local state for the thread that loads it, and the copy's
// libraries leave thread-specific values on that thread, which the destructor puts back as they
// were before the load). REQUIRES: copies loaded on one thread are destroyed in the reverse order
// of their loading, or a destructor puts back values a later copy left.
class EspeakInstance {
 public:
  // Where the copy's rand() draws come from. Both give the same draws, in the same order.
  enum class Rand {
    kLockFree,  // the shim; glibc's when the shim cannot be loaded (a warning says so)
    kGlibc,     // the copy's own libc, which locks for each draw (tests compare against it)
  };

  // Unavailable when libespeak-ng or espeak-ng-data is missing.
  static Result<std::unique_ptr<EspeakInstance>> Load(Rand rand = Rand::kLockFree);
  // Load with the shim at `rand_shim_path` ("" for glibc's rand()); a shim that does not load
  // leaves the copy on glibc's, as Load does.
  static Result<std::unique_ptr<EspeakInstance>> LoadWithRandShim(
      const std::string& rand_shim_path);
  ~EspeakInstance();
  EspeakInstance(const EspeakInstance&) = delete;
  EspeakInstance& operator=(const EspeakInstance&) = delete;

  Result<std::string> Phonemize(std::string_view text, const VoiceSelection& voice);
  Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection& voice,
                              const SynthesisOptions& options);

  // How many draws the copy has made from the shim's rand(); nullopt when it uses glibc's.
  std::optional<uint64_t> LockFreeRandDraws() const;
  // Restarts the shim's sequence at `seed` (its srand), so a test can show that the draws shape
  // the audio. Internal when the copy uses glibc's rand().
  Status SeedLockFreeRandForTesting(unsigned seed);

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
  uint64_t (*shim_draws_)() = nullptr;  // both null when the copy uses glibc's rand()
  void (*shim_seed_)(unsigned) = nullptr;
  // The loading thread's thread-specific values before the copy loaded (see the destructor).
  std::vector<void*> thread_values_before_;
  int sample_rate_ = 0;
  std::string current_voice_;
};

}  // namespace swha::tts
