// Sample-rate conversion with libsoxr (band-limited, high quality), so that audio from an
// engine at its own rate (espeak-ng: 22050 Hz) can be sent at the rate a client expects
// (OpenAI's PCM: 24 kHz). Never by dropping or repeating samples.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "util/status.h"

namespace swha::audio {

// A stream of mono 16-bit samples. Not thread-safe: one per stream.
class Resampler {
 public:
  // InvalidArgument for a rate outside 1..384000; Internal if libsoxr refuses.
  static Result<std::unique_ptr<Resampler>> Create(int input_rate, int output_rate);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // The output for `samples` that is ready; the filter holds a few back until Flush().
  Result<std::vector<int16_t>> Process(std::span<const int16_t> samples);
  // What the filter still holds. Call once, at the end.
  Result<std::vector<int16_t>> Flush();

 private:
  Resampler(void* soxr, double ratio) : soxr_(soxr), ratio_(ratio) {}
  Result<std::vector<int16_t>> Run(const int16_t* input, size_t length);

  void* soxr_;  // soxr_t
  double ratio_;
};

// The whole of `samples` at `output_rate` (a copy when the rates are equal).
Result<std::vector<int16_t>> Resample(std::span<const int16_t> samples, int input_rate,
                                      int output_rate);

}  // namespace swha::audio
