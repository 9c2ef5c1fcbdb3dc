#include "tts/marks.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace swha::tts {
namespace {

using VisemeTable = std::vector<std::pair<std::string_view, std::string_view>>;

// IPA → Polly viseme, for every language: by place of articulation for consonants (lips,
// teeth, tongue tip, back of the tongue) and by openness and rounding for vowels.
const VisemeTable& CommonTable() {
  static const VisemeTable kTable = {
      // lips closed
      {"p", "p"},
      {"b", "p"},
      {"m", "p"},
      {"ɸ", "p"},
      {"β", "p"},
      {"ʙ", "p"},
      // lower lip to teeth
      {"f", "f"},
      {"v", "f"},
      {"ɱ", "f"},
      {"ʋ", "f"},
      // tongue between the teeth
      {"θ", "T"},
      {"ð", "T"},
      // tongue tip at the ridge
      {"t", "t"},
      {"d", "t"},
      {"n", "t"},
      {"l", "t"},
      {"ɾ", "t"},
      {"ɫ", "t"},
      {"ʈ", "t"},
      {"ɖ", "t"},
      {"ɳ", "t"},
      {"ɭ", "t"},
      {"ɬ", "t"},
      {"ɮ", "t"},
      {"ɲ", "t"},
      {"ʎ", "t"},
      // postalveolar and palatal fricatives and affricates
      {"ʃ", "S"},
      {"ʒ", "S"},
      {"tʃ", "S"},
      {"dʒ", "S"},
      {"ɕ", "S"},
      {"ʑ", "S"},
      {"tɕ", "S"},
      {"dʑ", "S"},
      {"ʂ", "S"},
      {"ʐ", "S"},
      {"tʂ", "S"},
      {"dʐ", "S"},
      {"ç", "S"},
      {"ʝ", "S"},
      // sibilants
      {"s", "s"},
      {"z", "s"},
      {"ts", "s"},
      {"dz", "s"},
      // back of the tongue and throat: the lips say nothing
      {"k", "k"},
      {"g", "k"},
      {"ɡ", "k"},
      {"ŋ", "k"},
      {"x", "k"},
      {"ɣ", "k"},
      {"h", "k"},
      {"ɦ", "k"},
      {"q", "k"},
      {"χ", "k"},
      {"ʔ", "k"},
      {"ɢ", "k"},
      {"ħ", "k"},
      {"ʕ", "k"},
      // r sounds
      {"ɹ", "r"},
      {"r", "r"},
      {"ʁ", "r"},
      {"ʀ", "r"},
      {"ɻ", "r"},
      {"ɽ", "r"},
      // rounded: w and the close back and front rounded vowels
      {"w", "u"},
      {"ɥ", "u"},
      {"u", "u"},
      {"ʊ", "u"},
      {"y", "u"},
      {"ʏ", "u"},
      {"ʉ", "u"},
      {"ɯ", "u"},
      // spread and close: j and the close front vowels
      {"j", "i"},
      {"i", "i"},
      {"ɪ", "i"},
      {"ɨ", "i"},
      {"ᵻ", "i"},
      // neutral
      {"ə", "@"},
      {"ɐ", "@"},
      {"ɚ", "@"},
      {"ɘ", "@"},
      // open
      {"a", "a"},
      {"æ", "a"},
      {"ɑ", "a"},
      {"aɪ", "a"},
      {"aʊ", "a"},
      {"ɶ", "a"},
      // close-mid front
      {"e", "e"},
      {"eɪ", "e"},
      // open-mid front and central
      {"ɛ", "E"},
      {"ʌ", "E"},
      {"ɜ", "E"},
      {"ɝ", "E"},
      {"œ", "E"},
      {"ɞ", "E"},
      // close-mid rounded
      {"o", "o"},
      {"oʊ", "o"},
      {"əʊ", "o"},
      {"ɤ", "o"},
      {"ɵ", "o"},
      {"ø", "o"},
      // open-mid and open rounded
      {"ɔ", "O"},
      {"ɒ", "O"},
      {"ɔɪ", "O"},
  };
  return kTable;
}

// Where a language's sounds look unlike the common table's (Kokoro's language letters).
const VisemeTable& LanguageTable(char language_code) {
  static const VisemeTable kNone;
  static const VisemeTable kEnglish = {{"ɚ", "@"}, {"ɝ", "E"}, {"əl", "t"}, {"ɜ", "E"}};
  // French ʁ is made at the back of the tongue, the jaw as for k.
  static const VisemeTable kFrench = {{"ʁ", "k"}, {"ɑ̃", "a"}, {"ɔ̃", "O"}, {"ɛ̃", "E"}};
  static const VisemeTable kSpanish = {{"β", "p"}, {"ɣ", "k"}, {"x", "k"}, {"ʝ", "i"}};
  static const VisemeTable kJapanese = {{"ɸ", "f"}, {"ɯ", "u"}, {"ɴ", "k"}};
  static const VisemeTable kMandarin = {{"ɤ", "E"}, {"ɻ", "r"}, {"ʅ", "i"}, {"ɿ", "i"}};
  switch (language_code) {
    case 'a':
    case 'b': return kEnglish;
    case 'e': return kSpanish;
    case 'f': return kFrench;
    case 'j': return kJapanese;
    case 'z': return kMandarin;
    default: return kNone;
  }
}

std::string_view Lookup(const VisemeTable& table, std::string_view ipa) {
  for (const auto& [phoneme, viseme] : table) {
    if (phoneme == ipa) return viseme;
  }
  return {};
}

// Drops what does not change the mouth's shape: stress, length, tones, tie bars, aspiration
// and other diacritics.
std::string Normalize(std::string_view ipa) {
  static constexpr std::array<std::string_view, 17> kIgnored = {
      "ˈ", "ˌ", "ː", "ˑ", "\u0361", "\u035C", "\u0329", "\u032F", "ʰ",
      "ʲ", "ʷ", "ˠ", "˥", "˦",      "˧",      "˨",      "˩"};
  std::string out;
  for (size_t i = 0; i < ipa.size();) {
    bool skipped = false;
    for (std::string_view mark : kIgnored) {
      if (ipa.substr(i).starts_with(mark)) {
        i += mark.size();
        skipped = true;
        break;
      }
    }
    if (skipped) continue;
    const char c = ipa[i++];
    if (c != '-' && (c < '0' || c > '9')) out += c;
  }
  return out;
}

// The byte length of the UTF-8 sequence that starts with `lead`.
size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;
}

