// TTS_ENGINE=openai against the Kokoro-FastAPI stand-in: the real binary sends each segment to
// the upstream, stores what it answers (its tone tells which voice spoke), keeps phonemes and
// marks its own, bounds its requests in flight, and answers a 502 naming the upstream, with
// nothing stored, when the upstream fails, stalls or talks nonsense.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/upstream_standin.h"

namespace swha::blackbox {
namespace {

using testing::UpstreamStandin;

constexpr std::string_view kUpstreamKey = "sk-kokoro-9d41c7";

// The frequency of the tone in a 16-bit mono WAV, from its upward zero crossings between the
// first and the last loud sample.
double ToneHzOf(std::string_view wav) {
  const WavInfo info = ParseWav(wav);
  if (!info.valid || info.sample_rate == 0) return 0;
  std::vector<int16_t> samples(info.data_bytes / 2);
  std::memcpy(samples.data(), wav.data() + kWavHeaderBytes, samples.size() * 2);
  const auto loud = [](int16_t s) { return std::abs(static_cast<int>(s)) > 1000; };
  const auto first = std::find_if(samples.begin(), samples.end(), loud);
  const auto last = std::find_if(samples.rbegin(), samples.rend(), loud).base();
  if (first >= last) return 0;
  int crossings = 0;
  for (auto it = first + 1; it < last; ++it) crossings += (*(it - 1) < 0 && *it >= 0) ? 1 : 0;
  return crossings / (static_cast<double>(last - first) / info.sample_rate);
}

std::map<std::string, std::string> UpstreamEnv(
    const UpstreamStandin& upstream, const std::map<std::string, std::string>& extra = {}) {
  std::map<std::string, std::string> env = {{"TTS_ENGINE", "openai"},
                                            {"TTS_UPSTREAM_URL", upstream.base_url()},
                                            {"TTS_UPSTREAM_API_KEY", std::string(kUpstreamKey)},
                                            {"TTS_UPSTREAM_MAX_CONCURRENCY", "2"},
                                            {"TTS_UPSTREAM_TIMEOUT_MS", "1000"}};
  for (const auto& [k, v] : extra) env[k] = v;
  return env;
}

class UpstreamEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto upstream = UpstreamStandin::Start(std::string(kUpstreamKey));
    if (!upstream.ok()) {
      start_error_ = new std::string(upstream.status().ToString());
      return;
    }
    upstream_ = upstream->release();
    server_ = new SharedServer({.env = UpstreamEnv(*upstream_)});
  }
  static void TearDownTestSuite() {
    delete server_;  // before the upstream it calls
    delete upstream_;
    delete start_error_;
    server_ = nullptr;
    upstream_ = nullptr;
    start_error_ = nullptr;
  }
  void SetUp() override {
    ASSERT_EQ(start_error_, nullptr) << *start_error_;
    ASSERT_TRUE(server_->started()) << server_->start_error();
    client_ = MakeClient(server_->port());
    upstream_->FailNext(0, 500);
    upstream_->StallNext(0, std::chrono::milliseconds(0));
    upstream_->GarbageNext(0, UpstreamStandin::Garbage::kHtmlPage);
    upstream_->FailInputsContaining("", 500);
    upstream_->SetResponseDelay(std::chrono::milliseconds(0));
    // Requests an earlier test's client gave up on may still be stalled in the stand-in.
    upstream_->ReleaseStalled();
    ASSERT_TRUE(WaitFor([] { return upstream_->in_flight() == 0; }, std::chrono::seconds(5)));
    upstream_->ResetMaxInFlight();
  }
  static int SessionCount() { return CountEntries(server_->process().audio_dir()); }

