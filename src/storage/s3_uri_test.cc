#include "storage/s3_uri.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace swha::storage {
namespace {

// S3UriEncodeTo copies sixteen bytes at a time, past what it keeps: into a heap buffer of just
// the room it is promised (so that AddressSanitizer sees a byte past it), with a byte to escape
// at every place of strings of every length around a block, it stays inside and encodes as
// S3UriEncode does.
TEST(S3UriTest, EncodingIntoJustTheRoomPromisedStaysInsideIt) {
  for (const bool keep_slash : {false, true}) {
    for (size_t length = 1; length <= 40; ++length) {
      for (size_t at = 0; at < length; ++at) {
        std::string text(length, 'k');
        text[at] = ' ';
        const size_t room = length * kMostEncodedBytesPerByte;
        const auto buffer = std::make_unique<char[]>(room);
        const char* const begin = buffer.get();
        const char* const end = S3UriEncodeTo(text, keep_slash, buffer.get());
        ASSERT_LE(end, begin + room);
        ASSERT_EQ(std::string(begin, end), S3UriEncode(text, keep_slash))
            << "length " << length << ", ' ' at " << at;
      }
    }
  }
}

TEST(S3UriTest, ACanonicalUriIsTheEncodedPathOrASlash) {
  EXPECT_EQ(S3CanonicalUri(""), "/");
  EXPECT_EQ(S3CanonicalUri("/b/a b.wav"), "/b/a%20b.wav");
  char one[1];
  EXPECT_EQ(S3CanonicalUriTo("", one), one + 1);
  EXPECT_EQ(one[0], '/');
  EXPECT_EQ(S3CanonicalUriMaxBytes(0), 1u);
  EXPECT_EQ(S3CanonicalUriMaxBytes(5), 15u);
}

}  // namespace
}  // namespace swha::storage
