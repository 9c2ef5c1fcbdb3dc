#include "service/upload_outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <mutex>

#include "catalog/catalog_wrapper.h"
#include "service/session_removal.h"
#include "service/session_service.h"
#include "storage/http_transport_testing.h"
#include "storage/s3_audio_store.h"
#include "storage/s3_audio_store_testing.h"
#include "util/crypto.h"
#include "util/file_system.h"

namespace swha::service {
namespace {

using storage::MemoryS3;

const std::string kSession = "1795496553000_anonymous_0123456789abcdef0123456789abcdef";
const std::string kOtherSession = "1795496553001_anonymous_0123456789abcdef0123456789abcdee";

class UploadOutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-outbox-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    auto sqlite = catalog::OpenSqliteCatalog(root_ + "/swha.db");
    ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
    catalog_ = std::move(*sqlite);
    local_ = std::make_unique<storage::AudioStore>(FileSystem::Default(), root_ + "/audio");
    store_ = storage::MakeTestS3AudioStore(
        &s3_, local_.get(), &clock_,
        storage::S3AudioStoreOptions{.recheck_after_seconds = 1, .keep_local_copy = false});
    ASSERT_NE(store_, nullptr);
    backends_ = {.local = local_.get(), .use_s3_storage = true, .s3 = store_.get()};
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }

  // A two-segment session generated while S3 was down: stored locally, queued, recorded.
  std::string RecordOutageSession(const std::string& session_id) {
    s3_.down = true;
    std::vector<storage::SegmentFile> files;
    for (int i = 0; i < 2; ++i) {
      storage::SegmentFile f{.filename = "segment_00" + std::to_string(i) + ".wav",
                             .bytes = "RIFF audio of " + session_id + " #" + std::to_string(i)};
      if (i == 1) f.marks_json = R"([{"time":0,"type":"word","value":"x"}])";
      f.sha256_hex = crypto::HexEncode(crypto::Sha256(f.bytes));
      files.push_back(std::move(f));
    }
    const storage::SessionDescription description{.owner = "anonymous",
                                                  .session_id = session_id,
                                                  .voice = "af_heart",
                                                  .language_code = "a",
                                                  .graphemes = {"one", "two"}};
    auto stored = store_->Store(description, files);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    catalog::SessionRecord record{.session_id = session_id,
                                  .owner = "anonymous",
                                  .created_at_ms = clock_.NowUnixMillis(),
                                  .voice = "af_heart",
                                  .language_code = "a",
                                  .split_pattern = "\n+"};
    for (size_t i = 0; i < files.size(); ++i) {
      const storage::StoredSegment& seg = stored->segments[i];
      EXPECT_TRUE(seg.upload_pending);
      EXPECT_EQ(seg.location, storage::Location::kLocal);
      record.segments.push_back({.index = static_cast<int>(i),
                                 .filename = files[i].filename,
                                 .graphemes = description.graphemes[i],
                                 .byte_size = static_cast<int64_t>(files[i].bytes.size()),
                                 .sha256_hex = files[i].sha256_hex,
                                 .location = seg.location,
                                 .marks_filename = seg.marks_filename,
                                 .upload_pending = seg.upload_pending});
    }
    EXPECT_TRUE(catalog_->RecordSession(record).ok());
    s3_.down = false;
    clock_.AdvanceSeconds(2);  // past S3_RECHECK_SECONDS: S3 is tried again
    return session_id;
  }

  UploadOutbox MakeOutbox(std::string instance = "instance-a", bool keep_local_copy = false) {
    return UploadOutbox(
        UploadOutboxConfig{.poll_interval_ms = 1000, .keep_local_copy = keep_local_copy},
        catalog_.get(), &backends_, &clock_, std::move(instance), nullptr);
  }

  // kSession's two segments: still queued, recorded as local, their files in place.
  void ExpectBothStillQueuedAndLocal() {
    EXPECT_EQ(Depth(), 2);
    auto session = catalog_->GetSession(kSession);
    ASSERT_TRUE(session.ok());
    for (const catalog::SegmentRecord& seg : session->segments) {
      EXPECT_EQ(seg.location, storage::Location::kLocal) << seg.filename;
      EXPECT_TRUE(
          FileSystem::Default()->Stat(root_ + "/audio/" + kSession + "/" + seg.filename).ok())
          << seg.filename;
    }
  }

