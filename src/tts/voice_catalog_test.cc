#include "tts/voice_catalog.h"

#include <gtest/gtest.h>

#include <set>

namespace swha::tts {
namespace {

TEST(VoiceCatalogTest, HasAllKokoroLanguagesAndVoices) {
  EXPECT_EQ(AllLanguages().size(), 9u);
  EXPECT_EQ(AllVoices().size(), 54u);
  std::string codes;
  for (const Language& l : AllLanguages()) codes += l.code;
  EXPECT_EQ(codes, "abefhijpz");
}

TEST(VoiceCatalogTest, NameEncodesLanguageAndGender) {
  for (const Voice& v : AllVoices()) {
    ASSERT_GE(v.name.size(), 4u) << v.name;
    EXPECT_EQ(v.name[0], v.language_code) << v.name;
    EXPECT_EQ(v.name[1] == 'f', v.gender == Gender::kFemale) << v.name;
    EXPECT_EQ(v.variant[0] == 'f' || v.variant == "Annie" || v.variant == "Alicia" ||
                  v.variant == "Andrea" || v.variant == "belinda" || v.variant == "linda" ||
                  v.variant == "steph",
              v.gender == Gender::kFemale)
        << v.name << " uses " << v.variant;
  }
}

TEST(VoiceCatalogTest, EveryNameInALanguageHasItsOwnEspeakVoice) {
  std::set<std::string> seen;
  for (const Voice& v : AllVoices()) {
    const Language* lang = *FindLanguage(std::string(1, v.language_code));
    EXPECT_TRUE(seen.insert(EspeakVoiceName(*lang, v)).second) << v.name;
  }
}

TEST(VoiceCatalogTest, UnknownNamesListWhatIsValid) {
  auto v = FindVoice("xx_nobody");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("af_heart"), std::string::npos);
  auto l = FindLanguage("q");
  ASSERT_FALSE(l.ok());
  EXPECT_NE(l.status().message().find("a, b, e, f, h, i, j, p, z"), std::string::npos);
  EXPECT_FALSE(FindLanguage("ab").ok());
  EXPECT_EQ((*FindVoice("zm_yunyang"))->language_code, 'z');
}

}  // namespace
}  // namespace swha::tts

namespace swha::tts {
namespace {

TEST(VoiceCatalogTest, OpenAiNamesMapToFixedKokoroVoices) {
  // All thirteen of OpenAI's names, each to a distinct Kokoro voice.
  ASSERT_EQ(OpenAiVoiceAliases().size(), 13U);
  std::set<std::string_view> targets;
  for (const VoiceAlias& alias : OpenAiVoiceAliases()) {
    auto voice = FindVoiceOrAlias(alias.openai_name);
    ASSERT_TRUE(voice.ok()) << alias.openai_name;
    EXPECT_EQ((*voice)->name, alias.kokoro_name);
    targets.insert(alias.kokoro_name);
  }
  EXPECT_EQ(targets.size(), OpenAiVoiceAliases().size());
  EXPECT_EQ((*FindVoiceOrAlias("alloy"))->name, "af_alloy");
  EXPECT_EQ((*FindVoiceOrAlias("bm_george"))->name, "bm_george");  // Kokoro's names as they are
  const Status unknown = FindVoiceOrAlias("nobody").status();
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("or OpenAI's: alloy, ash"), std::string::npos);
}

}  // namespace
}  // namespace swha::tts
