#include "http/negotiation.h"

#include <gtest/gtest.h>

namespace swha::http {
namespace {

TEST(NegotiationTest, BrowsersNavigatingGetHtml) {
  // What Chromium, Firefox and Safari send for a top-level navigation.
  EXPECT_TRUE(
      PrefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                  "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"));
  EXPECT_TRUE(PrefersHtml("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
  EXPECT_TRUE(PrefersHtml("text/html"));
  EXPECT_TRUE(PrefersHtml("TEXT/HTML; charset=utf-8"));
  EXPECT_TRUE(PrefersHtml("text/*, application/json;q=0.5"));
  EXPECT_TRUE(PrefersHtml("application/json;q=0.4 , text/html;q=0.5"));
}

TEST(NegotiationTest, ApiClientsKeepTheirJson) {
  EXPECT_FALSE(PrefersHtml(""));     // no Accept header at all
  EXPECT_FALSE(PrefersHtml("*/*"));  // curl, Python requests, the OpenAI SDK
  EXPECT_FALSE(PrefersHtml("application/json"));
  EXPECT_FALSE(PrefersHtml("application/json, text/plain, */*"));  // axios
  EXPECT_FALSE(PrefersHtml("text/html, application/json"));        // a tie: JSON, as before
  EXPECT_FALSE(PrefersHtml("text/html;q=0.5, application/json"));
  EXPECT_FALSE(PrefersHtml("text/html;q=0, */*"));
  EXPECT_FALSE(PrefersHtml("application/*, text/html;q=0.9"));
}

TEST(NegotiationTest, UnreadableRangesDoNotWin) {
  EXPECT_FALSE(PrefersHtml("text/html;q=high, */*;q=0.1"));
  EXPECT_FALSE(PrefersHtml("text/html;q=2"));
  EXPECT_FALSE(PrefersHtml("html"));
  EXPECT_FALSE(PrefersHtml(",,,"));
}

TEST(NegotiationTest, IfNoneMatchComparesWeakly) {
  const std::string_view etag = "\"abc\"";
  EXPECT_TRUE(IfNoneMatchHits("\"abc\"", etag));
  EXPECT_TRUE(IfNoneMatchHits("W/\"abc\"", etag));
  EXPECT_TRUE(IfNoneMatchHits("\"x\", \"abc\"", etag));
  EXPECT_TRUE(IfNoneMatchHits("*", etag));
  EXPECT_FALSE(IfNoneMatchHits("", etag));
  EXPECT_FALSE(IfNoneMatchHits("\"abcd\"", etag));
  EXPECT_FALSE(IfNoneMatchHits("abc", etag));  // unquoted: not the same tag
  EXPECT_FALSE(IfNoneMatchHits("\"ab\", \"c\"", etag));
}

}  // namespace
}  // namespace swha::http
