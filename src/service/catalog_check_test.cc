// The catalog check on local storage: what it finds, what repair removes, and what it never
// touches (young audio that a generation may still be recording, rows that still have audio).
// The S3 side runs against a real gateway in tests/blackbox/two_instances_test.cc.
#include "service/catalog_check.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/time.h>

#include <functional>

#include "catalog/catalog_wrapper.h"
#include "storage/session_id.h"
#include "util/file_system.h"

namespace swha::service {
namespace {

constexpr int64_t kNow = 1'795'496'553;
constexpr int64_t kLongAgo = kNow - 7 * 24 * 3600;

class CatalogCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenSqliteCatalog(root_ + "/swha.db");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    catalog_ = std::move(*c);
    storage_.local = &local_;
  }
  void TearDown() override { (void)RemoveTree(FileSystem::Default(), root_); }

  static std::string MakeRoot() {
    char tmpl[] = "/tmp/swha-catalog-check-XXXXXX";
    return mkdtemp(tmpl);
  }

  // A session of two local segments; its audio is stored (with marks when `marks`), its row
  // recorded when `recorded`, and its files dated `mtime`.
  std::string MakeSession(bool recorded, int64_t mtime, bool marks = false) {
    std::string id = storage::NewSessionId(clock_, "7");
    const std::vector<storage::SegmentFile> files = {
        {"segment_000.wav", "RIFF0", marks ? "[]" : ""},
        {"segment_001.wav", "RIFF1", marks ? "[]" : ""}};
    auto stored = local_.Publish(id, files);
    EXPECT_TRUE(stored.ok());
    const timeval times[2] = {{mtime, 0}, {mtime, 0}};
    for (const auto& f : files) {
      utimes(Path(id, f.filename).c_str(), times);
      if (marks) utimes(Path(id, storage::MarksFilename(f.filename)).c_str(), times);
    }
    utimes((root_ + "/audio/" + id).c_str(), times);
    if (recorded) {
      catalog::SessionRecord row;
      row.session_id = id;
      row.owner = "7";
      row.created_at_ms = mtime * 1000;
      for (int i = 0; i < 2; ++i) {
        catalog::SegmentRecord seg;
        seg.index = i;
        seg.filename = files[i].filename;
        seg.location = storage::Location::kLocal;
        if (stored.ok()) seg.marks_filename = stored->segments[i].marks_filename;
        row.segments.push_back(seg);
      }
      EXPECT_TRUE(catalog_->RecordSession(row).ok());
    }
    return id;
  }
  std::string Path(const std::string& id, const std::string& file) const {
    return root_ + "/audio/" + id + "/" + file;
  }
  bool Exists(const std::string& path) const { return FileSystem::Default()->Stat(path).ok(); }

  CatalogCheckReport Run(bool repair) {
    CatalogChecker checker(catalog_.get(), &storage_, &clock_);
    auto report = checker.Run({.repair = repair});
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : CatalogCheckReport{};
  }

