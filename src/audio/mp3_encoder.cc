// MP3 through libmp3lame: constant bit rate, mono. A whole file starts with LAME's "Info" tag
// (written over the empty first frame LAME reserves for it), which tells decoders the encoder
// delay and padding, so the decoded length is the input's; a stream has no such frame.
#include <lame/lame.h>

#include <cstring>
#include <vector>

#include "audio/encoded_bytes.h"
#include "audio/encoder.h"

namespace swha::audio {
namespace {

// LAME's documented worst case for one call: 1.25 × samples + 7200 bytes.
size_t Mp3BufferBytes(size_t samples) { return samples + samples / 4 + 7200; }

class Mp3Encoder : public Encoder {
 public:
  Mp3Encoder(lame_t lame, bool streaming) : lame_(lame), out_(streaming) {}
  ~Mp3Encoder() override { lame_close(lame_); }
  Mp3Encoder(const Mp3Encoder&) = delete;
  Mp3Encoder& operator=(const Mp3Encoder&) = delete;

  Result<std::string> Write(std::span<const int16_t> samples) override {
    // LAME takes at most INT_MAX samples per call; feed it in bounded slices.
    constexpr size_t kSlice = 1 << 16;
    for (size_t at = 0; at < samples.size(); at += kSlice) {
      const std::span<const int16_t> slice =
          samples.subspan(at, std::min(kSlice, samples.size() - at));
      buffer_.resize(Mp3BufferBytes(slice.size()));
      const int n =
          lame_encode_buffer(lame_, slice.data(), slice.data(), static_cast<int>(slice.size()),
                             buffer_.data(), static_cast<int>(buffer_.size()));
      if (n < 0) return Status::Internal("libmp3lame failed to encode (" + std::to_string(n) + ")");
      out_.Append(buffer_.data(), static_cast<size_t>(n));
    }
    return out_.TakeReady();
  }

  Result<std::string> Finish() override {
    buffer_.resize(Mp3BufferBytes(0));
    const int n = lame_encode_flush(lame_, buffer_.data(), static_cast<int>(buffer_.size()));
    if (n < 0) return Status::Internal("libmp3lame failed to flush (" + std::to_string(n) + ")");
    out_.Append(buffer_.data(), static_cast<size_t>(n));
    if (!out_.streaming()) {
      std::vector<unsigned char> tag(Mp3BufferBytes(0));
      const size_t tag_bytes = lame_get_lametag_frame(lame_, tag.data(), tag.size());
      if (tag_bytes > tag.size() || tag_bytes > out_.buffer().size()) {
        return Status::Internal("libmp3lame's tag frame does not fit");
      }
      std::memcpy(out_.buffer().data(), tag.data(), tag_bytes);
    }
    return out_.TakeAll();
  }

 private:
  lame_t lame_;
  std::vector<unsigned char> buffer_;
  EncodedBytes out_;
};

}  // namespace

Result<std::unique_ptr<Encoder>> CreateMp3Encoder(const EncoderConfig& config) {
  lame_t lame = lame_init();
  if (lame == nullptr) return Status::Internal("libmp3lame could not be initialized");
  lame_set_in_samplerate(lame, config.sample_rate);
  lame_set_out_samplerate(lame, config.sample_rate);
  lame_set_num_channels(lame, 1);
  lame_set_mode(lame, MONO);
  lame_set_VBR(lame, vbr_off);
  lame_set_brate(lame, kMp3BitrateKbps);
  lame_set_bWriteVbrTag(lame, config.streaming ? 0 : 1);
  lame_set_write_id3tag_automatic(lame, 0);
  if (lame_init_params(lame) < 0) {
    lame_close(lame);
    return Status::InvalidArgument("MP3 cannot carry " + std::to_string(config.sample_rate) +
                                   " Hz audio");
  }
  return std::unique_ptr<Encoder>(new Mp3Encoder(lame, config.streaming));
}

}  // namespace swha::audio
