// Runs the real espeak-ng engine (Debian's libespeak-ng): phonemes, audio, languages, speed
// and concurrency.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <future>
#include <thread>

#include "tts/engine.h"
#include "tts/segmenter.h"
#include "tts/synthesizer.h"
#include "util/strings.h"

namespace swha::tts {
namespace {

// Median fundamental frequency of the voiced 30 ms frames of a mono 16-bit WAV, by
// autocorrelation over 70..400 Hz. Crude, but plenty to tell voices apart.
double MedianPitchHz(const PcmAudio& pcm) {
  const int rate = pcm.sample_rate;
  const std::vector<double> x(pcm.samples.begin(), pcm.samples.end());
  const size_t frame = rate * 30 / 1000;
  std::vector<double> pitches;
  for (size_t start = 0; start + frame < x.size(); start += frame) {
    double energy = 0;
    for (size_t i = 0; i < frame; ++i) energy += x[start + i] * x[start + i];
    if (energy / frame < 1e5) continue;  // silence or unvoiced
    double best = 0;
    int best_lag = 0;
    for (int lag = rate / 400; lag <= rate / 70; ++lag) {
      double c = 0;
      for (size_t i = 0; i + lag < frame; ++i) c += x[start + i] * x[start + i + lag];
      if (c > best) {
        best = c;
        best_lag = lag;
      }
    }
    if (best > 0.3 * energy && best_lag > 0)
      pitches.push_back(static_cast<double>(rate) / best_lag);
  }
  if (pitches.empty()) return 0;
  std::nth_element(pitches.begin(), pitches.begin() + pitches.size() / 2, pitches.end());
  return pitches[pitches.size() / 2];
}

class EspeakEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = CreateEngine({.type = EngineType::kEspeakNg, .threads = 2});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  static Result<std::vector<SynthesizedSegment>> Say(std::string text, std::string voice,
                                                     std::string lang, double speed = 1.0,
                                                     SpeedRange speed_range = kOriginalSpeedRange) {
    Synthesizer synth(engine_);
    SynthesisRequest req;
    req.text = std::move(text);
    req.voice = std::move(voice);
    req.language_code = std::move(lang);
    req.speed = speed;
    req.speed_range = speed_range;
    return synth.Synthesize(req);
  }

