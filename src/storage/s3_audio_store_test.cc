#include "storage/s3_audio_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <tuple>

#include "storage/cloudfront_signer.h"
#include "storage/s3_audio_store_testing.h"
#include "storage/session_id.h"
#include "util/crypto.h"
#include "util/file_system.h"
#include "util/file_system_testing.h"
#include "util/rsa.h"

namespace swha::storage {
namespace {

constexpr int64_t kNow = 1'795'496'553;  // 2026-11-24T05:02:33Z

// An in-memory stand-in for S3's object PUT (everything else answers 200): it keeps what was
// put, by URL path, and fails on demand — every request (S3 down) or PUTs to matching paths.
class FakeS3 : public HttpTransport {
 public:
  Result<HttpResponse> Send(const HttpRequest& request) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++requests_;
    if (hang_next_put_ && request.method == "PUT") {
      hang_next_put_ = false;
      released_.wait(lock, [this] { return release_; });
      down_ = true;  // it went away while the PUT was in flight
    }
    if (down_) return Status::Unavailable("connect " + RedactUrl(request.url) + ": refused");
    HttpResponse r;
    const std::string path = RedactUrl(request.url);
    if (request.method == "PUT" && throttled_puts_ > 0) {
      --throttled_puts_;
      r.status = 503;
      r.body =
          "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
          "</Error>";
      return r;
    }
    if (request.method == "PUT" && !fail_puts_containing_.empty() &&
        path.find(fail_puts_containing_) != std::string::npos) {
      r.status = fail_status_;
      const char* code = fail_status_ == 400   ? "ExpiredToken"
                         : fail_status_ == 403 ? "AccessDenied"
                                               : "InternalError";
      r.body = std::string("<Error><Code>") + code + "</Code><Message>injected</Message></Error>";
      return r;
    }
    if (request.method == "PUT" && on_put_) {
      auto hook = std::move(on_put_);  // once
      on_put_ = nullptr;
      lock.unlock();
      hook();
      lock.lock();
    }
    r.status = 200;
    if (request.method == "PUT") puts_[path] = request;
    if (request.method == "POST" && request.url.find("?delete") != std::string::npos) {
      batch_deletes_.push_back(request.body);  // DeleteObjects
      if (fail_deletes_) {
        r.status = 500;
        r.body = "<Error><Code>InternalError</Code><Message>injected</Message></Error>";
      } else {
        r.body = "<DeleteResult/>";
      }
    }
    return r;
  }
  void set_down(bool down) {
    std::lock_guard<std::mutex> lock(mu_);
    down_ = down;
  }
  void FailPutsContaining(std::string s, int status = 500) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_puts_containing_ = std::move(s);
    fail_status_ = status;
  }
  // The next `n` PUTs are answered 503 SlowDown, as S3 does when a prefix is written too fast.
  void ThrottleNextPuts(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    throttled_puts_ = n;
  }
  // Runs `hook` (without the lock) during the next successful PUT, before it is stored.
  void OnNextPut(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(mu_);
    on_put_ = std::move(hook);
  }
  // The next PUT waits until Release(); then it, and every request after it, is refused.
  void HangNextPut() {
    std::lock_guard<std::mutex> lock(mu_);
    hang_next_put_ = true;
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      release_ = true;
    }
    released_.notify_all();
  }
  int requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::map<std::string, HttpRequest> puts() {
    std::lock_guard<std::mutex> lock(mu_);
    return puts_;
  }
  // The bodies of the DeleteObjects calls.
  std::vector<std::string> batch_deletes() {
    std::lock_guard<std::mutex> lock(mu_);
    return batch_deletes_;
  }
  void FailDeletes() {
    std::lock_guard<std::mutex> lock(mu_);
    fail_deletes_ = true;
  }

 private:
  std::mutex mu_;
  std::condition_variable released_;
  bool hang_next_put_ = false;
  bool release_ = false;
  bool down_ = false;
  std::string fail_puts_containing_;
  int fail_status_ = 500;
  int throttled_puts_ = 0;
  std::function<void()> on_put_;
  int requests_ = 0;
  std::map<std::string, HttpRequest> puts_;
  std::vector<std::string> batch_deletes_;
  bool fail_deletes_ = false;
};

std::string Header(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "<missing>";
}

// The original's session-wide storage_type: "s3" only when every segment is in S3.
std::string SessionType(const StoredSession& s) {
  for (const StoredSegment& seg : s.segments) {
    if (!InS3(seg.location)) return "local";
  }
  return "s3";
}

