// Lipsync end to end: the real service, a real S3 server (Ceph RADOS Gateway) and a stand-in
// of sync.so that behaves as its documentation says and really fetches the audio URL it is
// handed. The seed's "TTS + Lipsync with S3" workflow, provider failures, webhooks, a create
// whose answer is lost, a restart in the middle of a job, and many waits at once. One CTest
// test runs the suite in order; if the gateway or the stand-in cannot start, every test fails.
#include <atomic>
#include <thread>

#include "blackbox_helpers.h"
#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tests/support/rgw_server.h"
#include "tests/support/sync_standin.h"
#include "util/clock.h"

namespace swha::blackbox {
namespace {

constexpr int kRgwPort = 17781;
constexpr int kMonPort = 17090;
constexpr std::string_view kSyncKey = "sk-standin-4d2c9e";
constexpr std::string_view kWebhookSecret = "whsec_blackbox_81f3";
constexpr std::string_view kVideo = "https://example.com/video.mp4";

class LipsyncTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new ScopedTempDir();
    rgw_ = new testing::RgwServer(kRgwPort, kMonPort);
    status_ = new Status(rgw_->Start());
    if (!status_->ok()) return;
    auto standin = testing::SyncStandin::Start(std::string(kSyncKey), std::string(kWebhookSecret));
    if (!standin.ok()) {
      *status_ = standin.status();
      return;
    }
    standin_ = standin->release();
    const int port = testing::FreeLoopbackPort();
    options_ = new testing::ServerOptions();
    options_->env = rgw_->endpoint().AsEnv();
    options_->env["USE_S3_STORAGE"] = "true";
    options_->env["SYNC_API_BASE_URL"] = standin_->base_url();
    options_->env["SYNC_WEBHOOK_SECRET"] = std::string(kWebhookSecret);
    options_->env["PUBLIC_BASE_URL"] = "http://127.0.0.1:" + std::to_string(port);
    // Short, so that a create whose answer is held back (the lost-connection test) times out.
    options_->env["SYNC_API_TIMEOUT_MS"] = "2000";
    options_->data_dir = data_dir_->path();
    options_->port = port;
    server_ = new testing::ServerProcess();
    *status_ = server_->Start(*options_);
    if (!status_->ok()) return;
    auto anonymous = MakeClient(server_->port());
    token_ = new std::string(SignUp(*anonymous, "lipsync_alice"));
    transport_ = storage::CreateCurlTransport().release();
    auto s3 = storage::S3Client::Create(rgw_->endpoint().ClientConfig(), transport_, Clock::Real());
    if (s3.ok()) s3_ = s3->release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete standin_;
    delete s3_;
    delete transport_;
    delete rgw_;
    delete options_;
    delete token_;
    delete status_;
    delete data_dir_;
  }
  void SetUp() override {
    ASSERT_TRUE(status_->ok()) << status_->message();
    ASSERT_NE(s3_, nullptr);
    ASSERT_FALSE(token_->empty());
    standin_->HoldJobs(false);
    standin_->SetStepDelay(std::chrono::milliseconds(200));
    client_ = MakeClientFor(server_->port(), *token_);
  }

  // generate-simple with S3, as the seed's example does; the parsed response.
  json GenerateInS3(const std::string& text) {
    auto res = client_->Post(WithQuery(kGenerateSimplePath, {{"text", text}, {"use_s3", "True"}}),
                             "", "application/json");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
    return res ? ParseJson(res->body) : json();
  }

  httplib::Result CreateFromTts(const std::vector<std::pair<std::string, std::string>>& params) {
    return client_->Post(WithQuery("/api/v1/lipsync/create-from-tts", params), "",
                         "application/json");
  }

  // create-from-tts of `audio` with the stand-in's key; the job id, or "" after ADD_FAILURE.
  std::string CreateJob(const std::string& audio, const std::string& video = std::string(kVideo)) {
    auto created = CreateFromTts(
        {{"video_url", video}, {"tts_audio_url", audio}, {"api_key", std::string(kSyncKey)}});
    if (!created || created->status != 200) {
      ADD_FAILURE() << "create-from-tts: " << (created ? created->body : "no response");
      return "";
    }
    return ParseJson(created->body)["job_id"];
  }

