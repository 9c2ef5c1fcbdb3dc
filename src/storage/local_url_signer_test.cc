#include "storage/local_url_signer.h"

#include <gtest/gtest.h>

#include "util/crypto.h"

namespace swha::storage {
namespace {

constexpr char kSession[] = "1703123456789_anonymous_0123456789abcdef0123456789abcdef";

// The scheme, spelled out independently of the implementation: HMAC-SHA256 keyed by
// HMAC(SECRET_KEY, "swha-tts local audio URL v1") over "GET\n<path>\n<expires>".
TEST(LocalUrlSignerTest, SignatureFollowsTheDocumentedScheme) {
  LocalUrlSigner signer("a-secret-key-for-tests", "");
  const std::string key =
      crypto::HmacSha256("a-secret-key-for-tests", "swha-tts local audio URL v1");
  const std::string expected = crypto::HexEncode(crypto::HmacSha256(
      key, std::string("GET\n/static/audio/") + kSession + "/segment_000.wav\n1700000000"));
  EXPECT_EQ(signer.Signature(kSession, "segment_000.wav", 1700000000), expected);
  EXPECT_EQ(signer.SignedUrl(kSession, "segment_000.wav", 1700000000),
            std::string("/static/audio/") + kSession +
                "/segment_000.wav?expires=1700000000&signature=" + expected);
}

TEST(LocalUrlSignerTest, PublicBaseUrlPrefixesUrls) {
  LocalUrlSigner signer("a-secret-key-for-tests", "https://tts.example.com");
  EXPECT_EQ(signer.SignedUrl(kSession, "segment_001.wav", 5)
                .rfind("https://tts.example.com/static/audio/", 0),
            0u);
}

TEST(LocalUrlSignerTest, VerifyAcceptsOnlyGenuineUnexpiredUrls) {
  LocalUrlSigner signer("a-secret-key-for-tests", "");
  const std::string sig = signer.Signature(kSession, "segment_000.wav", 2000);
  EXPECT_TRUE(signer.Verify(kSession, "segment_000.wav", "2000", sig, 1999).ok());
  EXPECT_TRUE(signer.Verify(kSession, "segment_000.wav", "2000", sig, 2000).ok());
  EXPECT_EQ(signer.Verify(kSession, "segment_000.wav", "2000", sig, 2001).message(),
            "URL has expired");
  EXPECT_EQ(signer.Verify(kSession, "segment_000.wav", "2001", sig, 10).message(),
            "signature does not match");
  EXPECT_FALSE(signer.Verify(kSession, "segment_001.wav", "2000", sig, 10).ok());
  std::string flipped = sig;
  flipped[0] = flipped[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(signer.Verify(kSession, "segment_000.wav", "2000", flipped, 10).ok());
  EXPECT_FALSE(signer.Verify(kSession, "segment_000.wav", "", sig, 10).ok());
  EXPECT_FALSE(signer.Verify(kSession, "segment_000.wav", "20x0", sig, 10).ok());
  EXPECT_FALSE(signer.Verify(kSession, "segment_000.wav", "-1", sig, 10).ok());
  LocalUrlSigner other("another-secret-key-xyz", "");
  EXPECT_FALSE(other.Verify(kSession, "segment_000.wav", "2000", sig, 10).ok());
}

}  // namespace
}  // namespace swha::storage
