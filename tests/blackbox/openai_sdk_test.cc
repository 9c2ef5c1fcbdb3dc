// The official OpenAI SDK for Node (npm "openai", installed by scripts/install-deps.sh under
// tests/node) pointed at the real binary with an API key: tests/node/openai_sdk_check.mjs
// drives it, and every audio the SDK received is decoded here by FFmpeg.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/audio_probe.h"

namespace swha::blackbox {
namespace {

const std::string kNodeDir = NodeToolsDir();

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

TEST(OpenAiSdkTest, TheOfficialSdkGetsEveryFormatStreamsAndOurErrors) {
  int exit_code = -1;
  const std::string node = testing::LastLine(testing::RunShell("command -v node", &exit_code));
  ASSERT_EQ(exit_code, 0)
      << "node is not installed (Debian package nodejs; scripts/install-deps.sh)";
  ASSERT_TRUE(std::filesystem::exists(kNodeDir + "/node_modules/openai/package.json"))
      << "the OpenAI SDK is not installed: scripts/install-deps.sh runs npm ci in " << kNodeDir;

  SharedServer server({.env = {{"ALLOW_ANONYMOUS", "false"}}});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto anonymous = MakeClient(server.port());
  auto user = MakeClientFor(server.port(), SignUp(*anonymous, "sdk-sally"));
  auto created = PostJson(*user, "/api/v1/auth/api-keys", {{"name", "openai-sdk"}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const std::string key = ParseJson(created->body).at("key").get<std::string>();

  ScopedTempDir out;
  const testing::SplitCommandResult run = testing::RunCommandSplit(
      node, {kNodeDir + "/openai_sdk_check.mjs"},
      {{"OPENAI_BASE_URL", "http://127.0.0.1:" + std::to_string(server.port()) + "/v1"},
       {"OPENAI_API_KEY", key},
       {"SWHA_OUT_DIR", out.path()}},
      kNodeDir);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  for (const char* check :
       {"ok models.list", "ok speech mp3", "ok speech opus", "ok speech aac", "ok speech flac",
        "ok speech wav", "ok speech pcm", "ok speech streamed in chunks",
        "ok speech as server-sent events", "ok errors as OpenAI error classes"}) {
    EXPECT_NE(run.out.find(check), std::string::npos) << check << " missing in:\n" << run.out;
  }

  struct Received {
    const char* file;
    const char* format;
    const char* codec;
    int rate;
  };
  for (const Received& r :
       {Received{"sdk.mp3", "mp3", "mp3", 24000}, Received{"sdk.opus", "opus", "opus", 48000},
        Received{"sdk.aac", "aac", "aac", 48000}, Received{"sdk.flac", "flac", "flac", 24000},
        Received{"sdk.wav", "wav", "pcm_s16le", 24000},
        Received{"sdk.pcm", "pcm", "pcm_s16le", 24000},
        Received{"sdk-stream.mp3", "mp3", "mp3", 24000},
        Received{"sdk-sse.pcm", "pcm", "pcm_s16le", 24000}}) {
    SCOPED_TRACE(r.file);
    auto probed = testing::ProbeAudio(ReadAll(out.path() + "/" + r.file), r.format);
    ASSERT_TRUE(probed.ok()) << probed.status().ToString();
    EXPECT_EQ(probed->codec, r.codec);
    EXPECT_EQ(probed->sample_rate, r.rate);
    EXPECT_EQ(probed->channels, 1);
    EXPECT_GT(probed->DecodedSeconds(), 1.0);
  }
  EXPECT_EQ(server.process().ReadLog().find(key), std::string::npos) << "the key is in the log";
}

}  // namespace
}  // namespace swha::blackbox