  json WaitForJob(const std::string& job_id, int timeout = 60) {
    auto res =
        client_->Post(WithQuery("/api/v1/lipsync/wait/" + job_id,
                                {{"timeout", std::to_string(timeout)}, {"poll_interval", "1"}}),
                      "", "application/json");
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no response");
    return res ? ParseJson(res->body) : json();
  }

  // The provider's id of one of our jobs, from the status endpoint.
  std::string ProviderId(const std::string& job_id) {
    auto res = client_->Get("/api/v1/lipsync/status/" + job_id);
    if (!res || res->status != 200) return "";
    const json body = ParseJson(res->body);
    return body["provider_job_id"].is_string() ? body["provider_job_id"].get<std::string>() : "";
  }

  static std::string KeyOfPresignedUrl(const std::string& url) {
    const std::string marker = "/" + rgw_->endpoint().bucket + "/";
    const size_t at = url.find(marker);
    return url.substr(at + marker.size(), url.find('?') - at - marker.size());
  }

  static Status* status_;
  static ScopedTempDir* data_dir_;
  static testing::RgwServer* rgw_;
  static testing::SyncStandin* standin_;
  static testing::ServerOptions* options_;
  static testing::ServerProcess* server_;
  static std::string* token_;
  static storage::HttpTransport* transport_;
  static storage::S3Client* s3_;
  std::unique_ptr<httplib::Client> client_;
};

Status* LipsyncTest::status_ = nullptr;
ScopedTempDir* LipsyncTest::data_dir_ = nullptr;
testing::RgwServer* LipsyncTest::rgw_ = nullptr;
testing::SyncStandin* LipsyncTest::standin_ = nullptr;
testing::ServerOptions* LipsyncTest::options_ = nullptr;
testing::ServerProcess* LipsyncTest::server_ = nullptr;
std::string* LipsyncTest::token_ = nullptr;
storage::HttpTransport* LipsyncTest::transport_ = nullptr;
storage::S3Client* LipsyncTest::s3_ = nullptr;

TEST_F(LipsyncTest, TheSeedWorkflowCompletesWithTheExactAudioStoredInTheGateway) {
  const json tts = GenerateInS3("Hello from the lipsync workflow.");
  ASSERT_EQ(tts["storage_type"], "s3") << tts.dump(2);
  const std::string presigned_url = tts["first_audio_url"];

  auto created = CreateFromTts({{"video_url", std::string(kVideo)},
                                {"tts_audio_url", presigned_url},
                                {"api_key", std::string(kSyncKey)}});
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "no response");
  const json job = ParseJson(created->body);
  EXPECT_EQ(job["message"], "Lipsync job created from TTS audio");
  EXPECT_EQ(job["status"], "PENDING");
  EXPECT_EQ(job["video_url"], kVideo);
  EXPECT_EQ(job["audio_url"], presigned_url);
  EXPECT_EQ(job["audio_url_type"], "presigned_s3");
  EXPECT_EQ(job["model"], "lipsync-2");
  EXPECT_EQ(job["sync_mode"], "cut_off");
  EXPECT_NEAR(job["submitted_at"].get<double>(), static_cast<double>(NowUnixSeconds()), 30);
  EXPECT_EQ(created->body.find(kSyncKey), std::string::npos) << "the key is never echoed";
  const std::string job_id = job["job_id"];

  const json done = WaitForJob(job_id);
  ASSERT_EQ(done["status"], "COMPLETED") << done.dump(2);
  EXPECT_EQ(done["timed_out"], false);

  // What the provider fetched is exactly what the gateway holds.
  const std::string provider_id = ProviderId(job_id);
  ASSERT_FALSE(provider_id.empty());
  auto fetched = standin_->fetched_audio(provider_id);
  ASSERT_TRUE(fetched.has_value());
  auto stored = s3_->GetObject(KeyOfPresignedUrl(presigned_url));
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_TRUE(*fetched == *stored) << "the provider got other bytes than the gateway holds";
  EXPECT_TRUE(IsSpeechWav(*fetched, 0.5, 10));

  auto status = client_->Get("/api/v1/lipsync/status/" + job_id);
  ASSERT_TRUE(status && status->status == 200);
  const json s = ParseJson(status->body);
  EXPECT_EQ(s["status"], "COMPLETED");
  EXPECT_EQ(s["output_url"], standin_->base_url() + "/outputs/" + provider_id + ".mp4");
  EXPECT_NEAR(s["output_duration"].get<double>(), ParseWav(*fetched).duration_seconds, 0.01);
  EXPECT_EQ(s["progress"], 100);
  EXPECT_TRUE(s["completed_at"].is_number());
  EXPECT_TRUE(s["error_message"].is_null());

  auto mine = client_->Get("/api/v1/lipsync/jobs/my");
  ASSERT_TRUE(mine && mine->status == 200);
  const json listed = ParseJson(mine->body);
  ASSERT_GE(listed["jobs"].size(), 1u);
  EXPECT_EQ(listed["jobs"][0]["job_id"], job_id);
  EXPECT_EQ(listed["jobs"][0]["status"], "COMPLETED");
  EXPECT_TRUE(listed["jobs"][0]["user_id"].is_number_integer());
}

