#include "audio/format.h"

#include <string>

namespace swha::audio {

const std::vector<FormatInfo>& AllFormats() {
  // Media types as OpenAI's speech endpoint sends them; Opus is always in an Ogg container.
  static const std::vector<FormatInfo> kFormats = {
      {AudioFormat::kWav, "wav", "wav", "audio/wav"},
      {AudioFormat::kMp3, "mp3", "mp3", "audio/mpeg"},
      {AudioFormat::kOpus, "opus", "opus", "audio/ogg"},
      {AudioFormat::kAac, "aac", "aac", "audio/aac"},
      {AudioFormat::kFlac, "flac", "flac", "audio/flac"},
      {AudioFormat::kPcm, "pcm", "pcm", "audio/pcm"},
  };
  return kFormats;
}

std::vector<std::string> AllFormatNames() {
  std::vector<std::string> names;
  for (const FormatInfo& info : AllFormats()) names.emplace_back(info.name);
  return names;
}

const FormatInfo& InfoOf(AudioFormat format) {
  for (const FormatInfo& info : AllFormats()) {
    if (info.format == format) return info;
  }
  return AllFormats().front();  // unreachable: every enumerator is in the table
}

Result<AudioFormat> ParseAudioFormat(std::string_view name) {
  std::string valid;
  for (const FormatInfo& info : AllFormats()) {
    if (info.name == name) return info.format;
    if (!valid.empty()) valid += ", ";
    valid += info.name;
  }
  return Status::InvalidArgument("Unsupported audio format '" + std::string(name) +
                                 "'. Valid formats: " + valid);
}

std::optional<AudioFormat> FormatOfFileName(std::string_view file_name) {
  const size_t dot = file_name.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string_view extension = file_name.substr(dot + 1);
  for (const FormatInfo& info : AllFormats()) {
    if (info.extension == extension) return info.format;
  }
  return std::nullopt;
}

}  // namespace swha::audio
