// Debian 12's espeak-ng reads kana but says "Chinese letter" for every kanji, so Japanese text
// is turned into hiragana (libkakasi) before it reaches the engine.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::tts {

// Replaces kanji by their hiragana readings; kana, ASCII and punctuation pass through.
// Thread-safe (libkakasi is not; calls are serialized).
Result<std::string> KanjiToHiragana(std::string_view utf8_text);

}  // namespace swha::tts
