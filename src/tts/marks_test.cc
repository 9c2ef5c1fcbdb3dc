// Speech marks from the real espeak-ng engine: words in order and inside the audio, their
// offsets cutting exactly the words of the text (UTF-8 included), sentences, speed, and the
// silence between sentences as "sil".
#include "tts/marks.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tts/synthesizer.h"

namespace swha::tts {
namespace {

class MarksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = CreateEngine({.threads = 1});
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    engine_ = std::move(engine).value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  // One segment of `text` (no splitting), rendered and marked.
  static std::vector<SpeechMark> MarksOf(const std::string& text, double speed = 1.0,
                                         double* duration_ms = nullptr) {
    Synthesizer synthesizer(engine_);
    SynthesisRequest request;
    request.text = text;
    request.speed = speed;
    auto plan = synthesizer.Plan(request);
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    if (!plan.ok()) return {};
    EXPECT_EQ(plan->segments.size(), 1U);
    auto audio = synthesizer.Render(*plan, 0);
    EXPECT_TRUE(audio.ok());
    if (!audio.ok()) return {};
    if (duration_ms != nullptr) *duration_ms = audio->DurationSeconds() * 1000;
    return BuildMarks(plan->segments[0].graphemes, *audio, 'a');
  }

  static std::vector<SpeechMark> OfType(const std::vector<SpeechMark>& marks, MarkType type) {
    std::vector<SpeechMark> out;
    std::copy_if(marks.begin(), marks.end(), std::back_inserter(out),
                 [type](const SpeechMark& m) { return m.type == type; });
    return out;
  }

  static Engine* engine_;
};

Engine* MarksTest::engine_ = nullptr;

const std::string kText = "Hello world. Grüße, naïve café! Then silence.";

TEST_F(MarksTest, WordsAreInOrderInsideTheAudioAndCutTheTextExactly) {
  double duration_ms = 0;
  const std::vector<SpeechMark> marks = MarksOf(kText, 1.0, &duration_ms);
  const std::vector<SpeechMark> words = OfType(marks, MarkType::kWord);
  std::vector<std::string> values;
  int64_t previous = -1;
  for (const SpeechMark& w : words) {
    values.push_back(w.value);
    EXPECT_EQ(kText.substr(w.start, w.end - w.start), w.value);
    EXPECT_GT(w.time_ms, previous) << w.value;
    EXPECT_LT(w.time_ms, duration_ms) << w.value;
    previous = w.time_ms;
  }
  EXPECT_EQ(values, (std::vector<std::string>{"Hello", "world", "Grüße", "naïve", "café", "Then",
                                              "silence"}));
  // Byte offsets, not characters: "naïve" starts after the two-byte ü and ß.
  EXPECT_EQ(words.at(3).start, kText.find("naïve"));
  EXPECT_EQ(words.at(3).end - words.at(3).start, std::string("naïve").size());
  // Marks as a whole are in time order.
  EXPECT_TRUE(std::is_sorted(marks.begin(), marks.end(),
                             [](const auto& a, const auto& b) { return a.time_ms < b.time_ms; }));
}

TEST_F(MarksTest, SentencesStartWithTheirFirstWord) {
  const std::vector<SpeechMark> marks = MarksOf(kText);
  const std::vector<SpeechMark> sentences = OfType(marks, MarkType::kSentence);
  std::vector<std::string> values;
  for (const SpeechMark& s : sentences) {
    values.push_back(s.value);
    EXPECT_EQ(kText.substr(s.start, s.end - s.start), s.value);
  }
  EXPECT_EQ(values,
            (std::vector<std::string>{"Hello world.", "Grüße, naïve café!", "Then silence."}));
  const std::vector<SpeechMark> words = OfType(marks, MarkType::kWord);
  EXPECT_EQ(sentences.at(1).time_ms, words.at(2).time_ms);  // "Grüße"
}

TEST_F(MarksTest, ASilentGapBetweenSentencesIsSilAndVisemesAreBetween) {
  const std::vector<SpeechMark> marks = MarksOf(kText);
  const std::vector<SpeechMark> words = OfType(marks, MarkType::kWord);
  const std::vector<SpeechMark> visemes = OfType(marks, MarkType::kViseme);
  ASSERT_GT(visemes.size(), 10U);
  for (const SpeechMark& v : visemes) {
    EXPECT_NE(std::find(VisemeNames().begin(), VisemeNames().end(), v.value), VisemeNames().end())
        << v.value;
  }
  // Between "world" and "Grüße" the voice pauses: a sil in that gap.
  const bool sil_in_gap = std::any_of(visemes.begin(), visemes.end(), [&](const SpeechMark& v) {
    return v.value == "sil" && v.time_ms > words.at(1).time_ms && v.time_ms < words.at(2).time_ms;
  });
  EXPECT_TRUE(sil_in_gap);
  // "Hello" opens with h (k) and ends on the rounded oʊ (o); no two neighbours are the same.
  EXPECT_EQ(visemes.front().value, "k");
  for (size_t i = 1; i < visemes.size(); ++i) EXPECT_NE(visemes[i].value, visemes[i - 1].value);
}

TEST_F(MarksTest, FasterSpeechPutsTheLastWordEarlier) {
  const auto last_word = [&](double speed) {
    const std::vector<SpeechMark> words = OfType(MarksOf(kText, speed), MarkType::kWord);
    return words.empty() ? int64_t{-1} : words.back().time_ms;
  };
  const int64_t normal = last_word(1.0);
  const int64_t fast = last_word(2.0);
  ASSERT_GT(normal, 0);
  ASSERT_GT(fast, 0);
  EXPECT_LT(fast, normal * 0.7);
}

TEST(VisemeTest, PhonemesMapToPollysVisemes) {
  EXPECT_EQ(VisemeOf("tʃ", 'a'), "S");
  EXPECT_EQ(VisemeOf("ˈaɪ", 'a'), "a");
  EXPECT_EQ(VisemeOf("θ", 'a'), "T");
  EXPECT_EQ(VisemeOf("ɜː", 'a'), "E");
  EXPECT_EQ(VisemeOf("oʊ", 'a'), "o");
  EXPECT_EQ(VisemeOf("m", 'a'), "p");
  EXPECT_EQ(VisemeOf("", 'a'), "sil");
  // Per language: French ʁ is made at the back of the tongue, English ɹ is an r.
  EXPECT_EQ(VisemeOf("ʁ", 'f'), "k");
  EXPECT_EQ(VisemeOf("ʁ", 'a'), "r");
  EXPECT_EQ(VisemeOf("tɕʰ", 'z'), "S");  // aspiration ignored
  EXPECT_EQ(VisemeOf("☃", 'a'), "@");    // unknown: neutral
}

}  // namespace
}  // namespace swha::tts
