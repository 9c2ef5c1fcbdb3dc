#include "util/crypto.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace swha::crypto {
namespace {

// FIPS 180-2, appendix B.1: SHA-256("abc").
TEST(CryptoTest, Sha256MatchesFipsVector) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(HexEncode(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// RFC 4231, test cases 1 and 2.
TEST(CryptoTest, HmacSha256MatchesRfc4231) {
  EXPECT_EQ(HexEncode(HmacSha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// RFC 4231 case 2 with its message split at every place: a key that absorbed the start
// (WithPrefix) MACs the rest as the key MACs the whole. Also a start longer than a block.
TEST(CryptoTest, AKeyWithAPrefixMacsWhatFollowsIt) {
  const std::string message = "what do ya want for nothing?";
  const HmacSha256Key jefe("Jefe");
  char hex[64];
  for (size_t split = 0; split <= message.size(); ++split) {
    HexEncodeTo(jefe.WithPrefix(message.substr(0, split)).Mac({message.substr(split)}), hex);
    EXPECT_EQ(std::string_view(hex, 64),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        << split;
  }
  const std::string long_start(150, 'p');
  EXPECT_EQ(jefe.WithPrefix(long_start).Mac({"tail"}), HmacSha256Of("Jefe", {long_start, "tail"}));
  EXPECT_EQ(jefe.Mac({message}), HmacSha256Of("Jefe", {message}));  // the key itself unchanged
}

// Every byte value, in every place of a digest, spelled as printf spells it.
TEST(CryptoTest, HexEncodeToSpellsEveryByteInEveryPlace) {
  for (int first = 0; first < 256; first += 32) {
    for (int rotate = 0; rotate < 32; ++rotate) {
      Digest256 digest{};
      std::string expected;
      for (int i = 0; i < 32; ++i) {
        const int value = first + (i + rotate) % 32;
        digest[static_cast<size_t>(i)] = static_cast<uint8_t>(value);
        char two[3];
        std::snprintf(two, sizeof(two), "%02x", value);
        expected += two;
      }
      char hex[64];
      HexEncodeTo(digest, hex);
      ASSERT_EQ(std::string_view(hex, 64), expected) << first << " rotated by " << rotate;
    }
  }
}

// FIPS 180-2 B.2 (two blocks), and RFC 4231 cases 6 and 7 (a key longer than a block, which
// HMAC hashes first), through the piecewise functions the signer uses.
TEST(CryptoTest, PiecewiseDigestsMatchPublishedVectors) {
  char hex[64];
  HexEncodeTo(Sha256Of({"abcdbcdecdefdefgefghfghighijhijk", "ijkljklmklmnlmnomnopnopq"}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  HexEncodeTo(Sha256Of({}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // Empty pieces around "abc" (B.1), and B.3's million 'a's in two pieces too long to be copied
  // together before hashing.
  HexEncodeTo(Sha256Of({"", "ab", "", "c", ""}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string half_a_million(500000, 'a');
  HexEncodeTo(Sha256Of({half_a_million, half_a_million}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  const std::string long_key(131, '\xaa');
  HexEncodeTo(
      HmacSha256Of(long_key, {"Test Using Larger Than ", "Block-Size Key - Hash Key First"}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(HexEncode(HmacSha256(long_key,
                                 "This is a test using a larger than block-size key and a larger "
                                 "than block-size data. The key needs to be hashed before being "
                                 "used by the HMAC algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  HexEncodeTo(HmacSha256Of("Jefe", {"what do ya", " want ", "", "for nothing?"}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The block-size boundary: 64 key bytes are used as they are, 65 are hashed first
  // (expected values from Python's hmac module).
  EXPECT_EQ(HexEncode(HmacSha256(std::string(64, 'k'), "m")),
            "3b7a8d453e76edb519238a515105a57508d0f169f480ebeee120a9e7803289fa");
  EXPECT_EQ(HexEncode(HmacSha256(std::string(65, 'k'), "m")),
            "c2d7d4c2256ddb097409ec0c67e1d58fa1a007fc6932cac0d892a525d08af7cc");
}

// The precomputed key gives the same MACs: RFC 4231 cases 1, 2 and 6 (a key longer than a
// block), the block-size boundary, and a key used many times over.
TEST(CryptoTest, PrecomputedHmacKeyMatchesRfc4231) {
  char hex[64];
  const HmacSha256Key case1(std::string(20, '\x0b'));
  HexEncodeTo(case1.Mac({"Hi There"}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  const HmacSha256Key jefe("Jefe");
  for (int i = 0; i < 3; ++i) {  // the stored states are copied, never consumed
    HexEncodeTo(jefe.Mac({"what do ya", " want ", "", "for nothing?"}), hex);
    EXPECT_EQ(std::string_view(hex, 64),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  HexEncodeTo(HmacSha256Key(std::string(131, '\xaa'))
                  .Mac({"Test Using Larger Than Block-Size Key - Hash Key First"}),
              hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  HexEncodeTo(HmacSha256Key(std::string(65, 'k')).Mac({"m"}), hex);
  EXPECT_EQ(std::string_view(hex, 64),
            "c2d7d4c2256ddb097409ec0c67e1d58fa1a007fc6932cac0d892a525d08af7cc");
}

TEST(CryptoTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

TEST(CryptoTest, RandomHexIsFreshAndWellFormed) {
  const std::string a = RandomHex(16);
  const std::string b = RandomHex(16);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace swha::crypto
