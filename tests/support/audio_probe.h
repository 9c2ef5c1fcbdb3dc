// An independent check of encoded audio: FFmpeg's ffprobe and decoder (Debian's ffmpeg
// package), not our encoders' own libraries, say what a file is and how long it plays.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::testing {

struct ProbedAudio {
  std::string container;  // ffprobe's format_name: "wav", "mp3", "ogg", "aac", "flac"
  std::string codec;      // "pcm_s16le", "mp3", "opus", "aac", "flac"
  int sample_rate = 0;    // as decoded (Opus always decodes at 48 kHz)
  int channels = 0;
  int64_t decoded_samples = 0;  // per channel, as FFmpeg decodes the whole file
  double DecodedSeconds() const {
    return sample_rate > 0 ? static_cast<double>(decoded_samples) / sample_rate : 0;
  }
};

// Probes and fully decodes `bytes`. `format` is our format name; "pcm" is read as raw 24 kHz
// 16-bit little-endian mono (`pcm_rate` overrides the rate). Any decoder complaint on stderr,
// or a missing ffmpeg/ffprobe, is an error naming it.
Result<ProbedAudio> ProbeAudio(std::string_view bytes, std::string_view format,
                               int pcm_rate = 24000);

}  // namespace swha::testing
