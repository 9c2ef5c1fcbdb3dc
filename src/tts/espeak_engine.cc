// espeak-ng keeps its whole state (voice, parameters, output buffers) in process-wide globals,
// so two threads can never synthesize at once through one copy of the library. Rather than
// serialize every request behind one mutex, each worker thread loads its own private copy
// with dlmopen(LM_ID_NEWLM): a separate link namespace gets separate globals, and synthesis
// scales with cores. A copy is loaded by, and only ever called from, the thread that owns it
// (glibc sets up the copy's thread-local state for that thread).
#include <dlfcn.h>
#include <espeak-ng/espeak_ng.h>
#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "tts/engine.h"
#include "tts/tempo.h"

namespace swha::tts {
namespace {

constexpr const char* kLibraryName = "libespeak-ng.so.1";
// glibc allows 16 link namespaces, one of which is the main program's.
constexpr int kMaxInstances = 15;
constexpr int kDefaultWordsPerMinute = 175;

// A PulseAudio server address that libpulse skips without connecting: a "{machine-id}" prefix
// names the only machine an address is for, and no machine has this id.
constexpr const char* kNoSoundServer = "{swha-tts-plays-no-audio}unix:/nonexistent";

// espeak-ng 1.51 opens an audio device at every initialisation, even for synthesis without
// playback: each copy's libpulse looks for a sound server (and may start one), and its error
// path frees a thread-specific value that, numbered in the copy's own namespace, can be the main
// program's (ThreadSpecificValues below; AddressSanitizer keeps one on every thread). This
// service plays nothing, so unless the operator has named a server, libpulse is given one it
// will not try. Called before the first copy loads, once.
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

// One private copy of libespeak-ng. Not thread-safe: owned and used by one worker thread.
class EspeakInstance {
 public:
  ~EspeakInstance() {
    if (terminate_ != nullptr) terminate_();
    // The handle is deliberately not dlclose'd: unloading a namespace's libc is unsafe.
  }

  static Result<std::unique_ptr<EspeakInstance>> Load(bool private_namespace) {
    auto inst = std::unique_ptr<EspeakInstance>(new EspeakInstance());
    void* h = private_namespace ? dlmopen(LM_ID_NEWLM, kLibraryName, RTLD_NOW | RTLD_LOCAL)
                                : dlopen(kLibraryName, RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* err = dlerror();
      return Status::Unavailable(std::string("cannot load ") + kLibraryName + ": " +
                                 (err ? err : "unknown error"));
    }
    bool ok = true;
    auto bind = [&](auto& fn, const char* name) {
      fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(dlsym(h, name));
      ok = ok && fn != nullptr;
    };
    bind(inst->initialize_, "espeak_Initialize");
    bind(inst->get_sample_rate_, "espeak_ng_GetSampleRate");
    bind(inst->set_callback_, "espeak_SetSynthCallback");
    bind(inst->set_voice_, "espeak_ng_SetVoiceByName");
    bind(inst->set_parameter_, "espeak_ng_SetParameter");
    bind(inst->synth_, "espeak_ng_Synthesize");
    bind(inst->text_to_phonemes_, "espeak_TextToPhonemes");
    bind(inst->terminate_, "espeak_ng_Terminate");
    if (!ok) return Status::Unavailable("libespeak-ng lacks an expected function");

    // The older entry point, because only it turns on phoneme events (in IPA): the ng ones
    // have no such option. It fails only when espeak-ng-data cannot be read.
    if (inst->initialize_(AUDIO_OUTPUT_SYNCHRONOUS, 0, nullptr,
                          espeakINITIALIZE_PHONEME_EVENTS | espeakINITIALIZE_PHONEME_IPA) <= 0) {
      return Status::Unavailable(
          "espeak-ng could not be initialized (is espeak-ng-data installed?)");
    }
    inst->set_callback_(&EspeakInstance::OnSamples);
    inst->sample_rate_ = inst->get_sample_rate_();
    return inst;
  }

