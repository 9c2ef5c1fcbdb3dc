#include "service/generation_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <set>
#include <thread>

#include "catalog/catalog_wrapper.h"
#include "service/session_service.h"
#include "storage/http_transport_testing.h"
#include "storage/s3_audio_store.h"
#include "storage/s3_audio_store_testing.h"
#include "storage/session_id.h"
#include "util/crypto.h"
#include "util/file_system.h"
#include "util/file_system_testing.h"

namespace swha::service {
namespace {

constexpr int64_t kNow = 1'795'496'553;

// A deterministic engine: one phoneme string and 240 samples per call (their value the call's
// number, so that every segment's audio differs), or `fault`. `before_synthesis` runs first,
// given the call's number (1, 2, ...), and may fail it.
class StubEngine : public tts::Engine {
 public:
  Result<std::string> Phonemize(std::string_view, const tts::VoiceSelection&) override {
    if (!fault.ok()) return fault;
    return std::string("həlˈoʊ");
  }
  Result<tts::PcmAudio> Synthesize(std::string_view, const tts::VoiceSelection&,
                                   const tts::SynthesisOptions&) override {
    if (!fault.ok()) return fault;
    const int call = ++synthesis_calls;
    if (before_synthesis) SWHA_RETURN_IF_ERROR(before_synthesis(call));
    return tts::PcmAudio{24000, std::vector<int16_t>(240, static_cast<int16_t>(call))};
  }
  // On a thread of its own, as espeak-ng's pool does: a lone segment's storage is then prepared
  // while it runs (PendingSynthesis::UnderWay).
  std::future<Result<tts::PcmAudio>> StartSynthesis(std::string text, tts::VoiceSelection voice,
                                                    tts::SynthesisOptions options) override {
    return std::async(std::launch::async,
                      [this, text = std::move(text), voice = std::move(voice),
                       options = std::move(options)] { return Synthesize(text, voice, options); });
  }
  Status fault;
  std::function<Status(int call)> before_synthesis;
  std::atomic<int> synthesis_calls{0};
};

std::string MakeTempDir() {
  char tmpl[] = "/tmp/swha-generation-test-XXXXXX";
  return mkdtemp(tmpl);
}

std::unique_ptr<catalog::Catalog> MustOpen(const std::string& path) {
  auto catalog = catalog::OpenSqliteCatalog(path);
  EXPECT_TRUE(catalog.ok()) << catalog.status().ToString();
  return catalog.ok() ? std::move(*catalog) : nullptr;
}

// The real catalog, whose RecordSession fails on demand.
class FaultyCatalog : public catalog::CatalogWrapper {
 public:
  using CatalogWrapper::CatalogWrapper;
  Status RecordSession(const catalog::SessionRecord& r) override {
    if (!record_fault.ok()) return record_fault;
    return CatalogWrapper::RecordSession(r);
  }
  Status record_fault;
};

// The real file system, whose audio writes fail on demand as a full disk or a read-only mount
// would (file_system.cc turns ENOSPC and EROFS into IOError carrying strerror's text).
class FaultyFileSystem : public FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(FileSystem::Default()) {}
  Status CreateDirs(const std::string& path) override {
    if (read_only) return Status::IOError("mkdir " + path + ": Read-only file system");
    return FileSystemWrapper::CreateDirs(path);
  }
  Result<std::unique_ptr<PendingFile>> CreatePendingFile(const std::string& path,
                                                         PendingFileOptions options) override {
    auto file = FileSystemWrapper::CreatePendingFile(path, options);
    if (writes_until_full-- != 0) return file;
    return FullDiskPendingFile::Wrap(std::move(file), path);
  }
  std::atomic<bool> read_only{false};
  std::atomic<int> writes_until_full{-1};  // < 0: never full; segments may be written at once
};

class GenerationServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_.local = &local_;
    storage_.signer = &signer_;
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }

  static GenerationRequest Request(std::string text) {
    GenerationRequest r;
    r.synthesis.text = std::move(text);
    r.synthesis.split_pattern = "[.]\\s*";
    return r;
  }
  bool SessionDirExists(const std::string& id) {
    return FileSystem::Default()->Stat(JoinPath(root_ + "/audio", id)).ok();
  }
  size_t SessionDirs() {
    auto entries = FileSystem::Default()->ListDir(root_ + "/audio");
    return entries.ok() ? entries->size() : 0;
  }

  const std::string root_ = MakeTempDir();
  ManualClock clock_{kNow * 1000};
  StubEngine engine_;
  tts::Synthesizer synthesizer_{&engine_};
  storage::LocalUrlSigner signer_{"a-secret-key-for-tests", ""};
  FaultyFileSystem fs_;
  storage::AudioStore local_{&fs_, root_ + "/audio"};
  StorageBackends storage_;
  std::unique_ptr<catalog::Catalog> sqlite_ = MustOpen(root_ + "/swha.db");
  FaultyCatalog catalog_{sqlite_.get()};
  UrlMinter minter_{&storage_, &clock_};
  GenerationService service_{{.max_text_length = 100, .default_url_expiry_seconds = 600},
                             &synthesizer_,
                             &storage_,
                             &catalog_,
                             &minter_,
                             &clock_};
};

