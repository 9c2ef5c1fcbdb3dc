// One private copy of the real libespeak-ng: its rand() comes from the lock-free shim, whose
// draws are glibc's, and its audio is the same, sample for sample, as a copy drawing from
// glibc's own rand().
#include "tts/espeak_instance.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <string>

namespace swha::tts {
namespace {

constexpr const char* kSentence =
    "The quick brown fox jumps over the lazy dog near the river bank.";

// af_heart's variant, which breathes: espeak-ng draws a rand() for each breathy sample.
const VoiceSelection kBreathyVoice{.espeak_voice = "en-us+f3"};
const VoiceSelection kPlainVoice{.espeak_voice = "en-us"};  // draws nothing

// Null (and the test failed) when the copy cannot be loaded.
std::unique_ptr<EspeakInstance> LoadCopy(EspeakInstance::Rand rand) {
  auto inst = EspeakInstance::Load(rand);
  EXPECT_TRUE(inst.ok()) << inst.status().ToString();
  return inst.ok() ? std::move(inst).value() : nullptr;
}

std::vector<int16_t> Speak(EspeakInstance& copy, const VoiceSelection& voice) {
  auto audio = copy.Synthesize(kSentence, voice, {});
  EXPECT_TRUE(audio.ok()) << audio.status().ToString();
  return audio.ok() ? std::move(audio->samples) : std::vector<int16_t>{};
}

TEST(EspeakInstanceTest, ACopyDrawsFromTheShimByDefault) {
  auto inst = LoadCopy(EspeakInstance::Rand::kLockFree);
  ASSERT_NE(inst, nullptr);
  ASSERT_TRUE(inst->LockFreeRandDraws().has_value()) << "the shim was not loaded";
  const uint64_t before = *inst->LockFreeRandDraws();
  const std::vector<int16_t> samples = Speak(*inst, kBreathyVoice);
  ASSERT_FALSE(samples.empty());
  // espeak-ng's calls reached the shim, not the copy's libc: one for each sample it breathes
  // in (57,759 of 82,785 here; the pauses have none).
  EXPECT_GT(*inst->LockFreeRandDraws() - before, samples.size() / 2);
}

TEST(EspeakInstanceTest, ACopyAskedForGlibcsRandHasNoShim) {
  auto inst = LoadCopy(EspeakInstance::Rand::kGlibc);
  ASSERT_NE(inst, nullptr);
  EXPECT_FALSE(inst->LockFreeRandDraws().has_value());
  EXPECT_FALSE(inst->SeedLockFreeRandForTesting(2).ok());
}

// The shim draws glibc's sequence: both copies start from glibc's default state and make the
// same draws, so every call's audio is identical, the breathy voice's noise included, and stays
// so as the sequence runs on (and across a voice without noise in between).
TEST(EspeakInstanceTest, TheShimsAudioIsGlibcsSampleForSample) {
  auto lock_free = LoadCopy(EspeakInstance::Rand::kLockFree);
  auto glibc = LoadCopy(EspeakInstance::Rand::kGlibc);
  ASSERT_NE(lock_free, nullptr);
  ASSERT_NE(glibc, nullptr);
  ASSERT_TRUE(lock_free->LockFreeRandDraws().has_value()) << "the shim was not loaded";
  for (const VoiceSelection& voice : {kBreathyVoice, kPlainVoice, kBreathyVoice, kBreathyVoice}) {
    const std::vector<int16_t> a = Speak(*lock_free, voice);
    ASSERT_FALSE(a.empty());
    EXPECT_TRUE(a == Speak(*glibc, voice)) << voice.espeak_voice;
  }
}

// Without this, equal audio could mean that no draw mattered. Three fresh copies: the one
// seeded otherwise speaks differently, the two seeded alike speak alike.
TEST(EspeakInstanceTest, TheDrawsShapeTheAudio) {
  auto unseeded = LoadCopy(EspeakInstance::Rand::kLockFree);
  auto seeded = LoadCopy(EspeakInstance::Rand::kLockFree);
  auto seeded_alike = LoadCopy(EspeakInstance::Rand::kLockFree);
  ASSERT_TRUE(unseeded && seeded && seeded_alike);
  ASSERT_TRUE(seeded->SeedLockFreeRandForTesting(2).ok());
  ASSERT_TRUE(seeded_alike->SeedLockFreeRandForTesting(2).ok());
  const std::vector<int16_t> other = Speak(*seeded, kBreathyVoice);
  ASSERT_FALSE(other.empty());
  EXPECT_FALSE(Speak(*unseeded, kBreathyVoice) == other);
  EXPECT_TRUE(Speak(*seeded_alike, kBreathyVoice) == other);
}

// The shim itself, opened as the engine opens it, in a namespace of its own: its unseeded draws
// are glibc's well-known first outputs of rand(), and after any srand() it draws what glibc
// (this process's own rand(), never seeded by the shim) draws, through rand() and random().
TEST(EspeakInstanceTest, TheShimDrawsGlibcsSequence) {
  const std::string& path = EmbeddedRandShimPath();
  ASSERT_FALSE(path.empty());
  void* shim = dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(shim, nullptr) << dlerror();
  auto shim_rand = reinterpret_cast<int (*)()>(dlsym(shim, "rand"));
  auto shim_random = reinterpret_cast<long (*)()>(dlsym(shim, "random"));
  auto shim_srand = reinterpret_cast<void (*)(unsigned)>(dlsym(shim, "srand"));
  auto shim_srandom = reinterpret_cast<void (*)(unsigned)>(dlsym(shim, "srandom"));
  ASSERT_TRUE(shim_rand && shim_random && shim_srand && shim_srandom);
  constexpr std::array<int, 10> kGlibcUnseeded = {1804289383, 846930886, 1681692777, 1714636915,
                                                  1957747793, 424238335, 719885386,  1649760492,
                                                  596516649,  1189641421};
  for (int expected : kGlibcUnseeded) EXPECT_EQ(shim_rand(), expected);
  for (unsigned seed : {0U, 1U, 12345U}) {
    shim_srand(seed);
    srand(seed);
    for (int i = 0; i < 100000; ++i) {
      ASSERT_EQ(shim_rand(), rand()) << "seed " << seed << ", draw " << i;
      ASSERT_EQ(shim_random(), random()) << "seed " << seed << ", draw " << i;
    }
  }
  shim_srandom(7);
  srandom(7);
  EXPECT_EQ(shim_random(), random());
}

// A shim that cannot be loaded leaves the copy on glibc's rand(): it loads, and speaks as a copy
// that asked for glibc's.
TEST(EspeakInstanceTest, AShimThatDoesNotLoadLeavesGlibcsRand) {
  auto fallen_back = EspeakInstance::LoadWithRandShim("/nonexistent/libswha_espeak_rand_shim.so");
  ASSERT_TRUE(fallen_back.ok()) << fallen_back.status().ToString();
  EXPECT_FALSE((*fallen_back)->LockFreeRandDraws().has_value());
  auto glibc = LoadCopy(EspeakInstance::Rand::kGlibc);
  ASSERT_NE(glibc, nullptr);
  const std::vector<int16_t> samples = Speak(**fallen_back, kBreathyVoice);
  ASSERT_FALSE(samples.empty());
  EXPECT_TRUE(samples == Speak(*glibc, kBreathyVoice));
}

}  // namespace
}  // namespace swha::tts
