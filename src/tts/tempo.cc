#include "tts/tempo.h"

#include <sonic.h>

#include <cmath>
#include <memory>
#include <string>

namespace swha::tts {

Result<std::vector<int16_t>> ChangeTempo(std::span<const int16_t> samples, int sample_rate,
                                         double factor) {
  if (!std::isfinite(factor) || factor < kMinTempoFactor || factor > kMaxTempoFactor) {
    return Status::InvalidArgument("tempo factor " + std::to_string(factor) + " is out of range");
  }
  std::unique_ptr<sonicStreamStruct, decltype(&sonicDestroyStream)> stream(
      sonicCreateStream(sample_rate, 1), &sonicDestroyStream);
  if (stream == nullptr) return Status::Internal("libsonic could not allocate a stream");
  sonicSetSpeed(stream.get(), static_cast<float>(factor));
  std::vector<int16_t> out;
  out.reserve(static_cast<size_t>(static_cast<double>(samples.size()) / factor) + 1024);
  std::vector<short> chunk(4096);
  const auto drain = [&] {
    int n = 0;
    while ((n = sonicReadShortFromStream(stream.get(), chunk.data(),
                                         static_cast<int>(chunk.size()))) > 0) {
      out.insert(out.end(), chunk.begin(), chunk.begin() + n);
    }
  };
  constexpr size_t kSlice = 1 << 16;
  for (size_t at = 0; at < samples.size(); at += kSlice) {
    const size_t n = std::min(kSlice, samples.size() - at);
    // libsonic copies the samples in; its parameter is not const only for historical reasons.
    std::vector<short> slice(samples.begin() + static_cast<std::ptrdiff_t>(at),
                             samples.begin() + static_cast<std::ptrdiff_t>(at + n));
    if (sonicWriteShortToStream(stream.get(), slice.data(), static_cast<int>(n)) == 0) {
      return Status::Internal("libsonic ran out of memory");
    }
    drain();
  }
  if (sonicFlushStream(stream.get()) == 0) return Status::Internal("libsonic could not flush");
  drain();
  return out;
}

}  // namespace swha::tts