TEST_F(GenerationServiceTest, CreateStoresEverySegmentAndMintsSignedLocalUrls) {
  auto session = service_.Create(Principal::Anonymous(), Request("One. Two. Three."));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_TRUE(storage::IsValidSessionId(session->session_id));
  EXPECT_EQ(storage::SessionOwner(session->session_id), "anonymous");
  EXPECT_EQ(session->owner, "anonymous");
  EXPECT_EQ(session->created_at_ms, kNow * 1000);
  EXPECT_EQ(session->text_length, 16u);
  ASSERT_EQ(session->segments.size(), 3u);
  EXPECT_EQ(session->StorageType(), "local");
  EXPECT_TRUE(session->warnings.empty());
  for (const Segment& seg : session->segments) {
    EXPECT_EQ(seg.stored.location, storage::Location::kLocal);
    EXPECT_EQ(seg.byte_size, 44 + 480);  // WAV header + 240 16-bit samples
    ASSERT_TRUE(seg.local_url.has_value());
    EXPECT_EQ(*seg.local_url, signer_.SignedUrl(session->session_id, seg.stored.filename,
                                                kNow + 600));  // the configured default
    EXPECT_EQ(seg.PreferredUrl(), seg.local_url);
    EXPECT_FALSE(seg.presigned_url.has_value());
    EXPECT_EQ(seg.expires_at, kNow + 600);
  }
  EXPECT_EQ(session->EarliestExpiry(), kNow + 600);
  EXPECT_TRUE(SessionDirExists(session->session_id));

  // Recorded, with what the catalog keeps of each segment.
  auto record = sqlite_->GetSession(session->session_id);
  ASSERT_TRUE(record.ok()) << record.status().ToString();
  EXPECT_EQ(record->owner, "anonymous");
  EXPECT_EQ(record->text_length, 16);
  ASSERT_EQ(record->segments.size(), 3u);
  const std::string bytes = *FileSystem::Default()->ReadFile(
      root_ + "/audio/" + session->session_id + "/segment_001.wav");
  EXPECT_EQ(record->segments[1].sha256_hex, crypto::HexEncode(crypto::Sha256(bytes)));
  EXPECT_EQ(record->segments[1].location, storage::Location::kLocal);
}

// Each fault below is tried on a lone segment (stored into the place prepared while it was
// synthesized) and on a longer text (stored after it).
constexpr const char* kLoneAndLonger[] = {"Hello there", "One. Two."};

TEST_F(GenerationServiceTest, ASessionThatCannotBeRecordedLeavesNoAudio) {
  for (const char* text : kLoneAndLonger) {
    SCOPED_TRACE(text);
    catalog_.record_fault = Status::Unavailable("injected: database is down");
    auto r = service_.Create(Principal::Anonymous(), Request(text));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(SessionDirs(), 0u);  // no audio without a row
    // A refusal that is not about availability is the server's fault, never the client's.
    catalog_.record_fault = Status::AlreadyExists("injected: session id taken", "");
    r = service_.Create(Principal::Anonymous(), Request(text));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInternal);
    EXPECT_EQ(SessionDirs(), 0u);
  }
}

TEST_F(GenerationServiceTest, TheRequestsExpiryWinsAndZeroMeansTheDefault) {
  GenerationRequest r = Request("Hello.");
  r.url_expiry_seconds = 42;
  EXPECT_EQ(service_.Create(Principal::Anonymous(), r)->segments[0].expires_at, kNow + 42);
  r.url_expiry_seconds = 0;
  EXPECT_EQ(service_.Create(Principal::Anonymous(), r)->segments[0].expires_at, kNow + 600);
}

