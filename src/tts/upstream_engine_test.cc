#include "tts/upstream_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "storage/http_transport_testing.h"

namespace swha::tts {
namespace {

using nlohmann::json;
using storage::FakeTransport;
using storage::HeaderOf;
using storage::Reply;

constexpr std::string_view kKey = "sk-upstream-5f2a91";

// A local engine that says what it was asked, with one event per 100 samples.
class FakeLocalEngine : public Engine {
 public:
  Result<std::string> Phonemize(std::string_view text, const VoiceSelection&) override {
    return "local:" + std::string(text);
  }
  Result<PcmAudio> Synthesize(std::string_view, const VoiceSelection&,
                              const SynthesisOptions&) override {
    ++syntheses;
    PcmAudio audio;
    audio.sample_rate = 22050;
    audio.samples.assign(400, 0);
    std::fill(audio.samples.begin() + 100, audio.samples.begin() + 300, 8000);
    for (int64_t at : {100, 200, 300}) {
      audio.events.push_back({.kind = SynthesisEvent::Kind::kWord, .sample = at});
    }
    return audio;
  }
  std::atomic<int> syntheses{0};
};

std::string Pcm(const std::vector<int16_t>& samples) {
  std::string bytes(samples.size() * 2, '\0');
  std::memcpy(bytes.data(), samples.data(), bytes.size());
  return bytes;
}

const storage::HttpHeaders kPcmType = {{"content-type", "audio/pcm"}};

VoiceSelection Heart() {
  return {.espeak_voice = "en-us+f3", .kokoro_voice = "af_heart", .language_code = 'a'};
}

class UpstreamEngineTest : public ::testing::Test {
 protected:
  std::unique_ptr<Engine> Make(UpstreamConfig config = {}) {
    if (config.base_url.empty()) config.base_url = "http://kokoro.test:8880";
    auto local = std::make_unique<FakeLocalEngine>();
    local_ = local.get();
    RetryPolicy retry;
    retry.max_attempts = 3;
    retry.random = [] { return 0.5; };
    retry.sleep = [this](double s) { sleeps_.push_back(s); };
    auto engine = CreateUpstreamEngine(config, std::move(local), transport_, retry);
    EXPECT_TRUE(engine.ok()) << engine.status().ToString();
    return engine.ok() ? std::move(engine).value() : nullptr;
  }