TEST_F(LipsyncTest, ASessionSegmentIsMintedByTheServerAndLocalAudioUsesThePublicAddress) {
  const json tts = GenerateInS3("First line.\nSecond line.");
  ASSERT_EQ(tts["total_segments"], 2);
  auto created = PostJson(*client_, "/api/v1/lipsync/create",
                          {{"video_url", kVideo},
                           {"session_id", tts["session_id"]},
                           {"segment_index", 1},
                           {"api_key", kSyncKey},
                           {"sync_mode", "loop"},
                           {"output_filename", "second_line"}});
  ASSERT_TRUE(created && created->status == 200) << (created ? created->body : "no response");
  json job = ParseJson(created->body);
  EXPECT_EQ(job["audio_url_type"], "presigned_s3");
  EXPECT_EQ(job["sync_mode"], "loop");
  EXPECT_NE(job["audio_url"].get<std::string>().find("X-Amz-Expires=86400"), std::string::npos)
      << "LIPSYNC_AUDIO_URL_EXPIRY's default";
  EXPECT_EQ(WaitForJob(job["job_id"])["status"], "COMPLETED");
  auto sent = standin_->job(ProviderId(job["job_id"]));
  ASSERT_TRUE(sent.has_value());
  EXPECT_EQ((*sent)["outputUrl"].is_string(), true);

  // Audio only on this server's disk: its URL is absolute (PUBLIC_BASE_URL), the provider
  // fetches it from the service itself; a relative one is made absolute the same way.
  auto local = PostJson(*client_, std::string(kGeneratePath),
                        {{"text", "Kept on local disk."}, {"use_s3", false}});
  ASSERT_TRUE(local && local->status == 200);
  const std::string base = options_->env["PUBLIC_BASE_URL"];
  const std::string local_url = ParseJson(local->body)["audio_files"][0];
  ASSERT_EQ(local_url.rfind(base + "/static/audio/", 0), 0u) << local_url;
  const std::string relative = local_url.substr(base.size());
  for (const std::string& given : {local_url, relative}) {
    auto from_local = CreateFromTts({{"video_url", std::string(kVideo)},
                                     {"tts_audio_url", given},
                                     {"api_key", std::string(kSyncKey)}});
    ASSERT_TRUE(from_local && from_local->status == 200) << from_local->body;
    job = ParseJson(from_local->body);
    EXPECT_EQ(job["audio_url_type"], "local_static");
    EXPECT_EQ(job["audio_url"], local_url);
    EXPECT_EQ(WaitForJob(job["job_id"])["status"], "COMPLETED");
    auto fetched = standin_->fetched_audio(ProviderId(job["job_id"]));
    ASSERT_TRUE(fetched.has_value());
    auto downloaded = Download(*client_, relative);
    ASSERT_TRUE(downloaded.has_value());
    EXPECT_TRUE(*fetched == *downloaded) << "the provider got other bytes than the service serves";
  }
}

TEST_F(LipsyncTest, AWronglySignedUrlFailsTheJobEndToEnd) {
  const json tts = GenerateInS3("A URL that will not work.");
  std::string url = tts["first_audio_url"];
  const size_t sig = url.find("X-Amz-Signature=") + 16;
  url[sig] = url[sig] == 'a' ? 'b' : 'a';
  auto created = CreateFromTts({{"video_url", std::string(kVideo)},
                                {"tts_audio_url", url},
                                {"api_key", std::string(kSyncKey)}});
  ASSERT_TRUE(created && created->status == 200) << created->body;
  const json done = WaitForJob(ParseJson(created->body)["job_id"]);
  EXPECT_EQ(done["status"], "FAILED");
  EXPECT_EQ(done["error_code"], "media_fetch_failed");
  EXPECT_NE(done["error_message"].get<std::string>().find("403"), std::string::npos) << done.dump();
}

