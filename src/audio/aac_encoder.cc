// AAC-LC through libavcodec's native encoder, each packet framed as ADTS (the 7-byte header
// that makes a raw .aac file playable and streamable). Debian main has no libfdk-aac, and the
// native encoder is FFmpeg's default, good at speech bit rates; libavcodec is here anyway.
//
// AAC is always written at 48 kHz (resampled with libsoxr). The encoder's priming (1024
// samples) and the last frame's padding cannot be signalled in ADTS, so every decoder plays
// them: up to 85 ms more than the input at 24 kHz, at most 43 ms at 48 kHz, where the
// priming that delays the voice against its timing marks is also only 21 ms.
//
// libavcodec is loaded with dlopen when AAC is first asked for, not linked: with what it links
// it is 80 shared libraries (every codec's, image formats', VA-API's), which the dynamic loader
// would otherwise map and relocate at every start of the binary, CLI included, for one format of
// six (docs/decisions.md). One of them, libhwy, executes an instruction at load time that
// valgrind cannot run, which stopped bench/instructions.sh.
#include <dlfcn.h>

#include <array>
#include <memory>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/log.h>
#include <libavutil/macros.h>
}

#include "audio/encoded_bytes.h"
#include "audio/encoder.h"
#include "audio/resampler.h"

namespace swha::audio {
namespace {

constexpr int kAacSampleRate = 48000;
// ISO/IEC 14496-3's sampling frequency index of 48000 Hz, as ADTS carries it.
constexpr int kAacRateIndex = 3;
constexpr size_t kAdtsHeaderBytes = 7;
constexpr size_t kMaxAdtsFrameBytes = (1 << 13) - 1;  // the 13-bit frame length field

// The sonames of the libraries whose headers this was compiled against.
constexpr const char* kAvcodecLibrary = "libavcodec.so." AV_STRINGIFY(LIBAVCODEC_VERSION_MAJOR);
constexpr const char* kAvutilLibrary = "libavutil.so." AV_STRINGIFY(LIBAVUTIL_VERSION_MAJOR);

// The libavcodec and libavutil functions the encoder calls, resolved once.
struct LibAv {
  decltype(&avcodec_find_encoder) find_encoder = nullptr;
  decltype(&avcodec_alloc_context3) alloc_context3 = nullptr;
  decltype(&avcodec_free_context) free_context = nullptr;
  decltype(&avcodec_open2) open2 = nullptr;
  decltype(&avcodec_send_frame) send_frame = nullptr;
  decltype(&avcodec_receive_packet) receive_packet = nullptr;
  decltype(&av_packet_alloc) packet_alloc = nullptr;
  decltype(&av_packet_free) packet_free = nullptr;
  decltype(&av_packet_unref) packet_unref = nullptr;
  decltype(&av_frame_alloc) frame_alloc = nullptr;
  decltype(&av_frame_free) frame_free = nullptr;
  decltype(&av_frame_get_buffer) frame_get_buffer = nullptr;
  decltype(&av_frame_unref) frame_unref = nullptr;
  decltype(&av_channel_layout_default) channel_layout_default = nullptr;
  decltype(&av_channel_layout_copy) channel_layout_copy = nullptr;
  decltype(&av_strerror) strerror = nullptr;
  decltype(&av_log_set_level) log_set_level = nullptr;
};

// Resolves `name` from `library` into `function`; names the first one missing in `missing`.
template <typename Function>
void Resolve(void* library, const char* name, Function& function, std::string& missing) {
  function = reinterpret_cast<Function>(dlsym(library, name));
  if (function == nullptr && missing.empty()) missing = name;
}

Result<LibAv> OpenLibAv() {
  // Both stay loaded for the life of the process: encoders may run on any thread at any time.
  void* avcodec = dlopen(kAvcodecLibrary, RTLD_NOW | RTLD_LOCAL);
  void* avutil = avcodec == nullptr ? nullptr : dlopen(kAvutilLibrary, RTLD_NOW | RTLD_LOCAL);
  if (avcodec == nullptr || avutil == nullptr) {
    const char* error = dlerror();
    // The package is a dependency of the install: its absence is a server fault, not the
    // caller's.
    return Status::Internal(std::string("AAC needs libavcodec, which could not be loaded: ") +
                            (error != nullptr ? error : "unknown error"));
  }
  LibAv av;
  std::string missing;
  Resolve(avcodec, "avcodec_find_encoder", av.find_encoder, missing);
  Resolve(avcodec, "avcodec_alloc_context3", av.alloc_context3, missing);
  Resolve(avcodec, "avcodec_free_context", av.free_context, missing);
  Resolve(avcodec, "avcodec_open2", av.open2, missing);
  Resolve(avcodec, "avcodec_send_frame", av.send_frame, missing);
  Resolve(avcodec, "avcodec_receive_packet", av.receive_packet, missing);
  Resolve(avcodec, "av_packet_alloc", av.packet_alloc, missing);
  Resolve(avcodec, "av_packet_free", av.packet_free, missing);
  Resolve(avcodec, "av_packet_unref", av.packet_unref, missing);
  Resolve(avutil, "av_frame_alloc", av.frame_alloc, missing);
  Resolve(avutil, "av_frame_free", av.frame_free, missing);
  Resolve(avutil, "av_frame_get_buffer", av.frame_get_buffer, missing);
  Resolve(avutil, "av_frame_unref", av.frame_unref, missing);
  Resolve(avutil, "av_channel_layout_default", av.channel_layout_default, missing);
  Resolve(avutil, "av_channel_layout_copy", av.channel_layout_copy, missing);
  Resolve(avutil, "av_strerror", av.strerror, missing);
  Resolve(avutil, "av_log_set_level", av.log_set_level, missing);
  if (!missing.empty()) {
    return Status::Internal("AAC: the loaded libavcodec or libavutil has no " + missing);
  }
  // libavcodec's log level is one global: set once (its notices would otherwise go to stderr).
  av.log_set_level(AV_LOG_ERROR);
  return av;
}

// The loaded libraries, or why they could not be; tried once per process.
const Result<LibAv>& LoadLibAv() {
  static const auto* loaded = new Result<LibAv>(OpenLibAv());  // leaked: usable during shutdown
  return *loaded;
}

std::string AvError(const LibAv& av, int error) {
  std::array<char, AV_ERROR_MAX_STRING_SIZE> text{};
  av.strerror(error, text.data(), text.size());
  return text.data();
}

// The ADTS header for an AAC-LC mono frame of `payload_bytes`: MPEG-4, no CRC, one raw block.
std::string AdtsHeader(int rate_index, size_t payload_bytes) {
  const size_t frame = kAdtsHeaderBytes + payload_bytes;
  constexpr int kAacLcProfile = 1;  // audio object type 2 (LC), minus one
  constexpr int kMonoChannelConfig = 1;
  constexpr int kVariableBufferFullness = 0x7FF;
  std::string h(kAdtsHeaderBytes, '\0');
  h[0] = static_cast<char>(0xFF);
  h[1] = static_cast<char>(0xF1);  // sync, MPEG-4, layer 0, protection absent
  h[2] = static_cast<char>((kAacLcProfile << 6) | (rate_index << 2) | (kMonoChannelConfig >> 2));
  h[3] = static_cast<char>(((kMonoChannelConfig & 3) << 6) | ((frame >> 11) & 0x3));
  h[4] = static_cast<char>((frame >> 3) & 0xFF);
  h[5] = static_cast<char>(((frame & 0x7) << 5) | (kVariableBufferFullness >> 6));
  h[6] = static_cast<char>((kVariableBufferFullness & 0x3F) << 2);
  return h;
}

class AacEncoder : public Encoder {
 public:
  AacEncoder(LibAv av, bool streaming, std::unique_ptr<Resampler> resampler)
      : av_(av), resampler_(std::move(resampler)), out_(streaming) {}
  ~AacEncoder() override {
    av_.packet_free(&packet_);
    av_.frame_free(&frame_);
    av_.free_context(&context_);
  }
  AacEncoder(const AacEncoder&) = delete;
  AacEncoder& operator=(const AacEncoder&) = delete;

