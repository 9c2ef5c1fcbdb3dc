// The audio formats swha-tts writes: their names on the API, file extensions and media types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha::audio {

enum class AudioFormat { kWav, kMp3, kOpus, kAac, kFlac, kPcm };

struct FormatInfo {
  AudioFormat format;
  std::string_view name;          // on the API: "mp3"
  std::string_view extension;     // of a stored file, without the dot: "mp3"
  std::string_view content_type;  // "audio/mpeg"
};

// Every format, in the order OpenAI documents them after WAV (ours and the original's default).
const std::vector<FormatInfo>& AllFormats();
const FormatInfo& InfoOf(AudioFormat format);
// Every format's API name, in AllFormats()' order: what a "format" field accepts.
std::vector<std::string> AllFormatNames();

// InvalidArgument listing the valid names when `name` is none of them.
Result<AudioFormat> ParseAudioFormat(std::string_view name);
// The format whose extension `file_name` ends with ("segment_000.opus"), if any.
std::optional<AudioFormat> FormatOfFileName(std::string_view file_name);

}  // namespace swha::audio
