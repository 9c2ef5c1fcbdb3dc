#include "tts/segmenter.h"

#include <optional>
#include <utility>

#include "util/strings.h"

namespace swha::tts {
namespace {

// Boundary levels, tried in order when a piece is too long.
enum class Level { kSentence, kClause, kComma, kWord, kCharacter };

Level Next(Level l) { return static_cast<Level>(static_cast<int>(l) + 1); }

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0x3000; }

// Full-width (CJK) punctuation ends a unit by itself; ASCII punctuation only before a space,
// so "3.14" or "e.g.x" are not cut.
bool EndsUnit(Level level, char32_t c, bool followed_by_space) {
  switch (level) {
    case Level::kSentence:
      if (c == U'。' || c == U'！' || c == U'？') return true;
      return followed_by_space && (c == '.' || c == '!' || c == '?' || c == U'…');
    case Level::kClause:
      if (c == U'：' || c == U'；') return true;
      return followed_by_space && (c == ':' || c == ';');
    case Level::kComma:
      if (c == U'、' || c == U'，' || c == U'—') return true;
      return followed_by_space && c == ',';
    case Level::kWord: return IsSpace(c);
    case Level::kCharacter: return true;
  }
  return false;
}

// Cuts `text` after every unit boundary of `level`; the parts cover `text` exactly.
std::vector<std::string_view> SplitUnits(std::string_view text, Level level) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t len = 0;
    const char32_t c = DecodeUtf8At(text, i, &len);
    size_t next = i + len;
    bool space_after = next >= text.size();
    if (!space_after) {
      size_t l2 = 0;
      space_after = IsSpace(DecodeUtf8At(text, next, &l2));
    }
    if (EndsUnit(level, c, space_after)) {
      parts.push_back(text.substr(start, next - start));
      start = next;
    }
    i = next;
  }
  if (start < text.size()) parts.push_back(text.substr(start));
  return parts;
}

class Segmenter {
 public:
  Segmenter(const PhonemizeFn& phonemize, size_t max_chars)
      : phonemize_(phonemize), max_chars_(max_chars) {}

  // Appends the segments of `text` (already a contiguous slice of the input) to `out`.
  Status Fit(std::string_view text, Level level, std::vector<TextSegment>* out) {
    text = TrimWhitespace(text);
    if (text.empty()) return Status::Ok();
    std::string phonemes;
    SWHA_ASSIGN_OR_RETURN(phonemes, phonemize_(text));
    if (Utf8Length(phonemes) <= max_chars_) {
      if (!phonemes.empty()) out->push_back({std::string(text), std::move(phonemes)});
      return Status::Ok();
    }
    std::vector<std::string_view> units = SplitUnits(text, level);
    if (units.size() <= 1) {
      if (level == Level::kCharacter) {
        return Status::Internal("a single character yields more than " +
                                std::to_string(max_chars_) + " phonemes");
      }
      return Fit(text, Next(level), out);
    }
    // Greedy: grow a run of whole units while its phonemes still fit.
    const char* run_begin = units[0].data();
    const char* run_end = run_begin + units[0].size();
    std::optional<std::string> run_phonemes;  // set once the run is known to fit
    for (size_t k = 1; k < units.size(); ++k) {
      const char* candidate_end = units[k].data() + units[k].size();
      std::string_view candidate(run_begin, static_cast<size_t>(candidate_end - run_begin));
      std::string candidate_phonemes;
      SWHA_ASSIGN_OR_RETURN(candidate_phonemes, phonemize_(TrimWhitespace(candidate)));
      if (Utf8Length(candidate_phonemes) <= max_chars_) {
        run_end = candidate_end;
        run_phonemes = std::move(candidate_phonemes);
        continue;
      }
      SWHA_RETURN_IF_ERROR(
          Flush(run_begin, run_end, std::exchange(run_phonemes, std::nullopt), level, out));
      run_begin = units[k].data();
      run_end = candidate_end;
    }
    return Flush(run_begin, run_end, std::move(run_phonemes), level, out);
  }

 private:
  Status Flush(const char* begin, const char* end, std::optional<std::string> phonemes, Level level,
               std::vector<TextSegment>* out) {
    std::string_view run(begin, static_cast<size_t>(end - begin));
    if (!phonemes.has_value()) return Fit(run, Next(level), out);
    if (!phonemes->empty())
      out->push_back({std::string(TrimWhitespace(run)), std::move(*phonemes)});
    return Status::Ok();
  }

  const PhonemizeFn& phonemize_;
  size_t max_chars_;
};

}  // namespace

Result<std::vector<TextSegment>> SegmentText(std::string_view text, const Regex& split_pattern,
                                             const PhonemizeFn& phonemize,
                                             size_t max_phoneme_chars) {
  std::vector<std::string_view> pieces;
  SWHA_ASSIGN_OR_RETURN(pieces, split_pattern.Split(text));
  Segmenter segmenter(phonemize, max_phoneme_chars);
  std::vector<TextSegment> segments;
  for (std::string_view piece : pieces) {
    SWHA_RETURN_IF_ERROR(segmenter.Fit(piece, Level::kSentence, &segments));
  }
  return segments;
}

}  // namespace swha::tts
