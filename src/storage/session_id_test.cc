#include "storage/session_id.h"

#include <gtest/gtest.h>

namespace swha::storage {
namespace {

TEST(SessionIdTest, KeepsTheOriginalShapePlusRandomSuffix) {
  ManualClock clock(1703123456789);
  const std::string id = NewSessionId(clock, "anonymous");
  EXPECT_EQ(id.rfind("1703123456789_anonymous_", 0), 0u);
  EXPECT_EQ(id.size(), std::string("1703123456789_anonymous_").size() + 32);
  EXPECT_TRUE(IsValidSessionId(id));
  EXPECT_NE(id, NewSessionId(clock, "anonymous"));
  EXPECT_TRUE(IsValidSessionId(NewSessionId(clock, "123")));
  EXPECT_EQ(SessionOwner(NewSessionId(clock, "123")), "123");
  EXPECT_EQ(SessionOwner(NewSessionId(clock, "anonymous")), "anonymous");
  EXPECT_EQ(SessionOwner("1_anonymous_short"), "");
}

TEST(SessionIdTest, RejectsAnythingElse) {
  for (const char* bad : {"", "..", "../etc", "1703123456789_anonymous",
                          "1703123456789_anonymous_0123456789ABCDEF0123456789abcdef",
                          "1703123456789_anon/ymous_0123456789abcdef0123456789abcdef",
                          "1703123456789_.._0123456789abcdef0123456789abcdef",
                          "x703123456789_anonymous_0123456789abcdef0123456789abcdef",
                          "/1703123456789_anonymous_0123456789abcdef0123456789abcdef"}) {
    EXPECT_FALSE(IsValidSessionId(bad)) << bad;
  }
}

TEST(SessionIdTest, SegmentFilenames) {
  EXPECT_EQ(SegmentFilename(0), "segment_000.wav");
  EXPECT_EQ(SegmentFilename(1234), "segment_1234.wav");
  EXPECT_TRUE(IsValidSegmentFilename("segment_000.wav"));
  EXPECT_FALSE(IsValidSegmentFilename("segment_00.wav"));
  EXPECT_FALSE(IsValidSegmentFilename("segment_000.wav/.."));
  EXPECT_FALSE(IsValidSegmentFilename("..%2fsecret_key"));
  EXPECT_FALSE(IsValidSegmentFilename("segment_abc.wav"));
  EXPECT_FALSE(IsValidSegmentFilename("secret_key"));
  // Every audio format's extension, and nothing else.
  EXPECT_EQ(SegmentFilename(7, audio::AudioFormat::kOpus), "segment_007.opus");
  for (const char* name : {"segment_001.mp3", "segment_001.opus", "segment_001.aac",
                           "segment_001.flac", "segment_001.pcm", "segment_99999.wav"}) {
    EXPECT_TRUE(IsValidSegmentFilename(name)) << name;
  }
  for (const char* name : {"segment_001.marks.json", "segment_001.ogg", "segment_001.",
                           "segment_.mp3", "segment_123456.mp3", "segment_001.mp3.wav/x"}) {
    EXPECT_FALSE(IsValidSegmentFilename(name)) << name;
  }
  EXPECT_EQ(ContentTypeOf("segment_001.flac"), "audio/flac");
  EXPECT_EQ(ContentTypeOf("segment_001.wav"), "audio/wav");
}

TEST(SessionIdTest, MarksFilenamesSitBesideTheirSegments) {
  EXPECT_EQ(MarksFilename("segment_000.wav"), "segment_000.marks.json");
  EXPECT_EQ(MarksFilename("segment_12345.opus"), "segment_12345.marks.json");
  EXPECT_TRUE(IsValidMarksFilename("segment_007.marks.json"));
  EXPECT_EQ(ContentTypeOf("segment_007.marks.json"), "application/json");
  for (const char* name : {"segment_07.marks.json", "segment_007.json", "segment_007.marks",
                           "segment_.marks.json", "segment_123456.marks.json", ".marks.json",
                           "segment_007.wav.marks.json", "segment_007.marks.json/.."}) {
    EXPECT_FALSE(IsValidMarksFilename(name)) << name;
    EXPECT_FALSE(IsValidStoredFilename(name)) << name;
  }
  EXPECT_TRUE(IsValidStoredFilename("segment_007.marks.json"));
  EXPECT_TRUE(IsValidStoredFilename("segment_007.mp3"));
  EXPECT_FALSE(IsValidStoredFilename("secret_key"));
}

}  // namespace
}  // namespace swha::storage
