// Opus in Ogg through libopusenc's pull interface: we write PCM at its own rate (libopusenc
// resamples to Opus's 48 kHz) and take the finished Ogg pages. A stream forces a page out after
// every write and keeps the encoder's look-ahead short, so audio leaves as it is produced.
#include <opus/opusenc.h>

#include <vector>

#include "audio/encoded_bytes.h"
#include "audio/encoder.h"

namespace swha::audio {
namespace {

// Look-ahead while streaming, in 48 kHz samples (libopusenc's default is 2 s): 100 ms.
constexpr int kStreamingDecisionDelay = 4800;
constexpr int kStreamingMuxingDelay = 4800;
// What an empty stream gets instead, so that it is a playable file: 1/10 s of silence.
constexpr int kSilenceDivisor = 10;

class OpusEncoder : public Encoder {
 public:
  OpusEncoder(OggOpusEnc* encoder, int sample_rate, bool streaming)
      : encoder_(encoder), sample_rate_(sample_rate), out_(streaming) {}
  ~OpusEncoder() override { ope_encoder_destroy(encoder_); }
  OpusEncoder(const OpusEncoder&) = delete;
  OpusEncoder& operator=(const OpusEncoder&) = delete;

  Result<std::string> Write(std::span<const int16_t> samples) override {
    // libopusenc starts its Ogg stream with the first samples: asking it for pages before
    // then, or draining it with none, crashes inside the library.
    if (!samples.empty()) SWHA_RETURN_IF_ERROR(Feed(samples));
    return out_.TakeReady();
  }

  Result<std::string> Finish() override {
    if (!written_) {
      // An empty stream is still a valid file: a moment of silence.
      const std::vector<int16_t> silence(static_cast<size_t>(sample_rate_ / kSilenceDivisor), 0);
      SWHA_RETURN_IF_ERROR(Feed(silence));
    }
    const int error = ope_encoder_drain(encoder_);
    if (error != OPE_OK) return Failure("finish", error);
    TakePages(true);
    return out_.TakeAll();
  }

 private:
  // Encodes non-empty `samples`, keeping the pages that are ready.
  Status Feed(std::span<const int16_t> samples) {
    const int error = ope_encoder_write(encoder_, samples.data(), static_cast<int>(samples.size()));
    if (error != OPE_OK) return Failure("encode", error);
    written_ = true;
    TakePages(out_.streaming());
    return Status::Ok();
  }

  static Status Failure(const char* what, int error) {
    return Status::Internal(std::string("libopusenc failed to ") + what + ": " +
                            ope_strerror(error));
  }

  void TakePages(bool flush) {
    unsigned char* page = nullptr;
    opus_int32 length = 0;
    while (ope_encoder_get_page(encoder_, &page, &length, flush ? 1 : 0) == 1) {
      out_.Append(page, static_cast<size_t>(length));
    }
  }

  OggOpusEnc* encoder_;
  const int sample_rate_;
  bool written_ = false;
  EncodedBytes out_;
};

}  // namespace

Result<std::unique_ptr<Encoder>> CreateOpusEncoder(const EncoderConfig& config) {
  OggOpusComments* comments = ope_comments_create();
  if (comments == nullptr) return Status::Internal("libopusenc could not allocate comments");
  int error = OPE_OK;
  OggOpusEnc* encoder =
      ope_encoder_create_pull(comments, config.sample_rate, /*channels=*/1, /*family=*/0, &error);
  ope_comments_destroy(comments);  // the encoder keeps its own copy
  if (encoder == nullptr) {
    return Status::Internal(std::string("libopusenc could not start: ") + ope_strerror(error));
  }
  ope_encoder_ctl(encoder, OPUS_SET_BITRATE(kOpusBitrate));
  ope_encoder_ctl(encoder, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE));
  if (config.streaming) {
    ope_encoder_ctl(encoder, OPE_SET_DECISION_DELAY(kStreamingDecisionDelay));
    ope_encoder_ctl(encoder, OPE_SET_MUXING_DELAY(kStreamingMuxingDelay));
  }
  return std::unique_ptr<Encoder>(new OpusEncoder(encoder, config.sample_rate, config.streaming));
}

}  // namespace swha::audio