int TypeOrder(MarkType type) { return static_cast<int>(type); }

}  // namespace

std::string_view MarkTypeName(MarkType type) {
  switch (type) {
    case MarkType::kSentence: return "sentence";
    case MarkType::kWord: return "word";
    case MarkType::kViseme: return "viseme";
  }
  return "word";
}

const std::vector<std::string_view>& VisemeNames() {
  static const std::vector<std::string_view> kNames = {"p", "t", "S", "T", "f", "k", "i", "r",  "s",
                                                       "u", "@", "a", "e", "E", "o", "O", "sil"};
  return kNames;
}

std::string_view VisemeOf(std::string_view ipa_phoneme, char language_code) {
  const std::string ipa = Normalize(ipa_phoneme);
  if (ipa.empty()) return "sil";
  // The whole phoneme, then ever shorter leading parts of it (a diphthong or an unknown
  // compound looks like its start).
  for (size_t length = ipa.size(); length > 0; --length) {
    if (length < ipa.size() && (static_cast<unsigned char>(ipa[length]) & 0xC0) == 0x80) {
      continue;  // not a code point boundary
    }
    const std::string_view part(ipa.data(), length);
    if (std::string_view v = Lookup(LanguageTable(language_code), part); !v.empty()) return v;
    if (std::string_view v = Lookup(CommonTable(), part); !v.empty()) return v;
  }
  return "@";
}

