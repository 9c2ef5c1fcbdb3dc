// Encoders from 16-bit PCM to every AudioFormat, from Debian's libraries: libmp3lame, libopusenc
// (Ogg Opus), libFLAC, libavcodec's native AAC encoder (in ADTS frames), and our own WAV.
//
// An encoder works in one of two modes:
// - whole file: Write() keeps everything and Finish() returns the complete file, with the
//   headers that can only be known at the end filled in (WAV sizes, FLAC's STREAMINFO with its
//   sample count and MD5, MP3's LAME tag with encoder delay and padding for gapless decoding);
// - streaming: each Write() returns the bytes that are ready to send, so a client can start
//   playing before the text is fully synthesized; headers say "length unknown".
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "audio/format.h"
#include "util/status.h"

namespace swha::audio {

// Bit rates for mono speech, one constant each: enough for a clean voice, small to send.
inline constexpr int kMp3BitrateKbps = 64;
inline constexpr int kAacBitrate = 64000;
inline constexpr int kOpusBitrate = 32000;
inline constexpr int kFlacCompressionLevel = 5;

struct EncoderConfig {
  AudioFormat format = AudioFormat::kWav;
  int sample_rate = 24000;
  bool streaming = false;
};

// Not thread-safe: one encoder per stream.
class Encoder {
 public:
  virtual ~Encoder() = default;
  // Encodes mono `samples`; returns the bytes now ready (streaming) or "" (whole file).
  virtual Result<std::string> Write(std::span<const int16_t> samples) = 0;
  // Ends the stream: the remaining bytes (streaming) or the whole file. Call once, last.
  virtual Result<std::string> Finish() = 0;
};

// The one factory. InvalidArgument for a rate the format cannot carry (MP3 and AAC take the
// usual rates from 8 to 48 kHz), Internal if the library refuses.
Result<std::unique_ptr<Encoder>> CreateEncoder(const EncoderConfig& config);

// Whether `format` can be encoded here: Internal when a library it is loaded from at run time
// (AAC's libavcodec) is missing. Streamed answers ask before their status line goes out, since
// an encoder that fails after it can no longer turn the 200 into a 500.
Status EncoderAvailable(AudioFormat format);

// The whole file for `samples` at `sample_rate`.
Result<std::string> EncodeAudio(AudioFormat format, std::span<const int16_t> samples,
                                int sample_rate);

// One per library-backed format (mp3_encoder.cc, opus_encoder.cc, flac_encoder.cc,
// aac_encoder.cc), called by CreateEncoder.
Result<std::unique_ptr<Encoder>> CreateMp3Encoder(const EncoderConfig& config);
Result<std::unique_ptr<Encoder>> CreateOpusEncoder(const EncoderConfig& config);
Result<std::unique_ptr<Encoder>> CreateFlacEncoder(const EncoderConfig& config);
Result<std::unique_ptr<Encoder>> CreateAacEncoder(const EncoderConfig& config);
Status AacEncoderAvailable();  // libavcodec loaded (it is, at the first call, if it can be)

}  // namespace swha::audio