TEST_F(GenerationServiceTest, ValidateNamesEveryBadFieldAtOnce) {
  GenerationRequest r = Request("  ");
  r.synthesis.voice = "zz_nobody";
  r.synthesis.language_code = "x";
  r.synthesis.speed = 3;
  r.synthesis.split_pattern = "(";
  r.url_expiry_seconds = storage::kMaxUrlExpirySeconds + 1;
  std::vector<std::string> fields;
  for (const Status& e : service_.Validate(r)) {
    EXPECT_EQ(e.code(), StatusCode::kInvalidArgument);
    fields.push_back(e.field());
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"text", "voice", "language_code", "speed",
                                              "split_pattern", "presigned_url_expiry"}));
  r = Request("fine");
  r.url_expiry_seconds = storage::kMaxUrlExpirySeconds;
  EXPECT_TRUE(service_.Validate(r).empty());
  // A NUL could not be recorded in every catalog: refused up front, naming the field.
  r = Request(std::string("cut\0short", 9));
  r.synthesis.split_pattern = std::string("a\0", 2);
  fields.clear();
  for (const Status& e : service_.Validate(r)) fields.push_back(e.field());
  EXPECT_EQ(fields, (std::vector<std::string>{"text", "split_pattern"}));
}

TEST_F(GenerationServiceTest, TextOverTheLimitIsTooLargeBeforeAnythingElse) {
  auto r = service_.Create(Principal::Anonymous(), Request(std::string(101, 'a')));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(service_.CheckTextLength(std::string(100, 'a')).ok());
}

TEST_F(GenerationServiceTest, AnEngineFaultIsTheServersAndStoresNothing) {
  engine_.fault = Status::Internal("espeak-ng voice not found");
  auto r = service_.Create(Principal::Anonymous(), Request("Hello."));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(r.status().field(), "");
  EXPECT_EQ(SessionDirs(), 0u);
}

TEST_F(GenerationServiceTest, S3AskedForButNotSetUpIsAWarningAndTheAudioStaysLocal) {
  storage_.use_s3_storage = true;
  storage_.s3_setup_error = "no S3 credentials";
  auto session = service_.Create(Principal::Anonymous(), Request("Hello."));
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(session->StorageType(), "local");
  ASSERT_EQ(session->warnings.size(), 1u);
  EXPECT_NE(session->warnings[0].find("no S3 credentials"), std::string::npos);
  EXPECT_TRUE(session->segments[0].local_url.has_value());
}

TEST_F(GenerationServiceTest, AUsersSessionCarriesTheirId) {
  auto session = service_.Create({.user_id = 42}, Request("Hello."));
  ASSERT_TRUE(session.ok());
  EXPECT_EQ(storage::SessionOwner(session->session_id), "42");
  EXPECT_EQ(session->owner, "42");
}

TEST_F(GenerationServiceTest, MinterWarnsForSegmentsInAnS3ThatIsNotConfigured) {
  std::vector<Segment> segments(2);
  segments[0].stored = {"segment_000.wav", storage::Location::kS3, "audio/anonymous/s/0"};
  segments[1].stored = {"segment_001.wav", storage::Location::kLocalAndS3, "audio/anonymous/s/1"};
  std::vector<std::string> warnings;
  minter_.Mint(storage::NewSessionId(clock_, "anonymous"), 60, &segments, &warnings);
  EXPECT_FALSE(segments[0].PreferredUrl().has_value());  // nothing it could be fetched with
  EXPECT_TRUE(segments[1].local_url.has_value());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("segment_000.wav: in S3, but S3 is not configured"),
            std::string::npos);
  EXPECT_NE(warnings[1].find("served locally"), std::string::npos);
}

