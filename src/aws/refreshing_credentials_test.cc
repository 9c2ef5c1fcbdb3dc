#include "aws/refreshing_credentials.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "metrics/registry.h"
#include "storage/http_transport_testing.h"
#include "storage/s3_client.h"

namespace swha::aws {
namespace {

constexpr int64_t kNow = 1700000000;

// Hands out a scripted sequence of fetch results and counts the fetches.
class ScriptedProvider : public CredentialProvider {
 public:
  void Push(Result<storage::CredentialsSnapshot> next) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(std::move(next));
  }
  Result<storage::CredentialsSnapshot> Fetch() override {
    std::lock_guard<std::mutex> lock(mu_);
    ++fetches_;
    if (script_.empty()) return Status::Unavailable("nothing scripted");
    auto next = std::move(script_.front());
    script_.pop_front();
    return next;
  }
  std::string_view source() const override { return kSourceAssumeRole; }
  int fetches() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<Result<storage::CredentialsSnapshot>> script_;
  int fetches_ = 0;
};

storage::CredentialsSnapshot Temporary(std::string id, int64_t expires_at) {
  return {{std::move(id), "secret", "token"}, expires_at};
}

TEST(RefreshDueAtTest, FiveMinutesAheadOrHalfTheLifetimeOfShortOnes) {
  EXPECT_EQ(RefreshDueAt(Temporary("a", kNow + 3600), kNow, 300), kNow + 3300);
  EXPECT_EQ(RefreshDueAt(Temporary("a", kNow + 60), kNow, 300), kNow + 30);
  EXPECT_EQ(RefreshDueAt(Temporary("a", kNow - 5), kNow, 300), kNow - 5);  // already expired
  EXPECT_EQ(RefreshDueAt({{"a", "b", ""}, std::nullopt}, kNow, 300), std::nullopt);
}

class RefreshingCredentialsTest : public ::testing::Test {
 protected:
  std::unique_ptr<RefreshingCredentials> Start() {
    auto owned = std::make_unique<ScriptedProvider>();
    provider_ = owned.get();
    provider_->Push(Temporary("FIRST", kNow + 3600));
    auto made = RefreshingCredentials::Start(std::move(owned), std::nullopt, &clock_,
                                             {.background = false}, &metrics_);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? std::move(*made) : nullptr;
  }
  double Refreshes(std::string_view outcome) {
    return metrics_.credential_refreshes->CounterFor({"assume-role", std::string(outcome)}).Value();
  }

  ManualClock clock_{kNow * 1000};
  metrics::Registry registry_;
  metrics::ServiceMetrics metrics_{&registry_};
  ScriptedProvider* provider_ = nullptr;
};

TEST_F(RefreshingCredentialsTest, NothingIsFetchedBeforeTheRefreshIsDue) {
  auto live = Start();
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->Current()->credentials.access_key_id, "FIRST");
  EXPECT_EQ(live->NextRefreshAt(), kNow + 3300);
  clock_.AdvanceSeconds(3299);
  EXPECT_FALSE(live->RefreshIfDue().has_value());
  EXPECT_EQ(provider_->fetches(), 1);
}

TEST_F(RefreshingCredentialsTest, DueCredentialsAreReplacedAndTheOldSnapshotStaysIntact) {
  auto live = Start();
  ASSERT_NE(live, nullptr);
  const auto before = live->Current();
  provider_->Push(Temporary("SECOND", kNow + 3300 + 3600));
  clock_.AdvanceSeconds(3300);
  ASSERT_TRUE(live->RefreshIfDue().value_or(Status::Internal("none")).ok());
  EXPECT_EQ(live->Current()->credentials.access_key_id, "SECOND");
  EXPECT_EQ(before->credentials.access_key_id, "FIRST");  // a signer still holding it is fine
  EXPECT_NE(live->Current(), before);
  // What a client that holds a snapshot asks per signature, without counting references.
  EXPECT_FALSE(live->IsCurrent(*before));
  EXPECT_TRUE(live->IsCurrent(*live->Current()));
  EXPECT_EQ(live->NextRefreshAt(), kNow + 3300 + 3300);
  EXPECT_EQ(Refreshes("success"), 1);
}

TEST_F(RefreshingCredentialsTest, AFailedRefreshKeepsTheLastGoodAndBacksOff) {
  auto live = Start();
  ASSERT_NE(live, nullptr);
  clock_.AdvanceSeconds(3300);
  provider_->Push(Status::Unavailable("STS is down"));
  provider_->Push(Status::Unavailable("STS is down"));
  ASSERT_FALSE(live->RefreshIfDue()->ok());
  EXPECT_EQ(live->Current()->credentials.access_key_id, "FIRST");
  EXPECT_EQ(live->LastError().message(), "STS is down");
  EXPECT_EQ(live->NextRefreshAt(), kNow + 3300 + 1);
  clock_.AdvanceSeconds(1);
  ASSERT_FALSE(live->RefreshIfDue()->ok());
  EXPECT_EQ(live->NextRefreshAt(), kNow + 3301 + 2);  // doubled
  clock_.AdvanceSeconds(2);
  provider_->Push(Temporary("THIRD", kNow + 7200));
  ASSERT_TRUE(live->RefreshIfDue().value_or(Status::Internal("none")).ok());
  EXPECT_EQ(live->Current()->credentials.access_key_id, "THIRD");
  EXPECT_TRUE(live->LastError().ok());
  EXPECT_EQ(Refreshes("failed"), 2);
  EXPECT_EQ(Refreshes("success"), 1);
}

