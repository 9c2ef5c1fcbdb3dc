// RIFF/WAVE encoding of 16-bit PCM.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace swha::tts {

constexpr size_t kWavHeaderBytes = 44;
// The most sample bytes a WAV can carry: its RIFF size (data + 36) must fit 32 bits.
constexpr uint64_t kMaxWavDataBytes = 0xFFFFFFFFu - 36;

// The canonical 44-byte header for `data_bytes` of 16-bit little-endian PCM.
std::string WavHeader(uint32_t data_bytes, int sample_rate, int channels);

// True if `file_size` is exactly the header plus the data length the header declares: a file
// cut short (e.g. by a power failure before it reached the disk) fails this.
bool IsCompleteWav(std::string_view header, uint64_t file_size);

// Appends `samples` as 16-bit little-endian bytes.
void AppendPcm16(std::span<const int16_t> samples, std::string* out);

// Header followed by the samples (interleaved if channels > 1), little-endian.
std::string EncodeWav(std::span<const int16_t> samples, int sample_rate, int channels = 1);

}  // namespace swha::tts
