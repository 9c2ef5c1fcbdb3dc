#include "audio/encoder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "audio/resampler.h"
#include "tests/support/audio_probe.h"
#include "tts/wav.h"

namespace swha::audio {
namespace {

// Half a second of a 440 Hz tone, 0.3 s of silence, then 0.5 s of a sweep: speech-like enough
// that every encoder works for its bits, with a silent gap a broken encoder would smear.
std::vector<int16_t> TestSignal(int sample_rate) {
  std::vector<int16_t> samples;
  const auto n = [&](double seconds) { return static_cast<int>(seconds * sample_rate); };
  samples.reserve(static_cast<size_t>(n(1.3)) + 2);
  for (int i = 0; i < n(0.5); ++i) {
    samples.push_back(
        static_cast<int16_t>(8000 * std::sin(2 * std::numbers::pi * 440.0 * i / sample_rate)));
  }
  samples.insert(samples.end(), n(0.3), 0);
  double phase = 0;
  for (int i = 0; i < n(0.5); ++i) {
    phase += 2 * std::numbers::pi * (300.0 + 2000.0 * i / n(0.5)) / sample_rate;
    samples.push_back(static_cast<int16_t>(6000 * std::sin(phase)));
  }
  return samples;
}

struct Expected {
  AudioFormat format;
  const char* container;
  const char* codec;
  int decoded_rate;  // 0: the input's
};

const Expected kExpected[] = {
    {AudioFormat::kWav, "wav", "pcm_s16le", 0}, {AudioFormat::kMp3, "mp3", "mp3", 0},
    {AudioFormat::kOpus, "ogg", "opus", 48000},  // Opus decodes at 48 kHz, whatever went in
    {AudioFormat::kAac, "aac", "aac", 48000},    // see aac_encoder.cc
    {AudioFormat::kFlac, "flac", "flac", 0},    {AudioFormat::kPcm, "s16le", "pcm_s16le", 0},
};

// What the issue allows between a format's decoded length and the WAV's.
constexpr double kDurationToleranceSeconds = 0.060;

class EncoderFormatTest : public ::testing::TestWithParam<std::tuple<Expected, int>> {};

TEST_P(EncoderFormatTest, AWholeFileDecodesAtItsRateAndLength) {
  const auto [expected, rate] = GetParam();
  const std::vector<int16_t> signal = TestSignal(rate);
  const double seconds = static_cast<double>(signal.size()) / rate;
  const Result<std::string> file = EncodeAudio(expected.format, signal, rate);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const std::string_view name = InfoOf(expected.format).name;
  const Result<testing::ProbedAudio> probed = testing::ProbeAudio(*file, name, rate);
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_EQ(probed->container, expected.container);
  EXPECT_EQ(probed->codec, expected.codec);
  EXPECT_EQ(probed->sample_rate, expected.decoded_rate != 0 ? expected.decoded_rate : rate);
  EXPECT_EQ(probed->channels, 1);
  EXPECT_NEAR(probed->DecodedSeconds(), seconds, kDurationToleranceSeconds) << name;
}

TEST_P(EncoderFormatTest, AStreamSendsBytesBeforeTheEndAndDecodes) {
  const auto [expected, rate] = GetParam();
  const std::vector<int16_t> signal = TestSignal(rate);
  Result<std::unique_ptr<Encoder>> encoder =
      CreateEncoder({.format = expected.format, .sample_rate = rate, .streaming = true});
  ASSERT_TRUE(encoder.ok()) << encoder.status().ToString();
  std::string stream;
  const size_t chunk = static_cast<size_t>(rate) / 4;  // a quarter of a second at a time
  size_t chunks_with_bytes = 0;
  for (size_t at = 0; at < signal.size(); at += chunk) {
    const size_t n = std::min(chunk, signal.size() - at);
    const Result<std::string> bytes = (*encoder)->Write(std::span(signal).subspan(at, n));
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    if (!bytes->empty()) ++chunks_with_bytes;
    stream += *bytes;
  }
  const Result<std::string> tail = (*encoder)->Finish();
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  stream += *tail;
  // Audio leaves while it is produced: most quarter-seconds already yield bytes.
  EXPECT_GE(chunks_with_bytes, 4U) << InfoOf(expected.format).name;
  const Result<testing::ProbedAudio> probed =
      testing::ProbeAudio(stream, InfoOf(expected.format).name, rate);
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_EQ(probed->codec, expected.codec);
  EXPECT_EQ(probed->channels, 1);
  // A stream cannot carry gapless information (MP3's tag, known lengths): the decoder may add
  // the codec's priming and last-frame padding, never lose audio.
  const double seconds = static_cast<double>(signal.size()) / rate;
  EXPECT_GE(probed->DecodedSeconds(), seconds - 0.005);
  EXPECT_LE(probed->DecodedSeconds(), seconds + 0.120);
}

INSTANTIATE_TEST_SUITE_P(AllFormats, EncoderFormatTest,
                         ::testing::Combine(::testing::ValuesIn(kExpected),
                                            ::testing::Values(22050, 24000)),
                         [](const auto& info) {
                           return std::string(InfoOf(std::get<0>(info.param).format).name) + "_" +
                                  std::to_string(std::get<1>(info.param));
                         });

// Nothing written, or an empty write: every format still ends as a file a decoder accepts.
TEST(EncoderTest, EmptyWritesAndEmptyStreamsAreValid) {
  for (const FormatInfo& info : AllFormats()) {
    for (const bool streaming : {false, true}) {
      SCOPED_TRACE(std::string(info.name) + (streaming ? " streamed" : " whole"));
      auto encoder =
          CreateEncoder({.format = info.format, .sample_rate = 24000, .streaming = streaming});
      ASSERT_TRUE(encoder.ok());
      auto first = (*encoder)->Write({});
      ASSERT_TRUE(first.ok()) << first.status().ToString();
      auto rest = (*encoder)->Finish();
      ASSERT_TRUE(rest.ok()) << rest.status().ToString();
      if (info.format == AudioFormat::kPcm) continue;  // no samples, no bytes
      auto probed = testing::ProbeAudio(*first + *rest, info.name);
      EXPECT_TRUE(probed.ok()) << probed.status().ToString();
    }
  }
}

TEST(EncoderTest, AWholeWavIsTheCanonicalFileAndPcmIsItsData) {
  const std::vector<int16_t> signal = TestSignal(22050);
  const Result<std::string> wav = EncodeAudio(AudioFormat::kWav, signal, 22050);
  ASSERT_TRUE(wav.ok());
  EXPECT_EQ(*wav, tts::EncodeWav(signal, 22050));
  const Result<std::string> pcm = EncodeAudio(AudioFormat::kPcm, signal, 22050);
  ASSERT_TRUE(pcm.ok());
  EXPECT_EQ(*pcm, wav->substr(tts::kWavHeaderBytes));
}

// A whole WAV written in several pieces is the same file as one written at once; its header
// (room kept at the start, filled in by Finish) states the length; samples are little-endian.
TEST(EncoderTest, AWholeWavFromSeveralWritesIsByteExact) {
  const std::vector<int16_t> signal = TestSignal(22050);
  auto encoder = CreateEncoder({.format = AudioFormat::kWav, .sample_rate = 22050});
  ASSERT_TRUE(encoder.ok());
  const std::span<const int16_t> all(signal);
  std::string written;
  for (size_t at = 0; at < all.size(); at += 1000) {
    auto part = (*encoder)->Write(all.subspan(at, std::min<size_t>(1000, all.size() - at)));
    ASSERT_TRUE(part.ok());
    written += *part;
  }
  auto rest = (*encoder)->Finish();
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(written + *rest, *EncodeAudio(AudioFormat::kWav, signal, 22050));

  const std::vector<int16_t> two = {1, -2};
  EXPECT_EQ(EncodeAudio(AudioFormat::kWav, two, 8000)->substr(tts::kWavHeaderBytes),
            std::string("\x01\x00\xfe\xff", 4));
  EXPECT_EQ(*EncodeAudio(AudioFormat::kWav, {}, 8000), tts::WavHeader(0, 8000, 1));
}

TEST(EncoderTest, AStreamedWavSaysItsLengthIsUnknown) {
  Result<std::unique_ptr<Encoder>> encoder =
      CreateEncoder({.format = AudioFormat::kWav, .sample_rate = 24000, .streaming = true});
  ASSERT_TRUE(encoder.ok());
  const std::vector<int16_t> samples(100, 7);
  const Result<std::string> first = (*encoder)->Write(samples);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), tts::kWavHeaderBytes + 200);
  EXPECT_EQ(first->substr(40, 4), "\xDB\xFF\xFF\xFF");  // data size: 0xFFFFFFFF - 36
  EXPECT_EQ(first->substr(4, 4), "\xFF\xFF\xFF\xFF");   // RIFF size
  const Result<std::string> second = (*encoder)->Write(samples);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->size(), 200U);  // the header only once
}