  int64_t Depth() {
    auto q = catalog_->UploadQueue();
    EXPECT_TRUE(q.ok());
    return q.ok() ? q->depth : -1;
  }

  std::string root_;
  ManualClock clock_{1'795'496'553'000};
  MemoryS3 s3_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<storage::AudioStore> local_;
  std::unique_ptr<storage::S3AudioStore> store_;
  StorageBackends backends_;
};

TEST_F(UploadOutboxTest, QueuedSegmentsGoToS3ThenTheCatalogThenTheLocalCopiesGo) {
  RecordOutageSession(kSession);
  EXPECT_EQ(Depth(), 2);
  UploadOutbox outbox = MakeOutbox();
  EXPECT_EQ(outbox.RunOnce(), 2);
  EXPECT_EQ(Depth(), 0);

  const auto objects = s3_.objects();
  const std::string prefix = "/audio-bucket/audio/anonymous/" + kSession + "/";
  ASSERT_TRUE(objects.contains(prefix + "segment_000.wav"));
  EXPECT_EQ(objects.at(prefix + "segment_000.wav"), "RIFF audio of " + kSession + " #0");
  EXPECT_TRUE(objects.contains(prefix + "segment_001.marks.json")) << "marks go with their audio";

  auto session = catalog_->GetSession(kSession);
  ASSERT_TRUE(session.ok());
  for (const catalog::SegmentRecord& seg : session->segments) {
    EXPECT_EQ(seg.location, storage::Location::kS3);
    EXPECT_EQ(seg.s3_key, "audio/anonymous/" + kSession + "/" + seg.filename);
  }
  EXPECT_FALSE(FileSystem::Default()->Stat(root_ + "/audio/" + kSession).ok())
      << "local copies left behind";
  EXPECT_EQ(outbox.RunOnce(), 0) << "nothing is left to do";
}

TEST_F(UploadOutboxTest, WithKeepLocalCopyBothCopiesStay) {
  RecordOutageSession(kSession);
  UploadOutbox outbox = MakeOutbox("instance-a", /*keep_local_copy=*/true);
  EXPECT_EQ(outbox.RunOnce(), 2);
  auto session = catalog_->GetSession(kSession);
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->segments[0].location, storage::Location::kLocalAndS3);
  EXPECT_TRUE(FileSystem::Default()->Stat(root_ + "/audio/" + kSession + "/segment_000.wav").ok());
}

TEST_F(UploadOutboxTest, WhileS3IsDownSegmentsStayQueuedAndLocalWithBackOff) {
  RecordOutageSession(kSession);
  s3_.down = true;
  UploadOutbox outbox = MakeOutbox();
  EXPECT_EQ(outbox.RunOnce(), 0);
  ExpectBothStillQueuedAndLocal();
  // Not due again at once: the first retry waits one poll interval.
  s3_.down = false;
  EXPECT_EQ(outbox.RunOnce(), 0);
  clock_.AdvanceSeconds(2);
  EXPECT_EQ(outbox.RunOnce(), 2);
  EXPECT_EQ(Depth(), 0);
}

TEST_F(UploadOutboxTest, AnUploadThatS3DidNotKeepWholeIsNotRecorded) {
  RecordOutageSession(kSession);
  s3_.tamper_heads = true;
  UploadOutbox outbox = MakeOutbox();
  EXPECT_EQ(outbox.RunOnce(), 0);
  ExpectBothStillQueuedAndLocal();  // the local copy is the only good one
}

TEST_F(UploadOutboxTest, ALocalCopyThatChangedIsNotSpreadToS3) {
  RecordOutageSession(kSession);
  ASSERT_TRUE(FileSystem::Default()
                  ->WriteFileAtomic(root_ + "/audio/" + kSession + "/segment_000.wav", "corrupted",
                                    Durability::kNoSync)
                  .ok());
  UploadOutbox outbox = MakeOutbox();
  EXPECT_EQ(outbox.RunOnce(), 1) << "only the intact segment";
  EXPECT_FALSE(
      s3_.objects().contains("/audio-bucket/audio/anonymous/" + kSession + "/segment_000.wav"));
  EXPECT_EQ(Depth(), 1);
}

