// Signed URLs survive a restart when the key was generated into DATA_DIR, and stop working
// when the server is given another SECRET_KEY.
#include <cstdio>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

// ServerProcess::Start reads the port from <data_dir>/server.stdout, which the child truncates
// only after the fork; a stale file from the previous server in the same DATA_DIR can be read
// first and yield the old port. Removing it makes every start wait for the new server's line.
void ForgetPreviousServer(const std::string& data_dir) {
  std::remove((data_dir + "/server.stdout").c_str());
}

TEST(SecretKeyTest, GeneratedKeyPersistsAcrossRestartsAndAnotherKeyRevokesUrls) {
  ScopedTempDir dir;
  std::string url;
  std::string audio;
  {
    testing::ServerProcess first;
    testing::ServerOptions options;
    options.data_dir = dir.path();
    const Status started = first.Start(options);
    ASSERT_TRUE(started.ok()) << started.message();
    auto client = MakeClient(first.port());
    auto body = Generate(*client, {{"text", "Remember me."}});
    ASSERT_TRUE(body);
    url = body->at("audio_files")[0];
    auto wav = Download(*client, url);
    ASSERT_TRUE(wav);
    audio = *wav;
    // The key was generated and kept in DATA_DIR.
    const std::string key = ReadFileBytes(dir.path() + "/secret_key");
    EXPECT_GE(key.size(), 32u);
    first.Stop();
  }
  {
    ForgetPreviousServer(dir.path());
    testing::ServerProcess second;
    testing::ServerOptions options;
    options.data_dir = dir.path();
    const Status started = second.Start(options);
    ASSERT_TRUE(started.ok()) << started.message();
    auto client = MakeClient(second.port());
    auto res = client->Get(url);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->body, audio);
    second.Stop();
  }
  {
    ForgetPreviousServer(dir.path());
    testing::ServerProcess third;
    testing::ServerOptions options;
    options.data_dir = dir.path();
    options.env = {{"SECRET_KEY", "a-different-secret-key-0123456789"}};
    const Status started = third.Start(options);
    ASSERT_TRUE(started.ok()) << started.message();
    auto client = MakeClient(third.port());
    auto res = client->Get(url);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 403) << res->body;
    third.Stop();
  }
}

}  // namespace
}  // namespace swha::blackbox