TEST_F(GenerationServiceTest, CleanupRemovesOnlyTheCallersSessionsOlderThanTheCutoff) {
  SessionService sessions(&storage_, &catalog_, &minter_, &clock_, 600);
  auto old_mine = service_.Create({.user_id = 7}, Request("Old."));
  auto old_theirs = service_.Create({.user_id = 8}, Request("Theirs."));
  clock_.AdvanceSeconds(8 * kSecondsPerDay);
  auto new_mine = service_.Create({.user_id = 7}, Request("New."));
  ASSERT_TRUE(old_mine.ok() && old_theirs.ok() && new_mine.ok());

  auto report = sessions.Cleanup({.user_id = 7}, {.days_old = 7});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->local_files_removed, 1);
  EXPECT_EQ(report->local_sessions_removed, 1);
  EXPECT_FALSE(report->failed());
  EXPECT_FALSE(SessionDirExists(old_mine->session_id));
  EXPECT_EQ(sqlite_->GetSession(old_mine->session_id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(SessionDirExists(new_mine->session_id));
  EXPECT_TRUE(SessionDirExists(old_theirs->session_id));

  // Anonymous callers clean nothing; the operator cleans everyone's old sessions.
  EXPECT_EQ(sessions.Cleanup(Principal::Anonymous(), {.days_old = 7}).status().code(),
            StatusCode::kUnauthenticated);
  report = sessions.Cleanup(Principal::Operator(), {.days_old = 7});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->local_sessions_removed, 1);
  EXPECT_FALSE(SessionDirExists(old_theirs->session_id));
  EXPECT_TRUE(SessionDirExists(new_mine->session_id));
}

TEST_F(GenerationServiceTest, ACatalogRowThatCannotBeDeletedIsReportedAndCleanupGoesOn) {
  class UndeletableRows : public catalog::CatalogWrapper {
   public:
    using CatalogWrapper::CatalogWrapper;
    Status DeleteSession(std::string_view) override {
      return Status::Unavailable("injected: database is locked");
    }
  } catalog(sqlite_.get());
  GenerationService generation({}, &synthesizer_, &storage_, &catalog, &minter_, &clock_);
  SessionService sessions(&storage_, &catalog, &minter_, &clock_, 600);
  ASSERT_TRUE(generation.Create({.user_id = 7}, Request("One.")).ok());
  ASSERT_TRUE(generation.Create({.user_id = 7}, Request("Two.")).ok());
  clock_.AdvanceSeconds(1);
  auto report = sessions.Cleanup({.user_id = 7}, {.days_old = 0});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->local_files_removed, 2);  // both sessions were worked on
  EXPECT_EQ(report->local_errors, 2);
  EXPECT_TRUE(report->failed());
}

TEST_F(GenerationServiceTest, CleanupRefusesAnAgeOutOfRange) {
  SessionService sessions(&storage_, &catalog_, &minter_, &clock_, 600);
  auto r = sessions.Cleanup(Principal::Anonymous(), {.days_old = kMaxCleanupDays + 1});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "days_old");
  r = sessions.Cleanup(Principal::Anonymous(), {.days_old = -1});
  EXPECT_EQ(r.status().field(), "days_old");
}

// Rows in `table` of the catalog at `path`, read over a connection of its own (-1 on error).
int64_t CountRows(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  int64_t count = -1;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &stmt, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    count = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

// A second connection to the catalog's database, as another process would hold one.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) { sqlite3_open(path.c_str(), &db_); }
  ~RawSqlite() { sqlite3_close(db_); }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;
  bool Exec(const std::string& sql) {
    return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }

 private:
  sqlite3* db_ = nullptr;
};