TEST_F(LipsyncTest, EveryFinalStatusEndsAWait) {
  const std::string audio = GenerateInS3("Final states.")["first_audio_url"];
  for (const auto& [video, status, code] :
       {std::tuple{"https://example.com/reject.mp4", "REJECTED", "content_rejected"},
        std::tuple{"https://example.com/fail.mp4", "FAILED", "generation_error"}}) {
    auto created = CreateFromTts(
        {{"video_url", video}, {"tts_audio_url", audio}, {"api_key", std::string(kSyncKey)}});
    ASSERT_TRUE(created && created->status == 200) << created->body;
    const json done = WaitForJob(ParseJson(created->body)["job_id"]);
    EXPECT_EQ(done["status"], status);
    EXPECT_EQ(done["error_code"], code);
    EXPECT_TRUE(done["error_message"].is_string());
    EXPECT_EQ(done["timed_out"], false);
  }
}

TEST_F(LipsyncTest, ProviderFailuresAndBadInputsGetClearAnswers) {
  const std::string audio = GenerateInS3("Errors.")["first_audio_url"];
  const std::vector<std::pair<std::string, std::string>> good = {
      {"video_url", std::string(kVideo)},
      {"tts_audio_url", audio},
      {"api_key", std::string(kSyncKey)}};
  auto with = [&](const std::string& name, const std::string& value) {
    auto params = good;
    for (auto& [k, v] : params) {
      if (k == name) v = value;
    }
    if (std::none_of(params.begin(), params.end(),
                     [&](const auto& p) { return p.first == name; })) {
      params.emplace_back(name, value);
    }
    return params;
  };
  auto wrong_key = CreateFromTts(with("api_key", "sk-wrong"));
  ASSERT_TRUE(wrong_key);
  EXPECT_EQ(wrong_key->status, 401);
  EXPECT_EQ(ParseJson(wrong_key->body)["detail"], "sync.so rejected the API key");
  EXPECT_EQ(wrong_key->body.find("sk-wrong"), std::string::npos);

  standin_->RejectNextGenerates(3, 429, 1);
  auto limited = CreateFromTts(good);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429) << limited->body;
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  standin_->RejectNextGenerates(1, 402, 0);
  auto billing = CreateFromTts(good);
  EXPECT_EQ(billing->status, 402) << billing->body;
  standin_->RejectNextGenerates(3, 503, 0);
  auto upstream = CreateFromTts(good);
  EXPECT_EQ(upstream->status, 502) << upstream->body;
  EXPECT_NE(ParseJson(upstream->body)["detail"].get<std::string>().find("sync.so"),
            std::string::npos);
  standin_->RejectNextGenerates(2, 429, 1);
  auto recovered = CreateFromTts(good);
  EXPECT_EQ(recovered->status, 200) << "two 429s, then the third attempt: " << recovered->body;

  for (const auto& [field, value, loc] :
       {std::tuple{"model", "lipsync-1", "model"}, std::tuple{"sync_mode", "fade", "sync_mode"},
        std::tuple{"video_url", "/videos/v.mp4", "video_url"},
        std::tuple{"temperature", "1.5", "temperature"},
        std::tuple{"tts_audio_url", "ftp://example.com/a.wav", "tts_audio_url"}}) {
    auto bad = CreateFromTts(with(field, value));
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 422) << field << ": " << bad->body;
    EXPECT_EQ(ParseJson(bad->body)["detail"][0]["loc"][1], loc) << bad->body;
  }
  auto models = client_->Get("/api/v1/lipsync/models");
  ASSERT_TRUE(models && models->status == 200);
  EXPECT_EQ(ParseJson(models->body)["total_count"], 5);
  auto modes = client_->Get("/api/v1/lipsync/sync-modes");
  ASSERT_TRUE(modes && modes->status == 200);
  EXPECT_TRUE(ParseJson(modes->body)["descriptions"].contains("remap"));
  EXPECT_FALSE(ParseJson(modes->body)["descriptions"].contains("fade"));
  // Keys, right or wrong, never reach the log (query strings are not logged).
  const std::string log = server_->ReadLog();
  EXPECT_EQ(log.find(kSyncKey), std::string::npos);
  EXPECT_EQ(log.find("sk-wrong"), std::string::npos);
}

