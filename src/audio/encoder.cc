#include "audio/encoder.h"

#include <limits>

#include "tts/wav.h"

namespace swha::audio {
namespace {

// Raw PCM and WAV need no library. A streamed WAV cannot know its length, so its header
// declares the largest sizes (as streaming servers do); players read it to the end.
class PcmEncoder : public Encoder {
 public:
  PcmEncoder(EncoderConfig config, bool wav_header) : config_(config), wav_header_(wav_header) {
    // A whole file keeps room for its header, written once the length is known: the samples
    // are then never copied again.
    if (!config_.streaming && wav_header_) pending_.assign(tts::kWavHeaderBytes, '\0');
  }

  Result<std::string> Write(std::span<const int16_t> samples) override {
    std::string out;
    if (config_.streaming && wav_header_ && !header_sent_) {
      // "Unknown": the largest size a header can state.
      out = tts::WavHeader(static_cast<uint32_t>(tts::kMaxWavDataBytes), config_.sample_rate, 1);
      header_sent_ = true;
    }
    tts::AppendPcm16(samples, config_.streaming ? &out : &pending_);
    return out;
  }

  Result<std::string> Finish() override {
    if (config_.streaming) return Write({});
    if (wav_header_) {
      const auto data_bytes = static_cast<uint32_t>(pending_.size() - tts::kWavHeaderBytes);
      pending_.replace(0, tts::kWavHeaderBytes, tts::WavHeader(data_bytes, config_.sample_rate, 1));
    }
    return std::move(pending_);
  }

 private:
  const EncoderConfig config_;
  const bool wav_header_;
  bool header_sent_ = false;
  std::string pending_;  // whole-file mode: the header's room (WAV), then the samples so far
};

}  // namespace

Result<std::unique_ptr<Encoder>> CreateEncoder(const EncoderConfig& config) {
  if (config.sample_rate < 8000 || config.sample_rate > 48000) {
    return Status::InvalidArgument("sample rate " + std::to_string(config.sample_rate) +
                                   " Hz is outside 8000..48000");
  }
  switch (config.format) {
    case AudioFormat::kWav: return std::unique_ptr<Encoder>(new PcmEncoder(config, true));
    case AudioFormat::kPcm: return std::unique_ptr<Encoder>(new PcmEncoder(config, false));
    case AudioFormat::kMp3: return CreateMp3Encoder(config);
    case AudioFormat::kOpus: return CreateOpusEncoder(config);
    case AudioFormat::kFlac: return CreateFlacEncoder(config);
    case AudioFormat::kAac: return CreateAacEncoder(config);
  }
  return Status::Internal("unknown audio format");
}

Status EncoderAvailable(AudioFormat format) {
  return format == AudioFormat::kAac ? AacEncoderAvailable() : Status::Ok();
}

Result<std::string> EncodeAudio(AudioFormat format, std::span<const int16_t> samples,
                                int sample_rate) {
  SWHA_ASSIGN_OR_RETURN(std::unique_ptr<Encoder> encoder,
                        CreateEncoder({.format = format, .sample_rate = sample_rate}));
  SWHA_RETURN_IF_ERROR(encoder->Write(samples).status());
  return encoder->Finish();
}

}  // namespace swha::audio
