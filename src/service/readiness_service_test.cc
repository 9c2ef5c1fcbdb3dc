#include "service/readiness_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>

#include "catalog/catalog_wrapper.h"
#include "storage/audio_store.h"
#include "util/file_system.h"

namespace swha::service {
namespace {

// Counts pings, and fails them with a message that holds a connection string while `down`.
class PingCatalog : public catalog::CatalogWrapper {
 public:
  using CatalogWrapper::CatalogWrapper;
  Status Ping() override {
    ++pings;
    if (down) {
      return Status::Unavailable(
          "could not connect to postgresql://swha:hunter2@db.internal:5432/swha");
    }
    return CatalogWrapper::Ping();
  }
  std::atomic<int> pings{0};
  std::atomic<bool> down{false};
};

class ReadinessServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-ready-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    auto sqlite = catalog::OpenSqliteCatalog(root_ + "/swha.db");
    ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
    sqlite_ = std::move(*sqlite);
    catalog_ = std::make_unique<PingCatalog>(sqlite_.get());
    local_ = std::make_unique<storage::AudioStore>(FileSystem::Default(), root_ + "/audio");
    backends_.local = local_.get();
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }

  static const ReadinessCheck* Find(const Readiness& r, std::string_view name) {
    for (const ReadinessCheck& c : r.checks) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }

  void Advance(int64_t ms) { clock_.SetUnixMillis(clock_.NowUnixMillis() + ms); }

  std::string root_;
  std::unique_ptr<catalog::Catalog> sqlite_;
  std::unique_ptr<PingCatalog> catalog_;
  std::unique_ptr<storage::AudioStore> local_;
  StorageBackends backends_;
  ManualClock clock_{1'700'000'000'000};
};

TEST_F(ReadinessServiceTest, ReadyWhenTheCatalogAnswersAndTheAudioDirectoryTakesAWrite) {
  ReadinessService readiness(catalog_.get(), &backends_, &clock_);
  const Readiness r = readiness.Check();
  EXPECT_TRUE(r.ready);
  EXPECT_FALSE(r.stopping);
  ASSERT_EQ(r.checks.size(), 2u);
  ASSERT_NE(Find(r, "catalog"), nullptr);
  EXPECT_TRUE(Find(r, "catalog")->ok);
  ASSERT_NE(Find(r, "audio_dir"), nullptr);
  EXPECT_TRUE(Find(r, "audio_dir")->ok);
  // The probe created the audio directory and left nothing in it.
  auto left = FileSystem::Default()->ListDir(root_ + "/audio");
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_TRUE(left->empty());
}

TEST_F(ReadinessServiceTest, ADatabaseThatDoesNotAnswerIsNotReadyAndItsMessageStaysInTheLog) {
  catalog_->down = true;
  ReadinessService readiness(catalog_.get(), &backends_, &clock_);
  const Readiness r = readiness.Check();
  EXPECT_FALSE(r.ready);
  EXPECT_FALSE(r.stopping);
  const ReadinessCheck* c = Find(r, "catalog");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->detail, "the database does not answer");
  EXPECT_TRUE(Find(r, "audio_dir")->ok);
}

TEST_F(ReadinessServiceTest, AnAudioDirectoryThatCannotBeWrittenIsNotReady) {
  // A regular file where the directory should be: mkdir and every write below it fail.
  ASSERT_TRUE(FileSystem::Default()
                  ->WriteFileAtomic(root_ + "/audio", "not a directory", Durability::kNoSync)
                  .ok());
  ReadinessService readiness(catalog_.get(), &backends_, &clock_);
  const Readiness r = readiness.Check();
  EXPECT_FALSE(r.ready);
  const ReadinessCheck* c = Find(r, "audio_dir");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->detail.find(root_), std::string::npos) << "a path in an unauthenticated answer";
}

TEST_F(ReadinessServiceTest, OneAnswerServesForASecondThenTheChecksRunAgain) {
  ReadinessService readiness(catalog_.get(), &backends_, &clock_);
  EXPECT_TRUE(readiness.Check().ready);
  EXPECT_TRUE(readiness.Check().ready);
  EXPECT_EQ(catalog_->pings.load(), 1);
  catalog_->down = true;
  Advance(kReadinessReuseMs - 1);
  EXPECT_TRUE(readiness.Check().ready) << "reused";
  EXPECT_EQ(catalog_->pings.load(), 1);
  Advance(1);
  EXPECT_FALSE(readiness.Check().ready) << "checked again";
  EXPECT_EQ(catalog_->pings.load(), 2);
  catalog_->down = false;
  Advance(kReadinessReuseMs);
  EXPECT_TRUE(readiness.Check().ready) << "recovered";
}

TEST_F(ReadinessServiceTest, StoppingIsNotReadyAndChecksNothing) {
  ReadinessService readiness(catalog_.get(), &backends_, &clock_);
  readiness.MarkStopping();
  const Readiness r = readiness.Check();
  EXPECT_FALSE(r.ready);
  EXPECT_TRUE(r.stopping);
  EXPECT_TRUE(r.checks.empty());
  EXPECT_EQ(catalog_->pings.load(), 0);
}

TEST_F(ReadinessServiceTest, S3ThatCouldNotBeSetUpIsNotReady) {
  backends_.use_s3_storage = true;
  backends_.s3_setup_error = "no credentials in /root/.aws/credentials";
  ReadinessService readiness(catalog_.get(), &backends_, &clock_);
  const Readiness r = readiness.Check();
  EXPECT_FALSE(r.ready);
  const ReadinessCheck* c = Find(r, "s3");
  ASSERT_NE(c, nullptr);
  EXPECT_FALSE(c->ok);
  EXPECT_EQ(c->detail.find("/root"), std::string::npos);
}

}  // namespace
}  // namespace swha::service