class S3AudioStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/swha-s3store-test-XXXXXX";
    root_ = mkdtemp(tmpl);
    local_ = std::make_unique<AudioStore>(FileSystem::Default(), root_);
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }

  std::unique_ptr<S3AudioStore> MakeStore(S3AudioStoreOptions options = {}) {
    std::unique_ptr<S3AudioStore> store =
        MakeTestS3AudioStore(&s3_, local_.get(), &clock_, options);
    EXPECT_NE(store, nullptr);
    return store;
  }

  // Publishes three segments locally, then hands them to `store`, as the TTS flow does.
  StoredSession PublishAndUpload(S3AudioStore* store) {
    session_id_ = NewSessionId(clock_, "anonymous");
    auto session = local_->Publish(session_id_, files_);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    SessionDescription d{"anonymous", session_id_,
                         "af_heart",  "a",
                         1.25,        {"Hello world!", "Ça va? Très bien — merci…", "你好 mixed"}};
    store->Upload(d, files_, &*session);
    return *session;
  }

  bool LocalFileExists(const std::string& filename) {
    return FileSystem::Default()->Stat(JoinPath(JoinPath(root_, session_id_), filename)).ok();
  }

  ManualClock clock_{kNow * 1000};
  FakeS3 s3_;
  std::string root_;
  std::unique_ptr<AudioStore> local_;
  std::string session_id_;
  std::vector<SegmentFile> files_ = {
      {"segment_000.wav", "RIFF-zero"}, {"segment_001.wav", "RIFF-one"}, {"segment_002.wav", "2"}};
};

TEST_F(S3AudioStoreTest, EverySegmentInS3WithTheOriginalsKeysAndMetadata) {
  auto store = MakeStore();
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  EXPECT_TRUE(s.warnings.empty());
  auto puts = s3_.puts();
  ASSERT_EQ(puts.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const StoredSegment& seg = s.segments[i];
    const std::string key = "audio/anonymous/" + session_id_ + "/" + files_[i].filename;
    EXPECT_EQ(StorageTypeName(seg.location), "s3");
    EXPECT_EQ(seg.s3_key, key);
    EXPECT_EQ(seg.location, Location::kLocalAndS3);  // KEEP_LOCAL_COPY defaults to true
    EXPECT_TRUE(LocalFileExists(files_[i].filename));

    const HttpRequest& put = puts.at("http://127.0.0.1:9/audio-bucket/" + key);
    EXPECT_EQ(put.body, files_[i].bytes);
    EXPECT_EQ(Header(put, "Content-Type"), "audio/wav");
    EXPECT_EQ(Header(put, "x-amz-meta-session-id"), session_id_);
    EXPECT_EQ(Header(put, "x-amz-meta-user-id"), "anonymous");
    EXPECT_EQ(Header(put, "x-amz-meta-generated-at"), "2026-11-24T05:02:33Z");
    EXPECT_EQ(Header(put, "x-amz-meta-filename"), files_[i].filename);
    EXPECT_EQ(Header(put, "x-amz-meta-voice"), "af_heart");
    EXPECT_EQ(Header(put, "x-amz-meta-language-code"), "a");
    EXPECT_EQ(Header(put, "x-amz-meta-speed"), "1.25");
    EXPECT_EQ(Header(put, "x-amz-meta-segment-index"), std::to_string(i));
  }
  EXPECT_EQ(Header(puts.begin()->second, "x-amz-meta-graphemes"), "Hello world!");
  EXPECT_EQ(Header(std::next(puts.begin())->second, "x-amz-meta-graphemes"),
            "Ca va? Tres bien - merci...");
  EXPECT_EQ(Header(std::prev(puts.end())->second, "x-amz-meta-graphemes"), "mixed");
}

TEST_F(S3AudioStoreTest, WithoutLocalCopyTheSegmentsAreOnlyInS3AndTheFilesGone) {
  auto store = MakeStore({.keep_local_copy = false});
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  for (const StoredSegment& seg : s.segments) {
    EXPECT_EQ(seg.location, Location::kS3) << seg.filename;
    EXPECT_FALSE(LocalFileExists(seg.filename)) << seg.filename;
  }
  EXPECT_FALSE(FileSystem::Default()->Stat(JoinPath(root_, session_id_)).ok());
}

// A file system whose deletes fail, like a read-only remount.
class UndeletableFileSystem : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  Status RemoveFile(const std::string& path) override {
    return Status::IOError("unlink " + path + ": Read-only file system");
  }
};

TEST_F(S3AudioStoreTest, ALocalCopyThatCannotBeRemovedStaysALocation) {
  UndeletableFileSystem fs(FileSystem::Default());
  local_ = std::make_unique<AudioStore>(&fs, root_);
  auto store = MakeStore({.keep_local_copy = false});
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  ASSERT_EQ(s.warnings.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    // The file is still there, so it is still served.
    EXPECT_EQ(s.segments[i].location, Location::kLocalAndS3);
    EXPECT_TRUE(LocalFileExists(files_[i].filename));
    EXPECT_NE(s.warnings[i].find("could not be removed"), std::string::npos);
    EXPECT_EQ(s.warnings[i].find(root_), std::string::npos) << "a server path in " << s.warnings[i];
  }
}