  Status Start() {
    const AVCodec* codec = av_.find_encoder(AV_CODEC_ID_AAC);
    if (codec == nullptr) return Status::Internal("libavcodec has no AAC encoder");
    context_ = av_.alloc_context3(codec);
    frame_ = av_.frame_alloc();
    packet_ = av_.packet_alloc();
    if (context_ == nullptr || frame_ == nullptr || packet_ == nullptr) {
      return Status::Internal("libavcodec could not allocate the AAC encoder");
    }
    context_->sample_rate = kAacSampleRate;
    context_->sample_fmt = AV_SAMPLE_FMT_FLTP;
    context_->bit_rate = kAacBitrate;
    context_->profile = FF_PROFILE_AAC_LOW;
    av_.channel_layout_default(&context_->ch_layout, 1);
    int error = av_.open2(context_, codec, nullptr);
    if (error < 0) return Status::Internal("libavcodec could not open AAC: " + AvError(av_, error));
    frame_size_ = static_cast<size_t>(context_->frame_size);
    return Status::Ok();
  }

  Result<std::string> Write(std::span<const int16_t> samples) override {
    SWHA_ASSIGN_OR_RETURN(std::vector<int16_t> resampled, resampler_->Process(samples));
    return Encode(resampled);
  }

  Result<std::string> Finish() override {
    SWHA_ASSIGN_OR_RETURN(std::vector<int16_t> tail, resampler_->Flush());
    SWHA_RETURN_IF_ERROR(Encode(tail).status());
    // An empty stream is still a playable file: one frame of silence.
    if (next_pts_ == 0 && pending_.empty()) pending_.assign(frame_size_, 0);
    // The encoder takes a shorter last frame (AV_CODEC_CAP_SMALL_LAST_FRAME).
    if (!pending_.empty()) SWHA_RETURN_IF_ERROR(EncodeFrame(pending_));
    pending_.clear();
    const int error = av_.send_frame(context_, nullptr);
    if (error < 0)
      return Status::Internal("libavcodec could not flush AAC: " + AvError(av_, error));
    SWHA_RETURN_IF_ERROR(ReceivePackets());
    return out_.TakeAll();
  }

