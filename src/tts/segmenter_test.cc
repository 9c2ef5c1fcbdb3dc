#include "tts/segmenter.h"

#include <gtest/gtest.h>

#include <cctype>

namespace swha::tts {
namespace {

// A fake phonemizer: one "phoneme" per letter or digit, so lengths are predictable.
Result<std::string> CountingPhonemes(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c)) &&
        !std::ispunct(static_cast<unsigned char>(c))) {
      out += 'x';
    }
  }
  return out;
}

std::vector<std::string> Graphemes(std::string_view text, std::string_view pattern,
                                   size_t max_chars) {
  auto regex = Regex::Compile(pattern);
  EXPECT_TRUE(regex.ok());
  auto segs = SegmentText(text, *regex, CountingPhonemes, max_chars);
  EXPECT_TRUE(segs.ok()) << segs.status().ToString();
  std::vector<std::string> out;
  for (const TextSegment& s : *segs) out.push_back(s.graphemes);
  return out;
}

TEST(SegmenterTest, SplitsOnPatternAndTrims) {
  EXPECT_EQ(Graphemes("Hello world!\n\n  Second line. \n", "\\n+", 510),
            (std::vector<std::string>{"Hello world!", "Second line."}));
}

TEST(SegmenterTest, SplitsOnSentencePattern) {
  EXPECT_EQ(Graphemes("Hello world! This is the second sentence.", "[.!?]\\s+", 510),
            (std::vector<std::string>{"Hello world", "This is the second sentence."}));
}

TEST(SegmenterTest, SkipsPiecesWithoutPhonemes) {
  EXPECT_EQ(Graphemes("...\nabc\n , .", "\\n+", 510), (std::vector<std::string>{"abc"}));
}

TEST(SegmenterTest, CutsLongPiecesAtSentencesFirst) {
  // Each sentence has 8 phonemes; a limit of 20 fits two sentences per segment.
  EXPECT_EQ(Graphemes("aaaa bbbb. cccc dddd. eeee ffff. gggg hhhh.", "\\n+", 20),
            (std::vector<std::string>{"aaaa bbbb. cccc dddd.", "eeee ffff. gggg hhhh."}));
}

TEST(SegmenterTest, FallsBackToClausesThenCommasThenWords) {
  EXPECT_EQ(Graphemes("aaaa; bbbb; cccc", "\\n+", 9),
            (std::vector<std::string>{"aaaa; bbbb;", "cccc"}));
  EXPECT_EQ(Graphemes("aaaa, bbbb, cccc", "\\n+", 8),
            (std::vector<std::string>{"aaaa, bbbb,", "cccc"}));
  EXPECT_EQ(Graphemes("aaaa bbbb cccc", "\\n+", 8),
            (std::vector<std::string>{"aaaa bbbb", "cccc"}));
}

TEST(SegmenterTest, CutsAnUnbrokenWordByCharacters) {
  auto segs = Graphemes("abcdefghij", "\\n+", 4);
  EXPECT_EQ(segs, (std::vector<std::string>{"abcd", "efgh", "ij"}));
}

TEST(SegmenterTest, EverySegmentRespectsTheLimit) {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "word" + std::to_string(i) + (i % 7 == 6 ? ". " : " ");
  auto regex = Regex::Compile("\\n+");
  auto segs = SegmentText(text, *regex, CountingPhonemes, 50);
  ASSERT_TRUE(segs.ok());
  ASSERT_GT(segs->size(), 5u);
  std::string rejoined;
  for (const TextSegment& s : *segs) {
    EXPECT_LE(s.phonemes.size(), 50u);
    rejoined += s.graphemes + " ";
  }
  EXPECT_EQ(rejoined, text);
}

TEST(SegmenterTest, LongUnbrokenTextNeedsFewEngineCalls) {
  int calls = 0;
  auto counting = [&calls](std::string_view text) {
    ++calls;
    return CountingPhonemes(text);
  };
  auto regex = Regex::Compile("\\n+");
  auto segs = SegmentText(std::string(5000, 'x'), *regex, counting, 50);
  ASSERT_TRUE(segs.ok());
  EXPECT_EQ(segs->size(), 100u);
  for (const TextSegment& s : *segs) EXPECT_EQ(s.graphemes, std::string(50, 'x'));
  // 100 segments, each found by doubling and bisecting: far below one call per character.
  EXPECT_LT(calls, 2000) << calls;
}

TEST(SegmenterTest, DoesNotCutInsideDecimalNumbers) {
  EXPECT_EQ(Graphemes("pi is 3.14 ok. next one.", "\\n+", 12),
            (std::vector<std::string>{"pi is 3.14 ok.", "next one."}));
}

TEST(SegmenterTest, PropagatesPhonemizerErrors) {
  auto regex = Regex::Compile("\\n+");
  auto segs = SegmentText("abc", *regex, [](std::string_view) -> Result<std::string> {
    return Status::Internal("engine down");
  });
  ASSERT_FALSE(segs.ok());
  EXPECT_EQ(segs.status().message(), "engine down");
}

TEST(RegexTest, InvalidPatternIsAnError) {
  auto r = Regex::Compile("([a-z");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("offset"), std::string::npos);
}

TEST(RegexTest, CatastrophicBacktrackingFailsCleanly) {
  auto r = Regex::Compile("(a+)+$");
  ASSERT_TRUE(r.ok());
  auto pieces = r->Split(std::string(5000, 'a') + "b");
  ASSERT_FALSE(pieces.ok());
  EXPECT_EQ(pieces.status().code(), StatusCode::kInvalidArgument);
}

TEST(RegexTest, EmptyMatchesDoNotSplitOrLoop) {
  auto r = Regex::Compile("x*");
  ASSERT_TRUE(r.ok());
  auto pieces = r->Split("abxxc");
  ASSERT_TRUE(pieces.ok());
  EXPECT_EQ(*pieces, (std::vector<std::string_view>{"ab", "c"}));
}

}  // namespace
}  // namespace swha::tts