TEST_F(LipsyncTest, WebhooksMoveJobsAndBadOrLateOnesChangeNothing) {
  standin_->HoldJobs(true);
  const std::string audio = GenerateInS3("Webhooks.")["first_audio_url"];
  const std::string job_id = CreateJob(audio);
  ASSERT_FALSE(job_id.empty());
  const std::string provider_id = ProviderId(job_id);
  const std::string hook = options_->env["PUBLIC_BASE_URL"] + "/api/v1/lipsync/webhook";
  // Claims the job completed, but unsigned by our secret, or signed too long ago.
  json forged = ParseJson(standin_->StatusBody(provider_id));
  forged["status"] = "COMPLETED";
  forged["outputUrl"] = "https://evil.example.com/x.mp4";
  auto bad = standin_->SendWebhook(hook, forged.dump(), NowUnixSeconds(), "whsec_wrong");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(*bad, 400);
  auto late = standin_->SendWebhook(hook, forged.dump(), NowUnixSeconds() - 600,
                                    std::string(kWebhookSecret));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, 400);
  auto status = client_->Get("/api/v1/lipsync/status/" + job_id);
  EXPECT_NE(ParseJson(status->body)["status"], "COMPLETED");

  // Released, the job completes and the stand-in's signed webhooks alone bring the news: the
  // service does not ask sync.so meanwhile (its state is fresh).
  const int status_requests = standin_->status_requests();
  standin_->HoldJobs(false);
  json seen;
  ASSERT_TRUE(::swha::blackbox::WaitFor(
      [&] {
        seen = ParseJson(client_->Get("/api/v1/lipsync/status/" + job_id)->body);
        return seen["status"] == "COMPLETED";
      },
      std::chrono::seconds(4)))
      << seen.dump();
  EXPECT_EQ(standin_->status_requests(), status_requests);
  EXPECT_EQ(seen["output_url"], standin_->base_url() + "/outputs/" + provider_id + ".mp4");
  const std::vector<int> deliveries = standin_->webhook_delivery_statuses();
  ASSERT_FALSE(deliveries.empty());
  EXPECT_EQ(std::count(deliveries.begin(), deliveries.end(), 200),
            static_cast<long>(deliveries.size()));
}

TEST_F(LipsyncTest, AnotherUsersJobIsNotFound) {
  const std::string audio = GenerateInS3("Mine only.")["first_audio_url"];
  const std::string job_id = CreateJob(audio);
  ASSERT_FALSE(job_id.empty());
  auto anonymous = MakeClient(server_->port());
  auto bob = MakeClientFor(server_->port(), SignUp(*anonymous, "lipsync_bob"));
  for (const std::string& path :
       {"/api/v1/lipsync/status/" + job_id, "/api/v1/lipsync/debug/status/" + job_id}) {
    auto res = bob->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
  }
  auto wait = bob->Post("/api/v1/lipsync/wait/" + job_id + "?timeout=1", "", "application/json");
  EXPECT_EQ(wait->status, 404);
  EXPECT_EQ(ParseJson(bob->Get("/api/v1/lipsync/jobs/my")->body)["total_count"], 0);
  EXPECT_EQ(anonymous->Get("/api/v1/lipsync/status/" + job_id)->status, 401);
}

