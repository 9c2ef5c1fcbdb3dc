// One private copy of the real libespeak-ng: its rand() comes from the lock-free shim, and its
// audio is the same, sample for sample, as a copy drawing from glibc's own rand().
#include "tts/espeak_instance.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace swha::tts {
namespace {

constexpr const char* kSentence =
    "The quick brown fox jumps over the lazy dog near the river bank.";

// A variant with breath noise: espeak-ng draws a rand() for each of its samples.
const VoiceSelection kBreathyVoice{.espeak_voice = "en-us+f3"};
const VoiceSelection kPlainVoice{.espeak_voice = "en-us"};

std::unique_ptr<EspeakInstance> LoadOrDie(EspeakInstance::Rand rand) {
  auto inst = EspeakInstance::Load(rand);
  EXPECT_TRUE(inst.ok()) << inst.status().ToString();
  return inst.ok() ? std::move(inst).value() : nullptr;
}

TEST(EspeakInstanceTest, ACopyDrawsFromTheShimByDefault) {
  auto inst = LoadOrDie(EspeakInstance::Rand::kLockFree);
  ASSERT_NE(inst, nullptr);
  ASSERT_TRUE(inst->LockFreeRandDraws().has_value()) << "the shim was not loaded";
  const uint64_t before = *inst->LockFreeRandDraws();
  auto audio = inst->Synthesize(kSentence, kBreathyVoice, {});
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  // espeak-ng's calls reached the shim, not the copy's libc: one for each sample it breathes
  // in (57,759 of 82,785 here; the pauses have none).
  EXPECT_GT(*inst->LockFreeRandDraws() - before, audio->samples.size() / 2);
}

TEST(EspeakInstanceTest, ACopyAskedForGlibcsRandHasNoShim) {
  auto inst = LoadOrDie(EspeakInstance::Rand::kGlibc);
  ASSERT_NE(inst, nullptr);
  EXPECT_FALSE(inst->LockFreeRandDraws().has_value());
  auto audio = inst->Synthesize(kSentence, kBreathyVoice, {});
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  EXPECT_GT(audio->samples.size(), 0u);
}

// The shim draws glibc's sequence: both copies start from glibc's default state and make the
// same draws, so every call's audio is identical, the breathy voice's noise included, and stays
// so as the sequence runs on (and across a voice without noise in between).
TEST(EspeakInstanceTest, TheShimsAudioIsGlibcsSampleForSample) {
  auto lock_free = LoadOrDie(EspeakInstance::Rand::kLockFree);
  auto glibc = LoadOrDie(EspeakInstance::Rand::kGlibc);
  ASSERT_NE(lock_free, nullptr);
  ASSERT_NE(glibc, nullptr);
  for (const VoiceSelection& voice : {kBreathyVoice, kPlainVoice, kBreathyVoice, kBreathyVoice}) {
    auto a = lock_free->Synthesize(kSentence, voice, {});
    auto b = glibc->Synthesize(kSentence, voice, {});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    ASSERT_GT(a->samples.size(), 0u);
    EXPECT_TRUE(a->samples == b->samples) << voice.espeak_voice;
  }
  // The noise is really drawn: a third copy, its sequence not yet begun, speaks the breathy
  // voice differently from the two above, whose sequences have run on. Without this, equal
  // audio could mean no draws mattered.
  auto fresh = LoadOrDie(EspeakInstance::Rand::kLockFree);
  ASSERT_NE(fresh, nullptr);
  auto first = fresh->Synthesize(kSentence, kBreathyVoice, {});
  auto later = lock_free->Synthesize(kSentence, kBreathyVoice, {});
  ASSERT_TRUE(first.ok() && later.ok());
  EXPECT_FALSE(first->samples == later->samples);
}

}  // namespace
}  // namespace swha::tts