TEST_F(UploadOutboxTest, ADeletedSessionLeavesTheQueueAndNothingInS3) {
  RecordOutageSession(kSession);
  ASSERT_TRUE(catalog_->DeleteSession(kSession).ok());
  EXPECT_EQ(Depth(), 0) << "its queue entries go with it";
  UploadOutbox outbox = MakeOutbox();
  EXPECT_EQ(outbox.RunOnce(), 0);
  EXPECT_TRUE(s3_.objects().empty());
}

// Deleted while its upload was under way: what was put in S3 is taken back.
class DeletingOnLookup : public catalog::CatalogWrapper {
 public:
  using CatalogWrapper::CatalogWrapper;
  Result<catalog::SessionRecord> GetSession(std::string_view id) override {
    auto session = CatalogWrapper::GetSession(id);
    if (session.ok()) {
      EXPECT_TRUE(CatalogWrapper::DeleteSession(id).ok());
    }
    return session;
  }
};

TEST_F(UploadOutboxTest, ASessionDeletedDuringItsUploadHasItsObjectsRemoved) {
  RecordOutageSession(kSession);
  DeletingOnLookup deleting(catalog_.get());
  UploadOutbox outbox(UploadOutboxConfig{.poll_interval_ms = 1000}, &deleting, &backends_, &clock_,
                      "instance-a", nullptr);
  EXPECT_EQ(outbox.RunOnce(), 0) << "dropped, not uploaded";
  EXPECT_GE(s3_.batch_deletes(), 1);
  EXPECT_TRUE(s3_.objects().empty()) << "the uploaded objects were not taken back";
}