TEST_F(LipsyncTest, ALostCreateAnswerMakesNoSecondProviderJob) {
  const std::string audio = GenerateInS3("Lost answer.")["first_audio_url"];
  const int jobs_before = standin_->jobs_created();
  const size_t keys_before = standin_->idempotency_keys_seen().size();
  // The stand-in makes the job, then answers after the service's 2 s timeout.
  standin_->DelayNextGenerateResponse(std::chrono::milliseconds(3500));
  auto created = CreateFromTts({{"video_url", std::string(kVideo)},
                                {"tts_audio_url", audio},
                                {"api_key", std::string(kSyncKey)}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  EXPECT_EQ(standin_->jobs_created(), jobs_before + 1);
  const std::vector<std::string> keys = standin_->idempotency_keys_seen();
  ASSERT_GE(keys.size(), keys_before + 2) << "the create was sent again";
  EXPECT_EQ(keys[keys.size() - 1], keys[keys.size() - 2]) << "with the same Idempotency-Key";
  EXPECT_EQ(WaitForJob(ParseJson(created->body)["job_id"])["status"], "COMPLETED");
}

TEST_F(LipsyncTest, ARestartInTheMiddleOfAJobLosesNothing) {
  standin_->HoldJobs(true);
  const std::string audio = GenerateInS3("Across a restart.")["first_audio_url"];
  const std::string job_id = CreateJob(audio);
  ASSERT_FALSE(job_id.empty());
  server_->Stop();
  // The job finishes while the service is down; its webhook finds nobody.
  standin_->HoldJobs(false);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_TRUE(server_->Start(*options_).ok()) << server_->ReadLog();
  client_ = MakeClientFor(server_->port(), *token_);
  const json done = WaitForJob(job_id);
  EXPECT_EQ(done["status"], "COMPLETED") << done.dump(2);
  EXPECT_TRUE(done["output_url"].is_string());
}

TEST_F(LipsyncTest, TwoHundredWaitsHoldNoWorkerFromGenerate) {
  standin_->HoldJobs(true);
  const std::string audio = GenerateInS3("Many waiters.")["first_audio_url"];
  const std::string job_id = CreateJob(audio);
  ASSERT_FALSE(job_id.empty());

  constexpr int kWaiters = 200;
  std::atomic<int> completed{0};
  std::vector<std::thread> waiters;
  waiters.reserve(kWaiters);
  for (int i = 0; i < kWaiters; ++i) {
    waiters.emplace_back([&] {
      auto c = MakeClientFor(server_->port(), *token_);
      auto res = c->Post("/api/v1/lipsync/wait/" + job_id + "?timeout=60&poll_interval=5", "",
                         "application/json");
      if (res && res->status == 200 && ParseJson(res->body)["status"] == "COMPLETED") ++completed;
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));  // every wait is in
  // 200 waits on 16 workers: were they held, generate would queue until the waits end (60 s).
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    auto res = PostJson(*client_, std::string(kGeneratePath), {{"text", "Still answering."}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(completed.load(), 0) << "the job is still held";
  standin_->HoldJobs(false);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(completed.load(), kWaiters);
}

TEST_F(LipsyncTest, TheCommandLineCreatesWaitsAndReports) {
  const json tts = GenerateInS3("From the command line.");
  std::map<std::string, std::string> env = options_->env;
  env["DATA_DIR"] = data_dir_->path();
  auto created = testing::RunCommandSplit(
      testing::ServerBinary(),
      {"lipsync", "create", "--user", "lipsync_alice", "--video", std::string(kVideo), "--session",
       tts["session_id"], "--api-key", std::string(kSyncKey), "--wait"},
      env, data_dir_->path());
  ASSERT_EQ(created.exit_code, 0) << created.out << created.err;
  EXPECT_NE(created.out.find("status COMPLETED"), std::string::npos) << created.out;
  EXPECT_NE(created.out.find("audio_url_type presigned_s3"), std::string::npos) << created.out;
  EXPECT_NE(created.err.find(" after "), std::string::npos) << "a progress line: " << created.err;
  EXPECT_EQ(created.out.find(kSyncKey), std::string::npos);
  const size_t at = created.out.find("job_id ") + 7;
  const std::string job_id = created.out.substr(at, created.out.find('\n', at) - at);

  auto status = testing::RunCommandSplit(testing::ServerBinary(),
                                         {"lipsync", "status", job_id, "--user", "lipsync_alice"},
                                         env, data_dir_->path());
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("output_url http://"), std::string::npos) << status.out;
  // The service sees the job the command made.
  EXPECT_EQ(ParseJson(client_->Get("/api/v1/lipsync/status/" + job_id)->body)["status"],
            "COMPLETED");
  auto theirs = testing::RunCommandSplit(testing::ServerBinary(),
                                         {"lipsync", "status", job_id, "--user", "lipsync_bob"},
                                         env, data_dir_->path());
  EXPECT_EQ(theirs.exit_code, 2);
  EXPECT_NE(theirs.err.find("not found"), std::string::npos) << theirs.err;
}

TEST_F(LipsyncTest, NoProviderKeyEverReachesTheLog) {
  const std::string log = server_->ReadLog();
  ASSERT_NE(log.find("/api/v1/lipsync/create"), std::string::npos) << "requests were logged";
  EXPECT_EQ(log.find(kSyncKey), std::string::npos);
  EXPECT_EQ(log.find("sk-wrong"), std::string::npos);
}

}  // namespace
}  // namespace swha::blackbox
