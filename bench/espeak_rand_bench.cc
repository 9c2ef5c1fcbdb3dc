// espeak-rand: one private copy of libespeak-ng drawing rand() from the lock-free shim
// (src/tts/espeak_rand_shim.cc) against one drawing from glibc's, which locks for each draw. Both
// live in this process and run on this thread, in blocks of calls that alternate (the order
// flips each round), so a busy moment of the machine hits both. The text is spoken with
// af_heart's variant (en-us+f3), which breathes: one draw per sample. The two copies must give
// the same audio, call for call; the run stops if they do not.
#include <spdlog/fmt/fmt.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_common.h"
#include "tts/espeak_instance.h"

namespace swha::bench {
namespace {

constexpr int kWarmupCalls = 10;  // per copy, unmeasured: the voice loads on the first call
const tts::VoiceSelection kVoice{.espeak_voice = "en-us+f3"};

std::unique_ptr<tts::EspeakInstance> LoadCopy(tts::EspeakInstance::Rand rand) {
  return Must(tts::EspeakInstance::Load(rand), "libespeak-ng");
}

// One call's audio, and the time it took (ms).
std::vector<int16_t> Speak(tts::EspeakInstance& copy, const std::string& text, double* ms) {
  const auto start = SteadyClock::now();
  auto audio = Must(copy.Synthesize(text, kVoice, {}), "synthesize");
  *ms = MsSince(start);
  return std::move(audio.samples);
}

size_t AudioHash(const std::vector<int16_t>& samples) {
  return std::hash<std::string_view>{}(std::string_view(
      reinterpret_cast<const char*>(samples.data()), samples.size() * sizeof(int16_t)));
}

}  // namespace

int RunEspeakRandBenchmark(const Args& args) {
  const int calls = OrDefault(args.requests, 200);  // per copy and round
  const int rounds = OrDefault(args.rounds, 6);     // even: each copy goes first as often
  const std::string text = args.text.empty() ? kBenchSentence : args.text;
  fmt::print(
      "== espeak-rand: libespeak-ng's rand() from the shim vs glibc's, one thread, {} calls per "
      "copy x {} rounds\n   text: \"{}\", voice {}\n",
      calls, rounds, text, kVoice.espeak_voice);
  PrintLoad("at start");
  auto shim = LoadCopy(tts::EspeakInstance::Rand::kLockFree);
  auto glibc = LoadCopy(tts::EspeakInstance::Rand::kGlibc);
  if (!shim->LockFreeRandDraws().has_value()) Die("the shim did not load");
  double ignored = 0;
  for (int i = 0; i < kWarmupCalls; ++i) {
    if (Speak(*shim, text, &ignored) != Speak(*glibc, text, &ignored)) Die("audio differs");
  }
  std::vector<double> shim_ms;
  std::vector<double> glibc_ms;
  std::vector<double> round_ratios;
  const OtherLoadMeter others;
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> mine;
    std::vector<double> theirs;
    // The first block's audio, call by call, as hashes against which the second block's is
    // checked: keeping the audio itself would make the first block write into fresh memory on
    // every call, inside the time measured, and the second not.
    std::vector<size_t> first_audio;
    auto run = [&](tts::EspeakInstance& copy, std::vector<double>& ms, bool first) {
      for (int i = 0; i < calls; ++i) {
        double t = 0;
        const size_t audio = AudioHash(Speak(copy, text, &t));
        ms.push_back(t);
        if (first) {
          first_audio.push_back(audio);
        } else if (audio != first_audio[static_cast<size_t>(i)]) {
          Die("the shim's audio differs from glibc's");
        }
      }
    };
    const bool shim_first = r % 2 == 0;
    run(shim_first ? *shim : *glibc, shim_first ? mine : theirs, true);
    run(shim_first ? *glibc : *shim, shim_first ? theirs : mine, false);
    round_ratios.push_back(Median(theirs) / Median(mine));
    fmt::print("   round {}: shim p50 {:.3f} ms, glibc p50 {:.3f} ms, glibc / shim {:.3f}x\n",
               r + 1, Median(mine), Median(theirs), round_ratios.back());
    shim_ms.insert(shim_ms.end(), mine.begin(), mine.end());
    glibc_ms.insert(glibc_ms.end(), theirs.begin(), theirs.end());
  }
  const double ratio = Median(round_ratios);
  fmt::print(
      "   medians: shim {:.3f} ms, glibc {:.3f} ms per call; glibc / shim {:.3f}x (median of "
      "rounds); other processes kept {:.2f} cores busy\n",
      Median(shim_ms), Median(glibc_ms), ratio, others.OtherCores());
  Summary("espeak-rand", "synthesis p50, shim / glibc, ms",
          fmt::format("{:.3f} / {:.3f}", Median(shim_ms), Median(glibc_ms)));
  Summary("espeak-rand", "glibc / shim, median of rounds", fmt::format("{:.3f}x", ratio));
  return 0;
}

}  // namespace swha::bench