  const std::string root_ = MakeRoot();
  ManualClock clock_{kNow * 1000};
  storage::AudioStore local_{FileSystem::Default(), root_ + "/audio"};
  StorageBackends storage_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_F(CatalogCheckTest, AConsistentStoreIsClean) {
  MakeSession(/*recorded=*/true, kLongAgo);
  MakeSession(/*recorded=*/true, kNow);
  const CatalogCheckReport r = Run(/*repair=*/false);
  EXPECT_EQ(r.sessions_checked, 2);
  EXPECT_EQ(r.segments_checked, 4);
  EXPECT_FALSE(r.s3_checked);
  EXPECT_TRUE(r.clean());
}

TEST_F(CatalogCheckTest, FindsBothKindsOfInconsistencyAndRepairsWhatItCan) {
  const std::string orphan = MakeSession(/*recorded=*/false, kLongAgo);
  const std::string young = MakeSession(/*recorded=*/false, kNow - 60);  // being recorded?
  const std::string gutted = MakeSession(/*recorded=*/true, kLongAgo);
  const std::string damaged = MakeSession(/*recorded=*/true, kLongAgo);
  const std::string fine = MakeSession(/*recorded=*/true, kLongAgo);
  ASSERT_TRUE(local_.RemoveSessionDir(gutted).ok());
  ASSERT_TRUE(FileSystem::Default()->RemoveFile(Path(damaged, "segment_001.wav")).ok());

  CatalogCheckReport found = Run(/*repair=*/false);
  EXPECT_FALSE(found.clean());
  EXPECT_EQ(found.orphan_local, std::vector<std::string>{orphan + "/"});
  EXPECT_EQ(found.missing_local.size(), 3u);  // both of gutted's, one of damaged's
  EXPECT_EQ(found.unrepaired.size(), 1u);     // damaged still has audio: kept, reported
  EXPECT_EQ(found.rows_removed, 0);
  EXPECT_TRUE(Exists(Path(orphan, "segment_000.wav")));  // a check alone changes nothing

  CatalogCheckReport repaired = Run(/*repair=*/true);
  EXPECT_EQ(repaired.local_files_removed, 2);
  EXPECT_EQ(repaired.rows_removed, 1);
  EXPECT_FALSE(repaired.clean());  // damaged
  EXPECT_FALSE(Exists(root_ + "/audio/" + orphan));
  EXPECT_TRUE(Exists(Path(young, "segment_000.wav")));
  EXPECT_EQ(catalog_->GetSession(gutted).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(catalog_->GetSession(damaged).ok());
  EXPECT_TRUE(catalog_->GetSession(fine).ok());
  EXPECT_TRUE(Exists(Path(fine, "segment_001.wav")));

  // Once the damaged session is gone, and the young orphan has aged, all is clean.
  ASSERT_TRUE(catalog_->DeleteSession(damaged).ok());
  ASSERT_TRUE(local_.RemoveSessionDir(damaged).ok());
  clock_.AdvanceSeconds(kDefaultOrphanGraceSeconds);
  CatalogCheckReport aged = Run(/*repair=*/true);
  EXPECT_EQ(aged.orphan_local, std::vector<std::string>{young + "/"});
  EXPECT_TRUE(aged.clean());
  EXPECT_TRUE(Run(/*repair=*/false).clean());
}

// A session deleted while storage held on to part of its audio: what is left is the removal's,
// neither missing nor an orphan; repair finishes the removal.
TEST_F(CatalogCheckTest, ASessionBeingRemovedIsPendingAndRepairFinishesIt) {
  const std::string removing = MakeSession(/*recorded=*/true, kLongAgo);
  const std::string fine = MakeSession(/*recorded=*/true, kLongAgo);
  ASSERT_TRUE(catalog_->BeginSessionRemoval(removing, kNow * 1000, kNow * 1000).ok());
  ASSERT_TRUE(FileSystem::Default()->RemoveFile(Path(removing, "segment_000.wav")).ok());

  const CatalogCheckReport found = Run(/*repair=*/false);
  EXPECT_EQ(found.removal_pending, std::vector<std::string>{removing});
  EXPECT_TRUE(found.missing_local.empty());
  EXPECT_TRUE(found.orphan_local.empty());
  EXPECT_EQ(found.sessions_checked, 1);
  EXPECT_TRUE(found.clean()) << "a removal under way is not an inconsistency";
  EXPECT_TRUE(Exists(Path(removing, "segment_001.wav")));

  const CatalogCheckReport repaired = Run(/*repair=*/true);
  EXPECT_EQ(repaired.removals_finished, 1);
  EXPECT_TRUE(repaired.clean());
  EXPECT_FALSE(Exists(Path(removing, "segment_001.wav")));
  EXPECT_TRUE(catalog_->SessionsBeingRemoved()->empty());
  EXPECT_TRUE(Exists(Path(fine, "segment_000.wav")));
  EXPECT_TRUE(Run(/*repair=*/false).removal_pending.empty());
}

// A lost marks file is reported; the row keeps its audio, so repair leaves it.
TEST_F(CatalogCheckTest, LostMarksAreReportedAndTheirSessionKept) {
  const std::string marked = MakeSession(/*recorded=*/true, kLongAgo, /*marks=*/true);
  EXPECT_TRUE(Run(/*repair=*/false).clean());
  ASSERT_TRUE(FileSystem::Default()->RemoveFile(Path(marked, "segment_001.marks.json")).ok());
  CatalogCheckReport found = Run(/*repair=*/true);
  EXPECT_EQ(found.missing_local, std::vector<std::string>{marked + "/segment_001.marks.json"});
  EXPECT_FALSE(found.clean());  // repair cannot bring them back
  ASSERT_EQ(found.unrepaired.size(), 1u);
  EXPECT_NE(found.unrepaired[0].find("lost the marks of segment_001.wav"), std::string::npos);
  EXPECT_EQ(found.rows_removed, 0);
  EXPECT_TRUE(catalog_->GetSession(marked).ok());
  EXPECT_TRUE(Exists(Path(marked, "segment_000.marks.json")));

  // An unrecorded session with marks is an orphan like any other, its marks files included.
  const std::string orphan = MakeSession(/*recorded=*/false, kLongAgo, /*marks=*/true);
  CatalogCheckReport swept = Run(/*repair=*/true);
  EXPECT_EQ(swept.orphan_local, std::vector<std::string>{orphan + "/"});
  EXPECT_EQ(swept.local_files_removed, 4);
  EXPECT_FALSE(Exists(root_ + "/audio/" + orphan));
}

// A generation that stores its audio and records its row while the check runs, between the
// check's reading of the catalog and its listing of storage.
class GenerationDuringTheCheck : public catalog::CatalogWrapper {
 public:
  GenerationDuringTheCheck(catalog::Catalog* target, std::function<void()> generate)
      : CatalogWrapper(target), generate_(std::move(generate)) {}
  Result<std::vector<catalog::SessionRecord>> SessionsCreatedBefore(
      std::optional<std::string_view> owner, int64_t cutoff_ms) override {
    auto rows = CatalogWrapper::SessionsCreatedBefore(owner, cutoff_ms);
    generate_();
    return rows;
  }

 private:
  std::function<void()> generate_;
};

TEST_F(CatalogCheckTest, ASessionMadeDuringTheCheckSurvivesRepair) {
  MakeSession(/*recorded=*/true, kLongAgo);
  std::string made_during;
  GenerationDuringTheCheck racing(catalog_.get(),
                                  [&] { made_during = MakeSession(/*recorded=*/true, kNow); });
  CatalogChecker checker(&racing, &storage_, &clock_);
  auto report = checker.Run({.repair = true});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->clean());
  EXPECT_EQ(report->rows_removed, 0);
  EXPECT_TRUE(catalog_->GetSession(made_during).ok());
  EXPECT_TRUE(Exists(Path(made_during, "segment_000.wav")));
}

// An empty catalog beside full storage is most likely the wrong catalog: repair refuses to
// empty the storage unless forced.
TEST_F(CatalogCheckTest, RepairAgainstAnEmptyCatalogIsRefusedUnlessForced) {
  const std::string orphan = MakeSession(/*recorded=*/false, kLongAgo);
  CatalogChecker checker(catalog_.get(), &storage_, &clock_);
  auto refused = checker.Run({.repair = true});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("Nothing was deleted"), std::string::npos);
  EXPECT_TRUE(Exists(Path(orphan, "segment_000.wav")));
  auto found = checker.Run({.repair = false});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->orphan_local.size(), 1u);
  auto forced = checker.Run({.repair = true, .force = true});
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->local_files_removed, 2);
}

}  // namespace
}  // namespace swha::service