  static Engine* engine_;
};

Engine* EspeakEngineTest::engine_ = nullptr;

TEST_F(EspeakEngineTest, EnglishPhonemesAndAudio) {
  auto segs = Say("Hello world.", "af_heart", "a");
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  ASSERT_EQ(segs->size(), 1u);
  EXPECT_EQ((*segs)[0].graphemes, "Hello world.");
  EXPECT_NE((*segs)[0].phonemes.find("wˈɜːld"), std::string::npos) << (*segs)[0].phonemes;
  EXPECT_GT((*segs)[0].duration_seconds, 0.4);
  EXPECT_LT((*segs)[0].duration_seconds, 3.0);
  EXPECT_EQ((*segs)[0].pcm.sample_rate, 22050);
  EXPECT_NEAR((*segs)[0].pcm.DurationSeconds(), (*segs)[0].duration_seconds, 1e-9);
}

// Start hands a lone segment to a synthesis thread at once: its audio is ready without the
// caller asking (a deferred render would never be), and it is as long as Synthesize's.
TEST_F(EspeakEngineTest, AStartedSynthesisRunsOnItsOwnAndGivesTheSameAudio) {
  Synthesizer synth(engine_);
  SynthesisRequest req;
  req.text = "Hello world.";
  auto plan = synth.Plan(req);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::future<Result<PcmAudio>> started =
      engine_->StartSynthesis("Hello world.", plan->voice, plan->options);
  EXPECT_EQ(started.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  PendingSynthesis pending = synth.Start(*plan);
  auto waited = pending.Wait();
  auto direct = Say("Hello world.", "af_heart", "a");
  ASSERT_TRUE(waited.ok() && direct.ok());
  Result<PcmAudio> early = started.get();
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  ASSERT_EQ(waited->size(), 1u);
  EXPECT_EQ((*waited)[0].graphemes, "Hello world.");
  EXPECT_EQ((*waited)[0].phonemes, (*direct)[0].phonemes);
  // Not sample for sample: a copy of espeak-ng carries some state from one text to the next.
  EXPECT_NEAR((*waited)[0].duration_seconds, (*direct)[0].duration_seconds, 0.05);
  EXPECT_NEAR(early->DurationSeconds(), (*direct)[0].duration_seconds, 0.05);
  EXPECT_GT((*direct)[0].duration_seconds, 0.4);
}

// A caller that stops waiting (its request failed meanwhile) leaves the job its own text and
// promise: the engine finishes it and goes on serving (AddressSanitizer would see a job that
// still borrowed the caller's).
TEST_F(EspeakEngineTest, AStartedSynthesisNobodyWaitsForIsFinishedHarmlessly) {
  const VoiceSelection voice{.espeak_voice = "en-us", .kokoro_voice = "af_heart"};
  for (int i = 0; i < 4; ++i) {
    (void)engine_->StartSynthesis("Nobody waits for this sentence.", voice, {});
  }
  auto after = Say("Hello world.", "af_heart", "a");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_GT((*after)[0].duration_seconds, 0.4);
}

TEST_F(EspeakEngineTest, MandarinIsReadAsMandarinNotEnglish) {
  auto segs = Say("你好世界", "zf_xiaoxiao", "z");
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  ASSERT_EQ(segs->size(), 1u);
  const std::string& ph = (*segs)[0].phonemes;
  // Debian's "cmn" voice says "n-i-three h-a-o-three" with English phonemes; we expect pinyin
  // syllables with Mandarin tone numbers and no switch to English.
  EXPECT_EQ(ph.find("(en)"), std::string::npos) << ph;
  EXPECT_EQ(ph.find("θɹ"), std::string::npos) << ph;  // "three"
  EXPECT_NE(ph.find("nˈi"), std::string::npos) << ph;
  EXPECT_NE(ph.find("tɕ"), std::string::npos) << ph;  // 界 jiè
  EXPECT_GT((*segs)[0].duration_seconds, 0.5);
}

TEST_F(EspeakEngineTest, JapaneseKanjiAreReadAsJapanese) {
  auto segs = Say("日本語を話します", "jf_alpha", "j");
  ASSERT_TRUE(segs.ok()) << segs.status().ToString();
  ASSERT_EQ(segs->size(), 1u);
  const std::string& ph = (*segs)[0].phonemes;
  EXPECT_EQ((*segs)[0].graphemes, "日本語を話します");  // the text, not the kana
  EXPECT_EQ(ph.find("(en)"), std::string::npos) << ph;
  EXPECT_EQ(ph.find("tʃˈaɪniːz"), std::string::npos) << ph;  // "Chinese letter"
  EXPECT_NE(ph.find("ŋɡ"), std::string::npos) << ph;         // nihongo
  EXPECT_NE(ph.find("ɕimˈäsɯ"), std::string::npos) << ph;    // hanashimasu
}

TEST_F(EspeakEngineTest, EveryLanguageSpeaks) {
  const std::vector<std::pair<std::string, std::string>> samples = {
      {"a", "Good morning."}, {"b", "Good morning."}, {"e", "Buenos días."},
      {"f", "Bonjour."},      {"h", "नमस्ते"},          {"i", "Buongiorno."},
      {"j", "おはよう"},      {"p", "Bom dia."},      {"z", "早上好"}};
  for (const auto& [lang, text] : samples) {
    auto segs = Say(text, lang == "z" ? "zf_xiaobei" : "af_heart", lang);
    ASSERT_TRUE(segs.ok()) << lang << ": " << segs.status().ToString();
    EXPECT_GT((*segs)[0].duration_seconds, 0.2) << lang;
    EXPECT_FALSE((*segs)[0].phonemes.empty()) << lang;
  }
}

TEST_F(EspeakEngineTest, DifferentVoicesSoundDifferent) {
  auto heart = Say("The same words, spoken slowly.", "af_heart", "a");
  auto bella = Say("The same words, spoken slowly.", "af_bella", "a");
  auto adam = Say("The same words, spoken slowly.", "am_adam", "a");
  ASSERT_TRUE(heart.ok() && bella.ok() && adam.ok());
  // Compared with EXPECT_TRUE so a failure does not print megabytes of audio.
  EXPECT_TRUE((*heart)[0].pcm.samples != (*bella)[0].pcm.samples);
  EXPECT_TRUE((*heart)[0].pcm.samples != (*adam)[0].pcm.samples);
  EXPECT_TRUE((*bella)[0].pcm.samples != (*adam)[0].pcm.samples);
  // espeak-ng is not bit-for-bit repeatable (its pitch flutter carries over between
  // utterances), so differing bytes alone prove little; the voices' pitch must differ too.
  const double f0_heart = MedianPitchHz((*heart)[0].pcm);
  const double f0_bella = MedianPitchHz((*bella)[0].pcm);
  const double f0_adam = MedianPitchHz((*adam)[0].pcm);
  EXPECT_GT(f0_heart, 1.3 * f0_adam) << f0_heart << " vs " << f0_adam;
  EXPECT_GT(f0_bella, 1.3 * f0_adam) << f0_bella << " vs " << f0_adam;
  EXPECT_GT(std::abs(f0_heart - f0_bella), 5.0) << f0_heart << " vs " << f0_bella;
}

TEST_F(EspeakEngineTest, SpeedChangesDuration) {
  const std::string text = "This sentence is long enough to time the speaking rate properly.";
  auto normal = Say(text, "af_heart", "a", 1.0);
  auto fast = Say(text, "af_heart", "a", 2.0);
  auto slow = Say(text, "af_heart", "a", 0.5);
  ASSERT_TRUE(normal.ok() && fast.ok() && slow.ok());
  EXPECT_LT((*fast)[0].duration_seconds, 0.7 * (*normal)[0].duration_seconds);
  EXPECT_GT((*slow)[0].duration_seconds, 1.4 * (*normal)[0].duration_seconds);
}

// OpenAI's 0.25 and 4.0 are beyond espeak-ng's 80..450 words a minute: the rest is
// time-stretched, so the length still follows the speed (about 4× and ¼ of normal).
TEST_F(EspeakEngineTest, SpeedsBeyondTheEnginesOwnAreStretched) {
  const std::string text = "This sentence is long enough to time the speaking rate properly.";
  auto normal = Say(text, "af_heart", "a", 1.0, kOpenAiSpeedRange);
  auto slowest = Say(text, "af_heart", "a", 0.25, kOpenAiSpeedRange);
  auto fastest = Say(text, "af_heart", "a", 4.0, kOpenAiSpeedRange);
  ASSERT_TRUE(normal.ok() && slowest.ok() && fastest.ok());
  const double ratio_slow = (*slowest)[0].duration_seconds / (*normal)[0].duration_seconds;
  const double ratio_fast = (*fastest)[0].duration_seconds / (*normal)[0].duration_seconds;
  EXPECT_GT(ratio_slow, 3.0);
  EXPECT_LT(ratio_slow, 5.0);
  EXPECT_GT(ratio_fast, 0.18);
  EXPECT_LT(ratio_fast, 0.33);
  // The original API keeps its own range.
  auto refused = Say(text, "af_heart", "a", 0.25);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "must be between 0.5 and 2.0");
  refused = Say(text, "af_heart", "a", 4.5, kOpenAiSpeedRange);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(), "must be between 0.25 and 4.0");
}

