// espeak-ng keeps its whole state (voice, parameters, output buffers) in process-wide globals,
// so two threads can never synthesize at once through one copy of the library. Rather than
// serialize every request behind one mutex, each worker thread loads its own private copy
// with dlmopen(LM_ID_NEWLM): a separate link namespace gets separate globals, and synthesis
// scales with cores. A copy is loaded by, and only ever called from, the thread that owns it
// (glibc sets up the copy's thread-local state for that thread). Loading a copy and calling
// it is EspeakInstance's (espeak_instance.h); the threads and their queue are here.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "tts/engine.h"
#include "tts/espeak_instance.h"

namespace swha::tts {
namespace {

// glibc allows 16 link namespaces, one of which is the main program's. Before that, each copy's
// libc takes a share of the static TLS that glibc reserves: with glibc 2.36's defaults, 11
// copies load and the 12th fails ("cannot allocate memory in static TLS block"), and the engine
// runs the copies that loaded (a warning says so).
constexpr int kMaxInstances = 15;

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
    // Every copy, the first included, gets a namespace of its own, so it shares no state even
    // with another user of libespeak-ng in this process.
    auto inst = EspeakInstance::Load();
    if (!inst.ok()) {
      started.set_value(inst.status());
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
    inst->reset();  // on this thread, as EspeakInstance requires
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
