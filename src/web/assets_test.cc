#include "web/assets.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

namespace swha::web {

// Generated from src/web/testdata by the same swha_embed_assets as the page (CMakeLists.txt).
AssetSet EmbedTestAssets();

namespace {

// The ETag the generator promises: the first 128 bits of the SHA-256 of the bytes, quoted.
std::string ExpectedEtag(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned int i = 0; i < 16; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out + "\"";
}

TEST(EmbeddedAssetsTest, EveryByteValueSurvivesTheGenerator) {
  const Asset* asset = EmbedTestAssets().Find("/t/all-bytes.bin");
  ASSERT_NE(asset, nullptr);
  std::string expected;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) expected.push_back(static_cast<char>(b));
  }
  EXPECT_EQ(asset->bytes, expected);
  EXPECT_EQ(asset->content_type, "application/octet-stream");
  EXPECT_EQ(asset->etag, ExpectedEtag(expected));
}

TEST(EmbeddedAssetsTest, QuotesBackslashesTrigraphsAndUtf8AreKeptAsWritten) {
  const Asset* asset = EmbedTestAssets().Find("/t/quotes.txt");
  ASSERT_NE(asset, nullptr);
  EXPECT_EQ(
      asset->bytes,
      "He said \"hi\" ?\?= \\ back\\slash\n\ttab and UTF-8: caf\xc3\xa9 \xe2\x80\x94 12\\0 345\n");
  EXPECT_EQ(asset->content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(asset->etag, ExpectedEtag(asset->bytes));
}

TEST(EmbeddedAssetsTest, EmptyFilesAndSubdirectoriesHaveTheirPaths) {
  const Asset* empty = EmbedTestAssets().Find("/t/empty.txt");
  ASSERT_NE(empty, nullptr);
  EXPECT_TRUE(empty->bytes.empty());
  EXPECT_EQ(empty->etag, ExpectedEtag(""));
  const Asset* svg = EmbedTestAssets().Find("/t/sub/dot.svg");
  ASSERT_NE(svg, nullptr);
  EXPECT_EQ(svg->content_type, "image/svg+xml");
  EXPECT_EQ(svg->bytes, "<svg xmlns=\"http://www.w3.org/2000/svg\"/>\n");
}

TEST(EmbeddedAssetsTest, FindsExactPathsOnly) {
  const AssetSet set = EmbedTestAssets();
  EXPECT_EQ(set.all().size(), 4u);
  for (const char* missing : {"/t/", "/t/empty", "/t/empty.txt/", "t/empty.txt", "/t/EMPTY.TXT",
                              "/t/sub", "/t/../t/empty.txt", "", "/", "/z"}) {
    EXPECT_EQ(set.Find(missing), nullptr) << missing;
  }
  for (const Asset& asset : set.all()) EXPECT_EQ(set.Find(asset.path), &asset);
}

TEST(EmbeddedAssetsTest, ThePageIsEmbeddedWithItsTypes) {
  const AssetSet page = PageAssets();
  const Asset* html = page.Find("/ui/index.html");
  ASSERT_NE(html, nullptr);
  EXPECT_EQ(html->content_type, "text/html; charset=utf-8");
  EXPECT_NE(html->bytes.find("<!doctype html>"), std::string_view::npos);
  ASSERT_NE(page.Find("/ui/app.js"), nullptr);
  EXPECT_EQ(page.Find("/ui/app.js")->content_type, "text/javascript; charset=utf-8");
  ASSERT_NE(page.Find("/ui/app.css"), nullptr);
  EXPECT_EQ(page.Find("/ui/app.css")->content_type, "text/css; charset=utf-8");
  for (const Asset& asset : page.all()) EXPECT_EQ(asset.etag, ExpectedEtag(asset.bytes));
}

}  // namespace
}  // namespace swha::web
