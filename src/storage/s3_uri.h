// S3's URI encoding (AWS's "UriEncode" of Signature Version 4), for paths, query strings and
// the canonical request. Every presigned URL encodes its path here, so it is written for speed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace swha::storage {

// RFC 3986's unreserved characters (A-Za-z0-9-._~), ASCII only, whatever the C locale says.
bool IsS3UriUnreserved(unsigned char c);

// S3's URI encoding: A-Za-z0-9-._~ kept, every other byte %XX with uppercase hex (so ' ' is
// %20 and '+' is %2B); '/' kept only when `keep_slash`. Independent of the C locale.
std::string S3UriEncode(std::string_view s, bool keep_slash);
// The same, appended to `*out`.
void S3UriEncodeAppend(std::string_view s, bool keep_slash, std::string* out);
inline constexpr size_t kMostEncodedBytesPerByte = 3;  // "%XX"
// The same into `out`, which has room for kMostEncodedBytesPerByte * s.size() bytes; returns
// the end of what was written. It may write anywhere in that room, past the returned end too
// (it copies sixteen bytes at a time), so `out` must not hold anything there to keep.
char* S3UriEncodeTo(std::string_view s, bool keep_slash, char* out);

// The encoded path for the request line and the canonical request: "/" when empty.
std::string S3CanonicalUri(std::string_view raw_path);
// The most bytes S3CanonicalUri makes of a path of `raw_bytes`.
inline constexpr size_t S3CanonicalUriMaxBytes(size_t raw_bytes) {
  return raw_bytes == 0 ? 1 : raw_bytes * kMostEncodedBytesPerByte;
}
// S3CanonicalUri into `out`, which has room for S3CanonicalUriMaxBytes(raw_path.size()), as
// S3UriEncodeTo has it; returns the end of what was written.
char* S3CanonicalUriTo(std::string_view raw_path, char* out);

}  // namespace swha::storage
