// FLAC through libFLAC's stream encoder, 16-bit mono. A whole file is written into memory
// with seek and tell callbacks, so libFLAC goes back at the end and fills STREAMINFO in (sample
// count, MD5 of the audio, frame sizes); a stream's STREAMINFO says "length unknown".
#include <FLAC/stream_encoder.h>

#include <cstring>
#include <vector>

#include "audio/encoded_bytes.h"
#include "audio/encoder.h"

namespace swha::audio {
namespace {

class FlacEncoder : public Encoder {
 public:
  explicit FlacEncoder(bool streaming) : encoder_(FLAC__stream_encoder_new()), out_(streaming) {}
  ~FlacEncoder() override {
    if (encoder_ != nullptr) FLAC__stream_encoder_delete(encoder_);
  }
  FlacEncoder(const FlacEncoder&) = delete;
  FlacEncoder& operator=(const FlacEncoder&) = delete;

  Status Start(int sample_rate) {
    if (encoder_ == nullptr) return Status::Internal("libFLAC could not allocate an encoder");
    FLAC__stream_encoder_set_channels(encoder_, 1);
    FLAC__stream_encoder_set_bits_per_sample(encoder_, 16);
    FLAC__stream_encoder_set_sample_rate(encoder_, static_cast<uint32_t>(sample_rate));
    FLAC__stream_encoder_set_compression_level(encoder_, kFlacCompressionLevel);
    FLAC__stream_encoder_set_streamable_subset(encoder_, true);
    const FLAC__StreamEncoderInitStatus init = FLAC__stream_encoder_init_stream(
        encoder_, &FlacEncoder::OnWrite, out_.streaming() ? nullptr : &FlacEncoder::OnSeek,
        out_.streaming() ? nullptr : &FlacEncoder::OnTell, /*metadata_callback=*/nullptr, this);
    if (init != FLAC__STREAM_ENCODER_INIT_STATUS_OK) {
      return Status::Internal(std::string("libFLAC could not start: ") +
                              FLAC__StreamEncoderInitStatusString[init]);
    }
    return Status::Ok();
  }

  Result<std::string> Write(std::span<const int16_t> samples) override {
    widened_.assign(samples.begin(), samples.end());
    if (!widened_.empty() &&
        !FLAC__stream_encoder_process_interleaved(encoder_, widened_.data(),
                                                  static_cast<uint32_t>(widened_.size()))) {
      return Failure("encode");
    }
    return out_.TakeReady();
  }

  Result<std::string> Finish() override {
    if (!FLAC__stream_encoder_finish(encoder_)) return Failure("finish");
    return out_.TakeAll();
  }

 private:
  Status Failure(const char* what) const {
    return Status::Internal(std::string("libFLAC failed to ") + what + ": " +
                            FLAC__stream_encoder_get_resolved_state_string(encoder_));
  }

  // Writes at the current position: at the end while encoding, over STREAMINFO at the finish.
  static FLAC__StreamEncoderWriteStatus OnWrite(const FLAC__StreamEncoder* /*encoder*/,
                                                const FLAC__byte buffer[], size_t bytes,
                                                uint32_t /*samples*/, uint32_t /*frame*/,
                                                void* client) {
    auto* self = static_cast<FlacEncoder*>(client);
    if (self->out_.streaming()) {
      self->out_.Append(buffer, bytes);
      return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
    }
    std::string& out = self->out_.buffer();
    if (self->position_ + bytes > out.size()) out.resize(self->position_ + bytes);
    std::memcpy(out.data() + self->position_, buffer, bytes);
    self->position_ += bytes;
    return FLAC__STREAM_ENCODER_WRITE_STATUS_OK;
  }

  static FLAC__StreamEncoderSeekStatus OnSeek(const FLAC__StreamEncoder* /*encoder*/,
                                              FLAC__uint64 offset, void* client) {
    auto* self = static_cast<FlacEncoder*>(client);
    if (offset > self->out_.buffer().size()) return FLAC__STREAM_ENCODER_SEEK_STATUS_ERROR;
    self->position_ = static_cast<size_t>(offset);
    return FLAC__STREAM_ENCODER_SEEK_STATUS_OK;
  }

  static FLAC__StreamEncoderTellStatus OnTell(const FLAC__StreamEncoder* /*encoder*/,
                                              FLAC__uint64* offset, void* client) {
    *offset = static_cast<const FlacEncoder*>(client)->position_;
    return FLAC__STREAM_ENCODER_TELL_STATUS_OK;
  }

  FLAC__StreamEncoder* encoder_;
  std::vector<FLAC__int32> widened_;  // libFLAC takes 32-bit samples
  EncodedBytes out_;
  size_t position_ = 0;  // whole file: where the next write goes
};

}  // namespace

Result<std::unique_ptr<Encoder>> CreateFlacEncoder(const EncoderConfig& config) {
  auto encoder = std::make_unique<FlacEncoder>(config.streaming);
  SWHA_RETURN_IF_ERROR(encoder->Start(config.sample_rate));
  return std::unique_ptr<Encoder>(std::move(encoder));
}

}  // namespace swha::audio
