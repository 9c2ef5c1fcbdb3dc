#include "util/strings.h"

#include <gtest/gtest.h>

namespace swha {
namespace {

TEST(StringsTest, Utf8LengthCountsCodePoints) {
  EXPECT_EQ(Utf8Length("héllo"), 5u);
  EXPECT_EQ(Utf8Length("你好"), 2u);
  EXPECT_EQ(Utf8Length("😀"), 1u);
}

TEST(StringsTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("日本語"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe6\x97"));      // truncated
  // ASCII is checked sixteen, then eight bytes at a time: a fault at every offset in and around
  // the blocks and words is found, and multi-byte characters between ASCII runs still pass.
  constexpr size_t kLength = 44;  // two blocks, a word and a tail
  for (size_t at = 0; at < kLength; ++at) {
    std::string text(kLength, 'a');
    EXPECT_TRUE(IsValidUtf8(text));
    text[at] = '\xff';
    EXPECT_FALSE(IsValidUtf8(text)) << "bad byte at " << at;
    text.replace(at, 1, "é");
    EXPECT_TRUE(IsValidUtf8(text)) << "é at " << at;
  }
  EXPECT_FALSE(IsValidUtf8(std::string(16, 'a') + "\xe6\x97"));
}

TEST(StringsTest, QuoteForMessageCutsOnACharacterBoundary) {
  EXPECT_EQ(QuoteForMessage("abc"), "'abc'");
  EXPECT_EQ(QuoteForMessage("ééé", 3), "'é...'");
}

TEST(StringsTest, UrlEncodingFollowsRfc3986) {
  EXPECT_EQ(UrlEncode("a b+c/~_.-"), "a%20b%2Bc%2F~_.-");
  EXPECT_EQ(UrlEncode("a/b c", /*keep_slash=*/true), "a/b%20c");
  EXPECT_EQ(UrlEncode("é"), "%C3%A9");
  std::string out;
  EXPECT_TRUE(UrlDecode("a%20b+c", &out, /*plus_as_space=*/true));
  EXPECT_EQ(out, "a b c");
  EXPECT_FALSE(UrlDecode("bad%2", &out));
  EXPECT_FALSE(UrlDecode("bad%zz", &out));
}

TEST(StringsTest, DecodeUtf8AtAlwaysMakesProgress) {
  size_t len = 0;
  EXPECT_EQ(DecodeUtf8At("é", 0, &len), U'é');
  EXPECT_EQ(len, 2u);
  EXPECT_EQ(DecodeUtf8At("\xe6", 0, &len), 0xE6u);
  EXPECT_EQ(len, 1u);
}

}  // namespace
}  // namespace swha