TEST_F(EspeakEngineTest, RejectsBadInputNamingTheField) {
  auto s = Say("hi", "af_nobody", "a");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.status().field(), "voice") << s.status().message();
  s = Say("hi", "af_heart", "x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().field(), "language_code");
  s = Say("hi", "af_heart", "a", 2.5);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().field(), "speed");
  s = Say("... , .", "af_heart", "a");
  ASSERT_FALSE(s.ok()) << (*s)[0].phonemes;
  EXPECT_EQ(s.status().field(), "text");
  EXPECT_EQ(s.status().message(), "contains nothing speakable");
}

TEST_F(EspeakEngineTest, LongTextIsCutBelowThePhonemeLimit) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "This is sentence number " + std::to_string(i) + ". ";
  auto segs = Say(text, "af_heart", "a");
  ASSERT_TRUE(segs.ok());
  EXPECT_GT(segs->size(), 1u);
  for (const auto& s : *segs) EXPECT_LE(Utf8Length(s.phonemes), kMaxPhonemeChars);
}

TEST_F(EspeakEngineTest, ConcurrentCallersGetTheirOwnCorrectAudio) {
  auto reference_en = Say("Concurrent English words.", "af_heart", "a");
  auto reference_fr = Say("Des mots français.", "ff_siwis", "f");
  ASSERT_TRUE(reference_en.ok() && reference_fr.ok());
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  threads.reserve(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto got = t % 2 ? Say("Des mots français.", "ff_siwis", "f")
                         : Say("Concurrent English words.", "af_heart", "a");
        const auto& want = (t % 2 ? *reference_fr : *reference_en)[0];
        // A voice or language leaking between threads changes the phonemes and the length.
        if (!got.ok() || (*got)[0].phonemes != want.phonemes ||
            std::abs((*got)[0].duration_seconds - want.duration_seconds) >
                0.05 * want.duration_seconds) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(EspeakEngineTest, EveryVoiceCanSpeakItsLanguage) {
  for (const Voice& v : AllVoices()) {
    auto segs = Say("1", std::string(v.name), std::string(1, v.language_code));
    EXPECT_TRUE(segs.ok()) << v.name << ": " << segs.status().ToString();
  }
}

}  // namespace
}  // namespace swha::tts
