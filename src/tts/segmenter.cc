#include "tts/segmenter.h"

#include <algorithm>

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
    return Pack(units, level, out);
  }

 private:
  // Cuts `units` into runs, each the longest that still fits. The longest run is found by
  // doubling and then bisecting its length, so a piece of n units costs O(log n) engine calls
  // per segment rather than one per unit: a 5,000-letter "word" stays fast.
  Status Pack(const std::vector<std::string_view>& units, Level level,
              std::vector<TextSegment>* out) {
    size_t start = 0;
    while (start < units.size()) {
      const size_t remaining = units.size() - start;
      std::string fitting_phonemes;
      bool fits = false;
      SWHA_RETURN_IF_ERROR(TryRun(units, start, 1, &fits, &fitting_phonemes));
      if (!fits) {  // one unit alone is too long: cut it at the next level down
        SWHA_RETURN_IF_ERROR(Fit(units[start], Next(level), out));
        ++start;
        continue;
      }
      size_t good = 1;             // a run of `good` units fits
      size_t bad = remaining + 1;  // a run of `bad` units does not (or does not exist)
      while (good < remaining) {
        const size_t k = std::min(good * 2, remaining);
        std::string phonemes;
        SWHA_RETURN_IF_ERROR(TryRun(units, start, k, &fits, &phonemes));
        if (!fits) {
          bad = k;
          break;
        }
        good = k;
        fitting_phonemes = std::move(phonemes);
      }
      while (bad - good > 1 && good < remaining) {
        const size_t k = good + (bad - good) / 2;
        std::string phonemes;
        SWHA_RETURN_IF_ERROR(TryRun(units, start, k, &fits, &phonemes));
        if (fits) {
          good = k;
          fitting_phonemes = std::move(phonemes);
        } else {
          bad = k;
        }
      }
      const std::string_view run = TrimWhitespace(Span(units, start, good));
      if (!fitting_phonemes.empty())
        out->push_back({std::string(run), std::move(fitting_phonemes)});
      start += good;
    }
    return Status::Ok();
  }

  static std::string_view Span(const std::vector<std::string_view>& units, size_t start,
                               size_t count) {
    const char* begin = units[start].data();
    const char* end = units[start + count - 1].data() + units[start + count - 1].size();
    return {begin, static_cast<size_t>(end - begin)};
  }

  Status TryRun(const std::vector<std::string_view>& units, size_t start, size_t count, bool* fits,
                std::string* phonemes) {
    SWHA_ASSIGN_OR_RETURN(*phonemes, phonemize_(TrimWhitespace(Span(units, start, count))));
    *fits = Utf8Length(*phonemes) <= max_chars_;
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
