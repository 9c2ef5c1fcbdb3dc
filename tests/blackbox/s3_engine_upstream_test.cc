// The S3 suite with TTS_ENGINE=openai: the original's generate endpoint stores the upstream's
// audio in the gateway and hands out presigned URLs for it, as with espeak-ng.
#include "tests/blackbox/s3_storage_fixture.h"
#include "tests/support/upstream_standin.h"

namespace swha::blackbox {
namespace {

using testing::UpstreamStandin;

TEST_F(S3StorageTest, UpstreamEngineAudioGoesToS3WithPresignedUrls) {
  auto upstream = UpstreamStandin::Start();
  ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
  SharedServer server(
      {.env = ServiceEnv(rgw_->endpoint(), {{"TTS_ENGINE", "openai"},
                                            {"TTS_UPSTREAM_URL", (*upstream)->base_url() + "/v1"},
                                            {"TTS_UPSTREAM_MODEL", "tts-1"}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  auto r = Generate(*client, kSeedRequest);
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ((*r)["storage_type"], "s3") << r->dump(2);
  ASSERT_EQ((*r)["audio_segments"].size(), 3u);
  // The base URL's /v1 is the SDKs' habit; the request still went to /v1/audio/speech.
  EXPECT_EQ((*upstream)->speech_requests(), 3);
  EXPECT_EQ((*upstream)->last_speech_request()["model"], "tts-1");
  for (const json& seg : (*r)["audio_segments"]) {
    ASSERT_TRUE(seg["presigned_url"].is_string()) << seg.dump();
    const std::string url = seg["presigned_url"];
    EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos) << url;
    EXPECT_NE(url.find("X-Amz-Expires=7200"), std::string::npos) << url;
    auto fetched = FetchAbsolute(url);
    ASSERT_TRUE(fetched) << url;
    ASSERT_EQ(fetched->status, 200) << fetched->body;
    const WavInfo info = ParseWav(fetched->body);
    ASSERT_TRUE(info.valid) << info.error;
    EXPECT_EQ(info.sample_rate, 24000u);
    const double expected =
        0.2 + 0.06 * static_cast<double>(seg["graphemes"].get<std::string>().size());
    EXPECT_NEAR(info.duration_seconds, expected, 0.005) << seg.dump();
    EXPECT_EQ(fetched->body, *Download(*client, seg["local_url"]));
    auto head = s3_->HeadObject(seg["s3_key"].get<std::string>());
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(head->content_type, "audio/wav");
    EXPECT_EQ(head->size, fetched->body.size());
  }
}

}  // namespace
}  // namespace swha::blackbox
