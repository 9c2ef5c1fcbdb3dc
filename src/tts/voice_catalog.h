// The Kokoro languages and voices the original service accepted, and the espeak-ng voice each
// one is rendered with. The table is fixed in code so that a name always sounds the same
// across releases and machines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha::tts {

enum class Gender { kFemale, kMale };

struct Language {
  char code;                // Kokoro's one-letter code: a b e f h i j p z
  std::string_view name;    // "American English"
  std::string_view espeak;  // espeak-ng voice of that language, e.g. "en-us"
};

struct Voice {
  std::string_view name;     // Kokoro name, e.g. "af_heart"
  char language_code;        // first letter of the name
  Gender gender;             // second letter: f or m
  std::string_view variant;  // espeak-ng voice variant, e.g. "f3"
};

// The espeak-ng voice that renders `voice` speaking `language`: "<language voice>+<variant>".
// Kokoro lets any voice speak any language, and so do we.
std::string EspeakVoiceName(const Language& language, const Voice& voice);

// All 9 languages, in Kokoro's order.
const std::vector<Language>& AllLanguages();
// All 54 voices, grouped by language.
const std::vector<Voice>& AllVoices();

// Lookups return InvalidArgument listing what is valid.
Result<const Language*> FindLanguage(std::string_view code);
Result<const Voice*> FindVoice(std::string_view name);

// OpenAI's voice names and the Kokoro voice each one is spoken with: Kokoro's voice of the
// same name where it has one (alloy, echo, fable, nova, onyx), else one of like gender and
// accent. Fixed, so a name always sounds the same.
struct VoiceAlias {
  std::string_view openai_name;
  std::string_view kokoro_name;
};
const std::vector<VoiceAlias>& OpenAiVoiceAliases();
// A Kokoro name as it is, or an OpenAI name through the table; InvalidArgument otherwise.
Result<const Voice*> FindVoiceOrAlias(std::string_view name);

}  // namespace swha::tts
