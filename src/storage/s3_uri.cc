#include "storage/s3_uri.h"

#include <array>
#include <bit>
#include <cstddef>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace swha::storage {
namespace {

// RFC 3986's unreserved characters, ASCII only, whatever the C locale says; a table, since
// every character of every signed path and query passes here.
constexpr std::array<bool, 256> UnreservedTable(bool with_slash) {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~' || (with_slash && c == '/');
  }
  return table;
}
constexpr std::array<bool, 256> kUnreserved = UnreservedTable(false);
constexpr std::array<bool, 256> kUnreservedOrSlash = UnreservedTable(true);

#if defined(__SSE2__)
constexpr size_t kUnreservedBlockBytes = 16;

// How many of the 16 bytes in `c` come before the first one S3UriEncode escapes: the same set
// as UnreservedTable(keep_slash), tested on all 16 at once.
int LeadingUnreservedOf16(__m128i c, bool keep_slash) {
  // Whether each byte is in low..high: shifted so that the range starts at -128, it is below
  // -128 + its length, in one signed compare (bytes from 0x80 are never letters or digits).
  auto between = [](__m128i v, char low, char high) {
    return _mm_cmplt_epi8(_mm_add_epi8(v, _mm_set1_epi8(static_cast<char>(-128 - low))),
                          _mm_set1_epi8(static_cast<char>(-128 + (high - low + 1))));
  };
  auto equals = [&c](char mark) { return _mm_cmpeq_epi8(c, _mm_set1_epi8(mark)); };
  // Setting bit 5 folds 'A'..'Z' onto 'a'..'z', and nothing else lands there.
  const __m128i letter = between(_mm_or_si128(c, _mm_set1_epi8(0x20)), 'a', 'z');
  __m128i kept = _mm_or_si128(letter, between(c, '0', '9'));
  // '-' and '.', and '/' just after them.
  kept = _mm_or_si128(kept, between(c, '-', keep_slash ? '/' : '.'));
  kept = _mm_or_si128(kept, _mm_or_si128(equals('_'), equals('~')));
  return std::countr_one(static_cast<unsigned>(_mm_movemask_epi8(kept)));
}
#endif

}  // namespace

bool IsS3UriUnreserved(unsigned char c) { return kUnreserved[c]; }

char* S3UriEncodeTo(std::string_view s, bool keep_slash, char* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const std::array<bool, 256>& kept = keep_slash ? kUnreservedOrSlash : kUnreserved;
  const char* in = s.data();
  const char* const end = in + s.size();
  while (in != end) {
#if defined(__SSE2__)
    // Keys and paths are mostly unreserved characters: sixteen bytes at a time, checked and
    // copied, while they are all kept (a presigned URL's path is ~100 bytes, which byte by
    // byte took a tenth of its time). Storing all sixteen stays inside `out`'s room: the
    // output so far is at most three bytes per byte read, and sixteen more are still to read.
    while (end - in >= static_cast<std::ptrdiff_t>(kUnreservedBlockBytes)) {
      const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out), block);  // past the kept: overwritten
      const int kept_bytes = LeadingUnreservedOf16(block, keep_slash);
      if (kept_bytes < static_cast<int>(kUnreservedBlockBytes)) {
        in += kept_bytes;
        out += kept_bytes;
        break;
      }
      // A constant step, not kept_bytes: the next block's address then does not wait for this
      // one's test, and the blocks overlap in the CPU (32 to 13 ns on a 100-byte path).
      in += kUnreservedBlockBytes;
      out += kUnreservedBlockBytes;
    }
    if (in == end) break;
#endif
    const auto c = static_cast<unsigned char>(*in++);
    if (kept[c]) {
      *out++ = static_cast<char>(c);
    } else {
      *out++ = '%';
      *out++ = kHex[c >> 4];
      *out++ = kHex[c & 0xF];
    }
  }
  return out;
}

void S3UriEncodeAppend(std::string_view s, bool keep_slash, std::string* out) {
  const size_t at = out->size();
  out->resize(at + s.size() * kMostEncodedBytesPerByte);
  char* const end = S3UriEncodeTo(s, keep_slash, out->data() + at);
  out->resize(static_cast<size_t>(end - out->data()));
}

std::string S3UriEncode(std::string_view s, bool keep_slash) {
  std::string out;
  S3UriEncodeAppend(s, keep_slash, &out);
  return out;
}

char* S3CanonicalUriTo(std::string_view raw_path, char* out) {
  if (raw_path.empty()) {
    *out = '/';
    return out + 1;
  }
  return S3UriEncodeTo(raw_path, /*keep_slash=*/true, out);
}

std::string S3CanonicalUri(std::string_view raw_path) {
  std::string out(S3CanonicalUriMaxBytes(raw_path.size()), '\0');
  out.resize(static_cast<size_t>(S3CanonicalUriTo(raw_path, out.data()) - out.data()));
  return out;
}

}  // namespace swha::storage
