#include "service/lipsync_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <thread>

#include "lipsync/webhook_signature.h"
#include "util/file_system.h"

namespace swha::service {
namespace {

constexpr std::string_view kSecret = "whsec_service_test";
constexpr int64_t kStart = 1'790'000'000'000;

// A provider that keeps jobs as sync.so does: one per Idempotency-Key, failures on cue.
class FakeProvider : public lipsync::LipsyncProvider {
 public:
  Result<lipsync::ProviderJob> Create(std::string_view api_key, std::string_view idempotency_key,
                                      std::string_view body) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++creates;
    keys_seen.emplace_back(api_key);
    bodies.emplace_back(body);
    if (!create_failures.empty()) {
      Status s = create_failures.front();
      create_failures.pop_front();
      // A lost answer: the job was made all the same.
      if (s.code() == StatusCode::kUnavailable) MakeLocked(idempotency_key);
      return s;
    }
    return jobs[MakeLocked(idempotency_key)];
  }
  Result<lipsync::ProviderJob> Get(std::string_view api_key, std::string_view id) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++gets;
    keys_seen.emplace_back(api_key);
    if (!get_failures.empty()) {
      Status s = get_failures.front();
      get_failures.pop_front();
      return s;
    }
    auto it = jobs.find(std::string(id));
    if (it == jobs.end()) return Status::NotFound("sync.so has no such job");
    return it->second;
  }
  void Set(const std::string& id, std::string status) {
    std::lock_guard<std::mutex> lock(mu_);
    jobs[id].status = std::move(status);
  }
  std::string OnlyJobId() {
    std::lock_guard<std::mutex> lock(mu_);
    return jobs.size() == 1 ? jobs.begin()->first : "";
  }

  std::mutex mu_;
  std::map<std::string, lipsync::ProviderJob> jobs;
  std::map<std::string, std::string> by_key;
  std::deque<Status> create_failures;
  std::deque<Status> get_failures;
  std::vector<std::string> keys_seen;
  std::vector<std::string> bodies;
  int creates = 0;
  int gets = 0;

 private:
  std::string MakeLocked(std::string_view key) {
    auto [it, made] = by_key.emplace(std::string(key), "prov-" + std::to_string(by_key.size()));
    if (made) jobs[it->second] = {.id = it->second, .status = "PENDING"};
    return it->second;
  }
};

class LipsyncServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-lipsync-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto c = catalog::OpenSqliteCatalog(dir_ + "/swha.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
    Make({});
  }
  void TearDown() override {
    service_.reset();
    catalog_.reset();
    (void)RemoveTree(FileSystem::Default(), dir_);
  }
  void Make(LipsyncConfig config, const std::string& public_base_url = "") {
    config.webhook_secret = kSecret;
    config.public_base_url = public_base_url;
    service_.reset();
    service_ = std::make_unique<LipsyncService>(
        config, catalog_.get(), &provider_, &sealer_,
        LipsyncRequestContext{.catalog = catalog_.get(), .public_base_url = public_base_url},
        &clock_, "test-instance");
  }
  static LipsyncCreateRequest Request() {
    LipsyncCreateRequest r;
    r.video_url = "https://videos.example.com/v.mp4";
    r.audio_url = "https://audio.example.com/a.wav";
    r.api_key = "sk-caller-1234";
    return r;
  }
  Status Webhook(const lipsync::ProviderJob& job) {
    nlohmann::json body = {{"id", job.id},
                           {"status", job.status},
                           {"outputUrl", job.output_url ? *job.output_url : ""}};
    const std::string text = body.dump();
    return service_
        ->ApplyWebhook(lipsync::SignWebhook(kSecret, clock_.NowUnixSeconds(), text), text,
                       std::nullopt)
        .status();
  }

  const Principal alice_{.user_id = 1};
  const Principal bob_{.user_id = 2};
  std::string dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  FakeProvider provider_;
  lipsync::KeySealer sealer_{"a-secret-key-for-the-lipsync-tests"};
  ManualClock clock_{kStart};
  std::unique_ptr<LipsyncService> service_;
};

