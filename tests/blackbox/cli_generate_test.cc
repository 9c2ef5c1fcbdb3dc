// `swha-tts generate --input` beside a running server on the same DATA_DIR: the session it
// makes is the HTTP API's (in the catalog, owned by the user named, its URLs signed with the
// server's key), so the server serves it.
#include <regex>
#include <sstream>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

TEST(CliGenerateTest, AFileBecomesTheUsersSessionWhichTheServerServes) {
  ScopedTempDir data;
  SharedServer server({.data_dir = data.path()});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  const std::string token = SignUp(*client, "cli-author");
  ASSERT_FALSE(token.empty());
  WriteFileBytes(data.path() + "/chapter.txt", "The first line.\nThe second line, a bit longer.\n");

  const auto r = testing::RunCommand(
      testing::ServerBinary(),
      {"generate", "--input", "chapter.txt", "--user", "cli-author", "--format", "opus", "--marks"},
      {{"DATA_DIR", data.path()}}, data.path());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex(R"(session (\S+) \(storage local, 2)")))
      << r.output;
  const std::string session = m[1];

  auto mine = MakeClientFor(server.port(), token);
  auto listed = mine->Get("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_EQ(ParseJson(listed->body)["audio_segments"].size(), 2u);
  // Every URL printed opens on the server: audio, then its marks.
  std::istringstream lines(r.output);
  int urls = 0;
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("/static/audio/")) continue;
    auto got = client->Get(line);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->status, 200) << line;
    EXPECT_EQ(got->get_header_value("Content-Type"),
              line.find(".marks.json") != std::string::npos ? "application/json" : "audio/ogg");
    ++urls;
  }
  EXPECT_EQ(urls, 4);

  // Text that is not UTF-8 (a Latin-1 file): refused before anything is stored.
  WriteFileBytes(data.path() + "/latin1.txt", "Caf\xe9 au lait.\n");
  const auto latin1 =
      testing::RunCommand(testing::ServerBinary(), {"generate", "--input", "latin1.txt"},
                          {{"DATA_DIR", data.path()}}, data.path());
  EXPECT_EQ(latin1.exit_code, 1);
  EXPECT_NE(latin1.output.find("text: must be UTF-8"), std::string::npos) << latin1.output;

  // A user that does not exist: one line, nothing made.
  const auto unknown = testing::RunCommand(
      testing::ServerBinary(), {"generate", "--input", "chapter.txt", "--user", "nobody-here"},
      {{"DATA_DIR", data.path()}}, data.path());
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("User not found"), std::string::npos) << unknown.output;
}

}  // namespace
}  // namespace swha::blackbox
