// GET /openapi.json from the running server: every route of the table is in it, Redocly's
// linter (npm @redocly/cli, its recommended rules but two: tests/openapi/redocly.yaml) finds
// nothing, not even a warning, and every example in it, sent to
// the server, gets the documented status and a body that fits the documented schema
// (tests/openapi/check_examples.py, which also probes every documented limit).
#include <filesystem>
#include <iostream>
#include <regex>
#include <set>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/sync_standin.h"

namespace swha::blackbox {
namespace {

const std::string kNodeDir = std::string(SWHA_SOURCE_DIR) + "/tests/node";
constexpr std::string_view kSyncKey = "sk-standin-openapi";
constexpr std::string_view kWebhookSecret = "whsec_openapi_5e1a";

json FetchDocument(int port) {
  auto client = MakeClient(port);
  auto res = client->Get("/openapi.json");
  if (!res) return nullptr;
  EXPECT_EQ(res->status, 200) << res->body;
  return ParseJson(res->body);
}

TEST(OpenApiTest, EveryRouteIsInTheDocumentAsOpenApi31) {
  SharedServer server({});
  ASSERT_TRUE(server.started()) << server.start_error();
  const json document = FetchDocument(server.port());
  ASSERT_TRUE(document.is_object());
  EXPECT_EQ(document.at("openapi"), "3.1.0");
  // The document against the server's dispatch: each documented method is routed at its path
  // (never 405; anonymous, with ids that name nothing, so nothing is changed), and a path the
  // document does not list is not.
  auto client = MakeClient(server.port());
  std::set<std::string> operations;
  for (const auto& [path, item] : document.at("paths").items()) {
    std::string concrete = std::regex_replace(path, std::regex("\\{[a-z_]+\\}"), "x");
    for (const auto& [method, op] : item.items()) {
      httplib::Request request;
      request.method = method;
      for (char& c : request.method) c = static_cast<char>(std::toupper(c));
      request.path = concrete;
      auto answer = client->send(request);
      ASSERT_TRUE(answer) << method << " " << concrete;
      EXPECT_NE(answer->status, 405) << method << " " << path << " is documented, not routed";
    }
  }
  auto undocumented = client->Get("/api/v1/not-in-the-document");
  ASSERT_TRUE(undocumented);
  EXPECT_EQ(undocumented->status, 404);
  for (const auto& [path, item] : document.at("paths").items()) {
    for (const auto& [method, op] : item.items()) {
      std::string operation = method;
      operation += " ";
      operation += path;
      operations.insert(std::move(operation));
      EXPECT_TRUE(op.contains("summary")) << method << " " << path;
      EXPECT_FALSE(op.at("responses").empty()) << method << " " << path;
    }
  }
  for (const char* expected :
       {"post /api/v1/tts/generate", "get /api/v1/tts/sessions/{session_id}",
        "post /api/v1/auth/login", "post /v1/audio/speech", "get /openapi.json",
        "get /static/audio/{session_id}/{filename}", "post /api/v1/lipsync/webhook"}) {
    EXPECT_EQ(operations.count(expected), 1u) << expected;
  }
  // A generate body field documented as an enum lists what the server accepts.
  const json format = document.at("paths")
                          .at("/api/v1/tts/generate")
                          .at("post")
                          .at("requestBody")
                          .at("content")
                          .at("application/json")
                          .at("schema")
                          .at("properties")
                          .at("format");
  const json& formats = format.at("enum");
  for (const char* name : {"wav", "mp3", "opus", "aac", "flac", "pcm"}) {
    EXPECT_NE(std::find(formats.begin(), formats.end(), name), formats.end()) << name;
  }
}

TEST(OpenApiTest, RedoclyRecommendedRulesFindNothing) {
  const std::string redocly = kNodeDir + "/node_modules/.bin/redocly";
  ASSERT_TRUE(std::filesystem::exists(redocly))
      << "@redocly/cli is not installed: scripts/install-deps.sh runs npm ci in " << kNodeDir;
  SharedServer server({});
  ASSERT_TRUE(server.started()) << server.start_error();
  const json document = FetchDocument(server.port());
  ASSERT_TRUE(document.is_object());
  ScopedTempDir dir;
  const std::string file = dir.path() + "/openapi.json";
  WriteFileBytes(file, document.dump(2));
  const testing::SplitCommandResult lint = testing::RunCommandSplit(
      redocly,
      {"lint", "--config=" + std::string(SWHA_SOURCE_DIR) + "/tests/openapi/redocly.yaml",
       "--format=stylish", file},
      {{"REDOCLY_TELEMETRY", "off"}, {"REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"}}, kNodeDir);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  // Warnings do not fail `lint`; they fail here.
  EXPECT_EQ(lint.out.find("warning"), std::string::npos) << lint.out << lint.err;
  EXPECT_NE((lint.out + lint.err).find("valid"), std::string::npos) << lint.out << lint.err;
}

TEST(OpenApiTest, EveryExampleGetsItsDocumentedStatusAndSchema) {
  auto standin = testing::SyncStandin::Start(std::string(kSyncKey), std::string(kWebhookSecret));
  ASSERT_TRUE(standin.ok()) << standin.status().ToString();
  ScopedTempDir data;
  const int port = testing::FreeLoopbackPort();
  testing::ServerOptions options;
  options.data_dir = data.path();
  options.port = port;
  options.env = {{"SYNC_API_KEY", std::string(kSyncKey)},
                 {"SYNC_API_BASE_URL", (*standin)->base_url()},
                 {"SYNC_WEBHOOK_SECRET", std::string(kWebhookSecret)},
                 {"PUBLIC_BASE_URL", "http://127.0.0.1:" + std::to_string(port)}};
  SharedServer server(options);
  ASSERT_TRUE(server.started()) << server.start_error();

  // The runner's fixtures (src/http/openapi.h, ExampleDoc::fixtures).
  auto anonymous = MakeClient(port);
  auto registered = PostJson(
      *anonymous, "/api/v1/auth/register",
      {{"username", "ada"}, {"email", "ada@example.com"}, {"password", "correct-horse-battery"}});
  ASSERT_TRUE(registered && registered->status == 200) << (registered ? registered->body : "");
  auto login = PostJson(*anonymous, "/api/v1/auth/login-json",
                        {{"username", "ada"}, {"password", "correct-horse-battery"}});
  ASSERT_TRUE(login && login->status == 200) << (login ? login->body : "");
  const std::string token = ParseJson(login->body).at("access_token");
  auto ada = MakeClientFor(port, token);
  auto session = Generate(*ada, {{"text", "First line.\nSecond line."}, {"marks", true}});
  ASSERT_TRUE(session);
  const std::string audio_url = session->at("audio_segments").at(0).at("local_url");
  auto parsed_url = ParseAudioUrl(audio_url.substr(audio_url.find("/static/audio/")));
  ASSERT_TRUE(parsed_url) << audio_url;
  auto key = PostJson(*ada, "/api/v1/auth/api-keys", {{"name", "to-revoke"}});
  ASSERT_TRUE(key && key->status == 200) << (key ? key->body : "");
  auto job = PostJson(*ada, "/api/v1/lipsync/create",
                      {{"video_url", "https://example.com/video.mp4"}, {"audio_url", audio_url}});
  ASSERT_TRUE(job && job->status == 200) << (job ? job->body : "");
  const std::string bob_token = SignUp(*anonymous, "bob");
  const std::string doomed_token = SignUp(*anonymous, "doomed");
  ASSERT_FALSE(bob_token.empty() || doomed_token.empty());
  const auto user_id = [port](const std::string& user_token) {
    auto me = MakeClientFor(port, user_token)->Get("/api/v1/users/me");
    return me && me->status == 200 ? ParseJson(me->body).at("id").get<int64_t>() : -1;
  };
  const std::string root_token = MakeSuperuserToken(data.path(), "root");
  ASSERT_FALSE(root_token.empty());

  const json setup = {{"tokens", {{"user", token}, {"superuser", root_token}}},
                      {"fixtures",
                       {{"session_id", session->at("session_id")},
                        {"audio_url", audio_url},
                        {"audio_expires", parsed_url->expires},
                        {"audio_signature", parsed_url->signature},
                        {"api_key_id", ParseJson(key->body).at("id")},
                        {"job_id", ParseJson(job->body).at("job_id")},
                        {"user_id", user_id(bob_token)},
                        {"doomed_user_id", user_id(doomed_token)}}}};
  const std::string setup_file = data.path() + "/examples-setup.json";
  WriteFileBytes(setup_file, setup.dump());
  const testing::SplitCommandResult run =
      testing::RunCommandSplit("/usr/bin/python3",
                               {std::string(SWHA_SOURCE_DIR) + "/tests/openapi/check_examples.py",
                                "http://127.0.0.1:" + std::to_string(port), setup_file},
                               {}, data.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_EQ(run.out.find("FAIL"), std::string::npos) << run.out;
  // How much was checked, in the test log: "<n> operations, <m> examples sent, 0 failures".
  std::cout << "check_examples.py: " << testing::LastLine(run.out) << ", "
            << CountOccurrences(run.out, " past its ") << " limits probed\n";
  // Enough was sent for the check to mean something: every operation at least once (48
  // operations, some with several examples) and its limits probed; about 150 lines today.
  EXPECT_NE(run.out.find(" 0 failures"), std::string::npos) << run.out << run.err;
  EXPECT_GE(CountOccurrences(run.out, "\nok "), 60) << run.out;
}

}  // namespace
}  // namespace swha::blackbox