TEST_F(LipsyncServiceTest, CreateRecordsTheJobThenSubmitsIt) {
  LipsyncCreateRequest r = Request();
  r.temperature = 0.4;
  r.output_filename = "take_2";
  auto job = service_->Create(alice_, r);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->status, "PENDING");
  EXPECT_EQ(job->provider_job_id, provider_.OnlyJobId());
  EXPECT_EQ(job->audio_url_type, "external");
  EXPECT_EQ(job->owner, "1");
  EXPECT_EQ(job->idempotency_key, "swha-" + job->job_id);
  ASSERT_EQ(provider_.bodies.size(), 1u);
  const auto body = nlohmann::json::parse(provider_.bodies[0]);
  EXPECT_EQ(body["model"], "lipsync-2");
  EXPECT_EQ(body["input"][0]["url"], r.video_url);
  EXPECT_EQ(body["input"][1]["type"], "audio");
  EXPECT_EQ(body["input"][1]["url"], *r.audio_url);
  EXPECT_EQ(body["options"]["sync_mode"], "cut_off");
  EXPECT_EQ(body["options"]["temperature"], 0.4);
  EXPECT_EQ(body["outputFileName"], "take_2");
  EXPECT_FALSE(body.contains("webhookUrl")) << "no PUBLIC_BASE_URL, so no webhook";
  EXPECT_EQ(provider_.keys_seen[0], "sk-caller-1234");
  // The key is kept sealed, never as given.
  auto stored = catalog_->GetLipsyncJob(job->job_id);
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->sealed_api_key.has_value());
  EXPECT_EQ(stored->sealed_api_key->find("sk-caller"), std::string::npos);
  EXPECT_EQ(stored->request_body.find("sk-caller"), std::string::npos);
}

TEST_F(LipsyncServiceTest, InputsAreCheckedBeforeAnythingIsRecorded) {
  LipsyncCreateRequest r = Request();
  r.model = "lipsync-9";
  r.sync_mode = "fade";
  r.temperature = 1.5;
  r.video_url = "/static/video.mp4";
  r.output_filename = "clip.mp4";
  std::set<std::string> fields;
  for (const Status& s : service_->Validate(r)) fields.insert(s.field());
  EXPECT_EQ(fields, (std::set<std::string>{"model", "sync_mode", "temperature", "video_url",
                                           "output_filename"}));
  EXPECT_EQ(service_->Create(alice_, r).status().code(), StatusCode::kInvalidArgument);

  LipsyncCreateRequest relative = Request();
  relative.audio_url = "/static/audio/1_1/segment_000.wav?expires=1&signature=ab";
  Status s = service_->Create(alice_, relative).status();
  EXPECT_EQ(s.field(), "audio_url");
  EXPECT_NE(s.message().find("could never fetch"), std::string::npos) << s.message();

  LipsyncCreateRequest keyless = Request();
  keyless.api_key.reset();
  EXPECT_EQ(service_->Create(alice_, keyless).status().field(), "api_key");
  EXPECT_EQ(service_->Create(Principal::Anonymous(), Request()).status().code(),
            StatusCode::kUnauthenticated);
  EXPECT_EQ(provider_.creates, 0);
  EXPECT_TRUE(catalog_->ListLipsyncJobs("1", 10, std::nullopt)->jobs.empty());
}

TEST_F(LipsyncServiceTest, ALocalUrlIsMadeAbsoluteWithThePublicBaseUrl) {
  Make({}, "https://tts.example.com");
  LipsyncCreateRequest r = Request();
  r.audio_url = "/static/audio/1_1/segment_000.wav?expires=1&signature=ab";
  auto job = service_->Create(alice_, r);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->audio_url, "https://tts.example.com" + *r.audio_url);
  EXPECT_EQ(job->audio_url_type, "local_static");
  EXPECT_EQ(nlohmann::json::parse(provider_.bodies[0])["webhookUrl"],
            "https://tts.example.com/api/v1/lipsync/webhook?job_id=" + job->job_id);
}

// Audio the catalog knows to be longer than sync.so accepts is refused up front, but only to
// its owner: nobody learns the length of someone else's audio from the error.
TEST_F(LipsyncServiceTest, KnownOverlongAudioIsRefusedToItsOwnerOnly) {
  Make({}, "https://tts.example.com");
  catalog::SessionRecord session;
  session.session_id = "1_1_" + std::string(32, 'a');
  session.owner = "1";  // alice
  session.created_at_ms = kStart;
  session.voice = "af_heart";
  session.language_code = "a";
  session.split_pattern = "\\n+";
  catalog::SegmentRecord seg;
  seg.filename = "segment_000.wav";
  seg.duration_seconds = 301;
  seg.byte_size = 1;
  seg.sha256_hex = std::string(64, 'b');
  session.segments.push_back(seg);
  ASSERT_TRUE(catalog_->RecordSession(session).ok());
  LipsyncCreateRequest r = Request();
  r.audio_url = "/static/audio/" + session.session_id + "/segment_000.wav?expires=1&signature=ab";
  auto refused = service_->Create(alice_, r);
  ASSERT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << refused.status().ToString();
  EXPECT_EQ(refused.status().field(), "audio_url");
  EXPECT_NE(refused.status().message().find("301"), std::string::npos);
  auto others = service_->Create(bob_, r);
  ASSERT_TRUE(others.ok()) << others.status().ToString();  // sync.so will judge it
  EXPECT_EQ(others->audio_url_type, "local_static");
}