// A lone segment's directory and files are made while the engine synthesizes it: what storing
// it costs most overlaps the synthesis. The stub's synthesis (on a thread of its own) does not
// end until it has seen them, so a service that made them only after the audio failed this.
TEST_F(GenerationServiceTest, ALoneSegmentsPlaceOnDiskIsMadeBeforeItsAudioIsWaitedFor) {
  std::vector<std::string> seen;  // the session directory's entries, seen during the synthesis
  engine_.before_synthesis = [&](int) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      auto sessions = FileSystem::Default()->ListDir(root_ + "/audio");
      if (sessions.ok() && sessions->size() == 1) {
        auto files = FileSystem::Default()->ListDir(root_ + "/audio/" + (*sessions)[0].name);
        if (files.ok() && files->size() == 2) {
          for (const DirEntry& f : *files) seen.push_back(f.name);
          return Status::Ok();
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return Status::Internal("no session directory with two files during the synthesis");
  };
  GenerationRequest request = Request("Hello there");
  request.marks = true;
  auto session = service_.Create(Principal::Anonymous(), request);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ASSERT_EQ(seen.size(), 2u);  // the audio's and the marks' pending files
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(TempFileTarget(seen[0]), "segment_000.marks.json") << seen[0];
  EXPECT_EQ(TempFileTarget(seen[1]), "segment_000.wav") << seen[1];
  auto files = FileSystem::Default()->ListDir(root_ + "/audio/" + session->session_id);
  ASSERT_TRUE(files.ok());
  std::vector<std::string> names;
  for (const DirEntry& f : *files) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  // Published under their names, nothing else left.
  EXPECT_EQ(names, (std::vector<std::string>{"segment_000.marks.json", "segment_000.wav"}));
}

TEST_F(GenerationServiceTest, ALoneSegmentThatFailsToSynthesizeLeavesNoPlaceOnDisk) {
  engine_.before_synthesis = [&](int) { return Status::Internal("engine crashed"); };
  auto r = service_.Create(Principal::Anonymous(), Request("Hello there"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_EQ(SessionDirs(), 0u) << "the prepared directory or its pending file was left";
  EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
}

TEST_F(GenerationServiceTest, ADiskThatFillsUpMidSessionIsTheServersFaultAndKeepsNothing) {
  fs_.writes_until_full = 1;  // the first segment is written, the second is not
  auto r = service_.Create(Principal::Anonymous(), Request("One. Two. Three."));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);  // a 500, blaming no field
  EXPECT_EQ(r.status().field(), "");
  EXPECT_EQ(SessionDirs(), 0u) << "the segment written before the disk filled was left";
  EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
  fs_.writes_until_full = -1;  // space again: the next request is whole
  EXPECT_TRUE(service_.Create(Principal::Anonymous(), Request("One. Two.")).ok());
}

TEST_F(GenerationServiceTest, ADiskFullUnderALoneSegmentKeepsNothing) {
  GenerationRequest request = Request("Hello there");
  request.marks = true;
  for (int written : {0, 1}) {  // the audio's file fails, or the marks' file after it
    SCOPED_TRACE(written);
    fs_.writes_until_full = written;
    auto r = service_.Create(Principal::Anonymous(), request);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kIOError);
    EXPECT_EQ(r.status().field(), "");
    EXPECT_EQ(SessionDirs(), 0u);
    EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
  }
  fs_.writes_until_full = -1;
  EXPECT_TRUE(service_.Create(Principal::Anonymous(), request).ok());
}

TEST_F(GenerationServiceTest, AReadOnlyAudioDirectoryIsTheServersFaultAndRecordsNothing) {
  fs_.read_only = true;
  for (const char* text : kLoneAndLonger) {
    SCOPED_TRACE(text);
    auto r = service_.Create(Principal::Anonymous(), Request(text));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kIOError);
    EXPECT_EQ(r.status().field(), "");
    EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
    EXPECT_EQ(SessionDirs(), 0u);
  }
}

// A lone segment's place on disk is made before its synthesis has answered; when both fail, the
// synthesis says why, since it may be the caller's text.
TEST_F(GenerationServiceTest, ASynthesisThatFailsIsTheAnswerEvenWhenTheDiskFailedToo) {
  fs_.read_only = true;
  engine_.before_synthesis = [](int) {
    return Status::InvalidField("text", "cannot be spoken in this language");
  };
  auto r = service_.Create(Principal::Anonymous(), Request("Hello there"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().field(), "text");
  EXPECT_EQ(SessionDirs(), 0u);
}

TEST_F(GenerationServiceTest, ADatabaseLockedByAnotherProcessIsUnavailableAndLeavesNoAudio) {
  RawSqlite other(root_ + "/swha.db");
  ASSERT_TRUE(other.Exec("BEGIN EXCLUSIVE"));  // held past the catalog's busy timeout
  auto r = service_.Create(Principal::Anonymous(), Request("One. Two."));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);  // a 503: try again later
  EXPECT_EQ(SessionDirs(), 0u);
  ASSERT_TRUE(other.Exec("ROLLBACK"));
  EXPECT_TRUE(service_.Create(Principal::Anonymous(), Request("One. Two.")).ok());
}