std::vector<SpeechMark> BuildMarks(std::string_view text, const PcmAudio& audio, char language_code,
                                   bool offsets_valid) {
  // Code point index → byte offset, with the text's end as the last entry.
  std::vector<size_t> byte_of;
  for (size_t i = 0; i < text.size(); i += SequenceLength(static_cast<unsigned char>(text[i]))) {
    byte_of.push_back(i);
  }
  byte_of.push_back(text.size());
  const auto byte_at = [&](size_t code_point) {
    return code_point < byte_of.size() ? byte_of[code_point] : text.size();
  };
  const auto time_ms = [&](int64_t sample) {
    return audio.sample_rate > 0 ? sample * 1000 / audio.sample_rate : 0;
  };
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };

  std::vector<SpeechMark> marks;
  std::vector<const SynthesisEvent*> sentences;
  std::string_view last_viseme;
  for (const SynthesisEvent& e : audio.events) {
    switch (e.kind) {
      case SynthesisEvent::Kind::kSentence:
        if (offsets_valid &&
            (sentences.empty() || sentences.back()->text_position != e.text_position)) {
          sentences.push_back(&e);
        }
        break;
      case SynthesisEvent::Kind::kWord: {
        if (!offsets_valid || e.text_length == 0) break;
        const size_t start = byte_at(e.text_position);
        const size_t end = byte_at(e.text_position + e.text_length);
        if (start >= end) break;
        marks.push_back({MarkType::kWord, time_ms(e.sample), start, end,
                         std::string(text.substr(start, end - start))});
        break;
      }
      case SynthesisEvent::Kind::kPhoneme: {
        const std::string_view viseme = VisemeOf(e.phoneme, language_code);
        if (viseme == last_viseme) break;
        last_viseme = viseme;
        marks.push_back({MarkType::kViseme, time_ms(e.sample), 0, 0, std::string(viseme)});
        break;
      }
    }
  }
  // A sentence runs to where the next starts, without the spacing between them.
  for (size_t i = 0; i < sentences.size(); ++i) {
    size_t start = byte_at(sentences[i]->text_position);
    size_t end = i + 1 < sentences.size() ? byte_at(sentences[i + 1]->text_position) : text.size();
    while (start < end && is_space(text[start])) ++start;
    while (end > start && is_space(text[end - 1])) --end;
    if (start >= end) continue;
    marks.push_back({MarkType::kSentence, time_ms(sentences[i]->sample), start, end,
                     std::string(text.substr(start, end - start))});
  }
  // Time order; at the same time a sentence comes before its first word, and that before the
  // word's first viseme, as Polly lists them.
  std::stable_sort(marks.begin(), marks.end(), [](const SpeechMark& a, const SpeechMark& b) {
    if (a.time_ms != b.time_ms) return a.time_ms < b.time_ms;
    return TypeOrder(a.type) < TypeOrder(b.type);
  });
  return marks;
}

std::vector<SpeechMark> MarksOfSegment(std::string_view graphemes, const PcmAudio& audio,
                                       std::string_view language_code) {
  const char language = language_code.empty() ? 'a' : language_code[0];
  return BuildMarks(graphemes, audio, language, language != 'j');
}

nlohmann::json MarkToJson(const SpeechMark& mark) {
  nlohmann::json j = {{"time", mark.time_ms}, {"type", MarkTypeName(mark.type)}};
  if (mark.type != MarkType::kViseme) {
    j["start"] = mark.start;
    j["end"] = mark.end;
  }
  j["value"] = mark.value;
  return j;
}

std::string MarksToJsonLines(const std::vector<SpeechMark>& marks, int segment, int64_t offset_ms) {
  std::string lines;
  for (const SpeechMark& mark : marks) {
    nlohmann::json line = MarkToJson(mark);
    line["time"] = mark.time_ms + offset_ms;
    line["segment"] = segment;
    lines += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  return lines;
}

std::string MarksToJsonArray(const std::vector<SpeechMark>& marks) {
  nlohmann::json array = nlohmann::json::array();
  for (const SpeechMark& mark : marks) array.push_back(MarkToJson(mark));
  // As the API's own answers are written (http/router.cc): never a throw on odd bytes.
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace swha::tts
