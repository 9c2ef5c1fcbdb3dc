// One private copy of libespeak-ng: loading it (with the rand() shim ahead of it), its
// phonemes and its audio. See espeak_instance.h, and espeak_engine.cc for the threads.
#include "tts/espeak_instance.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <type_traits>
#include <vector>

#include "tts/tempo.h"

// The rand() shim (the swha_espeak_rand_shim target, espeak_rand_shim.cc), compiled into this
// object, so the binary needs no file beside it. CMake names the built shim and rebuilds this
// object when it changes.
asm(".pushsection .rodata.swha_espeak_rand_shim, \"a\"\n"
    ".balign 64\n"
    ".globl swha_espeak_rand_shim_begin\n"
    ".hidden swha_espeak_rand_shim_begin\n"
    "swha_espeak_rand_shim_begin:\n"
    ".incbin \"" SWHA_ESPEAK_RAND_SHIM_PATH
    "\"\n"
    ".globl swha_espeak_rand_shim_end\n"
    ".hidden swha_espeak_rand_shim_end\n"
    "swha_espeak_rand_shim_end:\n"
    ".popsection\n");
extern "C" const unsigned char swha_espeak_rand_shim_begin[];
extern "C" const unsigned char swha_espeak_rand_shim_end[];

namespace swha::tts {
namespace {

constexpr const char* kLibraryName = "libespeak-ng.so.1";
constexpr const char* kShimDrawsSymbol = "swha_espeak_rand_shim_draws";
constexpr const char* kShimFileName = "swha-espeak-rand-shim";
// memfd_create's MFD_NOEXEC_SEAL (Linux 6.3), which Debian 12's headers predate.
constexpr unsigned kMemfdNoexecSeal = 0x0008U;
constexpr int kDefaultWordsPerMinute = 175;

// A PulseAudio server address that libpulse skips without connecting: a "{machine-id}" prefix
// names the only machine an address is for, and no machine has this id.
constexpr const char* kNoSoundServer = "{swha-tts-plays-no-audio}unix:/nonexistent";

// espeak-ng 1.51 opens an audio device at every initialisation, even for synthesis without
// playback: each copy's libpulse looks for a sound server (and may start one), and its error
// path frees a thread-specific value that, numbered in the copy's own namespace, can be the main
// program's (ThreadSpecificValues below; AddressSanitizer keeps one on every thread).
// This service plays nothing, so unless the operator has named a server, libpulse is given one
// it will not try. Called as each copy loads; it acts once.
void KeepEspeakFromSoundServers() {
  static std::once_flag once;
  std::call_once(once, [] { setenv("PULSE_SERVER", kNoSoundServer, /*overwrite=*/0); });
}

// The one place espeak-ng's error codes become a Status.
Status EspeakStatus(std::string_view what, int code) {
  if (code == ENS_OK) return Status::Ok();
  // Voices are chosen from our own catalogue, so a missing one is a broken install (the
  // espeak-ng-data package), never the caller's input: a 500, not a 422.
  if (code == ENS_VOICE_NOT_FOUND) {
    return Status::Internal(std::string(what) +
                            ": espeak-ng voice not found (is espeak-ng-data installed?)");
  }
  return Status::Internal(std::string(what) + ": espeak-ng error " + std::to_string(code));
}

// Where one Synthesize call's samples and events go (the synthesis' user_data).
struct Collector {
  PcmAudio* audio;
  int sample_rate;
};

// glibc keeps one array of thread-specific values per thread, shared by every link namespace,
// while each namespace numbers its own keys. Values stored by a copy's libraries would be
// handed, at thread exit, to whatever destructor the main program registered under the same key
// number. So a copy notes the loading thread's values before it loads (a sanitizer's, say, which
// it needs at thread exit) and puts them back when it is destroyed.
std::vector<void*> ThreadSpecificValues() {
  std::vector<void*> values(PTHREAD_KEYS_MAX);
  for (pthread_key_t key = 0; key < PTHREAD_KEYS_MAX; ++key) values[key] = pthread_getspecific(key);
  return values;
}

void RestoreThreadSpecificValues(const std::vector<void*>& values) {
  if (values.size() < PTHREAD_KEYS_MAX) return;  // never noted
  for (pthread_key_t key = 0; key < PTHREAD_KEYS_MAX; ++key) {
    if (pthread_getspecific(key) != values[key]) pthread_setspecific(key, values[key]);
  }
}

// dlmopen's error text, once read.
std::string LoaderError() {
  const char* err = dlerror();
  return err != nullptr ? err : "unknown error";
}

// Writes all of [begin, end) to `fd`; false (errno set) when it cannot.
bool WriteAll(int fd, const unsigned char* begin, const unsigned char* end) {
  while (begin < end) {
    const ssize_t n = write(fd, begin, static_cast<size_t>(end - begin));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;  // nothing written, and no error said why
    if (n <= 0) return false;
    begin += n;
  }
  return true;
}

// A memfd for the shim. Kernels since 6.3 can be set to refuse memfds that could be made
// executable (vm.memfd_noexec = 2); the loader only maps the shim, never execve()s it, so one
// sealed against execution is enough. Older kernels reject that flag (EINVAL): then without.
int MakeShimFile() {
  const int fd = memfd_create(kShimFileName, MFD_CLOEXEC | MFD_ALLOW_SEALING | kMemfdNoexecSeal);
  if (fd >= 0 || errno != EINVAL) return fd;
  return memfd_create(kShimFileName, MFD_CLOEXEC | MFD_ALLOW_SEALING);
}

}  // namespace

const std::string& EmbeddedRandShimPath() {
  static const std::string path = []() -> std::string {
    const int fd = MakeShimFile();
    if (fd < 0 || !WriteAll(fd, swha_espeak_rand_shim_begin, swha_espeak_rand_shim_end)) {
      spdlog::warn("espeak-ng: cannot make the rand() shim's file ({}); using glibc's rand()",
                   std::strerror(errno));
      if (fd >= 0) close(fd);
      return "";
    }
    // The seals keep the file as written; a file without them loads the same.
    if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
      spdlog::debug("espeak-ng: the rand() shim's file is not sealed: {}", std::strerror(errno));
    }
    return "/proc/self/fd/" + std::to_string(fd);  // open for the process's whole life
  }();
  return path;
}