TEST_F(LipsyncServiceTest, ARefusalIsRecordedAsFailedAndReturned) {
  provider_.create_failures.push_back(Status::Unauthenticated("sync.so rejected the API key"));
  auto job = service_->Create(alice_, Request());
  ASSERT_EQ(job.status().code(), StatusCode::kUnauthenticated);
  auto listed = catalog_->ListLipsyncJobs("1", 10, std::nullopt);
  ASSERT_EQ(listed->jobs.size(), 1u);
  EXPECT_EQ(listed->jobs[0].status, "FAILED");
  EXPECT_EQ(listed->jobs[0].error_code, "not_submitted");
}

TEST_F(LipsyncServiceTest, AnUnansweredCreateIsResolvedByTheNextReadWithoutASecondJob) {
  Make({.refresh_after_ms = 1000});
  provider_.create_failures.push_back(Status::Unavailable("sync.so could not be reached"));
  auto job = service_->Create(alice_, Request());
  ASSERT_EQ(job.status().code(), StatusCode::kBadGateway);
  auto listed = catalog_->ListLipsyncJobs("1", 10, std::nullopt);
  ASSERT_EQ(listed->jobs.size(), 1u);
  const std::string id = listed->jobs[0].job_id;
  EXPECT_NE(job.status().message().find(id), std::string::npos) << job.status().message();
  EXPECT_EQ(listed->jobs[0].status, "SUBMITTING");

  clock_.AdvanceSeconds(2);
  auto read = service_->Get(alice_, id, std::nullopt);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->status, "PENDING");
  EXPECT_EQ(provider_.creates, 2);
  EXPECT_EQ(provider_.jobs.size(), 1u) << "the same Idempotency-Key made no second job";
  EXPECT_EQ(provider_.bodies[0], provider_.bodies[1]) << "resent exactly as first sent";
  EXPECT_EQ(provider_.keys_seen[1], "sk-caller-1234") << "the sealed key was opened";
}

