// Splits request text into the segments that become one audio file each, like the original
// (Kokoro's pipeline): first at split_pattern, then any piece whose phonemes would exceed the
// model limit is cut at sentence, then clause, then comma, then word boundaries.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/regex.h"
#include "util/status.h"

namespace swha::tts {

// Kokoro's limit on one segment's phoneme string, in characters (code points).
constexpr size_t kMaxPhonemeChars = 510;

struct TextSegment {
  std::string graphemes;  // the segment's exact text, surrounding whitespace trimmed
  std::string phonemes;   // IPA
};

using PhonemizeFn = std::function<Result<std::string>(std::string_view text)>;

// Returns the segments in order; pieces with no phonemes are left out (possibly all of them).
Result<std::vector<TextSegment>> SegmentText(std::string_view text, const Regex& split_pattern,
                                             const PhonemizeFn& phonemize,
                                             size_t max_phoneme_chars = kMaxPhonemeChars);

}  // namespace swha::tts