  Result<std::string> Phonemize(std::string_view text, const VoiceSelection& voice) {
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

  Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection& voice,
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

 private:
  EspeakInstance() = default;

  Status UseVoice(const std::string& name) {
    if (name == current_voice_) return Status::Ok();
    current_voice_.clear();
    SWHA_RETURN_IF_ERROR(EspeakStatus("set voice " + name, set_voice_(name.c_str())));
    current_voice_ = name;
    return Status::Ok();
  }

  // Where one Synthesize call's samples and events go (the synthesis' user_data).
  struct Collector {
    PcmAudio* audio;
    int sample_rate;
  };

  // Called synchronously on the owning thread with the next samples and the events among
  // them (a list ended by espeakEVENT_LIST_TERMINATED); user_data is the Collector.
  static int OnSamples(short* wav, int count, espeak_EVENT* events) {
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

  decltype(&espeak_Initialize) initialize_ = nullptr;
  decltype(&espeak_ng_GetSampleRate) get_sample_rate_ = nullptr;
  decltype(&espeak_SetSynthCallback) set_callback_ = nullptr;
  decltype(&espeak_ng_SetVoiceByName) set_voice_ = nullptr;
  decltype(&espeak_ng_SetParameter) set_parameter_ = nullptr;
  decltype(&espeak_ng_Synthesize) synth_ = nullptr;
  decltype(&espeak_TextToPhonemes) text_to_phonemes_ = nullptr;
  decltype(&espeak_ng_Terminate) terminate_ = nullptr;
  int sample_rate_ = 0;
  std::string current_voice_;
};

// A pool of worker threads, each owning one EspeakInstance. Jobs queue FIFO.
class EspeakEngine : public Engine {
 public:
  ~EspeakEngine() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  static Result<std::unique_ptr<Engine>> Create(const EngineConfig& config) {
    int wanted =
        config.threads > 0 ? config.threads : static_cast<int>(std::thread::hardware_concurrency());
    wanted = std::clamp(wanted, 1, kMaxInstances);
    KeepEspeakFromSoundServers();
    auto engine = std::unique_ptr<EspeakEngine>(new EspeakEngine());
    for (int i = 0; i < wanted; ++i) {
      std::promise<Status> started;
      auto ready = started.get_future();
      engine->workers_.emplace_back(
          [e = engine.get(), &started] { e->WorkerMain(std::move(started)); });
      Status s = ready.get();
      if (!s.ok()) {
        engine->workers_.back().join();
        engine->workers_.pop_back();
        if (engine->workers_.empty()) return s;
        spdlog::warn("espeak-ng: running {} synthesis threads instead of {}: {}",
                     engine->workers_.size(), wanted, s.message());
        break;
      }
    }
    return std::unique_ptr<Engine>(std::move(engine));
  }

  Result<std::string> Phonemize(std::string_view text, const VoiceSelection& voice) override {
    return Run<std::string>([&](EspeakInstance& inst) { return inst.Phonemize(text, voice); });
  }

  Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection& voice,
                              const SynthesisOptions& options) override {
    return Run<PcmAudio>(
        [&](EspeakInstance& inst) { return inst.Synthesize(text, voice, options); });
  }

  std::future<Result<PcmAudio>> StartSynthesis(std::string text, VoiceSelection voice,
                                               SynthesisOptions options) override {
    return Start<PcmAudio>([text = std::move(text), voice = std::move(voice),
                            options = std::move(options)](EspeakInstance& inst) {
      return inst.Synthesize(text, voice, options);
    });
  }

 private:
  using Job = std::function<void(EspeakInstance&)>;

  EspeakEngine() = default;

  // Queues `work` for the next free worker. The job owns `work` and its promise, so the caller
  // may stop waiting for the answer; the workers still run every queued job before they stop.
  template <typename T>
  std::future<Result<T>> Start(std::function<Result<T>(EspeakInstance&)> work) {
    auto done = std::make_shared<std::promise<Result<T>>>();
    std::future<Result<T>> result = done->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back([done, work = std::move(work)](EspeakInstance& inst) {
        try {
          done->set_value(work(inst));
        } catch (const std::exception& e) {
          done->set_value(Status::Internal(std::string("espeak-ng worker: ") + e.what()));
        }
      });
    }
    cv_.notify_one();
    return result;
  }

  // Start, waited for: `work` may borrow the caller's arguments.
  template <typename T>
  Result<T> Run(std::function<Result<T>(EspeakInstance&)> work) {
    return Start<T>(std::move(work)).get();
  }

  void WorkerMain(std::promise<Status> started) {
    const std::vector<void*> own_values = ThreadSpecificValues();
    // Every copy, the first included, gets a namespace of its own, so it shares no state even
    // with another user of libespeak-ng in this process.
    auto inst = EspeakInstance::Load(/*private_namespace=*/true);
    if (!inst.ok()) {
      started.set_value(inst.status());
      RestoreThreadSpecificValues(own_values);
      return;
    }
    started.set_value(Status::Ok());
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) break;  // stopping, and nothing left to do
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job(**inst);
    }
    inst->reset();
    RestoreThreadSpecificValues(own_values);
  }

  // glibc keeps one array of thread-specific values per thread, shared by every link namespace,
  // while each namespace numbers its own keys. Values stored by a private copy's libraries would
  // be handed, at thread exit, to whatever destructor the main program registered under the same
  // key number. So the worker notes the main program's values when it starts (a sanitizer's,
  // say, which it needs at thread exit) and puts them back as its last act.
  static std::vector<void*> ThreadSpecificValues() {
    std::vector<void*> values(PTHREAD_KEYS_MAX);
    for (pthread_key_t key = 0; key < PTHREAD_KEYS_MAX; ++key) {
      values[key] = pthread_getspecific(key);
    }
    return values;
  }
  static void RestoreThreadSpecificValues(const std::vector<void*>& values) {
    for (pthread_key_t key = 0; key < PTHREAD_KEYS_MAX; ++key) {
      if (pthread_getspecific(key) != values[key]) pthread_setspecific(key, values[key]);
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::vector<std::thread> workers_;
};

}  // namespace

Result<std::unique_ptr<Engine>> CreateEspeakEngine(const EngineConfig& config) {
  return EspeakEngine::Create(config);
}

}  // namespace swha::tts