TEST_F(LipsyncServiceTest, AWebhookBeforeTheCreateAnswerIsMatchedByTheJobIdInItsUrl) {
  Make({.refresh_after_ms = 60'000}, "https://tts.example.com");
  provider_.create_failures.push_back(Status::Unavailable("sync.so could not be reached"));
  ASSERT_FALSE(service_->Create(alice_, Request()).ok());
  auto listed = catalog_->ListLipsyncJobs("1", 10, std::nullopt);
  ASSERT_EQ(listed->jobs.size(), 1u);
  const catalog::LipsyncJob& job = listed->jobs[0];
  EXPECT_EQ(nlohmann::json::parse(job.request_body)["webhookUrl"],
            "https://tts.example.com/api/v1/lipsync/webhook?job_id=" + job.job_id);
  const std::string body = R"({"id":")" + provider_.OnlyJobId() + R"(","status":"PROCESSING"})";
  auto applied = service_->ApplyWebhook(
      lipsync::SignWebhook(kSecret, clock_.NowUnixSeconds(), body), body, job.job_id);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(applied->status, "PROCESSING");
  EXPECT_EQ(applied->provider_job_id, provider_.OnlyJobId());
}

TEST_F(LipsyncServiceTest, AResubmissionUsesTheJobsOwnKeyNeverTheReadersKey) {
  Make({.refresh_after_ms = 1000});
  provider_.create_failures.push_back(Status::Unavailable("sync.so could not be reached"));
  ASSERT_FALSE(service_->Create(alice_, Request()).ok());
  const std::string id = catalog_->ListLipsyncJobs("1", 10, std::nullopt)->jobs[0].job_id;
  clock_.AdvanceSeconds(2);
  ASSERT_TRUE(service_->Get(alice_, id, std::string("sk-someone-else")).ok());
  ASSERT_EQ(provider_.keys_seen.size(), 2u);
  EXPECT_EQ(provider_.keys_seen[1], "sk-caller-1234");
  // Once acknowledged, a reader's key is used to ask (it may be a rotated one).
  provider_.Set(provider_.OnlyJobId(), "PROCESSING");
  clock_.AdvanceSeconds(2);
  ASSERT_TRUE(service_->Get(alice_, id, std::string("sk-rotated")).ok());
  EXPECT_EQ(provider_.keys_seen.back(), "sk-rotated");
}

TEST_F(LipsyncServiceTest, AnotherUsersJobIsNotFound) {
  auto job = service_->Create(alice_, Request());
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(service_->Get(bob_, job->job_id, std::nullopt).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(service_->Wait(bob_, job->job_id, 0, 1, std::nullopt).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(service_->List(bob_, 10, std::nullopt)->jobs.empty());
  EXPECT_EQ(service_->Get(alice_, "no-such-job", std::nullopt).status().code(),
            StatusCode::kNotFound);
}

TEST_F(LipsyncServiceTest, WebhooksAreCheckedAndAFinalStatusIsNeverUndone) {
  Make({.refresh_after_ms = 1000});
  auto job = service_->Create(alice_, Request());
  ASSERT_TRUE(job.ok());
  const std::string body = R"({"id":")" + *job->provider_job_id + R"(","status":"COMPLETED"})";
  EXPECT_EQ(service_->ApplyWebhook("t=1,v1=00", body, job->job_id).status().code(),
            StatusCode::kBadRequest);
  EXPECT_EQ(service_->ApplyWebhook("", body, job->job_id).status().code(), StatusCode::kBadRequest);
  // Signed, but five minutes and a second late.
  EXPECT_EQ(service_
                ->ApplyWebhook(lipsync::SignWebhook(kSecret, clock_.NowUnixSeconds() - 301, body),
                               body, job->job_id)
                .status()
                .code(),
            StatusCode::kBadRequest);
  EXPECT_EQ(catalog_->GetLipsyncJob(job->job_id)->status, "PENDING");

  ASSERT_TRUE(Webhook({.id = *job->provider_job_id,
                       .status = "COMPLETED",
                       .output_url = "https://out.example.com/o.mp4"})
                  .ok());
  // The provider's late answer (a stale replica) says PROCESSING: ignored.
  provider_.Set(*job->provider_job_id, "PROCESSING");
  clock_.AdvanceSeconds(5);
  auto read = service_->Get(alice_, job->job_id, std::nullopt);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->status, "COMPLETED");
  EXPECT_EQ(read->output_url, "https://out.example.com/o.mp4");
  EXPECT_TRUE(read->completed_at_ms.has_value());
  // A webhook for a job we do not know is acknowledged and changes nothing.
  // A webhook for a job we do not know is a 404 (the provider delivers again), also when the
  // URL names one of our jobs that belongs to another provider job.
  const std::string other = R"({"id":"x","status":"FAILED"})";
  const std::string signature = lipsync::SignWebhook(kSecret, clock_.NowUnixSeconds(), other);
  EXPECT_EQ(service_->ApplyWebhook(signature, other, std::nullopt).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(service_->ApplyWebhook(signature, other, job->job_id).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(catalog_->GetLipsyncJob(job->job_id)->status, "COMPLETED");
}

TEST_F(LipsyncServiceTest, WaitReturnsWhenTheJobEndsOrAtTheTimeout) {
  Make({.refresh_after_ms = 60'000});
  auto job = service_->Create(alice_, Request());
  ASSERT_TRUE(job.ok());
  auto timed_out = service_->Wait(alice_, job->job_id, 1, 1, std::nullopt);
  ASSERT_TRUE(timed_out.ok());
  EXPECT_TRUE(timed_out->timed_out);
  EXPECT_EQ(timed_out->job.status, "PENDING");

  std::thread webhook([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ASSERT_TRUE(Webhook({.id = *job->provider_job_id, .status = "REJECTED"}).ok());
  });
  const auto start = std::chrono::steady_clock::now();
  auto waited = service_->Wait(alice_, job->job_id, 30, 10, std::nullopt);
  webhook.join();
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  EXPECT_FALSE(waited->timed_out);
  EXPECT_EQ(waited->job.status, "REJECTED") << "REJECTED is final";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));

  EXPECT_EQ(service_->Wait(alice_, job->job_id, -1, 1, std::nullopt).status().field(), "timeout");
  EXPECT_EQ(service_->Wait(alice_, job->job_id, 1, 0, std::nullopt).status().field(),
            "poll_interval");
}

TEST_F(LipsyncServiceTest, ThePollerRefreshesDueJobsAndBacksOffOnFailure) {
  Make({.poll_interval_ms = 1000, .max_poll_interval_ms = 60'000, .create_grace_ms = 1000});
  auto job = service_->Create(alice_, Request());
  ASSERT_TRUE(job.ok());
  provider_.Set(*job->provider_job_id, "PROCESSING");
  service_->PollDueJobs();
  EXPECT_EQ(provider_.gets, 0) << "not due yet";
  clock_.AdvanceSeconds(1);
  service_->PollDueJobs();
  EXPECT_EQ(provider_.gets, 1);
  EXPECT_EQ(catalog_->GetLipsyncJob(job->job_id)->status, "PROCESSING");

  provider_.get_failures = {Status::BadGateway("sync.so failed (HTTP 502)"),
                            Status::BadGateway("sync.so failed (HTTP 502)")};
  clock_.AdvanceSeconds(1);
  service_->PollDueJobs();
  auto after_one = catalog_->GetLipsyncJob(job->job_id);
  EXPECT_EQ(after_one->poll_failures, 1);
  EXPECT_EQ(after_one->next_poll_at_ms, clock_.NowUnixMillis() + 2000);
  clock_.AdvanceSeconds(2);
  service_->PollDueJobs();
  auto after_two = catalog_->GetLipsyncJob(job->job_id);
  EXPECT_EQ(after_two->poll_failures, 2);
  EXPECT_EQ(after_two->next_poll_at_ms, clock_.NowUnixMillis() + 4000);

  provider_.Set(*job->provider_job_id, "COMPLETED");
  clock_.AdvanceSeconds(4);
  service_->PollDueJobs();
  EXPECT_EQ(catalog_->GetLipsyncJob(job->job_id)->status, "COMPLETED");
  EXPECT_EQ(catalog_->GetLipsyncJob(job->job_id)->poll_failures, 0);
  const int gets = provider_.gets;
  clock_.AdvanceSeconds(3600);
  service_->PollDueJobs();
  EXPECT_EQ(provider_.gets, gets) << "a final job is never polled";
}

TEST_F(LipsyncServiceTest, ThePollerGivesUpOnAJobItCannotAsk) {
  Make({.poll_interval_ms = 1000, .max_poll_interval_ms = 4000, .max_poll_failures = 3});
  auto job = service_->Create(alice_, Request());
  ASSERT_TRUE(job.ok());
  for (int i = 0; i < 3; ++i) {
    provider_.get_failures.push_back(Status::Unauthenticated("sync.so rejected the API key"));
  }
  for (int i = 0; i < 3; ++i) {
    clock_.AdvanceSeconds(300);
    service_->PollDueJobs();
  }
  EXPECT_EQ(provider_.gets, 3);
  clock_.AdvanceSeconds(7 * 24 * 3600);
  service_->PollDueJobs();
  EXPECT_EQ(provider_.gets, 3) << "not polled again for a long time";
  EXPECT_EQ(catalog_->GetLipsyncJob(job->job_id)->status, "PENDING") << "and not called failed";
}

TEST_F(LipsyncServiceTest, CleanupForgetsOnlyTheCallersOldFinishedJobs) {
  auto mine = service_->Create(alice_, Request());
  auto theirs = service_->Create(bob_, Request());
  ASSERT_TRUE(mine.ok() && theirs.ok());
  ASSERT_TRUE(Webhook({.id = *mine->provider_job_id, .status = "FAILED"}).ok());
  ASSERT_TRUE(Webhook({.id = *theirs->provider_job_id, .status = "FAILED"}).ok());
  clock_.AdvanceSeconds(2 * 3600);
  EXPECT_EQ(*service_->Cleanup(alice_, 3), 0);
  EXPECT_EQ(*service_->Cleanup(alice_, 1), 1);
  EXPECT_EQ(service_->Get(alice_, mine->job_id, std::nullopt).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(service_->Get(bob_, theirs->job_id, std::nullopt).ok());
  EXPECT_EQ(service_->Cleanup(alice_, -1).status().field(), "hours_old");
}

}  // namespace
}  // namespace swha::service
