// Speech marks in Amazon Polly's shape, from an engine's synthesis events: where each sentence
// and word of a segment's text is heard, and the viseme (mouth shape) of each sound, for
// avatar and lipsync pipelines that move a face to the voice.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tts/engine.h"

namespace swha::tts {

enum class MarkType { kSentence, kWord, kViseme };
std::string_view MarkTypeName(MarkType type);  // "sentence", "word", "viseme"

struct SpeechMark {
  MarkType type = MarkType::kWord;
  int64_t time_ms = 0;  // from the start of the segment's audio
  // kSentence, kWord: the byte range of `value` in the segment's text (UTF-8).
  size_t start = 0;
  size_t end = 0;
  std::string value;  // the sentence or word as written; a viseme: one of Polly's names
};

// Polly's visemes: p t S T f k i r s u @ a e E o O, and sil for silence.
const std::vector<std::string_view>& VisemeNames();

// The viseme of one IPA phoneme as espeak-ng names it ("ɜː", "tʃ", "oʊ") in `language_code`
// (Kokoro's letter): the language's own table first, then the common one. Stress and length
// marks are ignored; "" (a pause) is "sil"; an unknown phoneme takes the viseme of its first
// known symbol, else "@" (a neutral, half-open mouth).
std::string_view VisemeOf(std::string_view ipa_phoneme, char language_code);

// The marks of one segment, in time order: a sentence mark where each sentence starts, a word
// mark for each word, and a viseme mark where the mouth shape changes. `text` is the text the
// engine read; when `offsets_valid` is false (the engine read a transliteration, such as
// Japanese kanji turned into kana) words and sentences are left out, as their offsets would
// not point into the caller's text.
std::vector<SpeechMark> BuildMarks(std::string_view text, const PcmAudio& audio, char language_code,
                                   bool offsets_valid = true);

// The marks of one segment of a text in `language_code` (Kokoro's letter, "a" when empty). The
// engine reads Japanese as kana (libkakasi), whose offsets would point elsewhere than into the
// caller's text, so Japanese gets its visemes only.
std::vector<SpeechMark> MarksOfSegment(std::string_view graphemes, const PcmAudio& audio,
                                       std::string_view language_code);

// One mark as Polly writes it: {"time", "type", "start", "end", "value"} (a viseme has no
// offsets).
nlohmann::json MarkToJson(const SpeechMark& mark);
// Polly's speech-marks stream for one segment: a MarkToJson object per line, with "segment"
// and the time moved by `offset_ms` (the segment's start within a longer output).
std::string MarksToJsonLines(const std::vector<SpeechMark>& marks, int segment,
                             int64_t offset_ms = 0);
// A segment's marks as a JSON array of MarkToJson objects: what segment_NNN.marks.json holds.
std::string MarksToJsonArray(const std::vector<SpeechMark>& marks);

}  // namespace swha::tts