TEST_F(GenerationServiceTest, AFailureMidTransactionRecordsNoPartOfTheSession) {
  // The session row and the first segment are written; the second segment's insert fails, so
  // the transaction is already half done when it must be undone.
  RawSqlite other(root_ + "/swha.db");
  ASSERT_TRUE(
      other.Exec("CREATE TRIGGER fail_second_segment BEFORE INSERT ON segments WHEN NEW.idx = 1 "
                 "BEGIN SELECT RAISE(ABORT, 'injected: the disk under the database failed'); END"));
  auto r = service_.Create(Principal::Anonymous(), Request("One. Two. Three."));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);  // a 500, blaming no field
  EXPECT_EQ(r.status().field(), "");
  EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
  EXPECT_EQ(CountRows(root_ + "/swha.db", "segments"), 0);
  EXPECT_EQ(SessionDirs(), 0u);
  ASSERT_TRUE(other.Exec("DROP TRIGGER fail_second_segment"));
  EXPECT_TRUE(service_.Create(Principal::Anonymous(), Request("One. Two.")).ok());
  EXPECT_EQ(CountRows(root_ + "/swha.db", "segments"), 2);
}

// With S3 in memory (keep_local_copy off, as the benchmarks run it).
class GenerationServiceS3Test : public GenerationServiceTest {
 protected:
  void SetUp() override {
    GenerationServiceTest::SetUp();
    store_ = storage::MakeTestS3AudioStore(
        &s3_, &local_, &clock_,
        storage::S3AudioStoreOptions{.recheck_after_seconds = 60, .keep_local_copy = false});
    ASSERT_NE(store_, nullptr);
    storage_.use_s3_storage = true;
    storage_.s3 = store_.get();
  }
  // The S3 objects of `session`'s segment `filename`.
  std::string ObjectOf(const std::string& session_id, const std::string& filename) {
    const auto objects = s3_.objects();
    auto found = objects.find("/audio-bucket/audio/anonymous/" + session_id + "/" + filename);
    return found == objects.end() ? "<missing>" : found->second;
  }

  storage::MemoryS3 s3_;
  std::unique_ptr<storage::S3AudioStore> store_;
};