TEST_F(S3AudioStoreTest, AFailedSegmentStaysLocalAndSaysSoAndTheSessionIsLocal) {
  auto store = MakeStore({.keep_local_copy = false});
  s3_.FailPutsContaining("segment_001", 403);  // e.g. a bucket policy refusing this one key
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "local");
  EXPECT_EQ(StorageTypeName(s.segments[0].location), "s3");
  EXPECT_EQ(StorageTypeName(s.segments[2].location), "s3");
  const StoredSegment& failed = s.segments[1];
  EXPECT_EQ(StorageTypeName(failed.location), "local");
  EXPECT_FALSE(failed.s3_key.has_value());
  EXPECT_EQ(failed.location, Location::kLocal);  // never a dangling link: its file is still there
  EXPECT_TRUE(LocalFileExists("segment_001.wav"));
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("segment_001.wav: S3 upload failed"), std::string::npos);
  EXPECT_NE(s.warnings[0].find("AccessDenied"), std::string::npos);
  EXPECT_EQ(s3_.requests(), 3);                  // a 403 is not retried
  EXPECT_TRUE(store->availability().available);  // two segments got there: S3 works
}

// Without KEEP_LOCAL_COPY, Store uploads from memory: a segment S3 takes is never written locally.
TEST_F(S3AudioStoreTest, StoreWithoutLocalCopyWritesNothingLocallyWhenS3TakesEverything) {
  auto store = MakeStore({.keep_local_copy = false});
  session_id_ = NewSessionId(clock_, "anonymous");
  files_[1].sha256_hex = crypto::HexEncode(crypto::Sha256(files_[1].bytes));  // given: used
  auto s = store->Store({"anonymous", session_id_, "af_heart", "a", 1.0, {}}, files_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->warnings.empty());
  for (const StoredSegment& seg : s->segments) EXPECT_EQ(seg.location, Location::kS3);
  EXPECT_FALSE(FileSystem::Default()->Stat(JoinPath(root_, session_id_)).ok()) << "no directory";
  auto puts = s3_.puts();
  ASSERT_EQ(puts.size(), 3u);
  for (const SegmentFile& f : files_) {
    const HttpRequest& put = puts.at("http://127.0.0.1:9/audio-bucket/audio/anonymous/" +
                                     session_id_ + "/" + f.filename);
    EXPECT_EQ(put.body, f.bytes);
    EXPECT_EQ(Header(put, "x-amz-content-sha256"), crypto::HexEncode(crypto::Sha256(f.bytes)));
  }
}

TEST_F(S3AudioStoreTest, StoreWithoutLocalCopyWritesLocallyOnlyWhatS3Refused) {
  auto store = MakeStore({.keep_local_copy = false});
  s3_.FailPutsContaining("segment_001", 403);
  session_id_ = NewSessionId(clock_, "anonymous");
  auto s = store->Store({"anonymous", session_id_, "af_heart", "a", 1.0, {}}, files_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->segments[0].location, Location::kS3);
  EXPECT_EQ(s->segments[1].location, Location::kLocal);
  EXPECT_EQ(s->segments[2].location, Location::kS3);
  EXPECT_FALSE(LocalFileExists("segment_000.wav"));
  EXPECT_TRUE(LocalFileExists("segment_001.wav"));
  EXPECT_FALSE(LocalFileExists("segment_002.wav"));
  ASSERT_EQ(s->warnings.size(), 1u);
  EXPECT_NE(s->warnings[0].find("segment_001.wav: S3 upload failed"), std::string::npos);
}

// A file system whose writes fail, like a full disk.
class FullFileSystem : public FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& path,
                                                         PendingFileOptions options) override {
    return FullDiskPendingFile::Wrap(FileSystemWrapper::CreatePendingFile(path, options), path);
  }
};

// S3 took two segments, the disk refuses the third: nothing of the session may stay anywhere.
TEST_F(S3AudioStoreTest, StoreThatCannotWriteTheFallbackTakesTheUploadsBack) {
  FullFileSystem fs(FileSystem::Default());
  local_ = std::make_unique<AudioStore>(&fs, root_);
  auto store = MakeStore({.keep_local_copy = false});
  s3_.FailPutsContaining("segment_001", 403);
  session_id_ = NewSessionId(clock_, "anonymous");
  auto s = store->Store({"anonymous", session_id_, "af_heart", "a", 1.0, {}}, files_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kIOError);
  std::string deleted;  // every delete batch, whichever way the keys were grouped
  for (const std::string& batch : s3_.batch_deletes()) deleted += batch;
  EXPECT_NE(deleted.find(session_id_ + "/segment_000.wav"), std::string::npos) << deleted;
  EXPECT_NE(deleted.find(session_id_ + "/segment_002.wav"), std::string::npos) << deleted;
  EXPECT_EQ(deleted.find("segment_001.wav"), std::string::npos) << deleted;
  EXPECT_FALSE(FileSystem::Default()->Stat(JoinPath(root_, session_id_)).ok());
}