TEST(EncoderTest, RatesAFormatCannotCarryAreRefused) {
  EXPECT_EQ(CreateEncoder({.format = AudioFormat::kWav, .sample_rate = 4000}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(CreateEncoder({.format = AudioFormat::kMp3, .sample_rate = 96000}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(EncoderTest, FormatNamesAndFileNames) {
  ASSERT_TRUE(ParseAudioFormat("flac").ok());
  EXPECT_EQ(*ParseAudioFormat("flac"), AudioFormat::kFlac);
  const Status bad = ParseAudioFormat("ogg").status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("wav, mp3, opus, aac, flac, pcm"), std::string::npos);
  EXPECT_EQ(FormatOfFileName("segment_003.opus"), AudioFormat::kOpus);
  EXPECT_EQ(FormatOfFileName("segment_003.marks.json"), std::nullopt);
  EXPECT_EQ(InfoOf(AudioFormat::kMp3).content_type, "audio/mpeg");
}

// One second of a 1 kHz tone keeps its pitch, loudness and length through 22050 → 24000 Hz,
// and a stream cut in odd pieces gives the same samples as the whole.
TEST(ResamplerTest, ConvertsRateWithoutChangingPitchOrLength) {
  std::vector<int16_t> tone(22050);
  for (size_t i = 0; i < tone.size(); ++i) {
    tone[i] = static_cast<int16_t>(10000 * std::sin(2 * std::numbers::pi * 1000.0 * i / 22050));
  }
  const Result<std::vector<int16_t>> out = Resample(tone, 22050, 24000);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NEAR(static_cast<double>(out->size()), 24000, 2);
  int crossings = 0;
  int16_t peak = 0;
  for (size_t i = 1000; i + 1000 < out->size(); ++i) {  // away from the filter's edges
    if (((*out)[i - 1] < 0) != ((*out)[i] < 0)) ++crossings;
    peak = std::max<int16_t>(peak, (*out)[i]);
  }
  const double seconds = (out->size() - 2000.0) / 24000;
  EXPECT_NEAR(crossings / seconds, 2000, 10);  // two per cycle
  EXPECT_NEAR(peak, 10000, 150);

  Result<std::unique_ptr<Resampler>> stream = Resampler::Create(22050, 24000);
  ASSERT_TRUE(stream.ok());
  std::vector<int16_t> pieces;
  for (size_t at = 0; at < tone.size(); at += 777) {
    const size_t n = std::min<size_t>(777, tone.size() - at);
    Result<std::vector<int16_t>> part = (*stream)->Process(std::span(tone).subspan(at, n));
    ASSERT_TRUE(part.ok());
    pieces.insert(pieces.end(), part->begin(), part->end());
  }
  Result<std::vector<int16_t>> tail = (*stream)->Flush();
  ASSERT_TRUE(tail.ok());
  pieces.insert(pieces.end(), tail->begin(), tail->end());
  EXPECT_EQ(pieces, *out);
}

TEST(ResamplerTest, ImpossibleRatesAreRefused) {
  EXPECT_EQ(Resampler::Create(0, 24000).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Resample(std::vector<int16_t>(10), 22050, -1).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace swha::audio
