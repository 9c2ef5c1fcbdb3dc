#include "tests/support/audio_probe.h"

#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/server_process.h"

namespace swha::testing {
namespace {

bool OnPath(const std::string& tool) {
  int exit_code = -1;
  RunShell("command -v " + tool + " >/dev/null 2>&1", &exit_code);
  return exit_code == 0;
}

}  // namespace

Result<ProbedAudio> ProbeAudio(std::string_view bytes, std::string_view format, int pcm_rate) {
  for (const char* tool : {"ffprobe", "ffmpeg"}) {
    if (!OnPath(tool)) {
      return Status::Unavailable(
          std::string(tool) + " is not installed (Debian package ffmpeg; scripts/install-deps.sh)");
    }
  }
  const std::string dir = MakeTempDir();
  const std::string path = dir + "/audio." + std::string(format);
  {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  std::vector<std::string> input;
  if (format == "pcm") {
    input = {"-f", "s16le", "-ar", std::to_string(pcm_rate), "-ac", "1"};
  }
  input.push_back("-i");
  input.push_back(path);

  std::vector<std::string> probe_args = {
      "-v",  "error", "-show_entries", "format=format_name:stream=codec_name,sample_rate,channels",
      "-of", "json"};
  probe_args.insert(probe_args.end(), input.begin(), input.end());
  const SplitCommandResult probe = RunCommandSplit("/usr/bin/ffprobe", probe_args, {}, dir);

  std::vector<std::string> decode_args = {"-nostdin", "-v", "error"};
  decode_args.insert(decode_args.end(), input.begin(), input.end());
  for (const char* a : {"-map", "0:a:0", "-f", "s16le", "-acodec", "pcm_s16le", "-"}) {
    decode_args.emplace_back(a);
  }
  const SplitCommandResult decode = RunCommandSplit("/usr/bin/ffmpeg", decode_args, {}, dir);
  RemoveDirRecursively(dir);

  if (probe.exit_code != 0 || !probe.err.empty()) {
    return Status::InvalidArgument("ffprobe rejected the " + std::string(format) + ": " +
                                   probe.err);
  }
  if (decode.exit_code != 0 || !decode.err.empty()) {
    return Status::InvalidArgument("ffmpeg could not decode the " + std::string(format) + ": " +
                                   decode.err);
  }
  ProbedAudio audio;
  try {
    const nlohmann::json j = nlohmann::json::parse(probe.out);
    audio.container = j.at("format").at("format_name").get<std::string>();
    const nlohmann::json& stream = j.at("streams").at(0);
    audio.codec = stream.at("codec_name").get<std::string>();
    audio.sample_rate = std::stoi(stream.at("sample_rate").get<std::string>());
    audio.channels = stream.at("channels").get<int>();
  } catch (const std::exception& e) {
    return Status::InvalidArgument("ffprobe's answer is not understood: " + probe.out);
  }
  if (audio.channels <= 0) return Status::InvalidArgument("ffprobe found no channels");
  audio.decoded_samples =
      static_cast<int64_t>(decode.out.size() / (2 * static_cast<size_t>(audio.channels)));
  return audio;
}

}  // namespace swha::testing