// With KEEP_LOCAL_COPY, Store writes locally first and then uploads, as before.
TEST_F(S3AudioStoreTest, StoreWithLocalCopyWritesLocallyAndUploads) {
  auto store = MakeStore();
  session_id_ = NewSessionId(clock_, "anonymous");
  auto s = store->Store({"anonymous", session_id_, "af_heart", "a", 1.0, {}}, files_);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  for (const StoredSegment& seg : s->segments) {
    EXPECT_EQ(seg.location, Location::kLocalAndS3);
    EXPECT_TRUE(LocalFileExists(seg.filename));
  }
  EXPECT_EQ(s3_.puts().size(), 3u);
}

// A segment's marks go to the same bucket beside its audio, as JSON with the audio's metadata.
TEST_F(S3AudioStoreTest, MarksGoBesideTheirAudio) {
  files_[0].marks_json = R"([{"time":0,"type":"viseme","value":"sil"}])";
  files_[2].marks_json = "[]";
  auto store = MakeStore({.keep_local_copy = false});
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  EXPECT_TRUE(s.warnings.empty());
  auto puts = s3_.puts();
  ASSERT_EQ(puts.size(), 5u);
  const std::string prefix = "http://127.0.0.1:9/audio-bucket/audio/anonymous/" + session_id_;
  const HttpRequest& marks = puts.at(prefix + "/segment_000.marks.json");
  EXPECT_EQ(marks.body, files_[0].marks_json);
  EXPECT_EQ(Header(marks, "Content-Type"), "application/json");
  EXPECT_EQ(Header(marks, "x-amz-meta-segment-index"), "0");
  EXPECT_EQ(Header(marks, "x-amz-meta-filename"), "segment_000.wav");
  EXPECT_EQ(puts.count(prefix + "/segment_001.marks.json"), 0u);
  EXPECT_EQ(s.segments[2].MarksS3Key(),
            "audio/anonymous/" + session_id_ + "/segment_002.marks.json");
  // Without a local copy the marks left with their audio.
  EXPECT_FALSE(LocalFileExists("segment_000.marks.json"));
  EXPECT_FALSE(FileSystem::Default()->Stat(JoinPath(root_, session_id_)).ok());
}

// Marks that cannot be uploaded keep their segment local, whole: the audio already uploaded is
// deleted again (with the marks, which a PUT that timed out may have stored), and both files
// stay served from disk.
TEST_F(S3AudioStoreTest, MarksThatFailTakeTheirAudioBackAndTheSegmentStaysLocal) {
  for (SegmentFile& f : files_) f.marks_json = "[]";
  auto store = MakeStore({.keep_local_copy = false});
  s3_.FailPutsContaining("segment_001.marks.json", 403);
  StoredSession s = PublishAndUpload(store.get());
  const StoredSegment& failed = s.segments[1];
  EXPECT_EQ(failed.location, Location::kLocal);
  EXPECT_FALSE(failed.s3_key.has_value());
  EXPECT_TRUE(LocalFileExists("segment_001.wav"));
  EXPECT_TRUE(LocalFileExists("segment_001.marks.json"));
  EXPECT_EQ(s.segments[0].location, Location::kS3);
  EXPECT_FALSE(LocalFileExists("segment_000.marks.json"));
  const std::vector<std::string> deletes = s3_.batch_deletes();
  ASSERT_EQ(deletes.size(), 1u);
  const std::string prefix = "audio/anonymous/" + session_id_;
  EXPECT_NE(deletes[0].find("<Key>" + prefix + "/segment_001.wav</Key>"), std::string::npos)
      << deletes[0];
  EXPECT_NE(deletes[0].find("<Key>" + prefix + "/segment_001.marks.json</Key>"), std::string::npos)
      << deletes[0];
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("segment_001.wav: S3 upload failed (marks: "), std::string::npos)
      << s.warnings[0];
}

// An undo that fails too leaves the segment local all the same: what stays in the bucket is
// named by no row, and the catalog check removes it (service/catalog_check.h).
TEST_F(S3AudioStoreTest, AFailedUndoStillLeavesTheSegmentLocal) {
  for (SegmentFile& f : files_) f.marks_json = "[]";
  auto store = MakeStore();
  s3_.FailPutsContaining("segment_002.marks.json", 403);
  s3_.FailDeletes();
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(s.segments[2].location, Location::kLocal);
  EXPECT_FALSE(s.segments[2].MarksS3Key().has_value());
  EXPECT_EQ(s.segments[0].location, Location::kLocalAndS3);
  EXPECT_FALSE(s3_.batch_deletes().empty());
}

TEST_F(S3AudioStoreTest, ServerErrorsAreRetriedThreeTimes) {
  auto store = MakeStore({.max_concurrent_uploads = 1});
  s3_.FailPutsContaining("segment_002", 500);
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(StorageTypeName(s.segments[2].location), "local");
  EXPECT_EQ(s3_.requests(), 2 + 3);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_NE(s.warnings[0].find("InternalError"), std::string::npos);
}

