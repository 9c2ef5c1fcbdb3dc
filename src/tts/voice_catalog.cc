#include "tts/voice_catalog.h"

#include <algorithm>

#include "util/strings.h"

namespace swha::tts {
namespace {

// espeak-ng voice file names (espeak_ng_SetVoiceByName does not resolve language tags such as
// "en-gb": "en" is the British voice). Its Mandarin voice "cmn" reads its own pinyin output with
// English rules; "cmn-latn-pinyin" shares the same hanzi dictionary but reads pinyin as Mandarin.
// A function-local table: other files' static initializers (the API's field declarations)
// may read it before this file's globals would exist.
const std::vector<Language>& LanguageTable() {
  static const std::vector<Language> kTable = {
      {'a', "American English", "en-us"},
      {'b', "British English", "en"},
      {'e', "Spanish", "es"},
      {'f', "French", "fr"},
      {'h', "Hindi", "hi"},
      {'i', "Italian", "it"},
      {'j', "Japanese", "ja"},
      {'p', "Brazilian Portuguese", "pt-br"},
      {'z', "Mandarin Chinese", "cmn-latn-pinyin"},
  };
  return kTable;
}

constexpr Gender F = Gender::kFemale;
constexpr Gender M = Gender::kMale;

// Within a language every name has its own variant, so no two names sound alike.
const std::vector<Voice>& VoiceTable() {
  static const std::vector<Voice> kTable = {
      {"af_heart", 'a', F, "f3"},      {"af_alloy", 'a', F, "f1"},
      {"af_aoede", 'a', F, "f2"},      {"af_bella", 'a', F, "f4"},
      {"af_jessica", 'a', F, "f5"},    {"af_kore", 'a', F, "Annie"},
      {"af_nicole", 'a', F, "Alicia"}, {"af_nova", 'a', F, "Andrea"},
      {"af_river", 'a', F, "belinda"}, {"af_sarah", 'a', F, "linda"},
      {"af_sky", 'a', F, "steph"},     {"am_adam", 'a', M, "m3"},
      {"am_echo", 'a', M, "m1"},       {"am_eric", 'a', M, "m2"},
      {"am_fenrir", 'a', M, "m4"},     {"am_liam", 'a', M, "m5"},
      {"am_michael", 'a', M, "m6"},    {"am_onyx", 'a', M, "m7"},
      {"am_puck", 'a', M, "m8"},       {"am_santa", 'a', M, "Marco"},
      {"bf_alice", 'b', F, "f1"},      {"bf_emma", 'b', F, "f3"},
      {"bf_isabella", 'b', F, "f2"},   {"bf_lily", 'b', F, "f4"},
      {"bm_daniel", 'b', M, "m3"},     {"bm_fable", 'b', M, "m1"},
      {"bm_george", 'b', M, "m2"},     {"bm_lewis", 'b', M, "m4"},
      {"ef_dora", 'e', F, "f3"},       {"em_alex", 'e', M, "m3"},
      {"em_santa", 'e', M, "m1"},      {"ff_siwis", 'f', F, "f3"},
      {"hf_alpha", 'h', F, "f3"},      {"hf_beta", 'h', F, "f1"},
      {"hm_omega", 'h', M, "m3"},      {"hm_psi", 'h', M, "m1"},
      {"if_sara", 'i', F, "f3"},       {"im_nicola", 'i', M, "m3"},
      {"jf_alpha", 'j', F, "f3"},      {"jf_gongitsune", 'j', F, "f1"},
      {"jf_nezumi", 'j', F, "f2"},     {"jf_tebukuro", 'j', F, "f4"},
      {"jm_kumo", 'j', M, "m3"},       {"pf_dora", 'p', F, "f3"},
      {"pm_alex", 'p', M, "m3"},       {"pm_santa", 'p', M, "m1"},
      {"zf_xiaobei", 'z', F, "f1"},    {"zf_xiaoni", 'z', F, "f2"},
      {"zf_xiaoxiao", 'z', F, "f3"},   {"zf_xiaoyi", 'z', F, "f4"},
      {"zm_yunjian", 'z', M, "m1"},    {"zm_yunxi", 'z', M, "m2"},
      {"zm_yunxia", 'z', M, "m3"},     {"zm_yunyang", 'z', M, "m4"},
  };
  return kTable;
}

std::string JoinLanguageCodes() {
  std::string out;
  for (const Language& l : LanguageTable()) {
    if (!out.empty()) out += ", ";
    out += l.code;
  }
  return out;
}

std::string JoinVoiceNames() {
  std::string out;
  for (const Voice& v : VoiceTable()) {
    if (!out.empty()) out += ", ";
    out += v.name;
  }
  return out;
}

}  // namespace

std::string EspeakVoiceName(const Language& language, const Voice& voice) {
  std::string out(language.espeak);
  out += '+';
  out += voice.variant;
  return out;
}

const std::vector<Language>& AllLanguages() { return LanguageTable(); }
const std::vector<Voice>& AllVoices() { return VoiceTable(); }

Result<const Language*> FindLanguage(std::string_view code) {
  auto it = std::find_if(LanguageTable().begin(), LanguageTable().end(),
                         [&](const Language& l) { return code.size() == 1 && l.code == code[0]; });
  if (it == LanguageTable().end()) {
    return Status::InvalidArgument("unknown language_code " + QuoteForMessage(code) +
                                   "; valid codes: " + JoinLanguageCodes());
  }
  return &*it;
}

Result<const Voice*> FindVoice(std::string_view name) {
  auto it = std::find_if(VoiceTable().begin(), VoiceTable().end(),
                         [&](const Voice& v) { return v.name == name; });
  if (it == VoiceTable().end()) {
    return Status::InvalidArgument("unknown voice " + QuoteForMessage(name) +
                                   "; valid voices: " + JoinVoiceNames());
  }
  return &*it;
}

const std::vector<VoiceAlias>& OpenAiVoiceAliases() {
  static const std::vector<VoiceAlias> kAliases = {
      {"alloy", "af_alloy"}, {"ash", "am_adam"},    {"ballad", "bm_lewis"},  {"coral", "af_kore"},
      {"echo", "am_echo"},   {"fable", "bm_fable"}, {"onyx", "am_onyx"},     {"nova", "af_nova"},
      {"sage", "af_sarah"},  {"shimmer", "af_sky"}, {"verse", "am_michael"}, {"marin", "af_heart"},
      {"cedar", "am_eric"},
  };
  return kAliases;
}

Result<const Voice*> FindVoiceOrAlias(std::string_view name) {
  for (const VoiceAlias& alias : OpenAiVoiceAliases()) {
    if (alias.openai_name == name) return FindVoice(alias.kokoro_name);
  }
  auto voice = FindVoice(name);
  if (voice.ok()) return voice;
  std::string openai_names;
  for (const VoiceAlias& alias : OpenAiVoiceAliases()) {
    openai_names += openai_names.empty() ? "" : ", ";
    openai_names += alias.openai_name;
  }
  return Status::InvalidArgument(voice.status().message() + "; or OpenAI's: " + openai_names);
}

}  // namespace swha::tts
