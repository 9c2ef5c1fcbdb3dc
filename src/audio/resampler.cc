#include "audio/resampler.h"

#include <soxr.h>

#include <cmath>
#include <string>

namespace swha::audio {
namespace {

constexpr int kMaxSampleRate = 384000;

soxr_t Soxr(void* handle) { return static_cast<soxr_t>(handle); }

}  // namespace

Result<std::unique_ptr<Resampler>> Resampler::Create(int input_rate, int output_rate) {
  if (input_rate <= 0 || output_rate <= 0 || input_rate > kMaxSampleRate ||
      output_rate > kMaxSampleRate) {
    return Status::InvalidArgument("cannot resample " + std::to_string(input_rate) + " Hz to " +
                                   std::to_string(output_rate) + " Hz");
  }
  // No dither: the same input gives the same output, however a stream is cut.
  soxr_io_spec_t io = soxr_io_spec(SOXR_INT16_I, SOXR_INT16_I);
  io.flags |= SOXR_NO_DITHER;
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  soxr_error_t error = nullptr;
  soxr_t soxr = soxr_create(input_rate, output_rate, 1, &error, &io, &quality, nullptr);
  if (error != nullptr || soxr == nullptr) {
    return Status::Internal(std::string("libsoxr could not start: ") + soxr_strerror(error));
  }
  return std::unique_ptr<Resampler>(
      new Resampler(soxr, static_cast<double>(output_rate) / input_rate));
}

Resampler::~Resampler() { soxr_delete(Soxr(soxr_)); }

Result<std::vector<int16_t>> Resampler::Process(std::span<const int16_t> samples) {
  if (samples.empty()) return std::vector<int16_t>();
  return Run(samples.data(), samples.size());
}

Result<std::vector<int16_t>> Resampler::Flush() { return Run(nullptr, 0); }

// With `input` null, libsoxr drains what it holds; it may take several calls.
Result<std::vector<int16_t>> Resampler::Run(const int16_t* input, size_t length) {
  std::vector<int16_t> out;
  constexpr size_t kMinChunk = 4096;
  size_t consumed = 0;
  while (true) {
    const size_t room = static_cast<size_t>(std::ceil((length - consumed) * ratio_)) + kMinChunk;
    const size_t start = out.size();
    out.resize(start + room);
    size_t used = 0;
    size_t produced = 0;
    const int16_t* in = input == nullptr ? nullptr : input + consumed;
    const soxr_error_t error = soxr_process(Soxr(soxr_), in, length - consumed, &used,
                                            out.data() + start, room, &produced);
    if (error != nullptr) return Status::Internal(std::string("libsoxr failed: ") + error);
    out.resize(start + produced);
    consumed += used;
    // Input: done when all of it is taken and the output buffer was not the limit.
    // Flush: done when a call produces less than it had room for.
    if (produced < room && (input == nullptr || consumed == length)) return out;
  }
}

Result<std::vector<int16_t>> Resample(std::span<const int16_t> samples, int input_rate,
                                      int output_rate) {
  if (input_rate == output_rate) return std::vector<int16_t>(samples.begin(), samples.end());
  SWHA_ASSIGN_OR_RETURN(std::unique_ptr<Resampler> resampler,
                        Resampler::Create(input_rate, output_rate));
  SWHA_ASSIGN_OR_RETURN(std::vector<int16_t> out, resampler->Process(samples));
  SWHA_ASSIGN_OR_RETURN(std::vector<int16_t> tail, resampler->Flush());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace swha::audio
