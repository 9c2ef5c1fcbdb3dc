// The sync.so stand-in behaves as the provider documents, seen over real HTTP: jobs fetch the
// audio they are given and finish by its WAV duration, errors have the provider's shapes, and
// webhooks carry signatures that an independent HMAC implementation verifies.
#include "tests/support/sync_standin.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/http_transport.h"
#include "tests/blackbox/blackbox_helpers.h"
#include "util/clock.h"

namespace swha::blackbox {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr char kApiKey[] = "sk_test_key";
constexpr char kSecret[] = "whsec_test123";
constexpr char kVideo[] = "http://cdn.invalid/video.mp4";  // never fetched by the stand-in

std::string Le16(uint16_t v) { return {static_cast<char>(v & 0xff), static_cast<char>(v >> 8)}; }
std::string Le32(uint32_t v) { return Le16(v & 0xffff) + Le16(v >> 16); }

// A PCM WAV of `data_bytes` zero bytes; `list_payload`, when given, goes in a LIST chunk
// between fmt and data, as some encoders write it.
std::string BuildWav(uint32_t rate, uint16_t channels, uint16_t bits, uint32_t data_bytes,
                     const std::string& list_payload = "") {
  std::string chunks = "fmt " + Le32(16) + Le16(1) + Le16(channels) + Le32(rate) +
                       Le32(rate * channels * bits / 8) + Le16(channels * bits / 8) + Le16(bits);
  if (!list_payload.empty()) {
    chunks += "LIST" + Le32(list_payload.size()) + list_payload;
    if (list_payload.size() % 2 == 1) chunks += '\0';
  }
  chunks += "data" + Le32(data_bytes) + std::string(data_bytes, '\0');
  return "RIFF" + Le32(4 + chunks.size()) + "WAVE" + chunks;
}

// Serves the audio files and receives webhooks, checking their signature against kSecret.
class MediaServer {
 public:
  struct Delivery {
    std::string signature;
    std::string body;
  };

  MediaServer() {
    files_ = {{"/ok.wav", BuildWav(16000, 1, 16, 24000)},                // 0.75 s
              {"/stereo.wav", BuildWav(8000, 2, 16, 48000, "INFOabc")},  // 1.5 s
              {"/long.wav", BuildWav(1000, 1, 8, 301000)},               // 301 s
              {"/not.wav", "hello, not a wav"}};
    const std::string ok = files_["/ok.wav"];
    files_["/truncated.wav"] = ok.substr(0, ok.size() - 100);  // data size beyond the file
    for (const auto& [path, bytes] : files_) {
      server_.Get(path, [bytes = bytes](const httplib::Request&, httplib::Response& res) {
        res.set_content(bytes, "audio/wav");
      });
    }
    server_.Get("/moved.wav", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/ok.wav");
    });
    server_.Post("/webhook", [this](const httplib::Request& req, httplib::Response& res) {
      const std::string signature = req.get_header_value("Sync-Signature");
      static const std::regex kForm("t=([0-9]+),v1=([0-9a-f]{64})");
      std::smatch m;
      const bool valid = std::regex_match(signature, m, kForm) &&
                         m[2].str() == HmacSha256Hex(kSecret, m[1].str() + "." + req.body);
      std::lock_guard lock(mu_);
      deliveries_.push_back({signature, req.body});
      res.status = valid ? 200 : 401;
    });
    server_.Post("/webhook-500",
                 [](const httplib::Request&, httplib::Response& res) { res.status = 500; });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~MediaServer() {
    server_.stop();
    thread_.join();
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  const std::string& File(const std::string& path) { return files_.at(path); }
  std::vector<Delivery> deliveries() {
    std::lock_guard lock(mu_);
    return deliveries_;
  }

 private:
  std::map<std::string, std::string> files_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Delivery> deliveries_;  // GUARDED_BY(mu_)
};

json CreateBody(const std::string& video, const std::string& audio) {
  return {{"model", "lipsync-2"},
          {"input", {{{"type", "video"}, {"url", video}}, {{"type", "audio"}, {"url", audio}}}}};
}

class SyncStandinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = testing::SyncStandin::Start(kApiKey, kSecret);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    standin_ = std::move(started).value();
    standin_->SetStepDelay(milliseconds(20));
  }