TEST_F(UploadOutboxTest, TwoInstancesNeverTakeTheSameSegment) {
  RecordOutageSession(kSession);
  RecordOutageSession(kOtherSession);
  const int64_t now = clock_.NowUnixMillis();
  auto a = catalog_->LeaseDueUploads("a", now, now + 60'000, 3);
  auto b = catalog_->LeaseDueUploads("b", now, now + 60'000, 3);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 3u);
  EXPECT_EQ(b->size(), 1u) << "only what a did not take";
  for (const auto& x : *a) {
    for (const auto& y : *b) {
      EXPECT_FALSE(x.session_id == y.session_id && x.index == y.index);
    }
  }
  // Once a's lease runs out, its segments are due for anyone.
  auto c = catalog_->LeaseDueUploads("c", now + 60'000, now + 120'000, 10);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->size(), 4u);
}

TEST_F(UploadOutboxTest, AStoppingInstanceGivesBackWhatItLeasedAndDidNotTry) {
  RecordOutageSession(kSession);
  UploadOutbox outbox = MakeOutbox("instance-a");
  outbox.Stop();  // a shutdown that comes just after the lease
  EXPECT_EQ(outbox.RunOnce(), 0);
  ExpectBothStillQueuedAndLocal();
  // Free for another instance now, not in ten minutes; no attempt counted against them.
  const int64_t now = clock_.NowUnixMillis();
  auto taken = catalog_->LeaseDueUploads("instance-b", now, now + 60'000, 10);
  ASSERT_TRUE(taken.ok());
  ASSERT_EQ(taken->size(), 2u);
  for (const catalog::PendingUpload& item : *taken) EXPECT_EQ(item.attempts, 0);
  EXPECT_TRUE(s3_.objects().empty()) << "a stopped outbox tries nothing";
}

// Session removal (service/session_removal.h), on a session in S3 with its local copies.
class SessionRemovalTest : public UploadOutboxTest {
 protected:
  void SetUp() override {
    UploadOutboxTest::SetUp();
    remover_ = std::make_unique<SessionRemover>(
        SessionRemovalConfig{.retry_interval_ms = 1000, .claim_ms = 60'000}, catalog_.get(),
        &backends_, &clock_);
    RecordOutageSession(kSession);
    UploadOutbox outbox = MakeOutbox("instance-a", /*keep_local_copy=*/true);
    ASSERT_EQ(outbox.RunOnce(), 2);
    ASSERT_EQ(s3_.objects().size(), 3u);  // two segments and one marks file
  }
  bool AnyLocalFileLeft() const {
    const std::string dir = root_ + "/audio/" + kSession + "/";
    return std::ranges::any_of(
        std::vector<std::string>{"segment_000.wav", "segment_001.wav", "segment_001.marks.json"},
        [&](const std::string& file) { return FileSystem::Default()->Stat(dir + file).ok(); });
  }
  int64_t Pending() { return catalog_->RemovalQueue()->depth; }

  std::unique_ptr<SessionRemover> remover_;
};

// The fault the soak found: the gateway deleted the objects and died before answering. The
// session was put back then, naming objects that were gone. Now it stays deleted, and the
// removal is finished once S3 answers.
TEST_F(SessionRemovalTest, AnS3DeleteWhoseAnswerIsLostNeverBringsTheSessionBack) {
  s3_.lose_delete_answers = true;
  auto report = remover_->Remove(kSession);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->s3_failures.empty());
  EXPECT_FALSE(report->row_removed);
  EXPECT_TRUE(s3_.objects().empty()) << "S3 did act";
  EXPECT_EQ(report->local_files_removed, 3) << "the local copies go too: no row will name them";
  EXPECT_FALSE(AnyLocalFileLeft());
  EXPECT_EQ(catalog_->GetSession(kSession).status().code(), StatusCode::kNotFound)
      << "a row that names audio which may be gone is never served";
  EXPECT_EQ(Pending(), 1);

  s3_.lose_delete_answers = false;
  EXPECT_EQ(remover_->RunOnce(), 0) << "not due before its first retry";
  clock_.AdvanceSeconds(2);  // past the first retry and S3_RECHECK_SECONDS
  EXPECT_EQ(remover_->RunOnce(), 1);
  EXPECT_EQ(Pending(), 0);
  EXPECT_TRUE(catalog_->SessionsBeingRemoved()->empty());
}

// S3 down throughout the delete: deleted for its owner at once; the objects go once S3 is
// back, retried with a doubling wait.
TEST_F(SessionRemovalTest, ADeleteWhileS3IsDownFinishesOnceS3IsBack) {
  s3_.down = true;
  auto report = remover_->Remove(kSession);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->complete());
  EXPECT_EQ(s3_.objects().size(), 3u);
  EXPECT_FALSE(AnyLocalFileLeft());
  EXPECT_EQ(catalog_->GetSession(kSession).status().code(), StatusCode::kNotFound);

  clock_.AdvanceSeconds(1);
  EXPECT_EQ(remover_->RunOnce(), 0) << "still down";
  s3_.down = false;
  clock_.SetUnixMillis(clock_.NowUnixMillis() + 1999);
  EXPECT_EQ(remover_->RunOnce(), 0) << "S3 is back, but the second retry waits twice as long";
  clock_.SetUnixMillis(clock_.NowUnixMillis() + 1);
  EXPECT_EQ(remover_->RunOnce(), 1);
  EXPECT_TRUE(s3_.objects().empty());
  EXPECT_EQ(Pending(), 0);
}

// A crash between the mark and the end (here: the failed attempt cannot schedule its retry, as
// when the process dies there) leaves a marked row: taken up again once its claim has run out,
// and finished.
TEST_F(SessionRemovalTest, ARemovalCutShortByACrashIsFinishedAfterItsClaim) {
  class NoRetries : public catalog::CatalogWrapper {
   public:
    using CatalogWrapper::CatalogWrapper;
    Status RetrySessionRemovalLater(std::string_view, int64_t, std::string_view) override {
      return Status::Unavailable("injected: the process is gone");
    }
  } crashing(catalog_.get());
  const SessionRemover cut_short(
      SessionRemovalConfig{.retry_interval_ms = 1000, .claim_ms = 60'000}, &crashing, &backends_,
      &clock_);
  s3_.down = true;
  ASSERT_TRUE(cut_short.Remove(kSession).ok());
  s3_.down = false;
  EXPECT_EQ(catalog_->GetSession(kSession).status().code(), StatusCode::kNotFound);
  clock_.AdvanceSeconds(59);
  EXPECT_EQ(remover_->RunOnce(), 0) << "the first attempt may still be under way";
  clock_.AdvanceSeconds(1);
  EXPECT_EQ(remover_->RunOnce(), 1);
  EXPECT_TRUE(s3_.objects().empty());
  EXPECT_FALSE(AnyLocalFileLeft());
  EXPECT_EQ(Pending(), 0);
}

// A removal that begins while the outbox is uploading one of the session's segments: the
// upload cannot be recorded, and what it put in S3 is taken back.
class RemovingOnLookup : public catalog::CatalogWrapper {
 public:
  explicit RemovingOnLookup(catalog::Catalog* target, const Clock* clock)
      : CatalogWrapper(target), clock_(clock) {}
  Result<catalog::SessionRecord> GetSession(std::string_view id) override {
    auto session = CatalogWrapper::GetSession(id);
    if (session.ok()) {
      const int64_t now = clock_->NowUnixMillis();
      EXPECT_TRUE(CatalogWrapper::BeginSessionRemoval(id, now, now).ok());
    }
    return session;
  }

 private:
  const Clock* clock_;
};

TEST_F(UploadOutboxTest, ARemovalBegunDuringAnUploadTakesTheUploadBack) {
  RecordOutageSession(kSession);
  RemovingOnLookup removing(catalog_.get(), &clock_);
  UploadOutbox outbox(UploadOutboxConfig{.poll_interval_ms = 1000}, &removing, &backends_, &clock_,
                      "instance-a", nullptr);
  EXPECT_EQ(outbox.RunOnce(), 0) << "dropped, not uploaded";
  EXPECT_TRUE(s3_.objects().empty()) << "the uploaded objects were not taken back";
  SessionRemover remover(SessionRemovalConfig{.retry_interval_ms = 1000, .claim_ms = 60'000},
                         catalog_.get(), &backends_, &clock_);
  EXPECT_EQ(remover.RunOnce(), 1);
  EXPECT_TRUE(catalog_->SessionsBeingRemoved()->empty());
  EXPECT_FALSE(FileSystem::Default()->Stat(root_ + "/audio/" + kSession + "/segment_000.wav").ok());
}

// Audio no row names (a generate whose record failed) goes wherever it can, S3 down or not.
TEST_F(UploadOutboxTest, UnrecordedAudioLosesItsLocalCopiesEvenWhileS3IsDown) {
  RecordOutageSession(kSession);
  UploadOutbox outbox = MakeOutbox("instance-a", /*keep_local_copy=*/true);
  ASSERT_EQ(outbox.RunOnce(), 2);
  auto record = catalog_->GetSession(kSession);
  ASSERT_TRUE(record.ok());
  s3_.down = true;
  const DeleteReport report = RemoveStoredAudio(backends_, FromRecord(*record));
  EXPECT_FALSE(report.s3_failures.empty());
  EXPECT_EQ(report.local_files_removed, 3);
  EXPECT_FALSE(FileSystem::Default()->Stat(root_ + "/audio/" + kSession + "/segment_000.wav").ok());
}

// A signed local URL handed out before the outbox moved its segment to S3 (and removed the local
// copy) leads to the S3 copy, for no longer than the local URL was valid.
TEST_F(UploadOutboxTest, AMovedSegmentsLocalUrlFindsItsS3CopyUntilItExpires) {
  RecordOutageSession(kSession);
  UploadOutbox outbox = MakeOutbox();
  ASSERT_EQ(outbox.RunOnce(), 2);
  const UrlMinter minter(&backends_, &clock_);
  const SessionService sessions(&backends_, catalog_.get(), &minter, &clock_, 3600);
  const int64_t valid_until = clock_.NowUnixSeconds() + 90;

  auto audio = sessions.MovedLocalAudio(kSession, "segment_000.wav", valid_until);
  ASSERT_TRUE(audio.ok()) << audio.status().ToString();
  EXPECT_NE(audio->url.find("/audio-bucket/audio/anonymous/" + kSession + "/segment_000.wav?"),
            std::string::npos)
      << audio->url;
  EXPECT_NE(audio->url.find("X-Amz-Expires=90&"), std::string::npos) << audio->url;
  EXPECT_LE(audio->expires_at, valid_until);
  auto marks = sessions.MovedLocalAudio(kSession, "segment_001.marks.json", valid_until);
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  EXPECT_NE(marks->url.find("/segment_001.marks.json?"), std::string::npos) << marks->url;

  EXPECT_EQ(sessions.MovedLocalAudio(kSession, "segment_007.wav", valid_until).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(sessions.MovedLocalAudio(kOtherSession, "segment_000.wav", valid_until).status().code(),
            StatusCode::kNotFound);
  clock_.AdvanceSeconds(90);
  EXPECT_EQ(sessions.MovedLocalAudio(kSession, "segment_000.wav", valid_until).status().code(),
            StatusCode::kNotFound)
      << "the local URL's time is up";
}

}  // namespace
}  // namespace swha::service
