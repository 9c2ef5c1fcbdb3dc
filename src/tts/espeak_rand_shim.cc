// rand() for one private copy of libespeak-ng, without glibc's lock.
//
// espeak-ng draws a rand() for every sample of breath noise, which the variants f2, f3, f5 and
// Alicia have (15 of our 54 voices, the default af_heart among them). glibc's rand() takes a
// lock around each draw (its state is shared by every thread), which cost those voices about
// 5 % of their synthesis time (docs/performance.md). This shared object is loaded
// first into each private copy's link namespace, so the copy's calls bind here rather than to its
// libc. Its state is its own: one per namespace, and a namespace is only ever used by the thread
// that owns it (src/tts/espeak_engine.cc), which is why no lock is needed.
//
// The draws are glibc's own, in the same order: the additive generator of degree 31 that
// rand() uses unseeded (as initstate(1, state, 128) leaves it), through random_r, which locks
// nothing. A copy's audio is the same with or without this shim.
//
// Built on its own (the swha_espeak_rand_shim target: no sanitizers, no C++ runtime) and
// compiled into the binary, never linked into it.
#include <cstdint>
#include <cstdlib>

namespace {

constexpr unsigned kGlibcDefaultSeed = 1;  // what rand() draws from before any srand()
constexpr size_t kStateBytes = 128;        // glibc's default state: degree 31, 32 words

alignas(int32_t) char state_bytes[kStateBytes];
random_data generator;  // zero-initialised, as initstate_r requires
uint64_t draws = 0;

[[gnu::constructor]] void SeedAsGlibcDoes() {
  initstate_r(kGlibcDefaultSeed, state_bytes, kStateBytes, &generator);
}

long Draw() {
  ++draws;
  int32_t value = 0;
  random_r(&generator, &value);
  return value;
}

void Seed(unsigned seed) { srandom_r(seed, &generator); }

}  // namespace

// The C library's names, so the copy's calls bind here. All four share one state, as in glibc,
// so a copy that seeds with srand() still draws what it seeded.
// Everything else in the object is hidden (-fvisibility=hidden).
#define SWHA_EXPORT [[gnu::visibility("default")]]
extern "C" {
SWHA_EXPORT int rand() noexcept { return static_cast<int>(Draw()); }
SWHA_EXPORT long random() noexcept { return Draw(); }
SWHA_EXPORT void srand(unsigned seed) noexcept { Seed(seed); }
SWHA_EXPORT void srandom(unsigned seed) noexcept { Seed(seed); }

// How many draws this copy has made here: a test's proof that the copy's rand() is this one.
SWHA_EXPORT uint64_t swha_espeak_rand_shim_draws() { return draws; }
}
