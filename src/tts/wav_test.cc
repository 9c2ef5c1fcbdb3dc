#include "tts/wav.h"

#include <gtest/gtest.h>

#include <vector>

namespace swha::tts {
namespace {

// The worked example of the canonical WAVE format published by Stanford CCRMA
// ("WAVE PCM soundfile format"): 2048 data bytes, 2 channels, 22050 Hz, 16-bit. These are
// the 44 header bytes printed on that page.
TEST(WavTest, HeaderMatchesPublishedCanonicalExample) {
  const unsigned char expected[] = {
      0x52, 0x49, 0x46, 0x46, 0x24, 0x08, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74,
      0x20, 0x10, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x22, 0x56, 0x00, 0x00, 0x88, 0x58,
      0x01, 0x00, 0x04, 0x00, 0x10, 0x00, 0x64, 0x61, 0x74, 0x61, 0x00, 0x08, 0x00, 0x00};
  const std::string header = WavHeader(2048, 22050, 2);
  ASSERT_EQ(header.size(), kWavHeaderBytes);
  EXPECT_EQ(header, std::string(reinterpret_cast<const char*>(expected), sizeof(expected)));
}

TEST(WavTest, EncodesSamplesLittleEndianAfterHeader) {
  const std::vector<int16_t> samples = {0, 1, -1, 0x1234, -32768, 32767};
  const std::string wav = EncodeWav(samples, 22050);
  ASSERT_EQ(wav.size(), kWavHeaderBytes + samples.size() * 2);
  EXPECT_EQ(wav.substr(0, kWavHeaderBytes), WavHeader(12, 22050, 1));
  const std::string data = wav.substr(kWavHeaderBytes);
  EXPECT_EQ(data, std::string("\x00\x00\x01\x00\xff\xff\x34\x12\x00\x80\xff\x7f", 12));
}

TEST(WavTest, MonoHeaderFieldsAreConsistent) {
  const std::string h = WavHeader(44100, 22050, 1);
  auto u32 = [&](size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(h[at])) |
           static_cast<uint32_t>(static_cast<unsigned char>(h[at + 1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(h[at + 2])) << 16 |
           static_cast<uint32_t>(static_cast<unsigned char>(h[at + 3])) << 24;
  };
  EXPECT_EQ(u32(4), 36u + 44100u);
  EXPECT_EQ(u32(24), 22050u);
  EXPECT_EQ(u32(28), 44100u);  // byte rate = rate * 2 bytes
  EXPECT_EQ(u32(40), 44100u);
}

TEST(WavTest, CompletenessComesFromTheHeader) {
  const std::vector<int16_t> samples(100, 7);
  const std::string wav = EncodeWav(samples, 22050);
  EXPECT_TRUE(IsCompleteWav(wav, wav.size()));
  EXPECT_FALSE(IsCompleteWav(wav, wav.size() - 1));
  EXPECT_FALSE(IsCompleteWav(wav, 0));
  EXPECT_FALSE(IsCompleteWav(wav.substr(0, 20), wav.size()));
  EXPECT_FALSE(IsCompleteWav(std::string(44, '\0'), 44));
}

}  // namespace
}  // namespace swha::tts
