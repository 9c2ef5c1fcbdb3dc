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
// The same into `out`, which has room for kMostEncodedBytesPerByte * s.size() bytes; returns
// the end of what was written.
inline constexpr size_t kMostEncodedBytesPerByte = 3;  // "%XX"
char* S3UriEncodeTo(std::string_view s, bool keep_slash, char* out);

// The encoded path for the request line and the canonical request: "/" when empty.
std::string S3CanonicalUri(std::string_view raw_path);

}  // namespace swha::storage
