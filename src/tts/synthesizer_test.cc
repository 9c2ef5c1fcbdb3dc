#include "tts/synthesizer.h"

#include <gtest/gtest.h>

namespace swha::tts {
namespace {

// An engine whose every call fails with `status`, as a broken install would.
class FailingEngine : public Engine {
 public:
  explicit FailingEngine(Status status) : status_(std::move(status)) {}
  Result<std::string> Phonemize(std::string_view, const VoiceSelection&) override {
    return status_;
  }
  Result<PcmAudio> Synthesize(std::string_view, const VoiceSelection&,
                              const SynthesisOptions&) override {
    return status_;
  }

 private:
  Status status_;
};

// An engine fault is the server's: it must not come back blaming one of the caller's fields
// (it once came back as a 422 on split_pattern).
TEST(SynthesizerTest, EngineFaultBlamesNoField) {
  FailingEngine engine(Status::Internal("voice: espeak-ng voice not found"));
  Synthesizer synthesizer(&engine);
  SynthesisRequest request;
  request.text = "Hello there.";
  auto r = synthesizer.Synthesize(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().field(), "");
}

TEST(SynthesizerTest, CallerMistakesNameTheirField) {
  FailingEngine engine(Status::Internal("never reached"));
  Synthesizer synthesizer(&engine);
  SynthesisRequest request;
  request.text = "Hello.";
  request.split_pattern = "(unclosed";
  auto r = synthesizer.Synthesize(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "split_pattern");
  request.split_pattern = kDefaultSplitPattern;
  request.voice = "zz_nobody";
  r = synthesizer.Synthesize(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "voice");
}

}  // namespace
}  // namespace swha::tts
