// GET /docs: Swagger UI compiled into the binary, pointed at /openapi.json, driven in Debian's
// Chromium (tests/node/api_docs_check.mjs): every operation listed, "Authorize" with a bearer
// token, and "Try it out" answered by this server as that user.

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

const std::string kNodeDir = NodeToolsDir();

TEST(ApiDocsTest, TheReferenceAndItsFilesAreServedFromTheBinary) {
  SharedServer server({});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto client = MakeClient(server.port());
  auto page = client->Get("/docs");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type").rfind("text/html", 0), 0u);
  for (const char* file :
       {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/ui/api-docs.js"}) {
    EXPECT_NE(page->body.find(file), std::string::npos) << file << " is not used by /docs";
    auto res = client->Get(file);
    ASSERT_TRUE(res) << file;
    EXPECT_EQ(res->status, 200) << file;
    EXPECT_GT(res->body.size(), 100u) << file;
    const std::string etag = res->get_header_value("ETag");
    auto again = client->Get(file, {{"If-None-Match", etag}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << file;
  }
  EXPECT_NE(client->Get("/ui/api-docs.js")->body.find("/openapi.json"), std::string::npos);
  auto missing = client->Get("/docs/swagger-ui.js.map");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST(ApiDocsBrowserTest, ChromiumAuthorizesAndTriesOperationsAgainstThisServer) {
  std::string node;
  ASSERT_TRUE(BrowserToolsInstalled(&node));

  // Anonymous callers refused: only the token given to "Authorize" gets an answer.
  SharedServer server({.env = {{"ALLOW_ANONYMOUS", "false"}}});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto anonymous = MakeClient(server.port());
  const std::string username = "docs-dana";
  const std::string token = SignUp(*anonymous, username);
  ASSERT_FALSE(token.empty());

  ScopedTempDir out;
  const char* update = std::getenv("SWHA_UPDATE_SCREENSHOTS");
  const std::string screenshots = update != nullptr && std::string(update) == "1"
                                      ? std::string(SWHA_SOURCE_DIR) + "/docs/screenshots"
                                      : out.path();
  const testing::SplitCommandResult run = testing::RunCommandSplit(
      node, {kNodeDir + "/api_docs_check.mjs"},
      {{"SWHA_BASE_URL", "http://127.0.0.1:" + std::to_string(server.port())},
       {"SWHA_TOKEN", token},
       {"SWHA_USERNAME", username},
       {"SWHA_SCREENSHOT_DIR", screenshots},
       {"SWHA_CHROMIUM", kChromium}},
      kNodeDir);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  for (const char* check :
       {"ok the reference lists every operation of /openapi.json",
        "ok Authorize takes a bearer token",
        "ok Try it out: GET /api/v1/users/me answers as the authorized user",
        "ok Try it out: POST /api/v1/tts/generate stores a session of that user",
        "ok screenshot at 1280x800", "ok no script errors, and nothing fetched from elsewhere"}) {
    EXPECT_NE(run.out.find(check), std::string::npos) << check << " missing in:\n" << run.out;
  }
  EXPECT_EQ(server.process().ReadLog().find(token), std::string::npos) << "the token is logged";
}

}  // namespace
}  // namespace swha::blackbox