TEST_F(GenerationServiceS3Test, EachSegmentIsUploadedWhileTheNextOnesAreSynthesized) {
  // The first segment's upload waits for the second segment's synthesis to begin, and the last
  // segment's synthesis waits for that upload: a generate that uploaded only after
  // synthesizing everything, or that synthesized a segment only once the one before was
  // stored, would wait here in vain.
  std::atomic<bool> first_upload_overlapped_synthesis{false};
  s3_.before_put = [&](const std::string& path) {
    if (!path.ends_with("/segment_000.wav")) return;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (engine_.synthesis_calls < 2 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    first_upload_overlapped_synthesis = engine_.synthesis_calls >= 2;
  };
  std::atomic<bool> first_uploaded_before_last_synthesized{false};
  engine_.before_synthesis = [&](int call) {
    if (call == 3) {
      first_uploaded_before_last_synthesized =
          s3_.WaitForObject("/segment_000.wav", std::chrono::seconds(10));
    }
    return Status::Ok();
  };
  auto session = service_.Create(Principal::Anonymous(), Request("One. Two. Three."));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_TRUE(first_upload_overlapped_synthesis);
  EXPECT_TRUE(first_uploaded_before_last_synthesized);
  EXPECT_EQ(session->StorageType(), "s3");
  EXPECT_TRUE(session->warnings.empty()) << session->warnings[0];
  ASSERT_EQ(session->segments.size(), 3u);
  for (const Segment& seg : session->segments) {
    // In text order, each with the bytes and checksum it was promised under.
    EXPECT_EQ(seg.stored.filename, "segment_00" + std::to_string(seg.index) + ".wav");
    const std::string bytes = ObjectOf(session->session_id, seg.stored.filename);
    EXPECT_EQ(crypto::HexEncode(crypto::Sha256(bytes)), seg.sha256_hex) << seg.index;
    EXPECT_EQ(static_cast<int64_t>(bytes.size()), seg.byte_size);
  }
  EXPECT_NE(ObjectOf(session->session_id, "segment_000.wav"),
            ObjectOf(session->session_id, "segment_001.wav"));
  EXPECT_EQ(SessionDirs(), 0u);  // S3 took every segment: nothing was written locally
  EXPECT_EQ(CountRows(root_ + "/swha.db", "segments"), 3);
}

TEST_F(GenerationServiceS3Test, AnEngineFaultAfterSomeUploadsTakesThemBack) {
  engine_.before_synthesis = [&](int call) {
    if (call < 3) return Status::Ok();
    // Fails only once the first two are surely in S3, so there is something to take back.
    EXPECT_TRUE(s3_.WaitForObject("/segment_001.wav", std::chrono::seconds(10)));
    return Status::Internal("espeak-ng failed");
  };
  auto r = service_.Create(Principal::Anonymous(), Request("One. Two. Three."));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_TRUE(s3_.objects().empty()) << s3_.objects().begin()->first;
  EXPECT_EQ(SessionDirs(), 0u);
  EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
}

TEST_F(GenerationServiceS3Test, WithS3DownEverySegmentIsKeptLocallyAndQueuedAndNoWarningRepeats) {
  s3_.down = true;
  auto session = service_.Create(Principal::Anonymous(), Request("One. Two. Three. Four."));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(session->StorageType(), "local");
  for (const Segment& seg : session->segments) {
    EXPECT_TRUE(seg.stored.upload_pending) << seg.index;
    EXPECT_TRUE(seg.local_url.has_value()) << seg.index;
  }
  // Whatever the order the segments found S3 down in, no warning is said twice, and the count
  // of queued segments is the session's.
  const std::set<std::string> unique(session->warnings.begin(), session->warnings.end());
  EXPECT_EQ(unique.size(), session->warnings.size());
  EXPECT_EQ(std::ranges::count(session->warnings,
                               "4 segment(s) queued: uploaded to S3 once it takes them"),
            1);
  EXPECT_EQ(CountRows(root_ + "/swha.db", "segments"), 4);
}

TEST_F(GenerationServiceS3Test, AStreamWithS3DownCountsItsQueuedSegmentsOnceForTheSession) {
  // Each streamed segment is stored alone; the session's warning counts all of them, once.
  s3_.down = true;
  const GenerationRequest request = Request("One. Two. Three.");
  auto start = service_.StartStreaming(Principal::Anonymous(), request);
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  int observed = 0;
  auto session = service_.CreateStreaming(
      Principal::Anonymous(), request, std::move(*start),
      [&](const Segment& seg, const std::vector<std::string>& warnings) {
        ++observed;
        EXPECT_TRUE(seg.stored.upload_pending) << seg.index;
        EXPECT_FALSE(warnings.empty()) << "segment " << seg.index << " says nothing of S3";
        return true;
      });
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(observed, 3);
  EXPECT_EQ(std::ranges::count(session->warnings,
                               "3 segment(s) queued: uploaded to S3 once it takes them"),
            1)
      << testing::PrintToString(session->warnings);
  EXPECT_EQ(std::ranges::count_if(session->warnings,
                                  [](const std::string& w) { return w.find("queued") != w.npos; }),
            1)
      << testing::PrintToString(session->warnings);
}

TEST_F(GenerationServiceS3Test, OneRefusedSegmentStaysLocalWithoutTakingTheBucketDown) {
  // Each segment is stored apart from the others; one refusal must not make the rest of this
  // session, and every request after it, skip a bucket that works.
  s3_.refused_suffix = "/segment_001.wav";
  auto session = service_.Create(Principal::Anonymous(), Request("One. Two. Three. Four."));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  ASSERT_EQ(session->segments.size(), 4u);
  for (const Segment& seg : session->segments) {
    EXPECT_EQ(storage::InS3(seg.stored.location), seg.index != 1) << seg.index;
  }
  EXPECT_TRUE(session->segments[1].stored.upload_pending);
  EXPECT_TRUE(store_->availability().available) << store_->availability().last_error;
}

TEST_F(GenerationServiceS3Test, ALocalWriteThatFailsWhileS3IsDownKeepsNoPartOfTheSession) {
  s3_.down = true;
  fs_.writes_until_full = 1;  // the first segment kept locally is written, the next is not
  auto r = service_.Create(Principal::Anonymous(), Request("One. Two. Three."));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIOError);
  EXPECT_EQ(SessionDirs(), 0u);
  EXPECT_EQ(CountRows(root_ + "/swha.db", "sessions"), 0);
  fs_.writes_until_full = -1;
  s3_.down = false;
  EXPECT_TRUE(service_.Create(Principal::Anonymous(), Request("One. Two.")).ok());
}

}  // namespace
}  // namespace swha::service
