// POST /api/v1/tts/cleanup: a user removes their own sessions older than days_old (audio and
// catalog row), counts files (not directories), never touches anyone else's, and never
// follows symlinks out of AUDIO_DIR; anonymous callers clean nothing.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

class CleanupTest : public DefaultServerTest {
 protected:
  static std::string SessionDir(const json& body) {
    return server_->process().audio_dir() + "/" + body.at("session_id").get<std::string>();
  }
  // A signed-in client for a user of this suite's own.
  std::unique_ptr<httplib::Client> NewUser(const std::string& name) {
    const std::string token = SignUp(*client_, name);
    EXPECT_FALSE(token.empty());
    return MakeClientFor(server_->port(), token);
  }
};

// Ages come from the catalog (when a session was made), so days_old=0 takes every session
// made before the call; which ages are kept is covered with an injected clock in
// src/service/generation_service_test.cc.
TEST_F(CleanupTest, RemovesTheCallersSessionsFileByFileAndNobodyElses) {
  auto alice = NewUser("cleanup-alice");
  auto bob = NewUser("cleanup-bob");
  auto mine =
      Generate(*alice, {{"text", "Old one. Old two. Old three."}, {"split_pattern", "[.]\\s+"}});
  auto theirs = Generate(*bob, {{"text", "Not yours."}});
  auto anonymous = Generate(*client_, {{"text", "Nobody's."}});
  ASSERT_TRUE(mine && theirs && anonymous);
  const std::string my_dir = SessionDir(*mine);
  ASSERT_EQ(ListNames(my_dir).size(), 3u);
  const std::vector<std::string> their_files = ListNames(SessionDir(*theirs));

  auto res = alice->Post("/api/v1/tts/cleanup?days_old=7");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body).at("local_files_cleaned"), 0) << "nothing is a week old";

  res = alice->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = ParseJson(res->body);
  ASSERT_TRUE(body.is_object()) << res->body;
  ASSERT_TRUE(body.at("local_files_cleaned").is_number_integer());
  EXPECT_EQ(body.at("local_files_cleaned"), 3);
  EXPECT_EQ(body.at("s3_files_cleaned"), 0);
  EXPECT_EQ(body.at("message"), "Cleanup completed for files older than 0 days");
  EXPECT_FALSE(body.contains("s3_cleanup_error"));

  struct stat st {};
  EXPECT_NE(lstat(my_dir.c_str(), &st), 0) << my_dir << " still exists";
  auto gone = alice->Get(mine->at("audio_files")[0].get<std::string>());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  auto row = alice->Get("/api/v1/tts/sessions/" + mine->at("session_id").get<std::string>());
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, 404) << "the catalog still lists a cleaned session";
  // Bob's and the anonymous session are untouched.
  EXPECT_EQ(ListNames(SessionDir(*theirs)), their_files);
  EXPECT_TRUE(Download(*bob, theirs->at("audio_files")[0]));
  EXPECT_TRUE(Download(*client_, anonymous->at("audio_files")[0]));

  // Nothing of Alice's is left.
  res = alice->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body).at("local_files_cleaned"), 0);
}

TEST_F(CleanupTest, AnonymousCallersCleanNothing) {
  auto anonymous = Generate(*client_, {{"text", "Keep me."}});
  ASSERT_TRUE(anonymous);
  auto res = client_->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(ParseJson(res->body).at("detail"), "Not authenticated");
  EXPECT_TRUE(Download(*client_, anonymous->at("audio_files")[0]));
}

// A session directory swapped for a symlink (by anyone with access to the disk) must not let
// a cleanup or a delete unlink files outside AUDIO_DIR.
TEST_F(CleanupTest, NeverFollowsASymlinkOutOfAudioDir) {
  auto carol = NewUser("cleanup-carol");
  auto made = Generate(*carol, {{"text", "Swapped."}});
  ASSERT_TRUE(made);
  ScopedTempDir outside;
  const std::string victim = outside.path() + "/segment_000.wav";
  WriteFileBytes(victim, "must survive");
  const std::string dir = SessionDir(*made);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(symlink(outside.path().c_str(), dir.c_str()), 0);

  auto res = carol->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(ParseJson(res->body).at("local_files_cleaned"), 0);
  EXPECT_EQ(ReadFileBytes(victim), "must survive");
  EXPECT_EQ(unlink(dir.c_str()), 0);
}

TEST_F(CleanupTest, InvalidParametersAre422) {
  auto dave = NewUser("cleanup-dave");
  for (const char* query :
       {"days_old=-1", "days_old=abc", "days_old=1.5", "days_old=36501", "cleanup_s3=maybe"}) {
    SCOPED_TRACE(query);
    auto res = dave->Post(std::string("/api/v1/tts/cleanup?") + query);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
    const json body = ParseJson(res->body);
    ASSERT_TRUE(body.is_object() && body.at("detail").is_array()) << res->body;
    EXPECT_EQ(body.at("detail")[0].at("loc")[0], "query");
  }
}

}  // namespace
}  // namespace swha::blackbox
