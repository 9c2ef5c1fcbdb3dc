// generate with "stream": true: one NDJSON line per segment as it is stored (its URL already
// serves the audio while later segments are still being made), then the whole answer; a
// client that leaves takes the session with it; mistakes are refused before the stream.
#include <regex>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

class GenerateStreamTest : public DefaultServerTest {
 protected:
  static int SessionCount() { return CountEntries(server_->process().audio_dir()); }

  httplib::Result Stream(const json& body, const std::function<bool(const json&)>& on_line) {
    return PostJsonLines(*client_, kGeneratePath, body, on_line);
  }
};

std::string Lines(int count) {
  std::string text;
  for (int i = 1; i <= count; ++i) {
    text += "Line number " + std::to_string(i) + " of the streamed text.\n";
  }
  return text;
}

TEST_F(GenerateStreamTest, EachSegmentArrivesStoredThenTheWholeAnswer) {
  // Signed in, so that the session can be looked up afterwards.
  const std::string token = SignUp(*client_, "streamer");
  ASSERT_FALSE(token.empty());
  client_->set_bearer_token_auth(token);
  std::vector<json> segments;
  std::optional<json> done;
  bool first_served_before_the_end = false;
  auto res = Stream({{"text", Lines(6)}, {"stream", true}, {"marks", true}}, [&](const json& l) {
    if (l["type"] == "segment") {
      EXPECT_FALSE(done.has_value());
      segments.push_back(l["segment"]);
      EXPECT_TRUE(l["warnings"].is_array());
      if (segments.size() == 1) {
        // Stored and signed already, while the other five are still to come.
        auto audio = Download(*MakeClient(server_->port()), l["segment"]["local_url"]);
        first_served_before_the_end = audio.has_value() && IsSpeechWav(*audio, 0.5, 10);
      }
    } else {
      EXPECT_EQ(l["type"], "done") << l.dump();
      done = l;
    }
    return true;
  });
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-ndjson");
  EXPECT_TRUE(first_served_before_the_end);
  ASSERT_EQ(segments.size(), 6u);
  ASSERT_TRUE(done.has_value());
  for (size_t i = 0; i < segments.size(); ++i) {
    EXPECT_EQ(segments[i]["index"], i);
    EXPECT_EQ(segments[i]["graphemes"],
              "Line number " + std::to_string(i + 1) + " of the streamed text.");
    EXPECT_FALSE(segments[i]["marks"].empty());
    // Each segment's marks are stored beside its audio as it streams.
    auto marks = Download(*client_, segments[i]["marks_url"]);
    ASSERT_TRUE(marks.has_value());
    EXPECT_EQ(ParseJson(*marks), segments[i]["marks"]);
    EXPECT_EQ((*done)["audio_segments"][i], segments[i]);
    EXPECT_EQ((*done)["audio_files"][i], segments[i]["local_url"]);
  }
  EXPECT_EQ((*done)["total_segments"], 6);
  EXPECT_EQ((*done)["message"], "Speech generated successfully");
  // Recorded like any other session.
  auto listed = client_->Get("/api/v1/tts/sessions/" + (*done)["session_id"].get<std::string>());
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->status, 200) << listed->body;
  const std::regex complete(R"(POST /api/v1/tts/generate 200 [0-9.]+ms stream complete)");
  EXPECT_TRUE(WaitFor([&] { return std::regex_search(server_->process().ReadLog(), complete); },
                      std::chrono::seconds(5)));
}

TEST_F(GenerateStreamTest, AClientThatLeavesTakesTheSessionWithIt) {
  const int before = SessionCount();
  auto res = Stream({{"text", Lines(40)}, {"stream", true}}, [](const json& line) {
    EXPECT_EQ(line["type"], "segment");
    return false;  // hang up after the first segment
  });
  EXPECT_FALSE(res);
  const std::regex stopped(R"(generate stream stopped after (\d+) of 40 segments)");
  std::string log;
  ASSERT_TRUE(WaitFor(
      [&] {
        log = server_->process().ReadLog();
        return std::regex_search(log, stopped);
      },
      std::chrono::seconds(20)))
      << log;
  ASSERT_TRUE(WaitFor([&] { return SessionCount() == before; }, std::chrono::seconds(5)))
      << "the stored segments of a stream nobody reads were left behind";
  // The access log says the 200 it had sent was not the whole story.
  const std::regex cut(R"(POST /api/v1/tts/generate 200 [0-9.]+ms stream cut)");
  EXPECT_TRUE(WaitFor([&] { return std::regex_search(server_->process().ReadLog(), cut); },
                      std::chrono::seconds(5)))
      << server_->process().ReadLog();
  EXPECT_TRUE(Generate(*client_, {{"text", "Still serving."}}).has_value());
}

TEST_F(GenerateStreamTest, MistakesAreRefusedBeforeTheStream) {
  for (const json& body : {json{{"text", ""}, {"stream", true}},
                           json{{"text", "Hi."}, {"voice", "nobody"}, {"stream", true}},
                           json{{"text", "Hi."}, {"stream", "yes"}}}) {
    auto res = PostJson(*client_, kGeneratePath, body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << body.dump() << " → " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  }
  auto too_long =
      PostJson(*client_, kGeneratePath, {{"text", std::string(5001, 'a')}, {"stream", true}});
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->status, 413);
}

}  // namespace
}  // namespace swha::blackbox