  storage::HttpResponse Send(const std::string& method, const std::string& path,
                             const std::string& body, storage::HttpHeaders headers) {
    const std::string url = path.starts_with("http") ? path : standin_->base_url() + path;
    auto r = transport_->Send({method, url, std::move(headers), body});
    if (!r.ok()) ADD_FAILURE() << r.status().ToString();
    return r.ok() ? std::move(r).value() : storage::HttpResponse{};
  }
  // POST /v2/generate; an empty `api_key` or `idempotency_key` leaves that header out.
  storage::HttpResponse Create(const std::string& body, const std::string& api_key = kApiKey,
                               const std::string& idempotency_key = "") {
    storage::HttpHeaders headers = {{"Content-Type", "application/json"}};
    if (!api_key.empty()) headers.emplace_back("x-api-key", api_key);
    if (!idempotency_key.empty()) headers.emplace_back("Idempotency-Key", idempotency_key);
    return Send("POST", "/v2/generate", body, headers);
  }
  storage::HttpResponse Get(const std::string& id, const std::string& api_key = kApiKey) {
    return Send("GET", "/v2/generate/" + id, "", {{"x-api-key", api_key}});
  }
  // The id of a new job; fails the test unless the create answered 201.
  std::string CreateJob(const json& body) {
    const storage::HttpResponse r = Create(body.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return ParseJson(r.body).value("id", "");
  }
  // Polls GET until the job's status is one of `statuses`; the last status response.
  json WaitForStatus(const std::string& id, const std::set<std::string>& statuses) {
    json last;
    const bool reached = WaitFor(
        [&] {
          last = ParseJson(Get(id).body);
          return statuses.contains(last.value("status", ""));
        },
        seconds(10));
    EXPECT_TRUE(reached) << "job " << id << " stuck at " << last.dump();
    return last;
  }
  json WaitForFinal(const std::string& id) {
    return WaitForStatus(id, {"COMPLETED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT"});
  }

  MediaServer media_;
  std::unique_ptr<storage::HttpTransport> transport_ = storage::CreateCurlTransport();
  std::unique_ptr<testing::SyncStandin> standin_;
};

// `r` is an error of the provider's shape: {statusCode, errorCode, message}.
::testing::AssertionResult IsProviderError(const storage::HttpResponse& r, int status,
                                           const std::string& error_code) {
  const json body = ParseJson(r.body);
  if (r.status != status || body.value("statusCode", 0) != status ||
      body.value("errorCode", "") != error_code || body.value("message", "").empty()) {
    return ::testing::AssertionFailure() << "HTTP " << r.status << ": " << r.body;
  }
  return ::testing::AssertionSuccess();
}

TEST_F(SyncStandinTest, ValidWavCompletesWithItsDurationAndServesTheOutput) {
  const storage::HttpResponse created = Create(CreateBody(kVideo, media_.Url("/ok.wav")).dump());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.Header("content-type"), "application/json");
  const json job = ParseJson(created.body);
  const std::string id = job.value("id", "");
  EXPECT_EQ(job.at("status"), "PENDING");
  EXPECT_EQ(job.at("model"), "lipsync-2");
  EXPECT_TRUE(job.at("outputUrl").is_null());
  EXPECT_TRUE(job.at("outputDuration").is_null());
  EXPECT_TRUE(job.at("error").is_null());
  EXPECT_TRUE(job.at("error_code").is_null());
  EXPECT_TRUE(std::regex_match(job.value("createdAt", ""),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")))
      << job.dump();

  const json done = WaitForFinal(id);
  EXPECT_EQ(done.at("status"), "COMPLETED") << done.dump();
  EXPECT_EQ(done.at("outputDuration"), 0.75);
  const std::string output_url = standin_->base_url() + "/outputs/" + id + ".mp4";
  EXPECT_EQ(done.at("outputUrl"), output_url);
  EXPECT_TRUE(done.at("error").is_null());
  EXPECT_EQ(standin_->fetched_audio(id), media_.File("/ok.wav"));
  EXPECT_EQ(standin_->jobs_created(), 1);
  EXPECT_EQ(standin_->job_ids(), std::vector<std::string>{id});

  const storage::HttpResponse output = Send("GET", output_url, "", {});
  EXPECT_EQ(output.status, 200);
  EXPECT_EQ(output.Header("content-type"), "video/mp4");
  EXPECT_FALSE(output.body.empty());
  EXPECT_EQ(Send("GET", "/outputs/no-such-job.mp4", "", {}).status, 404);
}

TEST_F(SyncStandinTest, DurationComesFromTheDataChunkPastOtherChunks) {
  const std::string id = CreateJob(CreateBody(kVideo, media_.Url("/stereo.wav")));
  const json done = WaitForFinal(id);
  EXPECT_EQ(done.at("status"), "COMPLETED") << done.dump();
  EXPECT_EQ(done.at("outputDuration"), 1.5);
}

TEST_F(SyncStandinTest, UnusableAudioFailsTheJob) {
  struct Case {
    std::string audio_url;
    std::string error;  // "" = only the code is checked
    std::string error_code;
  };
  const std::vector<Case> cases = {
      {media_.Url("/missing.wav"), "audio could not be fetched: HTTP 404", "media_fetch_failed"},
      {media_.Url("/moved.wav"), "audio could not be fetched: HTTP 302", "media_fetch_failed"},
      {"http://127.0.0.1:1/refused.wav", "", "media_fetch_failed"},
      {media_.Url("/not.wav"), "audio is not a valid WAV file", "invalid_audio"},
      {media_.Url("/truncated.wav"), "audio is not a valid WAV file", "invalid_audio"},
      {media_.Url("/long.wav"), "", "generation_audio_length_exceeded"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.audio_url);
    const std::string id = CreateJob(CreateBody(kVideo, c.audio_url));
    const json done = WaitForFinal(id);
    EXPECT_EQ(done.at("status"), "FAILED") << done.dump();
    EXPECT_EQ(done.at("error_code"), c.error_code);
    if (!c.error.empty()) {
      EXPECT_EQ(done.at("error"), c.error);
    }
    EXPECT_TRUE(done.at("error").is_string());
    EXPECT_TRUE(done.at("outputUrl").is_null());
    EXPECT_TRUE(done.at("outputDuration").is_null());
  }
  // Only 200 answers are kept, whatever they hold.
  const std::vector<std::string> ids = standin_->job_ids();
  ASSERT_EQ(ids.size(), cases.size());
  EXPECT_FALSE(standin_->fetched_audio(ids[0]).has_value());
  EXPECT_FALSE(standin_->fetched_audio(ids[1]).has_value());  // the redirect was not followed
  EXPECT_EQ(standin_->fetched_audio(ids[3]), media_.File("/not.wav"));
}

TEST_F(SyncStandinTest, VideoMarkersRejectOrFailAfterProcessing) {
  const std::string hook = media_.Url("/webhook");
  json rejected = CreateBody("http://cdn.invalid/reject-me.mp4", media_.Url("/ok.wav"));
  rejected["webhookUrl"] = hook;
  const json r = WaitForFinal(CreateJob(rejected));
  EXPECT_EQ(r.at("status"), "REJECTED");
  EXPECT_EQ(r.at("error"), "video rejected by moderation");
  EXPECT_EQ(r.at("error_code"), "content_rejected");
  // Its webhook first, so the deliveries below arrive in a known order.
  ASSERT_TRUE(WaitFor([&] { return media_.deliveries().size() == 1; }, seconds(5)));

  json failed = CreateBody("http://cdn.invalid/fail.mp4", media_.Url("/ok.wav"));
  failed["webhookUrl"] = hook;
  const json f = WaitForFinal(CreateJob(failed));
  EXPECT_EQ(f.at("status"), "FAILED");
  EXPECT_EQ(f.at("error"), "generation failed");
  EXPECT_EQ(f.at("error_code"), "generation_error");

  // The webhooks show the path each took: moderation refuses before processing starts.
  ASSERT_TRUE(WaitFor([&] { return media_.deliveries().size() == 3; }, seconds(5)));
  std::vector<std::string> statuses;
  for (const auto& d : media_.deliveries())
    statuses.push_back(ParseJson(d.body).at("status").get<std::string>());
  EXPECT_EQ(statuses, (std::vector<std::string>{"REJECTED", "PROCESSING", "FAILED"}));
}

TEST_F(SyncStandinTest, WrongOrMissingKeyIsUnauthorizedEverywhere) {
  const std::string body = CreateBody(kVideo, media_.Url("/ok.wav")).dump();
  const json expected = {{"statusCode", 401}, {"message", "Unauthorized"}};
  for (const std::string& key : {std::string(""), std::string("sk_wrong"), std::string("sk_tes")}) {
    SCOPED_TRACE(key);
    const storage::HttpResponse created = Create(body, key);
    EXPECT_EQ(created.status, 401);
    EXPECT_EQ(ParseJson(created.body), expected) << created.body;
  }
  const std::string id = CreateJob(json::parse(body));
  const storage::HttpResponse get = Get(id, "sk_wrong");
  EXPECT_EQ(get.status, 401);
  EXPECT_EQ(ParseJson(get.body), expected) << get.body;
  const storage::HttpResponse no_key = Send("GET", "/v2/generate/" + id, "", {});
  EXPECT_EQ(no_key.status, 401);
  EXPECT_EQ(standin_->jobs_created(), 1);
  EXPECT_EQ(standin_->generate_requests(), 4);
  EXPECT_EQ(standin_->status_requests(), 2);
}

TEST_F(SyncStandinTest, UnknownJobIsNotFound) {
  const storage::HttpResponse r = Get("00000000-0000-0000-0000-000000000000");
  EXPECT_EQ(r.status, 404);
  const json body = ParseJson(r.body);
  EXPECT_EQ(body.value("statusCode", 0), 404);
  EXPECT_FALSE(body.value("message", "").empty()) << r.body;
  EXPECT_EQ(standin_->status_requests(), 1);
  EXPECT_EQ(standin_->StatusBody("nope"), "");
  EXPECT_FALSE(standin_->job("nope").has_value());
  EXPECT_FALSE(standin_->fetched_audio("nope").has_value());
}

TEST_F(SyncStandinTest, InvalidCreatesAreValidationErrors) {
  const json valid = CreateBody(kVideo, media_.Url("/ok.wav"));
  auto with = [&](const std::string& pointer, const json& value) {
    json body = valid;
    body[json::json_pointer(pointer)] = value;
    return body.dump();
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not JSON", "{\"model\":"},
      {"array body", "[]"},
      {"unknown model", with("/model", "lipsync-3")},
      {"no model",
       [&] {
         json b = valid;
         b.erase("model");
         return b.dump();
       }()},
      {"unknown sync_mode", with("/options/sync_mode", "stretch")},
      {"temperature above 1", with("/options/temperature", 1.5)},
      {"temperature below 0", with("/options/temperature", -0.1)},
      {"temperature as text", with("/options/temperature", "0.5")},
      {"flag not boolean", with("/options/active_speaker_detection", "yes")},
      {"no audio", with("/input", json::array({valid["input"][0]}))},
      {"no video", with("/input", json::array({valid["input"][1]}))},
      {"input without url", with("/input/1", {{"type", "audio"}})},
      {"outputFileName with a space", with("/outputFileName", "my clip")},
      {"outputFileName with a dot", with("/outputFileName", "clip.mp4")},
      {"outputFileName of 256", with("/outputFileName", std::string(256, 'a'))},
  };
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(IsProviderError(Create(body), 400, "validation_error"));
  }
  EXPECT_EQ(standin_->jobs_created(), 0);

  json full = valid;
  full["options"] = {{"sync_mode", "bounce"},
                     {"temperature", 0.5},
                     {"active_speaker_detection", true},
                     {"occlusion_detection_enabled", false}};
  full["outputFileName"] = std::string(255, 'a');
  for (const char* model : {"lipsync-2-pro", "lipsync-1.9.0-beta", "sync-3", "react-1"}) {
    full["model"] = model;
    const storage::HttpResponse r = Create(full.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(ParseJson(r.body).value("options", json()), full["options"]);
  }
  EXPECT_EQ(standin_->jobs_created(), 4);
}

TEST_F(SyncStandinTest, IdempotencyKeyReturnsTheSameJobOrConflicts) {
  const std::string key = "order-42.v1~x_";
  const std::string body = CreateBody(kVideo, media_.Url("/ok.wav")).dump();
  const storage::HttpResponse first = Create(body, kApiKey, key);
  ASSERT_EQ(first.status, 201) << first.body;
  // The same JSON written differently is the same body.
  const std::string respelled = json::parse(body).dump(2);
  const storage::HttpResponse again = Create(respelled, kApiKey, key);
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(ParseJson(again.body).at("id"), ParseJson(first.body).at("id"));
  EXPECT_EQ(standin_->jobs_created(), 1);

  const storage::HttpResponse conflict =
      Create(CreateBody(kVideo, media_.Url("/stereo.wav")).dump(), kApiKey, key);
  EXPECT_TRUE(IsProviderError(conflict, 409, "idempotency_key_conflict"));
  for (const std::string& bad : {std::string(129, 'k'), std::string("has space"),
                                 std::string("slash/key"), std::string("colon:key")}) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(IsProviderError(Create(body, kApiKey, bad), 400, "validation_error"));
  }
  EXPECT_EQ(Create(body, kApiKey, std::string(128, 'k')).status, 201);
  EXPECT_EQ(standin_->jobs_created(), 2);
  EXPECT_EQ(standin_->generate_requests(), 8);
  const std::vector<std::string> seen = standin_->idempotency_keys_seen();
  ASSERT_EQ(seen.size(), 8u);
  EXPECT_EQ(seen[0], key);
  EXPECT_EQ(seen[1], key);
  EXPECT_EQ(seen[2], key);
  EXPECT_EQ(seen[7], std::string(128, 'k'));
}

TEST_F(SyncStandinTest, InjectedRejectionsHaveTheProviderShapes) {
  const std::string body = CreateBody(kVideo, media_.Url("/ok.wav")).dump();
  standin_->RejectNextGenerates(2, 429, 7);
  for (int i = 0; i < 2; ++i) {
    const storage::HttpResponse r = Create(body, kApiKey, "retry-1");
    EXPECT_TRUE(IsProviderError(r, 429, "rate_limit_exceeded"));
    EXPECT_EQ(r.Header("retry-after"), "7");
  }
  EXPECT_EQ(standin_->jobs_created(), 0);
  EXPECT_EQ(Create(body, kApiKey, "retry-1").status, 201);
  EXPECT_EQ(standin_->jobs_created(), 1);
  EXPECT_EQ(standin_->generate_requests(), 3);
  EXPECT_EQ(standin_->idempotency_keys_seen(), std::vector<std::string>(3, "retry-1"));

  for (int status : {500, 502, 503}) {
    standin_->RejectNextGenerates(1, status, 0);
    EXPECT_TRUE(IsProviderError(Create(body), status, "internal_error"));
  }
  standin_->RejectNextGenerates(1, 402, 0);
  EXPECT_TRUE(IsProviderError(Create(body), 402, "payment_required"));
  EXPECT_EQ(Create(body).status, 201);
  EXPECT_EQ(standin_->jobs_created(), 2);
}

TEST_F(SyncStandinTest, DelayedCreateAnswerStillCreatesTheJob) {
  standin_->DelayNextGenerateResponse(milliseconds(3000));
  auto impatient = storage::CreateCurlTransport({.total_timeout_ms = 300});
  const auto r = impatient->Send({"POST",
                                  standin_->base_url() + "/v2/generate",
                                  {{"x-api-key", kApiKey}},
                                  CreateBody(kVideo, media_.Url("/ok.wav")).dump()});
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  ASSERT_EQ(standin_->jobs_created(), 1);
  // The job runs on while its answer is withheld, and the delay was for one create only.
  EXPECT_EQ(WaitForFinal(standin_->job_ids()[0]).at("status"), "COMPLETED");
  const Stopwatch watch;
  EXPECT_EQ(Create(CreateBody(kVideo, media_.Url("/ok.wav")).dump()).status, 201);
  EXPECT_LT(watch.ElapsedSeconds(), 1.0);
}

TEST_F(SyncStandinTest, HeldJobsStayProcessingUntilReleased) {
  standin_->HoldJobs(true);
  const std::string id = CreateJob(CreateBody(kVideo, media_.Url("/ok.wav")));
  WaitForStatus(id, {"PROCESSING"});
  std::this_thread::sleep_for(milliseconds(300));  // fifteen step delays
  EXPECT_EQ(standin_->job(id)->at("status"), "PROCESSING");
  standin_->HoldJobs(false);
  EXPECT_EQ(WaitForFinal(id).at("status"), "COMPLETED");
}

TEST_F(SyncStandinTest, DefaultStepDelayPacesEachTransition) {
  auto started = testing::SyncStandin::Start(kApiKey, kSecret);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  standin_ = std::move(started).value();
  const Stopwatch watch;
  const std::string id = CreateJob(CreateBody(kVideo, media_.Url("/ok.wav")));
  EXPECT_EQ(WaitForFinal(id).at("status"), "COMPLETED");
  EXPECT_GE(watch.ElapsedSeconds(), 0.4);  // PENDING → PROCESSING → COMPLETED, 200 ms each
}

TEST_F(SyncStandinTest, WebhooksAreSignedOnEveryStatusChange) {
  json body = CreateBody(kVideo, media_.Url("/ok.wav"));
  body["webhookUrl"] = media_.Url("/webhook");
  const std::string id = CreateJob(body);
  EXPECT_EQ(WaitForFinal(id).at("status"), "COMPLETED");
  ASSERT_TRUE(
      WaitFor([&] { return standin_->webhook_delivery_statuses().size() == 2; }, seconds(5)));
  // The receiver answered 200 only to signatures it verified itself.
  EXPECT_EQ(standin_->webhook_delivery_statuses(), (std::vector<int>{200, 200}));
  const auto deliveries = media_.deliveries();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(ParseJson(deliveries[0].body).at("status"), "PROCESSING");
  EXPECT_EQ(ParseJson(deliveries[1].body), ParseJson(standin_->StatusBody(id)));
  EXPECT_EQ(ParseJson(deliveries[1].body).at("outputDuration"), 0.75);
  std::smatch m;
  ASSERT_TRUE(std::regex_match(deliveries[1].signature, m, std::regex("t=([0-9]+),v1=(.*)")));
  EXPECT_LE(std::abs(std::stoll(m[1].str()) - NowUnixSeconds()), 60);
}

TEST_F(SyncStandinTest, WebhookDeliveryStatusesRecordFailures) {
  json body = CreateBody("http://cdn.invalid/reject.mp4", media_.Url("/ok.wav"));
  body["webhookUrl"] = media_.Url("/webhook-500");
  WaitForFinal(CreateJob(body));
  ASSERT_TRUE(WaitFor([&] { return standin_->webhook_delivery_statuses().size() == 1; },
                      seconds(5)));  // so the two deliveries are recorded in a known order
  body["webhookUrl"] = "http://127.0.0.1:1/hook";
  WaitForFinal(CreateJob(body));
  ASSERT_TRUE(
      WaitFor([&] { return standin_->webhook_delivery_statuses().size() == 2; }, seconds(10)));
  EXPECT_EQ(standin_->webhook_delivery_statuses(), (std::vector<int>{500, -1}));
}

TEST_F(SyncStandinTest, SendWebhookSignsWithTheGivenTimestampAndSecret) {
  const std::string body = R"({"id":"x","status":"COMPLETED"})";
  auto wrong = standin_->SendWebhook(media_.Url("/webhook"), body, 1700000000, "whsec_other");
  ASSERT_TRUE(wrong.ok()) << wrong.status().ToString();
  EXPECT_EQ(*wrong, 401);
  auto right = standin_->SendWebhook(media_.Url("/webhook"), body, 1700000000, kSecret);
  ASSERT_TRUE(right.ok()) << right.status().ToString();
  EXPECT_EQ(*right, 200);
  const auto deliveries = media_.deliveries();
  ASSERT_EQ(deliveries.size(), 2u);
  EXPECT_EQ(deliveries[1].body, body);
  EXPECT_EQ(deliveries[1].signature,
            "t=1700000000,v1=" + HmacSha256Hex(kSecret, "1700000000." + body));
  auto unreachable = standin_->SendWebhook("http://127.0.0.1:1/hook", body, 1, kSecret);
  EXPECT_EQ(unreachable.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(standin_->webhook_delivery_statuses().empty());  // only the jobs' own count
}

// Neither side keeps an idle connection open, which httplib's stop() would wait out (5 s).
TEST_F(SyncStandinTest, TeardownWaitsForNoIdleConnection) {
  auto short_lived = std::make_unique<MediaServer>();
  json body = CreateBody(kVideo, short_lived->Url("/ok.wav"));
  body["webhookUrl"] = short_lived->Url("/webhook");
  EXPECT_EQ(WaitForFinal(CreateJob(body)).at("status"), "COMPLETED");
  ASSERT_TRUE(WaitFor([&] { return short_lived->deliveries().size() == 2; }, seconds(5)));
  const Stopwatch media_stop;
  short_lived.reset();  // while the stand-in, which fetched from it and called it, lives on
  EXPECT_LT(media_stop.ElapsedSeconds(), 1.0);

  EXPECT_EQ(Get(standin_->job_ids()[0]).status, 200);  // a client that outlives the stand-in
  const Stopwatch standin_stop;
  standin_.reset();
  EXPECT_LT(standin_stop.ElapsedSeconds(), 1.0);
}

TEST_F(SyncStandinTest, ConcurrentCreatesAreEachTracked) {
  const std::string body = CreateBody(kVideo, media_.Url("/ok.wav")).dump();
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::atomic<int> created{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = transport_->Send(
            {"POST", standin_->base_url() + "/v2/generate", {{"x-api-key", kApiKey}}, body});
        if (r.ok() && r->status == 201) ++created;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 40);
  const std::vector<std::string> ids = standin_->job_ids();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 40u);
  for (const std::string& id : ids) {
    EXPECT_EQ(WaitForFinal(id).at("outputDuration"), 0.75);
    EXPECT_EQ(ParseJson(standin_->StatusBody(id)), ParseJson(Get(id).body));
  }
  EXPECT_GE(standin_->status_requests(), 80);
}

}  // namespace
}  // namespace swha::blackbox