 private:
  Result<std::string> Encode(std::span<const int16_t> samples) {
    pending_.insert(pending_.end(), samples.begin(), samples.end());
    size_t used = 0;
    while (pending_.size() - used >= frame_size_) {
      SWHA_RETURN_IF_ERROR(EncodeFrame(std::span(pending_).subspan(used, frame_size_)));
      used += frame_size_;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(used));
    return out_.TakeReady();
  }

  Status EncodeFrame(std::span<const int16_t> samples) {
    frame_->nb_samples = static_cast<int>(samples.size());
    frame_->format = context_->sample_fmt;
    frame_->sample_rate = context_->sample_rate;
    av_.channel_layout_copy(&frame_->ch_layout, &context_->ch_layout);
    int error = av_.frame_get_buffer(frame_, 0);
    if (error < 0)
      return Status::Internal("libavcodec could not allocate a frame: " + AvError(av_, error));
    auto* plane = reinterpret_cast<float*>(frame_->data[0]);
    for (size_t i = 0; i < samples.size(); ++i)
      plane[i] = static_cast<float>(samples[i]) / 32768.0F;
    frame_->pts = next_pts_;
    next_pts_ += static_cast<int64_t>(samples.size());
    error = av_.send_frame(context_, frame_);
    av_.frame_unref(frame_);
    if (error < 0)
      return Status::Internal("libavcodec failed to encode AAC: " + AvError(av_, error));
    return ReceivePackets();
  }

  Status ReceivePackets() {
    while (true) {
      const int error = av_.receive_packet(context_, packet_);
      if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return Status::Ok();
      if (error < 0)
        return Status::Internal("libavcodec failed to encode AAC: " + AvError(av_, error));
      const auto bytes = static_cast<size_t>(packet_->size);
      if (bytes + kAdtsHeaderBytes > kMaxAdtsFrameBytes) {
        av_.packet_unref(packet_);
        return Status::Internal("an AAC packet is too large for an ADTS frame");
      }
      out_.buffer() += AdtsHeader(kAacRateIndex, bytes);
      out_.Append(packet_->data, bytes);
      av_.packet_unref(packet_);
    }
  }

  const LibAv av_;                        // a copy: 17 pointers
  std::unique_ptr<Resampler> resampler_;  // to kAacSampleRate
  AVCodecContext* context_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  size_t frame_size_ = 1024;
  int64_t next_pts_ = 0;
  std::vector<int16_t> pending_;  // less than one frame, waiting for more
  EncodedBytes out_;
};

}  // namespace

Status AacEncoderAvailable() { return LoadLibAv().status(); }

Result<std::unique_ptr<Encoder>> CreateAacEncoder(const EncoderConfig& config) {
  SWHA_ASSIGN_OR_RETURN(std::unique_ptr<Resampler> resampler,
                        Resampler::Create(config.sample_rate, kAacSampleRate));
  const Result<LibAv>& av = LoadLibAv();
  if (!av.ok()) return av.status();
  auto encoder = std::make_unique<AacEncoder>(*av, config.streaming, std::move(resampler));
  SWHA_RETURN_IF_ERROR(encoder->Start());
  return std::unique_ptr<Encoder>(std::move(encoder));
}

}  // namespace swha::audio
