#include "tts/synthesizer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

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

// A remote-like engine: each segment's audio is as many samples as its text has bytes; it
// counts how many calls it serves at once, and fails any text containing "FAIL".
class RemoteEngine : public Engine {
 public:
  explicit RemoteEngine(int parallel) : parallel_(parallel) {}
  Result<std::string> Phonemize(std::string_view text, const VoiceSelection&) override {
    return std::string(text);
  }
  Result<PcmAudio> Synthesize(std::string_view text, const VoiceSelection&,
                              const SynthesisOptions&) override {
    const int now = ++in_flight_;
    int seen = max_in_flight.load();
    while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
    }
    // Long enough that renders started together overlap even on a loaded machine.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    --in_flight_;
    ++calls;
    if (text.find("FAIL") != std::string_view::npos) {
      return Status::BadGateway("upstream refused " + std::string(text));
    }
    PcmAudio audio;
    audio.sample_rate = 24000;
    audio.samples.assign(text.size(), 1);
    return audio;
  }
  int SegmentsInParallel() const override { return parallel_; }

  std::atomic<int> max_in_flight{0};
  std::atomic<int> calls{0};

 private:
  const int parallel_;
  std::atomic<int> in_flight_{0};
};

SynthesisRequest Lines(int count, int failing = -1) {
  SynthesisRequest request;
  for (int i = 0; i < count; ++i) {
    request.text += (i == failing ? "FAIL line " : "Line ") + std::to_string(i) + ".\n";
  }
  return request;
}

// An engine that waits on a server gets several segments at once, each in its place.
TEST(SynthesizerTest, SegmentsAreRenderedUpToTheEnginesParallelismInTextOrder) {
  RemoteEngine engine(/*parallel=*/3);
  Synthesizer synthesizer(&engine);
  auto r = synthesizer.Synthesize(Lines(7));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 7u);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ((*r)[i].index, i);
    EXPECT_EQ((*r)[i].graphemes, "Line " + std::to_string(i) + ".");
    EXPECT_EQ((*r)[i].pcm.samples.size(), (*r)[i].graphemes.size());
  }
  EXPECT_EQ(engine.max_in_flight, 3);

  RemoteEngine local_like(/*parallel=*/1);
  Synthesizer serial(&local_like);
  ASSERT_TRUE(serial.Synthesize(Lines(4)).ok());
  EXPECT_EQ(local_like.max_in_flight, 1);
}

// The first failure in text order is the answer, and segments after it are not started.
TEST(SynthesizerTest, AFailedSegmentStopsTheRest) {
  RemoteEngine engine(/*parallel=*/2);
  Synthesizer synthesizer(&engine);
  auto r = synthesizer.Synthesize(Lines(12, /*failing=*/1));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBadGateway);
  EXPECT_EQ(r.status().message(), "upstream refused FAIL line 1.");
  EXPECT_LT(engine.calls, 12);
}

// With an engine that has no threads of its own, a started synthesis is done when waited for,
// with the same answer as Synthesize; one never waited for never reaches the engine.
TEST(PendingSynthesisTest, AStartedSynthesisAnswersAsSynthesizeAndUnwaitedCostsNothing) {
  RemoteEngine engine(/*parallel=*/1);
  Synthesizer synthesizer(&engine);
  for (int lines : {1, 3}) {
    auto plan = synthesizer.Plan(Lines(lines));
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    PendingSynthesis pending = synthesizer.Start(*plan);
    auto waited = pending.Wait();
    ASSERT_TRUE(waited.ok()) << waited.status().ToString();
    ASSERT_EQ(waited->size(), static_cast<size_t>(lines));
    for (int i = 0; i < lines; ++i) {
      EXPECT_EQ((*waited)[i].index, i);
      EXPECT_EQ((*waited)[i].graphemes, "Line " + std::to_string(i) + ".");
      EXPECT_EQ((*waited)[i].pcm.samples.size(), (*waited)[i].graphemes.size());
    }
  }
  EXPECT_EQ(engine.calls, 4);
  {
    auto plan = synthesizer.Plan(Lines(1));
    ASSERT_TRUE(plan.ok());
    PendingSynthesis unwaited = synthesizer.Start(*std::move(plan));
  }
  EXPECT_EQ(engine.calls, 4);
  auto failing = synthesizer.Plan(Lines(1, /*failing=*/0));
  ASSERT_TRUE(failing.ok());
  auto failed = synthesizer.Start(*std::move(failing)).Wait();
  EXPECT_EQ(failed.status().code(), StatusCode::kBadGateway);
}

// A stream takes its segments one at a time, in order, while up to the engine's parallelism
// are rendered ahead; a failure comes at its own place in the order.
TEST(SegmentRendererTest, SegmentsComeInOrderWithRendersGoingAhead) {
  RemoteEngine engine(/*parallel=*/3);
  Synthesizer synthesizer(&engine);
  auto plan = synthesizer.Plan(Lines(7, /*failing=*/5));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  SegmentRenderer renderer(&synthesizer, &*plan, /*first=*/1);
  for (size_t i = 1; i < 5; ++i) {
    auto pcm = renderer.Next();
    ASSERT_TRUE(pcm.ok()) << i << ": " << pcm.status().ToString();
    EXPECT_EQ(pcm->samples.size(), plan->segments[i].graphemes.size()) << i;
  }
  auto failed = renderer.Next();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "upstream refused FAIL line 5.");
  EXPECT_EQ(engine.max_in_flight, 3);
}

// A consumer that stops early leaves no render running and starts no more.
TEST(SegmentRendererTest, AConsumerThatStopsStartsNoMore) {
  RemoteEngine engine(/*parallel=*/2);
  Synthesizer synthesizer(&engine);
  auto plan = synthesizer.Plan(Lines(10));
  ASSERT_TRUE(plan.ok());
  {
    SegmentRenderer renderer(&synthesizer, &*plan, /*first=*/0);
    ASSERT_TRUE(renderer.Next().ok());
  }
  EXPECT_EQ(engine.calls, 2);  // the one taken and the one ahead, finished before the end
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(engine.calls, 2);
}

// A local engine renders on the caller's thread, one segment per call.
TEST(SegmentRendererTest, ALocalEngineRendersEachWhenAsked) {
  RemoteEngine engine(/*parallel=*/1);
  Synthesizer synthesizer(&engine);
  auto plan = synthesizer.Plan(Lines(3));
  ASSERT_TRUE(plan.ok());
  SegmentRenderer renderer(&synthesizer, &*plan, /*first=*/0);
  ASSERT_TRUE(renderer.Next().ok());
  EXPECT_EQ(engine.calls, 1);
}

}  // namespace
}  // namespace swha::tts