EspeakInstance::~EspeakInstance() {
  if (terminate_ != nullptr) terminate_();
  // The handles are deliberately not dlclose'd: unloading a namespace's libc is unsafe.
  RestoreThreadSpecificValues(thread_values_before_);
}

Result<std::unique_ptr<EspeakInstance>> EspeakInstance::Load(Rand rand) {
  return LoadWithRandShim(rand == Rand::kLockFree ? EmbeddedRandShimPath() : std::string());
}

Result<std::unique_ptr<EspeakInstance>> EspeakInstance::LoadWithRandShim(
    const std::string& rand_shim_path) {
  KeepEspeakFromSoundServers();
  auto inst = std::unique_ptr<EspeakInstance>(new EspeakInstance());
  inst->thread_values_before_ = ThreadSpecificValues();  // put back by ~EspeakInstance
  // The shim first, into a new link namespace: whatever loads into that namespace after it
  // resolves rand() there.
  void* shim = nullptr;
  Lmid_t namespace_id = LM_ID_NEWLM;
  std::string shim_error;
  if (!rand_shim_path.empty()) {
    shim = dlmopen(LM_ID_NEWLM, rand_shim_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (shim == nullptr || dlinfo(shim, RTLD_DI_LMID, &namespace_id) != 0) {
      shim_error = LoaderError();
      shim = nullptr;
      namespace_id = LM_ID_NEWLM;
    }
  }
  void* h = dlmopen(namespace_id, kLibraryName, RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    return Status::Unavailable(std::string("cannot load ") + kLibraryName + ": " + LoaderError());
  }
  // Said only now that the copy runs without the shim: when the namespaces have run out, both
  // loads fail, and the copy's error above is the one that matters.
  if (!shim_error.empty()) {
    static std::once_flag warned;
    std::call_once(warned, [&shim_error] {
      spdlog::warn(
          "espeak-ng: cannot load the rand() shim ({}); using glibc's rand(), which "
          "gives the same audio, more slowly",
          shim_error);
    });
  }
  bool ok = true;
  auto bind = [&ok](void* handle, auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(handle, name));
    ok = ok && fn != nullptr;
  };
  bind(h, inst->initialize_, "espeak_Initialize");
  bind(h, inst->get_sample_rate_, "espeak_ng_GetSampleRate");
  bind(h, inst->set_callback_, "espeak_SetSynthCallback");
  bind(h, inst->set_voice_, "espeak_ng_SetVoiceByName");
  bind(h, inst->set_parameter_, "espeak_ng_SetParameter");
  bind(h, inst->synth_, "espeak_ng_Synthesize");
  bind(h, inst->text_to_phonemes_, "espeak_TextToPhonemes");
  bind(h, inst->terminate_, "espeak_ng_Terminate");
  if (!ok) return Status::Unavailable("libespeak-ng lacks an expected function");
  if (shim != nullptr) {
    bind(shim, inst->shim_draws_, kShimDrawsSymbol);
    bind(shim, inst->shim_seed_, "srand");
    if (!ok) return Status::Internal("the rand() shim lacks an expected function");
  }
  // The older entry point, because only it turns on phoneme events (in IPA): the ng ones
  // have no such option. It fails only when espeak-ng-data cannot be read.
  if (inst->initialize_(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr,
                        espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA) <= 0) {
    return Status::Unavailable("espeak-ng could not be initialized (is espeak-ng-data installed?)");
  }
  inst->set_callback_(&EspeakInstance::OnSamples);
  inst->sample_rate_ = inst->get_sample_rate_();
  return inst;
}