TEST_F(S3AudioStoreTest, ASlowDownBurstIsWaitedOutOrLeavesTheSegmentsLocal) {
  auto store = MakeStore({.max_concurrent_uploads = 1});
  s3_.ThrottleNextPuts(2);  // shorter than one segment's three attempts
  StoredSession absorbed = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(absorbed), "s3");
  EXPECT_TRUE(absorbed.warnings.empty());
  EXPECT_EQ(s3_.requests(), 3 + 2);

  s3_.ThrottleNextPuts(1000);  // longer than every attempt of the session
  StoredSession refused = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(refused), "local");
  for (const StoredSegment& seg : refused.segments) {
    EXPECT_EQ(seg.location, Location::kLocal);
    EXPECT_TRUE(LocalFileExists(seg.filename)) << seg.filename;
  }
  ASSERT_FALSE(refused.warnings.empty());
  EXPECT_NE(refused.warnings[0].find("SlowDown"), std::string::npos) << refused.warnings[0];
}

TEST_F(S3AudioStoreTest, DownS3IsSkippedForAWhileThenTriedAgain) {
  auto store = MakeStore({.recheck_after_seconds = 5});
  s3_.set_down(true);
  StoredSession first = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(first), "local");
  EXPECT_EQ(first.warnings.size(), 3u);
  for (const StoredSegment& seg : first.segments) EXPECT_EQ(seg.location, Location::kLocal);
  EXPECT_FALSE(store->availability().available);
  EXPECT_NE(store->availability().last_error.find("refused"), std::string::npos);
  const int after_first = s3_.requests();

  // Within the window: no request at all, one warning that says why and until when.
  clock_.AdvanceSeconds(4);
  StoredSession skipped = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(skipped), "local");
  EXPECT_EQ(s3_.requests(), after_first);
  ASSERT_EQ(skipped.warnings.size(), 1u);
  EXPECT_NE(skipped.warnings[0].find("S3 is unavailable"), std::string::npos);
  EXPECT_NE(skipped.warnings[0].find("2026-11-24T05:02:38Z"), std::string::npos);

  // S3 is back and the window has passed: the next session goes to S3.
  s3_.set_down(false);
  clock_.AdvanceSeconds(1);
  StoredSession back = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(back), "s3");
  EXPECT_TRUE(store->availability().available);
}

TEST_F(S3AudioStoreTest, LiveCheckIsOneAttemptReusedBrieflyAndLeavesAvailabilityAlone) {
  auto store = MakeStore();
  s3_.set_down(true);
  EXPECT_EQ(store->CheckReachable().code(), StatusCode::kUnavailable);
  EXPECT_EQ(s3_.requests(), 1);                  // the probe makes one attempt only
  EXPECT_TRUE(store->availability().available);  // only uploads decide that
  s3_.set_down(false);
  EXPECT_EQ(store->CheckReachable().code(), StatusCode::kUnavailable);  // the same answer for 2 s
  EXPECT_EQ(s3_.requests(), 1);
  clock_.AdvanceSeconds(2);
  EXPECT_TRUE(store->CheckReachable().ok());
  EXPECT_EQ(s3_.requests(), 2);
}

TEST_F(S3AudioStoreTest, SegmentsQueuedBehindAnUnreachableS3AreNotAttempted) {
  auto store = MakeStore({.max_concurrent_uploads = 1});
  s3_.set_down(true);
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "local");
  EXPECT_EQ(s3_.requests(), 3);  // segment 0's three attempts, then nothing more
  ASSERT_EQ(s.warnings.size(), 3u);
  EXPECT_NE(s.warnings[2].find("not attempted"), std::string::npos) << s.warnings[2];
}

