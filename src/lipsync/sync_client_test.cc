#include "lipsync/sync_client.h"

#include <gtest/gtest.h>

#include "storage/http_transport_testing.h"

namespace swha::lipsync {
namespace {

using storage::FakeTransport;
using storage::HeaderOf;
using storage::Reply;

constexpr std::string_view kKey = "sk-test-77c1e0";
constexpr std::string_view kJob =
    R"({"id":"job-1","createdAt":"2026-11-30T10:00:00Z","status":"PENDING","model":"lipsync-2",)"
    R"("outputUrl":null,"outputDuration":null,"error":null,"error_code":null})";

class SyncClientTest : public ::testing::Test {
 protected:
  SyncClientTest() {
    RetryPolicy retry;
    retry.max_attempts = 3;
    retry.random = [] { return 0.5; };
    retry.sleep = [this](double s) { sleeps_.push_back(s); };
    client_ = NewSyncClient({.base_url = "http://sync.test"}, &transport_, retry);
  }
  FakeTransport transport_;
  std::vector<double> sleeps_;
  std::unique_ptr<LipsyncProvider> client_;
};

TEST_F(SyncClientTest, CreateSendsTheKeyIdempotencyKeyAndBody) {
  transport_.Push(Reply(201, std::string(kJob)));
  auto job = client_->Create(kKey, "swha-abc", R"({"model":"lipsync-2"})");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->id, "job-1");
  EXPECT_EQ(job->status, "PENDING");
  EXPECT_FALSE(job->output_url.has_value());
  ASSERT_EQ(transport_.requests().size(), 1u);
  const auto& sent = transport_.requests()[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://sync.test/v2/generate");
  EXPECT_EQ(HeaderOf(sent, "x-api-key"), kKey);
  EXPECT_EQ(HeaderOf(sent, "Idempotency-Key"), "swha-abc");
  EXPECT_EQ(HeaderOf(sent, "Content-Type"), "application/json");
  EXPECT_EQ(sent.body, R"({"model":"lipsync-2"})");
}

TEST_F(SyncClientTest, GetReadsACompletedJob) {
  transport_.Push(Reply(200, R"({"id":"job/1","status":"COMPLETED","outputUrl":"https://o/x.mp4",)"
                             R"("outputDuration":3.25,"error":null,"error_code":null})"));
  auto job = client_->Get(kKey, "job/1");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(transport_.requests()[0].url, "http://sync.test/v2/generate/job%2F1");
  EXPECT_EQ(job->output_url, "https://o/x.mp4");
  EXPECT_EQ(job->output_duration, 3.25);
}

TEST_F(SyncClientTest, RetriesRateLimitsAndServerErrorsWithTheSameIdempotencyKey) {
  transport_.Push(Reply(429, R"({"statusCode":429,"errorCode":"rate_limit_exceeded"})",
                        {{"retry-after", "3"}}));
  transport_.Push(Reply(503, "oops"));
  transport_.Push(Reply(201, std::string(kJob)));
  auto job = client_->Create(kKey, "swha-abc", "{}");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_EQ(transport_.requests().size(), 3u);
  for (const auto& r : transport_.requests()) EXPECT_EQ(HeaderOf(r, "Idempotency-Key"), "swha-abc");
  // Retry-After (3 s) outweighs the back-off (0.5 * 1 s); then 0.5 * 2 s.
  EXPECT_EQ(sleeps_, (std::vector<double>{3.0, 1.0}));
}

TEST_F(SyncClientTest, ALostConnectionIsRetried) {
  transport_.Push(Status::Unavailable("POST http://sync.test/v2/generate: timed out"));
  transport_.Push(Reply(201, std::string(kJob)));
  EXPECT_TRUE(client_->Create(kKey, "swha-abc", "{}").ok());
  EXPECT_EQ(transport_.requests().size(), 2u);
}

TEST_F(SyncClientTest, ProviderAnswersBecomeFittingStatuses) {
  struct Case {
    int http;
    std::string body;
    storage::HttpHeaders headers;
    StatusCode code;
    std::string says;
    size_t attempts;
  };
  const std::vector<Case> cases = {
      {401,
       R"({"statusCode":401,"message":"Invalid key sk-test-77c1e0"})",
       {},
       StatusCode::kUnauthenticated,
       "sync.so rejected the API key",
       1},
      {402,
       R"({"statusCode":402,"errorCode":"payment_required","message":"add credits"})",
       {},
       StatusCode::kPaymentRequired,
       "payment_required: add credits",
       1},
      {400,
       R"({"statusCode":400,"message":"bad url for sk-test-77c1e0"})",
       {},
       StatusCode::kInvalidArgument,
       "bad url for <redacted>",
       1},
      {404, R"({"statusCode":404})", {}, StatusCode::kNotFound, "no such job", 1},
      {429,
       R"({"statusCode":429,"errorCode":"rate_limit_exceeded","message":"slow down"})",
       {{"retry-after", "2"}},
       StatusCode::kRateLimited,
       "retry after 2 s",
       3},
      {502, "<html>", {}, StatusCode::kBadGateway, "sync.so failed (HTTP 502)", 3},
  };
  for (const Case& c : cases) {
    FakeTransport transport;
    for (int i = 0; i < 3; ++i) transport.Push(Reply(c.http, c.body, c.headers));
    RetryPolicy retry;
    retry.sleep = [](double) {};
    auto client = NewSyncClient({.base_url = "http://sync.test"}, &transport, retry);
    auto r = client->Get(kKey, "job-1");
    ASSERT_FALSE(r.ok()) << c.http;
    EXPECT_EQ(r.status().code(), c.code) << c.http;
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find(kKey), std::string::npos) << "the key is never echoed";
    EXPECT_EQ(transport.requests().size(), c.attempts) << c.http;
    if (c.code == StatusCode::kRateLimited) {
      EXPECT_EQ(r.status().retry_after_seconds(), 2);
    }
  }
}

TEST_F(SyncClientTest, FaultsOfOursOrTheConfigurationBlameNoCaller) {
  transport_.Push(Reply(404, R"({"statusCode":404,"message":"Cannot POST /v2/generate"})"));
  EXPECT_EQ(client_->Create(kKey, "swha-abc", "{}").status().code(), StatusCode::kBadGateway);
  transport_.Push(Status::InvalidArgument("POST http://sync.test/v2/generate: malformed URL"));
  auto r = client_->Create(kKey, "swha-abc", "{}");
  EXPECT_EQ(r.status().code(), StatusCode::kInternal) << r.status().ToString();
}

TEST_F(SyncClientTest, ALongRetryAfterIsHandedBackInsteadOfWaited) {
  transport_.Push(Reply(429, "{}", {{"retry-after", "60"}}));
  auto r = client_->Create(kKey, "swha-abc", "{}");
  ASSERT_EQ(r.status().code(), StatusCode::kRateLimited);
  EXPECT_EQ(r.status().retry_after_seconds(), 60);
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_EQ(transport_.requests().size(), 1u);
}

TEST_F(SyncClientTest, AnAnswerThatIsNotAJobIsABadGateway) {
  transport_.Push(Reply(200, "not json"));
  EXPECT_EQ(client_->Get(kKey, "j").status().code(), StatusCode::kBadGateway);
  transport_.Push(Reply(200, R"({"status":"PENDING"})"));
  EXPECT_EQ(client_->Get(kKey, "j").status().code(), StatusCode::kBadGateway);
}

TEST(SyncClientConfigTest, ValidatesTheBaseUrl) {
  EXPECT_TRUE(SyncClientConfig{}.Validate().ok());
  EXPECT_EQ(SyncClientConfig{.base_url = "ftp://x"}.Validate().field(), "SYNC_API_BASE_URL");
  EXPECT_EQ(SyncClientConfig{.base_url = "https://x/"}.Validate().field(), "SYNC_API_BASE_URL");
}

}  // namespace
}  // namespace swha::lipsync
