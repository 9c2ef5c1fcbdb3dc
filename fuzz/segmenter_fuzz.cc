// The segmenter (tts/segmenter.h) with any split_pattern (util/regex.h, PCRE2 under a match
// limit) and any text, under small phoneme limits so every cutting level runs: no crash, no
// segment over the limit, segments in order and never overlapping, and no speakable byte lost
// or repeated.
#include <cctype>
#include <string>

#include "fuzz/fuzz_input.h"
#include "tts/segmenter.h"
#include "util/regex.h"
#include "util/strings.h"

namespace {

// What the stand-in engine speaks: every byte but whitespace (as TrimWhitespace sees it) and
// sentence punctuation, one phoneme each. So a code point is at most 4 phonemes.
bool Speakable(char c) {
  return !std::isspace(static_cast<unsigned char>(c)) &&
         std::string_view(".,!?;:").find(c) == std::string_view::npos;
}

size_t SpeakableBytes(std::string_view text) {
  size_t n = 0;
  for (const char c : text) n += Speakable(c) ? 1 : 0;
  return n;
}

swha::Result<std::string> Phonemize(std::string_view text) {
  return std::string(SpeakableBytes(text), 'a');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const size_t max_phonemes = 4 + input.TakeByte() % 60;
  const std::string_view pattern = input.TakePart();
  const std::string_view text = input.Rest();
  auto regex = swha::Regex::Compile(pattern);
  if (!regex.ok()) {
    FUZZ_CHECK(regex.status().code() == swha::StatusCode::kInvalidArgument);
    return 0;
  }
  auto pieces = regex->Split(text);
  auto segments = swha::tts::SegmentText(text, *regex, Phonemize, max_phonemes);
  FUZZ_CHECK(segments.ok() == pieces.ok());
  if (!segments.ok()) {
    FUZZ_CHECK(segments.status().code() == swha::StatusCode::kInvalidArgument);
    return 0;
  }
  size_t in_pieces = 0;
  for (const std::string_view piece : *pieces) in_pieces += SpeakableBytes(piece);
  size_t in_segments = 0;
  size_t from = 0;
  for (const auto& segment : *segments) {
    FUZZ_CHECK(!segment.phonemes.empty());
    FUZZ_CHECK(swha::Utf8Length(segment.phonemes) <= max_phonemes);
    FUZZ_CHECK(segment.phonemes == Phonemize(segment.graphemes).value());
    const size_t at = text.find(segment.graphemes, from);
    FUZZ_CHECK(at != std::string_view::npos);
    from = at + segment.graphemes.size();
    in_segments += SpeakableBytes(segment.graphemes);
  }
  FUZZ_CHECK(in_segments == in_pieces);
  return 0;
}
