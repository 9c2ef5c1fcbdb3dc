// The S3 suite, streamed: with "stream": true each segment is in the bucket, its presigned URL
// working, when its line arrives, and the objects carry their own segment index. And OpenAI's
// endpoint with "store": true puts its audio there too.
#include "tests/blackbox/s3_storage_fixture.h"

namespace swha::blackbox {
namespace {

TEST_F(S3StorageTest, StreamedSegmentsAreInS3WhenTheirLineArrives) {
  json body = kSeedRequest;
  body["stream"] = true;
  std::vector<json> segments;
  std::optional<json> done;
  auto res = PostJsonLines(*client_, kGeneratePath, body, [&](const json& line) {
    if (line["type"] == "done") {
      done = line;
      return true;
    }
    EXPECT_EQ(line["type"], "segment") << line.dump();
    const json& seg = line["segment"];
    segments.push_back(seg);
    EXPECT_EQ(seg["storage_type"], "s3") << line.dump();
    EXPECT_TRUE(line["warnings"].empty()) << line.dump();
    auto fetched = FetchAbsolute(seg["presigned_url"]);
    EXPECT_TRUE(fetched && fetched->status == 200 && IsSpeechWav(fetched->body, 0.3, 10))
        << seg.dump();
    auto head = s3_->HeadObject(seg["s3_key"].get<std::string>());
    EXPECT_TRUE(head.ok()) << head.status().ToString();
    if (head.ok()) {
      EXPECT_EQ(head->metadata["segment-index"], std::to_string(seg["index"].get<int>()));
    }
    return true;
  });
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  ASSERT_EQ(segments.size(), 3u);
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ((*done)["storage_type"], "s3");
  EXPECT_EQ(S3KeysOf(*done), S3KeysOf({{"audio_segments", segments}}));
}

TEST_F(S3StorageTest, StoredOpenAiSpeechIsInS3WithAPresignedUrl) {
  auto res = PostJson(*client_, "/v1/audio/speech",
                      {{"model", "tts-1"},
                       {"input", "Stored in the bucket."},
                       {"voice", "nova"},
                       {"response_format", "mp3"},
                       {"store", true}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("X-Storage-Type"), "s3");
  const std::string url = res->get_header_value("X-Audio-URL");
  EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos) << url;
  auto fetched = FetchAbsolute(url);
  ASSERT_TRUE(fetched) << url;
  ASSERT_EQ(fetched->status, 200) << fetched->body;
  EXPECT_EQ(fetched->body, res->body);
  const std::string key =
      std::string(kAnonymousPrefix) + res->get_header_value("X-Session-Id") + "/segment_000.mp3";
  auto head = s3_->HeadObject(key);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->content_type, "audio/mpeg");
  EXPECT_EQ(head->metadata["voice"], "af_nova");
}

}  // namespace
}  // namespace swha::blackbox