// A gateway that hangs, then goes: the uploads of another session, which began while S3 still
// looked up and queued for the one upload slot meanwhile, are not tried once the first found it
// unreachable (each would otherwise spend its own retries, one at a time).
TEST_F(S3AudioStoreTest, UploadsQueuedWhenAnotherSessionFindsS3UnreachableAreNotAttempted) {
  auto store = MakeStore({.max_concurrent_uploads = 1});
  s3_.HangNextPut();
  const std::vector<SegmentFile> one = {files_[0]};
  StoredSession first = *local_->Publish(NewSessionId(clock_, "anonymous"), one);
  std::thread hanging([&] {
    store->Upload({"anonymous", "first", "af_heart", "a", 1.0, {}}, one, &first);
  });
  for (int i = 0; i < 500 && s3_.requests() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(s3_.requests(), 1) << "the first session's PUT holds the only slot";
  StoredSession queued = *local_->Publish(NewSessionId(clock_, "anonymous"), files_);
  std::thread waiting([&] {
    store->Upload({"anonymous", "queued", "af_heart", "a", 1.0, {}}, files_, &queued);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // it begins, and waits
  clock_.AdvanceSeconds(1);
  s3_.Release();
  hanging.join();
  waiting.join();

  EXPECT_EQ(s3_.requests(), 3) << "the first session's three attempts, and nothing else";
  EXPECT_EQ(SessionType(first), "local");
  EXPECT_EQ(SessionType(queued), "local");
  ASSERT_EQ(queued.warnings.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(queued.segments[i].upload_pending) << i << ": left for the outbox";
    EXPECT_NE(queued.warnings[i].find("not attempted: S3 was found unreachable meanwhile"),
              std::string::npos)
        << queued.warnings[i];
  }
  EXPECT_FALSE(store->availability().available);
}

TEST_F(S3AudioStoreTest, EveryUploadRefusedMeansDownWhateverTheCode) {
  // Expired temporary credentials answer 400 to every PUT: S3 is unusable, not one bad object.
  auto store = MakeStore();
  s3_.FailPutsContaining("segment_", 400);
  EXPECT_EQ(SessionType(PublishAndUpload(store.get())), "local");
  EXPECT_FALSE(store->availability().available);
  EXPECT_NE(store->availability().last_error.find("ExpiredToken"), std::string::npos);
}

TEST_F(S3AudioStoreTest, OneRequestRechecksWhileTheOthersKeepSkipping) {
  auto store = MakeStore({.recheck_after_seconds = 5});
  s3_.set_down(true);
  PublishAndUpload(store.get());
  s3_.set_down(false);
  clock_.AdvanceSeconds(5);
  // While the first request after the window is still uploading, another one arrives.
  std::optional<StoredSession> concurrent;
  s3_.OnNextPut([&] {
    StoredSession other = *local_->Publish(NewSessionId(clock_, "anonymous"), files_);
    store->Upload({"anonymous", "x", "af_heart", "a", 1.0, {}}, files_, &other);
    concurrent = other;
  });
  EXPECT_EQ(SessionType(PublishAndUpload(store.get())), "s3");
  ASSERT_TRUE(concurrent.has_value());
  EXPECT_EQ(SessionType(*concurrent), "local");
  ASSERT_EQ(concurrent->warnings.size(), 1u);
  EXPECT_NE(concurrent->warnings[0].find("S3 is unavailable"), std::string::npos);
  EXPECT_TRUE(store->availability().available);  // the re-check succeeded
}

TEST_F(S3AudioStoreTest, PresignedUrlsAreReusedUntilShortlyBeforeTheyExpire) {
  auto store = MakeStore();
  int64_t expires = 0;
  auto first = store->Presign("audio/anonymous/s/segment_000.wav", 3600, &expires);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(expires, kNow + 3600);

  clock_.AdvanceSeconds(3299);  // 301 s left: still outside the 300 s margin
  auto again = store->Presign("audio/anonymous/s/segment_000.wav", 3600, &expires);
  EXPECT_EQ(*again, *first);
  EXPECT_EQ(expires, kNow + 3600);  // the real expiry of the URL handed out

  auto other_expiry = store->Presign("audio/anonymous/s/segment_000.wav", 60, &expires);
  EXPECT_NE(*other_expiry, *first);

  clock_.AdvanceSeconds(1);  // inside the margin: a fresh URL
  auto fresh = store->Presign("audio/anonymous/s/segment_000.wav", 3600, &expires);
  EXPECT_NE(*fresh, *first);
  EXPECT_EQ(expires, kNow + 3300 + 3600);
  EXPECT_EQ(s3_.requests(), 0);  // presigning is local
}

TEST(S3AudioStoreKeysTest, SeedLayout) {
  EXPECT_EQ(S3AudioStore::ObjectKey("anonymous", "1_anonymous_ab", "segment_000.wav"),
            "audio/anonymous/1_anonymous_ab/segment_000.wav");
  EXPECT_EQ(S3AudioStore::ObjectKey("123", "1_123_ab", "segment_002.wav"),
            "audio/users/123/1_123_ab/segment_002.wav");
  EXPECT_EQ(S3AudioStore::OwnerPrefix("123"), "audio/users/123/");
}

TEST(FoldToAsciiMetadataTest, FoldsDropsCollapsesAndCaps) {
  EXPECT_EQ(FoldToAsciiMetadata("Crème brûlée für Zoë, Łódź, Œuvre, straße"),
            "Creme brulee fur Zoe, Lodz, OEuvre, strasse");
  EXPECT_EQ(FoldToAsciiMetadata("“Quoted” ‘single’ – dash"), "\"Quoted\" 'single' - dash");
  EXPECT_EQ(FoldToAsciiMetadata("  line one\n\n\tline\x7Ftwo  "), "line one line two");
  EXPECT_EQ(FoldToAsciiMetadata("日本語を話します"), "");
  EXPECT_EQ(FoldToAsciiMetadata("a\xC2\xA0"
                                "b"),
            "a b");  // no-break space
  EXPECT_EQ(FoldToAsciiMetadata(std::string(150, 'x')), std::string(100, 'x'));
  EXPECT_EQ(FoldToAsciiMetadata("ab…", 4), "ab..");    // the cap holds inside a spelling too
  EXPECT_EQ(FoldToAsciiMetadata("\xFF\xFEok"), "ok");  // invalid UTF-8 is dropped
}

// Two buckets in two regions on two endpoints: the primary on s3_, a replica on replica_.
class S3ReplicaStoreTest : public S3AudioStoreTest {
 protected:
  std::unique_ptr<S3AudioStore> MakeReplicatedStore() {
    RetryPolicy retry;
    retry.sleep = [](double) {};
    retry.random = [] { return 0.0; };
    std::vector<S3TargetClients> targets;
    for (auto [endpoint, bucket, region, transport] :
         {std::tuple<const char*, const char*, const char*, HttpTransport*>{
              "http://127.0.0.1:9", "audio-bucket", "us-east-1", &s3_},
          {"http://127.0.0.1:10", "audio-eu", "eu-west-1", &replica_}}) {
      S3ClientConfig config;
      config.endpoint_url = endpoint;
      config.bucket = bucket;
      config.region = region;
      config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
      auto client = S3Client::Create(config, transport, &clock_, retry);
      RetryPolicy once = retry;
      once.max_attempts = 1;
      auto probe = S3Client::Create(config, transport, &clock_, once);
      EXPECT_TRUE(client.ok() && probe.ok());
      targets.push_back({std::move(*client), std::move(*probe)});
    }
    return std::make_unique<S3AudioStore>(std::move(targets), local_.get(), &clock_,
                                          S3AudioStoreOptions{.recheck_after_seconds = 10});
  }

  FakeS3 replica_;
};

// A segment whose marks the primary refused goes whole to the replica: its audio leaves the
// primary again, and both are in the replica.
TEST_F(S3ReplicaStoreTest, MarksRefusedByThePrimaryGoWithTheirAudioToTheReplica) {
  files_[0].marks_json = "[]";
  auto store = MakeReplicatedStore();
  s3_.FailPutsContaining("segment_000.marks.json", 403);
  StoredSession s = PublishAndUpload(store.get());
  const StoredSegment& seg = s.segments[0];
  ASSERT_EQ(seg.location, Location::kLocalAndS3);
  EXPECT_EQ(seg.s3_target, store->TargetNames()[1]);
  const std::string key = "audio/anonymous/" + session_id_ + "/segment_000";
  EXPECT_EQ(replica_.puts().count("http://127.0.0.1:10/audio-eu/" + key + ".marks.json"), 1u);
  EXPECT_EQ(replica_.puts().count("http://127.0.0.1:10/audio-eu/" + key + ".wav"), 1u);
  ASSERT_EQ(s3_.batch_deletes().size(), 1u);
  EXPECT_NE(s3_.batch_deletes()[0].find("<Key>" + key + ".wav</Key>"), std::string::npos);
  EXPECT_EQ(s.segments[1].s3_target, store->TargetNames()[0]);  // the others stayed
}

TEST_F(S3ReplicaStoreTest, ThePrimaryWhileUpThenTheReplicaThenLocal) {
  auto store = MakeReplicatedStore();
  EXPECT_EQ(store->TargetNames(),
            (std::vector<std::string>{"audio-bucket@us-east-1", "audio-eu@eu-west-1"}));
  StoredSession s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  EXPECT_TRUE(s.warnings.empty());
  for (const StoredSegment& seg : s.segments) EXPECT_EQ(seg.s3_target, "audio-bucket@us-east-1");
  EXPECT_EQ(replica_.requests(), 0);

  // One segment refused by the primary goes to the replica; the others stay in the primary.
  s3_.FailPutsContaining("segment_001", 403);
  s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  EXPECT_EQ(s.segments[0].s3_target, "audio-bucket@us-east-1");
  EXPECT_EQ(s.segments[1].s3_target, "audio-eu@eu-west-1");
  EXPECT_EQ(replica_.puts().size(), 1u);
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_NE(s.warnings[0].find("segment_001.wav: S3 audio-bucket@us-east-1 upload failed"),
            std::string::npos)
      << s.warnings[0];
  EXPECT_EQ(s.warnings[1], "segment_001.wav: stored in replica audio-eu@eu-west-1");
  s3_.FailPutsContaining("");

  // The primary down: everything to the replica, and the primary skipped afterwards.
  s3_.set_down(true);
  s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "s3");
  for (const StoredSegment& seg : s.segments) EXPECT_EQ(seg.s3_target, "audio-eu@eu-west-1");
  EXPECT_FALSE(store->availability().available);
  EXPECT_TRUE(store->availability("audio-eu@eu-west-1").available);
  const int primary_requests = s3_.requests();
  s = PublishAndUpload(store.get());
  EXPECT_EQ(s3_.requests(), primary_requests);  // skipped, not retried
  EXPECT_EQ(s.segments[2].s3_target, "audio-eu@eu-west-1");

  // A replica's object is presigned on its own endpoint, for its own region.
  int64_t expires = 0;
  auto url = store->Presign(*s.segments[0].s3_key, 600, &expires, s.segments[0].s3_target);
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_TRUE(url->starts_with("http://127.0.0.1:10/audio-eu/audio/anonymous/")) << *url;
  EXPECT_NE(url->find("%2Feu-west-1%2Fs3%2Faws4_request"), std::string::npos) << *url;
  EXPECT_EQ(store->KeyOfPresignedUrl(*url), s.segments[0].s3_key);
  EXPECT_EQ(store->Presign("k", 600, &expires, "gone@nowhere").status().code(),
            StatusCode::kUnavailable);

  // Both down: local, every bucket named.
  replica_.set_down(true);
  clock_.AdvanceSeconds(11);
  s = PublishAndUpload(store.get());
  EXPECT_EQ(SessionType(s), "local");
  for (const StoredSegment& seg : s.segments) EXPECT_TRUE(seg.s3_target.empty());
  ASSERT_FALSE(s.warnings.empty());
  EXPECT_EQ(s.warnings.back(),
            "3 segment(s) stored locally: no S3 bucket took them (tried audio-bucket@us-east-1, "
            "audio-eu@eu-west-1)");

  // Deletes go to the bucket named (this fake answers DeleteObjects with nothing to parse,
  // so the call itself reports failure; where it went is what is checked).
  replica_.set_down(false);
  const int replica_before = replica_.requests();
  const int primary_before = s3_.requests();
  (void)store->RemoveObjects({"audio/anonymous/x/segment_000.wav"}, "audio-eu@eu-west-1");
  EXPECT_EQ(replica_.requests(), replica_before + 1);
  EXPECT_EQ(s3_.requests(), primary_before);
}

// A session stored in parts (a pipelined generate) right after the primary came back: while
// one part re-checks the primary, the session's next part waits for that answer instead of
// going to the replica, so the session is not split between the buckets.
TEST_F(S3ReplicaStoreTest, APartWaitsForItsSessionsRecheckInsteadOfSplittingTheSession) {
  auto store = MakeReplicatedStore();
  s3_.set_down(true);
  PublishAndUpload(store.get());
  ASSERT_FALSE(store->availability().available);
  const int replica_requests = replica_.requests();  // that session went there
  s3_.set_down(false);
  clock_.AdvanceSeconds(11);  // past the re-check window

  const SessionDescription parts{.owner = "anonymous",
                                 .session_id = NewSessionId(clock_, "anonymous"),
                                 .voice = "af_heart",
                                 .language_code = "a",
                                 .graphemes = {"Hello world!"},
                                 .stored_in_parts = true};
  const std::span<const SegmentFile> first(files_.data(), 1);
  SessionDescription next_description = parts;
  next_description.first_index = 1;
  const std::span<const SegmentFile> next(files_.data() + 1, 1);
  std::optional<Result<StoredSession>> next_stored;
  std::thread next_part;
  // The next part is stored while the first part's PUT (the re-check) is still in flight, and
  // long enough before it ends to have gone to the replica, were it not waiting.
  s3_.OnNextPut([&] {
    next_part = std::thread([&] { next_stored = store->Store(next_description, next); });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  });
  const auto start = std::chrono::steady_clock::now();
  Result<StoredSession> first_stored = store->Store(parts, first);
  ASSERT_TRUE(next_part.joinable()) << "the first part's PUT never ran the hook";
  next_part.join();
  // The waiting part is woken by the re-check's end, not by its wait's bound (10 s).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(first_stored.ok()) << first_stored.status().ToString();
  ASSERT_TRUE(next_stored.has_value() && next_stored->ok());
  EXPECT_EQ(first_stored->segments.at(0).s3_target, "audio-bucket@us-east-1");
  EXPECT_EQ((*next_stored)->segments.at(0).s3_target, "audio-bucket@us-east-1")
      << "the session split: " << ::testing::PrintToString((*next_stored)->warnings);
  EXPECT_TRUE((*next_stored)->warnings.empty());
  EXPECT_EQ(replica_.requests(), replica_requests);
  EXPECT_TRUE(store->availability().available);
}

// CLOUDFRONT_ALLOWED_IP binds the callers' URLs; a provider's (sync.so's) are canned, since it
// fetches from its own addresses. The two are cached apart.
TEST_F(S3AudioStoreTest, ProviderUrlsAreNotBoundToTheAllowedAddress) {
  const CloudFrontSigner cdn("d111111abcdef8.cloudfront.net", "K2JCJMDEHXQW5F",
                             crypto::RsaPrivateKey::Generate(2048).value(), "192.0.2.0/24");
  auto store = MakeStore({.cdn = &cdn});
  int64_t expires = 0;
  auto client = store->Presign("audio/anonymous/s/segment_000.wav", 600, &expires);
  auto provider =
      store->Presign("audio/anonymous/s/segment_000.wav", 600, &expires, "", UrlUse::kProvider);
  ASSERT_TRUE(client.ok() && provider.ok());
  EXPECT_NE(client->find("?Policy="), std::string::npos) << *client;
  EXPECT_EQ(provider->find("Policy="), std::string::npos) << *provider;
  EXPECT_NE(provider->find("?Expires=" + std::to_string(kNow + 600) + "&Signature="),
            std::string::npos)
      << *provider;
  auto again = store->Presign("audio/anonymous/s/segment_000.wav", 600, &expires);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *client);
}

}  // namespace
}  // namespace swha::storage
