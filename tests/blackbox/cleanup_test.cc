// POST /api/v1/tts/cleanup: removes files older than days_old, counts files (not directories),
// leaves fresh sessions alone and never follows symlinks out of AUDIO_DIR.
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

constexpr int64_t kTenDays = 10 * 86400;

// Sets the access and modification times of `path` (not following a symlink) to `unix_seconds`.
bool Backdate(const std::string& path, int64_t unix_seconds) {
  const timeval times[2] = {{unix_seconds, 0}, {unix_seconds, 0}};
  return lutimes(path.c_str(), times) == 0;
}

class CleanupTest : public DefaultServerTest {
 protected:
  static std::string SessionDir(const json& body) {
    return server_->process().audio_dir() + "/" + body.at("session_id").get<std::string>();
  }
};

TEST_F(CleanupTest, RemovesOldSessionsFileByFileAndKeepsFreshOnes) {
  auto old_session =
      Generate(*client_, {{"text", "Old one. Old two. Old three."}, {"split_pattern", "[.]\\s+"}});
  auto fresh_session = Generate(*client_, {{"text", "Fresh."}});
  ASSERT_TRUE(old_session && fresh_session);
  const std::string old_dir = SessionDir(*old_session);
  const std::string fresh_dir = SessionDir(*fresh_session);
  const std::vector<std::string> old_files = ListNames(old_dir);
  ASSERT_EQ(old_files.size(), 3u);
  const std::vector<std::string> fresh_files = ListNames(fresh_dir);
  for (const std::string& name : old_files) {
    ASSERT_TRUE(Backdate(StrCat({old_dir, "/", name}), NowUnixSeconds() - kTenDays)) << name;
  }

  auto res = client_->Post("/api/v1/tts/cleanup?days_old=7");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object()) << res->body;
  ASSERT_TRUE(body.at("local_files_cleaned").is_number_integer());
  EXPECT_EQ(body.at("local_files_cleaned"), old_files.size());
  EXPECT_EQ(body.at("s3_files_cleaned"), 0);
  EXPECT_EQ(body.at("message"), "Cleanup completed for files older than 7 days");
  EXPECT_FALSE(body.contains("s3_cleanup_error"));

  struct stat st {};
  EXPECT_NE(lstat(old_dir.c_str(), &st), 0) << old_dir << " still exists";
  EXPECT_EQ(ListNames(fresh_dir), fresh_files);
  EXPECT_TRUE(Download(*client_, fresh_session->at("audio_files")[0]));
  auto gone = client_->Get(old_session->at("audio_files")[0].get<std::string>());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);

  // Nothing is old any more.
  res = client_->Post("/api/v1/tts/cleanup?days_old=7");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body).at("local_files_cleaned"), 0);
}

TEST_F(CleanupTest, NeverFollowsASymlinkOutOfAudioDir) {
  ScopedTempDir outside;
  const std::string victim = outside.path() + "/segment_000.wav";
  WriteFileBytes(victim, "must survive");
  ASSERT_TRUE(Backdate(victim, NowUnixSeconds() - kTenDays));
  const std::string link =
      server_->process().audio_dir() + "/1600000000000_anonymous_0123456789abcdef0123456789abcdef";
  ASSERT_EQ(symlink(outside.path().c_str(), link.c_str()), 0);
  ASSERT_TRUE(Backdate(link, NowUnixSeconds() - kTenDays));

  auto res = client_->Post("/api/v1/tts/cleanup?days_old=7");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body).at("local_files_cleaned"), 0);
  EXPECT_EQ(ReadFileBytes(victim), "must survive");
  EXPECT_EQ(unlink(link.c_str()), 0);
}

TEST_F(CleanupTest, InvalidParametersAre422) {
  for (const char* query :
       {"days_old=-1", "days_old=abc", "days_old=1.5", "days_old=36501", "cleanup_s3=maybe"}) {
    SCOPED_TRACE(query);
    auto res = client_->Post(std::string("/api/v1/tts/cleanup?") + query);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
    const json body = ParseJson(res->body);
    ASSERT_TRUE(body.is_object() && body.at("detail").is_array()) << res->body;
    EXPECT_EQ(body.at("detail")[0].at("loc")[0], "query");
  }
}

}  // namespace
}  // namespace swha::blackbox
