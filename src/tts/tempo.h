// Time-stretching speech without changing its pitch (libsonic, the algorithm made for speeding
// up speech that espeak-ng uses too), for speeds an engine cannot reach by itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "util/status.h"

namespace swha::tts {

// The most and least a tempo change may be, beyond what any client may ask for (OpenAI's
// speeds 0.25..4.0 over espeak-ng's own 0.46..2.57).
inline constexpr double kMinTempoFactor = 0.1;
inline constexpr double kMaxTempoFactor = 10.0;

// `samples` (mono, at `sample_rate`) played `factor` times as fast: about size / factor
// samples. InvalidArgument outside kMinTempoFactor..kMaxTempoFactor.
Result<std::vector<int16_t>> ChangeTempo(std::span<const int16_t> samples, int sample_rate,
                                         double factor);

}  // namespace swha::tts