  // A generate that must fail with a 502 naming the upstream, leaving no session behind.
  void ExpectBadGateway(std::string_view says) {
    const int before = SessionCount();
    auto res = PostJson(*client_, kGeneratePath, {{"text", "Hello there."}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 502) << res->body;
    const json body = ParseJson(res->body);
    const std::string detail = body.value("detail", "");
    EXPECT_NE(detail.find("upstream TTS server " + upstream_->base_url()), std::string::npos)
        << res->body;
    EXPECT_NE(detail.find(says), std::string::npos) << res->body;
    EXPECT_EQ(detail.find(kUpstreamKey), std::string::npos);
    EXPECT_EQ(SessionCount(), before) << "a failed generate left a session directory";
  }

  static inline UpstreamStandin* upstream_ = nullptr;
  static inline SharedServer* server_ = nullptr;
  static inline std::string* start_error_ = nullptr;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(UpstreamEngineTest, GenerateStoresTheUpstreamsAudioWithOurPhonemes) {
  const int before = upstream_->speech_requests();
  auto r = Generate(*client_, {{"text", "Hello there.\nA second line."},
                               {"voice", "bf_emma"},
                               {"language_code", "b"},
                               {"speed", 1.5}});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ((*r)["audio_segments"].size(), 2u);
  EXPECT_EQ(upstream_->speech_requests(), before + 2);
  const json sent = upstream_->last_speech_request();
  EXPECT_EQ(sent["voice"], "bf_emma");
  EXPECT_EQ(sent["lang_code"], "b");
  EXPECT_EQ(sent["response_format"], "pcm");
  EXPECT_EQ(sent["model"], "kokoro");
  EXPECT_EQ(sent["speed"], 1.5);
  // Both segments, sent at once (TTS_UPSTREAM_MAX_CONCURRENCY), so in either order.
  std::vector<std::string> inputs = upstream_->speech_inputs();
  ASSERT_GE(inputs.size(), 2u);
  inputs.erase(inputs.begin(), inputs.end() - 2);
  std::sort(inputs.begin(), inputs.end());
  EXPECT_EQ(inputs, (std::vector<std::string>{"A second line.", "Hello there."}));
  EXPECT_EQ(upstream_->last_authorization(), "Bearer " + std::string(kUpstreamKey));
  for (const json& seg : (*r)["audio_segments"]) {
    auto wav = Download(*client_, seg["local_url"]);
    ASSERT_TRUE(wav.has_value());
    const WavInfo info = ParseWav(*wav);
    ASSERT_TRUE(info.valid) << info.error;
    EXPECT_EQ(info.sample_rate, 24000u);
    EXPECT_EQ(info.channels, 1u);
    // 100 ms of silence each side of 60 ms per character at speed 1.5.
    const double expected =
        0.2 + 0.06 * static_cast<double>(seg["graphemes"].get<std::string>().size()) / 1.5;
    EXPECT_NEAR(info.duration_seconds, expected, 0.005) << seg.dump();
    EXPECT_NEAR(seg["duration"].get<double>(), expected, 0.005);
    EXPECT_NEAR(ToneHzOf(*wav), UpstreamStandin::ToneHz("bf_emma"), 5) << seg.dump();
    // Phonemes are still espeak-ng's (TTS_UPSTREAM_PHONEMIZE=local).
    EXPECT_NE(seg["phonemes"].get<std::string>().find("ˈ"), std::string::npos) << seg.dump();
  }
}

TEST_F(UpstreamEngineTest, OpenAiSpeechGoesThroughTheUpstreamToo) {
  auto res = PostJson(*client_, "/v1/audio/speech",
                      {{"model", "tts-1"},
                       {"input", "Hello from the upstream."},
                       {"voice", "alloy"},
                       {"response_format", "wav"},
                       {"stream", false}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(upstream_->last_speech_request()["voice"], "af_alloy");
  EXPECT_NEAR(ToneHzOf(res->body), UpstreamStandin::ToneHz("af_alloy"), 5);

  // A stream too: the first sentence is synthesized before the status line.
  upstream_->FailNext(3, 500);
  res = PostJson(*client_, "/v1/audio/speech",
                 {{"model", "tts-1"}, {"input", "Hello."}, {"voice", "alloy"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502) << res->body;
  const json error = ParseJson(res->body)["error"];
  EXPECT_EQ(error["type"], "server_error");
  EXPECT_NE(error["message"].get<std::string>().find("upstream TTS server"), std::string::npos);
}

TEST_F(UpstreamEngineTest, FailuresAreA502NamingTheUpstreamAndStoreNothing) {
  upstream_->FailNext(3, 500);  // every attempt of one segment
  ExpectBadGateway("HTTP 500: stand-in told to fail (after 3 attempts)");
  // The server keeps serving, and a failure that passes is retried away.
  upstream_->FailNext(1, 503);
  EXPECT_TRUE(Generate(*client_, {{"text", "Hello again."}}).has_value());
}

TEST_F(UpstreamEngineTest, AStalledUpstreamTimesOutInto502) {
  upstream_->StallNext(3, std::chrono::milliseconds(5000));
  const auto start = std::chrono::steady_clock::now();
  ExpectBadGateway("could not be reached");
  // Three attempts of 1 s (TTS_UPSTREAM_TIMEOUT_MS) and the back-off between them.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(12));
}

TEST_F(UpstreamEngineTest, GarbageIsA502) {
  upstream_->GarbageNext(1, UpstreamStandin::Garbage::kHtmlPage);
  ExpectBadGateway("Content-Type \"text/html\" instead of audio");
  upstream_->GarbageNext(1, UpstreamStandin::Garbage::kOddBytes);
  ExpectBadGateway("answered 3 bytes");
  upstream_->GarbageNext(1, UpstreamStandin::Garbage::kNoBytes);
  ExpectBadGateway("answered 0 bytes");
}

TEST_F(UpstreamEngineTest, RequestsInFlightStayWithinTheLimit) {
  upstream_->SetResponseDelay(std::chrono::milliseconds(200));
  std::vector<std::thread> callers;
  callers.reserve(6);
  std::atomic<int> ok{0};
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back([&] {
      auto client = MakeClient(server_->port());
      auto res = PostJson(*client, kGeneratePath, {{"text", "One at a time, please."}});
      if (res && res->status == 200) ++ok;
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(ok, 6);
  // Six requests at once met TTS_UPSTREAM_MAX_CONCURRENCY=2.
  EXPECT_EQ(upstream_->max_in_flight(), 2);
}

TEST_F(UpstreamEngineTest, MarksFollowTheUpstreamsAudio) {
  auto r = Generate(*client_, {{"text", "Marks for a neural voice."}, {"marks", true}});
  ASSERT_TRUE(r.has_value());
  const json& seg = (*r)["audio_segments"][0];
  const double duration_ms = seg["duration"].get<double>() * 1000;
  const std::string text = seg["graphemes"];
  int64_t previous = -1;
  int words = 0;
  for (const json& mark : seg["marks"]) {
    if (mark["type"] != "word") continue;
    ++words;
    const size_t start = mark["start"];
    const size_t end = mark["end"];
    EXPECT_EQ(text.substr(start, end - start), mark["value"]) << mark.dump();
    const int64_t time = mark["time"];
    EXPECT_GE(time, previous);
    // Inside the tone: after the leading silence, before the trailing one.
    EXPECT_GE(time, UpstreamStandin::kSilenceMs - 1);
    EXPECT_LE(time, duration_ms - UpstreamStandin::kSilenceMs + 1);
    previous = time;
  }
  // espeak-ng reads "for a" as one word.
  EXPECT_EQ(words, 4) << seg["marks"].dump();
}

// A streamed generate whose upstream fails after the first segment ends with the error the plain
// request would have had, and the segment already stored is gone again.
TEST_F(UpstreamEngineTest, AStreamThatFailsMidwayEndsWithTheErrorAndStoresNothing) {
  const int before = SessionCount();
  upstream_->FailInputsContaining("Second", 500);
  std::vector<json> lines;
  auto res = PostJsonLines(*client_, kGeneratePath,
                           {{"text", "First line.\nSecond line.\nThird line."}, {"stream", true}},
                           [&](const json& line) {
                             lines.push_back(line);
                             return true;
                           });
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  std::string received;
  for (const json& line : lines) received += line.dump() + "\n";
  ASSERT_EQ(lines.size(), 2u) << received;
  EXPECT_EQ(lines[0]["type"], "segment");
  EXPECT_EQ(lines[1]["type"], "error");
  EXPECT_EQ(lines[1]["status"], 502);
  EXPECT_NE(lines[1]["detail"].get<std::string>().find("upstream TTS server"), std::string::npos);
  EXPECT_EQ(SessionCount(), before);
  auto first = client_->Get(lines[0]["segment"]["local_url"].get<std::string>());
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 404);
}

TEST_F(UpstreamEngineTest, AStreamWhoseFirstSegmentFailsIsAPlain502) {
  upstream_->FailNext(3, 503);
  const int before = SessionCount();
  auto res = PostJson(*client_, kGeneratePath, {{"text", "Hello there."}, {"stream", true}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(SessionCount(), before);
}

TEST(UpstreamKeyTest, ARefusedKeyIsA502ThatNeverShowsTheKey) {
  auto upstream = UpstreamStandin::Start("sk-the-right-key");
  ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
  SharedServer server({.env = UpstreamEnv(**upstream)});  // sends kUpstreamKey
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  auto res = PostJson(*client, kGeneratePath, {{"text", "Hello there."}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502) << res->body;
  EXPECT_NE(res->body.find("HTTP 401: it refused TTS_UPSTREAM_API_KEY"), std::string::npos)
      << res->body;
  const std::string log = server.process().ReadLog();
  for (const std::string& text : {res->body, log}) {
    EXPECT_EQ(text.find(kUpstreamKey), std::string::npos) << text;
  }
  EXPECT_NE(log.find("it refused TTS_UPSTREAM_API_KEY"), std::string::npos) << log;
}

TEST(UpstreamPhonemizeTest, PhonemesFromTheUpstreamWhenAsked) {
  auto upstream = UpstreamStandin::Start();
  ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
  SharedServer server({.env = UpstreamEnv(**upstream, {{"TTS_UPSTREAM_PHONEMIZE", "upstream"},
                                                       {"TTS_UPSTREAM_API_KEY", ""}})});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  auto r = Generate(*client, {{"text", "Hello there."}});
  ASSERT_TRUE(r.has_value());
  EXPECT_GE((*upstream)->phonemize_requests(), 1);
  EXPECT_EQ((*r)["audio_segments"][0]["phonemes"], "/Hello there./");
  EXPECT_EQ((*upstream)->last_authorization(), "");
}

TEST(UpstreamSettingsTest, AnUpstreamEngineNeedsAUrl) {
  ScopedTempDir dir;
  const auto result = testing::RunCommand(testing::ServerBinary(), {"serve"},
                                          {{"TTS_ENGINE", "openai"}}, dir.path());
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("TTS_UPSTREAM_URL is required when TTS_ENGINE is openai"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace swha::blackbox