Result<std::string> EspeakInstance::Phonemize(std::string_view text, const VoiceSelection& voice) {
  SWHA_RETURN_IF_ERROR(UseVoice(voice.espeak_voice));
  const std::string input(text);  // espeak needs a NUL-terminated buffer
  const void* cursor = input.c_str();
  std::string out;
  // espeak returns one clause per call and advances `cursor`, to null at the end.
  while (cursor != nullptr) {
    const char* clause = text_to_phonemes_(&cursor, espeakCHARS_UTF8, espeakPHONEMES_IPA);
    if (clause == nullptr) break;
    std::string_view c(clause);
    while (!c.empty() && c.back() == ' ') c.remove_suffix(1);
    if (c.empty()) continue;
    if (!out.empty()) out += ' ';
    out += c;
  }
  return out;
}

Result<PcmAudio> EspeakInstance::Synthesize(std::string_view text, const VoiceSelection& voice,
                                            const SynthesisOptions& options) {
  SWHA_RETURN_IF_ERROR(UseVoice(voice.espeak_voice));
  // espeak-ng speaks 80..450 words a minute; a speed beyond that is reached by
  // time-stretching what it says at its limit.
  const double words_per_minute = kDefaultWordsPerMinute * options.speed;
  const int rate = std::clamp(static_cast<int>(std::lround(words_per_minute)), espeakRATE_MINIMUM,
                              espeakRATE_MAXIMUM);
  SWHA_RETURN_IF_ERROR(EspeakStatus("set rate", set_parameter_(espeakRATE, rate, 0)));
  PcmAudio audio;
  audio.sample_rate = sample_rate_;
  const std::string input(text);
  Collector collector{&audio, sample_rate_};
  const int rc = synth_(input.c_str(), input.size() + 1, 0, POS_CHARACTER, 0,
                        espeakCHARS_UTF8 | espeakENDPAUSE, nullptr, &collector);
  SWHA_RETURN_IF_ERROR(EspeakStatus("synthesize", rc));
  // Stretched only where espeak-ng's own rate stopped short (not for rounding).
  const double stretch = words_per_minute / rate;
  if (words_per_minute < espeakRATE_MINIMUM || words_per_minute > espeakRATE_MAXIMUM) {
    SWHA_ASSIGN_OR_RETURN(audio.samples, ChangeTempo(audio.samples, sample_rate_, stretch));
    for (SynthesisEvent& e : audio.events) {
      e.sample = std::llround(static_cast<double>(e.sample) / stretch);
    }
  }
  return audio;
}

std::optional<uint64_t> EspeakInstance::LockFreeRandDraws() const {
  if (shim_draws_ == nullptr) return std::nullopt;
  return shim_draws_();
}

Status EspeakInstance::SeedLockFreeRandForTesting(unsigned seed) {
  if (shim_seed_ == nullptr) return Status::Internal("this copy draws from glibc's rand()");
  shim_seed_(seed);
  return Status::Ok();
}

Status EspeakInstance::UseVoice(const std::string& name) {
  if (name == current_voice_) return Status::Ok();
  current_voice_.clear();
  SWHA_RETURN_IF_ERROR(EspeakStatus("set voice " + name, set_voice_(name.c_str())));
  current_voice_ = name;
  return Status::Ok();
}

// Called synchronously on the owning thread with the next samples and the events among them
// (a list ended by espeakEVENT_LIST_TERMINATED); user_data is the Collector.
int EspeakInstance::OnSamples(short* wav, int count, espeak_EVENT* events) {
  if (events == nullptr || events->user_data == nullptr) return 0;
  auto* collector = static_cast<Collector*>(events->user_data);
  PcmAudio& audio = *collector->audio;
  if (wav != nullptr && count > 0) audio.samples.insert(audio.samples.end(), wav, wav + count);
  for (const espeak_EVENT* e = events; e->type != espeakEVENT_LIST_TERMINATED; ++e) {
    SynthesisEvent event;
    // audio_position is in milliseconds; text_position counts code points from 1.
    event.sample = int64_t{e->audio_position} * collector->sample_rate / 1000;
    event.text_position = e->text_position > 0 ? static_cast<size_t>(e->text_position - 1) : 0;
    switch (e->type) {
      case espeakEVENT_SENTENCE: event.kind = SynthesisEvent::Kind::kSentence; break;
      case espeakEVENT_WORD:
        event.kind = SynthesisEvent::Kind::kWord;
        event.text_length = e->length > 0 ? static_cast<size_t>(e->length) : 0;
        break;
      case espeakEVENT_PHONEME:
        event.kind = SynthesisEvent::Kind::kPhoneme;
        // Up to 8 bytes, NUL-terminated only when shorter.
        event.phoneme.assign(e->id.string, strnlen(e->id.string, sizeof(e->id.string)));
        break;
      default: continue;
    }
    audio.events.push_back(std::move(event));
  }
  return 0;
}

}  // namespace swha::tts
