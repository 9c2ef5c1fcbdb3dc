// S3Client with credentials that change: it signs with whatever the source hands out now, and
// never presigns a URL that outlives the credentials that sign it.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "storage/http_transport_testing.h"
#include "storage/s3_client.h"

namespace swha::storage {
namespace {

constexpr int64_t kNow = 1795496553;  // 2026-11-24T05:02:33Z

// A source whose credentials the test replaces, as a refresh would.
class SwappableSource : public CredentialsSource {
 public:
  explicit SwappableSource(CredentialsSnapshot first) { Set(std::move(first)); }
  void Set(CredentialsSnapshot next) {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::make_shared<const CredentialsSnapshot>(std::move(next));
  }
  std::shared_ptr<const CredentialsSnapshot> Current() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const CredentialsSnapshot> current_;
};

class S3ClientCredentialsTest : public ::testing::Test {
 protected:
  std::unique_ptr<S3Client> Make() {
    S3ClientConfig c;
    c.bucket = "b";
    c.endpoint_url = "http://127.0.0.1:9000";
    c.credentials_source = source_;
    auto client = S3Client::Create(std::move(c), &transport_, &clock_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  ManualClock clock_{kNow * 1000};
  FakeTransport transport_;
  std::shared_ptr<SwappableSource> source_ = std::make_shared<SwappableSource>(
      CredentialsSnapshot{{"ASIAFIRST", "first", "token-1"}, kNow + 600});
};

TEST_F(S3ClientCredentialsTest, EachRequestIsSignedWithTheCredentialsInForce) {
  auto client = Make();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->HeadBucket().ok());
  source_->Set({{"ASIASECOND", "second", "token-2"}, kNow + 3600});
  ASSERT_TRUE(client->HeadBucket().ok());
  ASSERT_EQ(transport_.requests().size(), 2u);
  EXPECT_NE(HeaderOf(transport_.requests()[0], "Authorization").find("Credential=ASIAFIRST/"),
            std::string::npos);
  EXPECT_EQ(HeaderOf(transport_.requests()[0], "x-amz-security-token"), "token-1");
  EXPECT_NE(HeaderOf(transport_.requests()[1], "Authorization").find("Credential=ASIASECOND/"),
            std::string::npos);
  EXPECT_EQ(HeaderOf(transport_.requests()[1], "x-amz-security-token"), "token-2");
  EXPECT_EQ(client->CredentialsExpireAt(), kNow + 3600);
}

TEST_F(S3ClientCredentialsTest, APresignedUrlIsCutToTheCredentialsExpiry) {
  auto client = Make();
  ASSERT_NE(client, nullptr);
  int64_t expires_at = 0;
  auto url = client->PresignGet("a/b.wav", 3600, &expires_at);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_NE(url->find("X-Amz-Expires=600&"), std::string::npos) << *url;
  EXPECT_NE(url->find("X-Amz-Security-Token=token-1"), std::string::npos) << *url;
  EXPECT_EQ(expires_at, kNow + 600);
  // Shorter than the credentials: as asked.
  url = client->PresignGet("a/b.wav", 60, &expires_at);
  ASSERT_TRUE(url.ok());
  EXPECT_NE(url->find("X-Amz-Expires=60&"), std::string::npos) << *url;
  EXPECT_EQ(expires_at, kNow + 60);
}

TEST_F(S3ClientCredentialsTest, ExpiredCredentialsPresignNothing) {
  auto client = Make();
  ASSERT_NE(client, nullptr);
  clock_.AdvanceSeconds(600);
  auto url = client->PresignGet("a/b.wav", 3600);
  EXPECT_EQ(url.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(url.status().message().find("expired"), std::string::npos);
}

TEST_F(S3ClientCredentialsTest, WithoutCredentialsYetNothingIsSentOrSigned) {
  source_->Set({});
  auto client = Make();
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->HeadBucket().code(), StatusCode::kUnavailable);
  EXPECT_EQ(client->PresignGet("a/b.wav", 60).status().code(), StatusCode::kUnavailable);
  EXPECT_NE(client->HeadBucket().message().find("no AWS credentials yet"), std::string::npos);
  EXPECT_TRUE(transport_.requests().empty());
}

TEST_F(S3ClientCredentialsTest, LongTermKeysPresignForAsLongAsAsked) {
  source_->Set({{"AKIDLONG", "long", ""}, std::nullopt});
  auto client = Make();
  ASSERT_NE(client, nullptr);
  int64_t expires_at = 0;
  auto url = client->PresignGet("a/b.wav", 604800, &expires_at);
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(expires_at, kNow + 604800);
  EXPECT_EQ(url->find("X-Amz-Security-Token"), std::string::npos);
  EXPECT_EQ(client->CredentialsExpireAt(), std::nullopt);
}

// Each thread keeps what it presigned with last, for the client it last served. A swap of the
// credentials, another client taking turns on the thread, another method, and a client made
// after the first is gone (perhaps at its address) each still sign as a client made afresh.
TEST_F(S3ClientCredentialsTest, PresignedUrlsFollowTheCredentialsTheClientAndTheMethod) {
  auto first = Make();
  ASSERT_NE(first, nullptr);
  auto url = first->PresignGet("a.wav", 60);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_NE(url->find("Credential=ASIAFIRST%2F"), std::string::npos) << *url;
  source_->Set({{"ASIASECOND", "second", "token-2"}, kNow + 3600});
  url = first->PresignGet("a.wav", 60);
  ASSERT_TRUE(url.ok());
  EXPECT_NE(url->find("Credential=ASIASECOND%2F"), std::string::npos) << *url;
  EXPECT_NE(url->find("X-Amz-Security-Token=token-2"), std::string::npos) << *url;

  auto made_with = [this](std::string bucket, AwsCredentials keys) {
    S3ClientConfig c;
    c.bucket = std::move(bucket);
    c.endpoint_url = "http://127.0.0.1:9000";
    c.credentials = std::move(keys);
    auto client = S3Client::Create(std::move(c), &transport_, &clock_);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  };
  auto other = made_with("other", {"AKIDOTHER", "other-secret", ""});
  ASSERT_NE(other, nullptr);
  std::vector<std::string> gets;
  for (int turn = 0; turn < 2; ++turn) {
    auto mine = first->PresignGet("a.wav", 60);
    auto theirs = other->PresignGet("a.wav", 60);
    ASSERT_TRUE(mine.ok() && theirs.ok());
    EXPECT_NE(mine->find("/b/a.wav?"), std::string::npos) << *mine;
    EXPECT_NE(mine->find("Credential=ASIASECOND%2F"), std::string::npos) << *mine;
    EXPECT_NE(theirs->find("/other/a.wav?"), std::string::npos) << *theirs;
    EXPECT_NE(theirs->find("Credential=AKIDOTHER%2F"), std::string::npos) << *theirs;
    EXPECT_EQ(theirs->find("X-Amz-Security-Token"), std::string::npos) << *theirs;
    gets.push_back(*mine);
  }
  EXPECT_EQ(gets[0], gets[1]);

  auto put = first->PresignPut("a.wav", 60);
  ASSERT_TRUE(put.ok());
  EXPECT_NE(*put, gets[0]);
  EXPECT_EQ(first->PresignGet("a.wav", 60).value(), gets[0]);
  EXPECT_EQ(first->PresignPut("a.wav", 60).value(), *put);

  first.reset();
  auto later = made_with("b", {"AKIDLATER", "later-secret", ""});
  ASSERT_NE(later, nullptr);
  url = later->PresignGet("a.wav", 60);
  ASSERT_TRUE(url.ok());
  EXPECT_NE(url->find("Credential=AKIDLATER%2F"), std::string::npos) << *url;
  EXPECT_EQ(url->find("X-Amz-Security-Token"), std::string::npos) << *url;
}

// A clock whose coarse second lags its exact one by a whole second, as a coarse reading can just
// after a second begins (by a tick, there).
class LaggingCoarseClock : public ManualClock {
 public:
  using ManualClock::ManualClock;
  int64_t NowUnixSecondsCoarse() const override { return NowUnixSeconds() - 1; }
};

// A presigned URL's date and the expiry reported beside it come from one coarse reading, so the
// expiry reported is the one S3 enforces.
TEST(S3ClientPresignClockTest, TheUrlsDateAndItsReportedExpiryAreOneReading) {
  LaggingCoarseClock clock(kNow * 1000);
  FakeTransport transport;
  S3ClientConfig c;
  c.bucket = "b";
  c.endpoint_url = "http://127.0.0.1:9000";
  c.credentials = {"AKIDLONG", "long", ""};
  auto client = S3Client::Create(std::move(c), &transport, &clock);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  int64_t expires_at = 0;
  auto url = (*client)->PresignGet("a.wav", 60, &expires_at);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_NE(url->find("X-Amz-Date=20261124T050232Z&"), std::string::npos) << *url;  // kNow - 1
  EXPECT_EQ(expires_at, kNow - 1 + 60);
}

}  // namespace
}  // namespace swha::storage