// IMDS hands out the same set until shortly before it expires: fetching it again is no reason
// to fetch at once again.
TEST_F(RefreshingCredentialsTest, CredentialsThatExpireNoLaterBackOffInsteadOfLooping) {
  auto live = Start();
  ASSERT_NE(live, nullptr);
  clock_.AdvanceSeconds(3300);
  provider_->Push(Temporary("FIRST", kNow + 3600));
  ASSERT_TRUE(live->RefreshIfDue().value_or(Status::Internal("none")).ok());
  EXPECT_EQ(live->NextRefreshAt(), kNow + 3300 + 1);
  clock_.AdvanceSeconds(1);
  provider_->Push(Temporary("FIRST", kNow + 3600));
  ASSERT_TRUE(live->RefreshIfDue().has_value());
  EXPECT_EQ(live->NextRefreshAt(), kNow + 3301 + 2);
  EXPECT_FALSE(live->RefreshIfDue().has_value());
  EXPECT_EQ(provider_->fetches(), 3);
}

TEST_F(RefreshingCredentialsTest, AFirstFetchThatFailsIsTheStartsFailure) {
  auto owned = std::make_unique<ScriptedProvider>();
  owned->Push(Status::Unauthenticated("the instance has no IAM role"));
  auto made = RefreshingCredentials::Start(std::move(owned), std::nullopt, &clock_);
  EXPECT_EQ(made.status().code(), StatusCode::kUnauthenticated);
}

// The service's way: a source that fails at start-up is kept and asked again; meanwhile the
// credentials are empty (nothing signs) and the failure is reported.
TEST_F(RefreshingCredentialsTest, StartingWithoutCredentialsKeepsTrying) {
  auto owned = std::make_unique<ScriptedProvider>();
  ScriptedProvider* provider = owned.get();
  owned->Push(Status::Unavailable("STS is down"));
  auto made = RefreshingCredentials::Start(std::move(owned), std::nullopt, &clock_,
                                           {.background = false, .start_without_credentials = true},
                                           &metrics_);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  RefreshingCredentials& live = **made;
  EXPECT_TRUE(live.Current()->credentials.access_key_id.empty());
  const auto empty = live.Current();
  EXPECT_TRUE(live.IsCurrent(*empty));
  EXPECT_EQ(live.LastError().message(), "STS is down");
  EXPECT_EQ(live.NextRefreshAt(), kNow + 1);
  clock_.AdvanceSeconds(1);
  provider->Push(Temporary("LATE", kNow + 3600));
  ASSERT_TRUE(live.RefreshIfDue().value_or(Status::Internal("none")).ok());
  EXPECT_EQ(live.Current()->credentials.access_key_id, "LATE");
  EXPECT_FALSE(live.IsCurrent(*empty));
  EXPECT_TRUE(live.IsCurrent(*live.Current()));
  EXPECT_TRUE(live.LastError().ok());
}

// Threads presigning with one client while its credentials are refreshed (S3Client keeps the
// signer per thread and asks IsCurrent per URL): every URL is signed with the old credentials
// or the new, and every URL begun after the refresh returned, with the new. The test suite's
// ThreadSanitizer build runs it too.
TEST_F(RefreshingCredentialsTest, ThreadsPresigningThroughARefreshSwitchToTheNewCredentials) {
  std::shared_ptr<RefreshingCredentials> live = Start();
  ASSERT_NE(live, nullptr);
  storage::S3ClientConfig config;
  config.bucket = "b";
  config.endpoint_url = "http://127.0.0.1:9000";
  config.credentials_source = live;
  storage::FakeTransport transport;
  auto client = storage::S3Client::Create(config, &transport, &clock_);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  constexpr int kThreads = 3;
  constexpr int kUrlsAfter = 300;
  std::atomic<bool> refreshed{false};
  std::atomic<int> urls_before{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int after = 0; after < kUrlsAfter;) {
        const bool was_refreshed = refreshed.load();
        auto url = (*client)->PresignGet("a.wav", 60);
        const bool first = url.ok() && url->find("Credential=FIRST%2F") != std::string::npos;
        const bool second = url.ok() && url->find("Credential=SECOND%2F") != std::string::npos;
        if (was_refreshed ? !second : !(first || second)) wrong.fetch_add(1);
        if (was_refreshed) {
          ++after;
        } else {
          urls_before.fetch_add(1);
        }
      }
    });
  }
  while (urls_before.load() < 100 * kThreads) std::this_thread::yield();
  provider_->Push(Temporary("SECOND", kNow + 3300 + 3600));
  clock_.AdvanceSeconds(3300);
  EXPECT_TRUE(live->RefreshIfDue().value_or(Status::Internal("none")).ok());
  refreshed.store(true);
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// With the real clock and the background thread: credentials that last 2 s are replaced
// after about 1 s, without anyone asking.
TEST(RefreshingCredentialsBackgroundTest, ShortLivedCredentialsAreRefreshedUnasked) {
  auto owned = std::make_unique<ScriptedProvider>();
  ScriptedProvider* provider = owned.get();
  const int64_t now = Clock::Real()->NowUnixSeconds();
  provider->Push(Temporary("FIRST", now + 2));
  for (int i = 0; i < 10; ++i) provider->Push(Temporary("LATER", now + 600));
  auto made = RefreshingCredentials::Start(std::move(owned), std::nullopt, Clock::Real());
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((*made)->Current()->credentials.access_key_id == "FIRST" &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ((*made)->Current()->credentials.access_key_id, "LATER");
  EXPECT_EQ(provider->fetches(), 2);
}

}  // namespace
}  // namespace swha::aws
