// The access log: one line per request with method, path and status; never the request text,
// never a URL signature.
#include <regex>
#include <sstream>
#include <string>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

int CountRequestLines(const std::string& log) {
  const std::regex request_line(R"( (GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) /\S* \d{3} )");
  std::istringstream lines(log);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, request_line)) ++count;
  }
  return count;
}

TEST(LoggingTest, OneLinePerRequestWithoutTextOrSignatures) {
  testing::ServerProcess server;
  const Status started = server.Start({});
  ASSERT_TRUE(started.ok()) << started.message();
  auto client = MakeClient(server.port());
  const std::string marker = "Xylophonic" + std::to_string(NowUnixSeconds() % 100000) + "Quokka";

  auto body = Generate(*client, {{"text", "Please say " + marker + " out loud."}});
  ASSERT_TRUE(body);
  const std::string url = body->at("audio_files")[0];
  auto parsed = ParseAudioUrl(url);
  ASSERT_TRUE(parsed);
  auto simple = client->Post(WithQuery(kGenerateSimplePath, {{"text", marker + " again"}}));
  ASSERT_TRUE(simple);
  EXPECT_EQ(simple->status, 200);
  auto invalid = PostJson(*client, kGeneratePath, {{"text", marker}, {"voice", "nobody"}});
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 422);
  ASSERT_TRUE(Download(*client, url));
  AudioUrl forged = *parsed;
  forged.signature[0] = forged.signature[0] == 'a' ? 'b' : 'a';
  auto forbidden = client->Get(forged.Build());
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
  auto health = client->Get("/health");
  ASSERT_TRUE(health);
  constexpr int kRequests = 6;

  // The log line is written after the response, so wait for it.
  EXPECT_TRUE(WaitFor([&] { return CountRequestLines(server.ReadLog()) >= kRequests; },
                      std::chrono::seconds(5)));
  const std::string log = server.ReadLog();
  EXPECT_EQ(CountRequestLines(log), kRequests) << log;
  EXPECT_EQ(CountOccurrences(log, " POST /api/v1/tts/generate 200 "), 1) << log;
  EXPECT_EQ(CountOccurrences(log, " POST /api/v1/tts/generate 422 "), 1) << log;
  EXPECT_EQ(CountOccurrences(log, " POST /api/v1/tts/generate-simple 200 "), 1) << log;
  EXPECT_EQ(CountOccurrences(log, " GET " + parsed->Path() + " 200 "), 1) << log;
  EXPECT_EQ(CountOccurrences(log, " GET " + parsed->Path() + " 403 "), 1) << log;
  EXPECT_EQ(CountOccurrences(log, " GET /health 200 "), 1) << log;

  EXPECT_EQ(log.find(marker), std::string::npos) << log;
  EXPECT_EQ(log.find("signature="), std::string::npos) << log;
  EXPECT_EQ(log.find(parsed->signature), std::string::npos) << log;
  EXPECT_EQ(log.find("expires="), std::string::npos) << log;
}

}  // namespace
}  // namespace swha::blackbox
