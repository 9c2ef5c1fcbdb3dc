// Small string helpers shared by several modules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace swha {

// Quotes user input for an error message, cut to `max_chars` bytes (on a UTF-8 boundary) so a
// huge field cannot blow up a response or a log line.
std::string QuoteForMessage(std::string_view input, size_t max_chars = 64);

std::string_view TrimWhitespace(std::string_view s);
std::string ToLower(std::string_view s);

// Number of Unicode code points in valid UTF-8 (invalid bytes count one each).
size_t Utf8Length(std::string_view s);
bool IsValidUtf8(std::string_view s);
// Largest prefix length <= max_bytes that does not split a UTF-8 sequence.
size_t Utf8SafePrefix(std::string_view s, size_t max_bytes);

// Decodes the code point starting at byte `i` and stores its byte length in `*len`. An invalid
// or truncated sequence decodes as its first byte, length 1, so callers always make progress.
char32_t DecodeUtf8At(std::string_view s, size_t i, size_t* len);

// RFC 3986 percent-encoding: unreserved characters kept, everything else %XX (uppercase).
// With keep_slash, '/' is kept too (for paths).
std::string UrlEncode(std::string_view s, bool keep_slash = false);
// Decodes %XX and (in query strings only) '+' as space. Returns false on a malformed escape.
bool UrlDecode(std::string_view s, std::string* out, bool plus_as_space = false);

}  // namespace swha
