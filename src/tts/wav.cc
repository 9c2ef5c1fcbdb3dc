#include "tts/wav.h"

#include <bit>

namespace swha::tts {
namespace {

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 0; shift < 32; shift += 8)
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
}

}  // namespace

std::string WavHeader(uint32_t data_bytes, int sample_rate, int channels) {
  constexpr uint16_t kBitsPerSample = 16;
  const uint16_t block_align = static_cast<uint16_t>(channels * kBitsPerSample / 8);
  std::string h;
  h.reserve(kWavHeaderBytes);
  h += "RIFF";
  PutU32(&h, 36 + data_bytes);  // everything after this field
  h += "WAVE";
  h += "fmt ";
  PutU32(&h, 16);  // PCM fmt chunk size
  PutU16(&h, 1);   // WAVE_FORMAT_PCM
  PutU16(&h, static_cast<uint16_t>(channels));
  PutU32(&h, static_cast<uint32_t>(sample_rate));
  PutU32(&h, static_cast<uint32_t>(sample_rate) * block_align);  // byte rate
  PutU16(&h, block_align);
  PutU16(&h, kBitsPerSample);
  h += "data";
  PutU32(&h, data_bytes);
  return h;
}

bool IsCompleteWav(std::string_view header, uint64_t file_size) {
  if (header.size() < kWavHeaderBytes || header.substr(0, 4) != "RIFF" ||
      header.substr(8, 4) != "WAVE" || header.substr(36, 4) != "data") {
    return false;
  }
  uint32_t data_bytes = 0;
  for (int i = 3; i >= 0; --i) {
    data_bytes = (data_bytes << 8) | static_cast<unsigned char>(header[40 + i]);
  }
  return file_size == kWavHeaderBytes + static_cast<uint64_t>(data_bytes);
}

void AppendPcm16(std::span<const int16_t> samples, std::string* out) {
  if (samples.empty()) return;  // an empty span's data() may be null, which append must not get
  if constexpr (std::endian::native == std::endian::little) {
    // Every encoded second of audio passes here: one copy, not a loop of two-byte appends, and
    // no zeroing of the bytes first (as resize would, and GCC 12's libstdc++ has no
    // resize_and_overwrite).
    out->append(reinterpret_cast<const char*>(samples.data()), samples.size_bytes());
  } else {
    const size_t start = out->size();
    out->resize(start + samples.size_bytes());
    char* dest = out->data() + start;
    for (int16_t s : samples) {
      const auto u = static_cast<uint16_t>(s);
      *dest++ = static_cast<char>(u & 0xFF);
      *dest++ = static_cast<char>(u >> 8);
    }
  }
}

std::string EncodeWav(std::span<const int16_t> samples, int sample_rate, int channels) {
  const auto data_bytes = static_cast<uint32_t>(samples.size_bytes());
  std::string out = WavHeader(data_bytes, sample_rate, channels);
  AppendPcm16(samples, &out);
  return out;
}

}  // namespace swha::tts