  std::shared_ptr<FakeTransport> transport_ = std::make_shared<FakeTransport>();
  FakeLocalEngine* local_ = nullptr;
  std::vector<double> sleeps_;
};

TEST_F(UpstreamEngineTest, AsksForPcmAndReadsItAsLittleEndian24kHz) {
  auto engine = Make({.api_key = std::string(kKey), .model = "kokoro"});
  transport_->Push(Reply(200, Pcm({1, -2, 300, -32768}), kPcmType));
  auto audio = engine->Synthesize("Hello there.", Heart(), {.speed = 1.5});
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  EXPECT_EQ(audio->sample_rate, 24000);
  EXPECT_EQ(audio->samples, (std::vector<int16_t>{1, -2, 300, -32768}));
  EXPECT_TRUE(audio->events.empty());  // not asked for
  EXPECT_EQ(local_->syntheses, 0);
  ASSERT_EQ(transport_->requests().size(), 1u);
  const storage::HttpRequest& sent = transport_->requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://kokoro.test:8880/v1/audio/speech");
  EXPECT_EQ(HeaderOf(sent, "Authorization"), "Bearer " + std::string(kKey));
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(sent.body), (json{{"model", "kokoro"},
                                          {"input", "Hello there."},
                                          {"voice", "af_heart"},
                                          {"response_format", "pcm"},
                                          {"speed", 1.5},
                                          {"lang_code", "a"},
                                          {"stream", false}}));
}

TEST_F(UpstreamEngineTest, NoKeyNoAuthorizationHeader) {
  auto engine = Make();
  transport_->Push(Reply(200, Pcm({5, 6}), {{"content-type", "application/octet-stream"}}));
  ASSERT_TRUE(engine->Synthesize("Hi.", Heart(), {}).ok());
  EXPECT_EQ(HeaderOf(transport_->requests()[0], "Authorization"), "<missing>");
}

TEST_F(UpstreamEngineTest, OpenAiUpstreamsGetOpenAiVoicesEveryModelHasAndNoLangCode) {
  auto engine = Make({.model = "tts-1", .voice_names = UpstreamVoiceNames::kOpenAi});
  transport_->Push(Reply(200, Pcm({1, 2}), kPcmType));
  ASSERT_TRUE(engine->Synthesize("Hi.", Heart(), {}).ok());
  const json body = json::parse(transport_->requests()[0].body);
  EXPECT_FALSE(body.contains("lang_code"));
  // af_heart is "marin", which tts-1 does not have: a female voice every model has instead.
  EXPECT_EQ(body["voice"], "nova");
  EXPECT_EQ(UpstreamVoiceName({.kokoro_voice = "af_alloy"}, UpstreamVoiceNames::kOpenAi), "alloy");
  EXPECT_EQ(UpstreamVoiceName({.kokoro_voice = "am_adam"}, UpstreamVoiceNames::kOpenAi), "ash");
  EXPECT_EQ(UpstreamVoiceName({.kokoro_voice = "jm_kumo"}, UpstreamVoiceNames::kOpenAi), "onyx");
  EXPECT_EQ(UpstreamVoiceName({.kokoro_voice = "bf_emma"}, UpstreamVoiceNames::kOpenAi), "nova");
  EXPECT_EQ(UpstreamVoiceName({.kokoro_voice = "jm_kumo"}, UpstreamVoiceNames::kKokoro), "jm_kumo");
}

// Instructions go to a model that reads them (OpenAI's gpt-4o-mini-tts), and to no other.
TEST_F(UpstreamEngineTest, InstructionsGoOnlyToAModelThatReadsThem) {
  for (const char* model : {"gpt-4o-mini-tts", "tts-1", "kokoro"}) {
    auto engine = Make({.model = model, .voice_names = UpstreamVoiceNames::kOpenAi});
    transport_->Push(Reply(200, Pcm({1, 2}), kPcmType));
    ASSERT_TRUE(engine->Synthesize("Hi.", Heart(), {.instructions = "Calm and clear."}).ok());
    const json body = json::parse(transport_->requests().back().body);
    if (std::string_view(model) == "gpt-4o-mini-tts") {
      EXPECT_EQ(body["instructions"], "Calm and clear.");
    } else {
      EXPECT_FALSE(body.contains("instructions")) << model;
    }
  }
}

TEST_F(UpstreamEngineTest, ServerErrorsAndLostConnectionsAreRetriedWithBackoff) {
  auto engine = Make();
  transport_->Push(Reply(503, R"({"detail":{"error":"busy","message":"Model loading"}})"));
  transport_->Push(Status::Unavailable("POST http://kokoro.test:8880/v1/audio/speech: timed out"));
  transport_->Push(Reply(200, Pcm({7, 8}), kPcmType));
  auto audio = engine->Synthesize("Hi.", Heart(), {});
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  EXPECT_EQ(audio->samples, (std::vector<int16_t>{7, 8}));
  EXPECT_EQ(transport_->requests().size(), 3u);
  // Full jitter at 0.5: half of 1 s, then half of 2 s.
  EXPECT_EQ(sleeps_, (std::vector<double>{0.5, 1.0}));
}

// A 429 or 503 that says when to come back is waited for that long (when longer than our
// back-off); one that says "much later" is the answer at once, not a request that hangs.
TEST_F(UpstreamEngineTest, RetryAfterIsHonouredWithinOurLongestBackoff) {
  auto engine = Make();
  transport_->Push(Reply(429, R"({"error":{"message":"slow down"}})", {{"retry-after", "7"}}));
  transport_->Push(Reply(503, "busy", {{"retry-after", "0"}}));
  transport_->Push(Reply(200, Pcm({7, 8}), kPcmType));
  ASSERT_TRUE(engine->Synthesize("Hi.", Heart(), {}).ok());
  EXPECT_EQ(sleeps_, (std::vector<double>{7.0, 1.0}));  // then our own half of 2 s

  sleeps_.clear();
  transport_->Push(Reply(429, R"({"error":{"message":"quota"}})", {{"retry-after", "3600"}}));
  auto refused = engine->Synthesize("Hi.", Heart(), {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kBadGateway);
  EXPECT_NE(refused.status().message().find("HTTP 429"), std::string::npos);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(transport_->requests().size(), 4u);
}

TEST_F(UpstreamEngineTest, WhatStaysBrokenIsOneBadGatewayNamingTheUpstream) {
  auto engine = Make();
  for (int i = 0; i < 3; ++i) {
    transport_->Push(Reply(500, R"({"detail":{"error":"processing_error","message":"CUDA OOM"}})"));
  }
  auto audio = engine->Synthesize("Hi.", Heart(), {});
  ASSERT_EQ(audio.status().code(), StatusCode::kBadGateway);
  EXPECT_EQ(audio.status().message(),
            "upstream TTS server http://kokoro.test:8880 answered /v1/audio/speech with HTTP 500: "
            "CUDA OOM (after 3 attempts)");

  transport_->Push(Status::Unavailable("POST http://kokoro.test:8880/v1/audio/speech: timed out"));
  transport_->Push(Status::Unavailable("POST http://kokoro.test:8880/v1/audio/speech: timed out"));
  transport_->Push(Status::Unavailable("POST http://kokoro.test:8880/v1/audio/speech: timed out"));
  audio = engine->Synthesize("Hi.", Heart(), {});
  ASSERT_EQ(audio.status().code(), StatusCode::kBadGateway);
  EXPECT_NE(audio.status().message().find("could not be reached"), std::string::npos);
  EXPECT_NE(audio.status().message().find("timed out (after 3 attempts)"), std::string::npos);
}

TEST_F(UpstreamEngineTest, RefusalsAreNotRetriedAndQuoteTheUpstream) {
  auto engine = Make({.api_key = std::string(kKey)});
  transport_->Push(Reply(400, R"({"error":{"message":"Voice 'af_heart' not found","type":"x"}})"));
  auto audio = engine->Synthesize("Hi.", Heart(), {});
  ASSERT_EQ(audio.status().code(), StatusCode::kBadGateway);
  EXPECT_NE(audio.status().message().find("HTTP 400: Voice 'af_heart' not found"),
            std::string::npos);
  EXPECT_EQ(transport_->requests().size(), 1u);
  // A 401 names no key, even if the upstream echoes it back (OpenAI quotes part of it).
  transport_->Push(Reply(
      401, R"({"error":{"message":"Incorrect API key provided: )" + std::string(kKey) + R"("}})"));
  audio = engine->Synthesize("Hi.", Heart(), {});
  ASSERT_EQ(audio.status().code(), StatusCode::kBadGateway);
  EXPECT_NE(audio.status().message().find("HTTP 401"), std::string::npos);
  EXPECT_NE(audio.status().message().find("TTS_UPSTREAM_API_KEY"), std::string::npos);
  EXPECT_EQ(audio.status().message().find(kKey), std::string::npos) << audio.status().message();
  EXPECT_EQ(audio.status().message().find("Incorrect"), std::string::npos);
  // Nor does any other answer that happens to contain it.
  transport_->Push(Reply(400, "unknown voice for key " + std::string(kKey)));
  audio = engine->Synthesize("Hi.", Heart(), {});
  EXPECT_EQ(audio.status().message().find(kKey), std::string::npos) << audio.status().message();
  EXPECT_EQ(transport_->requests().size(), 3u);
}

TEST_F(UpstreamEngineTest, GarbageIsABadGateway) {
  auto engine = Make();
  transport_->Push(Reply(200, "<html>oops</html>", {{"content-type", "text/html"}}));
  transport_->Push(Reply(200, "abc", kPcmType));
  transport_->Push(Reply(200, "", kPcmType));
  transport_->Push(Reply(200, R"({"audio":"..."})", {{"content-type", "application/json"}}));
  // A server that ignores response_format: encoded audio is not samples.
  transport_->Push(Reply(200, "ID3\x04\x01rest", {{"content-type", "audio/mpeg"}}));
  transport_->Push(Reply(200, "RIFF\x24\x01\x01\x01WAVEfmt ", {{"content-type", "audio/pcm"}}));
  for (const char* expected :
       {"Content-Type \"text/html\" instead of audio", "answered 3 bytes", "answered 0 bytes",
        "Content-Type \"application/json\" instead of audio",
        "Content-Type \"audio/mpeg\" instead of audio", "encoded audio (RIFF) instead of"}) {
    auto audio = engine->Synthesize("Hi.", Heart(), {});
    ASSERT_EQ(audio.status().code(), StatusCode::kBadGateway) << expected;
    EXPECT_NE(audio.status().message().find(expected), std::string::npos)
        << audio.status().message();
  }
  EXPECT_EQ(transport_->requests().size(), 6u);  // garbage is not retried
}

TEST_F(UpstreamEngineTest, PhonemesAreLocalUnlessTheUpstreamIsAsked) {
  auto local = Make();
  auto phonemes = local->Phonemize("Hello.", Heart());
  ASSERT_TRUE(phonemes.ok());
  EXPECT_EQ(*phonemes, "local:Hello.");
  EXPECT_TRUE(transport_->requests().empty());

  auto upstream = Make({.phonemize_upstream = true});
  transport_->Push(Reply(200, R"({"phonemes":"həlˈoʊ","tokens":[1,2]})"));
  phonemes = upstream->Phonemize("Hello.", {.kokoro_voice = "bf_emma", .language_code = 'b'});
  ASSERT_TRUE(phonemes.ok()) << phonemes.status().ToString();
  EXPECT_EQ(*phonemes, "həlˈoʊ");
  ASSERT_EQ(transport_->requests().size(), 1u);
  EXPECT_EQ(transport_->requests()[0].url, "http://kokoro.test:8880/dev/phonemize");
  EXPECT_EQ(json::parse(transport_->requests()[0].body),
            (json{{"text", "Hello."}, {"language", "b"}}));
  transport_->Push(Reply(200, R"({"tokens":[1]})"));
  EXPECT_EQ(upstream->Phonemize("Hello.", Heart()).status().code(), StatusCode::kBadGateway);
}

TEST_F(UpstreamEngineTest, EventsComeFromTheLocalEngineOnTheUpstreamsTimeLine) {
  auto engine = Make();
  std::vector<int16_t> samples(3000, 0);
  std::fill(samples.begin() + 1000, samples.begin() + 2000, -9000);
  transport_->Push(Reply(200, Pcm(samples), kPcmType));
  auto audio = engine->Synthesize("Hi.", Heart(), {.want_events = true});
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  EXPECT_EQ(local_->syntheses, 1);
  ASSERT_EQ(audio->events.size(), 3u);
  // The local speech (samples 100..300) stretched over the upstream's (1000..2000).
  EXPECT_EQ(audio->events[0].sample, 1000);
  EXPECT_EQ(audio->events[1].sample, 1500);
  EXPECT_EQ(audio->events[2].sample, 2000);
}

TEST(AlignEventsTest, SilenceOnlyAudioKeepsEventsInsideIt) {
  PcmAudio timed{.sample_rate = 22050, .samples = std::vector<int16_t>(100, 0)};
  timed.events = {{.sample = 0}, {.sample = 50}, {.sample = 100}};
  PcmAudio target{.sample_rate = 24000, .samples = std::vector<int16_t>(200, 0)};
  const std::vector<SynthesisEvent> moved = AlignEvents(timed, target);
  ASSERT_EQ(moved.size(), 3u);
  EXPECT_EQ(moved[0].sample, 0);
  EXPECT_EQ(moved[1].sample, 100);
  EXPECT_EQ(moved[2].sample, 200);
}

// A transport that holds each request a moment and counts how many it holds at once.
class CountingTransport : public storage::HttpTransport {
 public:
  Result<storage::HttpResponse> Send(const storage::HttpRequest&) override {
    const int now = ++in_flight_;
    int seen = max_.load();
    while (now > seen && !max_.compare_exchange_weak(seen, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --in_flight_;
    return Reply(200, Pcm({1, 2}), kPcmType);
  }
  int max() const { return max_; }

 private:
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_{0};
};

TEST(UpstreamConcurrencyTest, RequestsInFlightNeverExceedTheLimit) {
  auto transport = std::make_shared<CountingTransport>();
  auto engine = CreateUpstreamEngine({.base_url = "http://kokoro.test", .max_concurrency = 2},
                                     std::make_unique<FakeLocalEngine>(), transport);
  ASSERT_TRUE(engine.ok());
  std::vector<std::thread> callers;
  callers.reserve(8);
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&] {
      if ((*engine)->Synthesize("Hi.", Heart(), {}).ok()) ++ok;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(ok, 8);
  EXPECT_EQ(transport->max(), 2);
}

// A transport that holds every request until released.
class GateTransport : public storage::HttpTransport {
 public:
  Result<storage::HttpResponse> Send(const storage::HttpRequest&) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++entered_;
    entered_cv_.notify_all();
    open_cv_.wait(lock, [&] { return open_; });
    return Reply(200, Pcm({1, 2}), kPcmType);
  }
  void WaitEntered(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    entered_cv_.wait(lock, [&] { return entered_ >= n; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    open_cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable entered_cv_;
  std::condition_variable open_cv_;
  int entered_ = 0;
  bool open_ = false;
};

// Behind an upstream that holds every slot, a request waits one timeout for a slot, then is
// a 503 (the upstream is busy), not a queue that grows without end.
TEST(UpstreamConcurrencyTest, AWaitForASlotEndsAfterTheTimeout) {
  auto transport = std::make_shared<GateTransport>();
  auto engine = CreateUpstreamEngine(
      {.base_url = "http://kokoro.test", .max_concurrency = 1, .timeout_ms = 100},
      std::make_unique<FakeLocalEngine>(), transport);
  ASSERT_TRUE(engine.ok());
  std::thread holder([&] { EXPECT_TRUE((*engine)->Synthesize("Hi.", Heart(), {}).ok()); });
  transport->WaitEntered(1);
  auto waited = (*engine)->Synthesize("Hi.", Heart(), {});
  transport->Open();
  holder.join();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(waited.status().message().find("is busy: all 1 requests"), std::string::npos)
      << waited.status().message();
  EXPECT_TRUE((*engine)->Synthesize("Hi.", Heart(), {}).ok());  // the slot is back
}

TEST(UpstreamConfigTest, ValidatesAndHidesTheKey) {
  UpstreamConfig config{.base_url = "http://kokoro.test", .api_key = std::string(kKey)};
  EXPECT_TRUE(config.Validate().ok());
  EXPECT_EQ(config.ToString().find(kKey), std::string::npos);
  EXPECT_NE(config.ToString().find("api_key=<redacted>"), std::string::npos);
  for (const UpstreamConfig& bad :
       {UpstreamConfig{.base_url = "kokoro.test"},
        UpstreamConfig{.base_url = "http://kokoro.test/"},
        UpstreamConfig{.base_url = "http://k", .model = ""},
        UpstreamConfig{.base_url = "http://k", .max_concurrency = 0},
        UpstreamConfig{.base_url = "http://k", .max_concurrency = 65}}) {
    EXPECT_FALSE(bad.Validate().ok()) << bad.ToString();
  }
}

}  // namespace
}  // namespace swha::tts
