// The web page: GET / keeps answering API clients with the original's JSON and gives browsers
// the page; the page's files are served with ETags (304 when unchanged) and their types; and
// the page works in a real browser: Debian's Chromium driven by npm's playwright-core
// (tests/node/web_page_check.mjs) against the real binary and sync.so's stand-in.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/sync_standin.h"

namespace swha::blackbox {
namespace {

const std::string kNodeDir = NodeToolsDir();
constexpr char kBrowserAccept[] =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

class WebPageTest : public DefaultServerTest {};

void ExpectWelcomeJson(int status, const std::string& content_type, const std::string& body) {
  EXPECT_EQ(status, 200);
  EXPECT_EQ(content_type, "application/json");
  const json welcome = ParseJson(body);
  ASSERT_TRUE(welcome.is_object()) << body;
  EXPECT_EQ(welcome.value("version", ""), SWHA_VERSION);
  EXPECT_EQ(welcome.value("docs", ""), "/docs");
  EXPECT_TRUE(welcome.at("message").is_string());
}

TEST_F(WebPageTest, RootStaysJsonForApiClients) {
  // No Accept header at all (httplib's client would add "*/*").
  const RawResponse bare = SendRawRequest(
      server_->port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      std::chrono::seconds(10));
  ASSERT_TRUE(bare.complete) << bare.head;
  std::smatch type;
  ASSERT_TRUE(std::regex_search(bare.head, type, std::regex("Content-Type: ([^\r]+)")));
  ExpectWelcomeJson(bare.status, type[1], bare.body);
  EXPECT_NE(bare.head.find("Vary: Accept"), std::string::npos) << bare.head;

  for (const char* accept : {"*/*", "application/json", "application/json, text/plain, */*",
                             "text/html, application/json"}) {
    SCOPED_TRACE(accept);
    auto res = client_->Get("/", httplib::Headers{{"Accept", accept}});
    ASSERT_TRUE(res);
    ExpectWelcomeJson(res->status, res->get_header_value("Content-Type"), res->body);
  }
}

TEST_F(WebPageTest, BrowsersGetThePageRevalidatedByEtag) {
  auto page = client_->Get("/", httplib::Headers{{"Accept", kBrowserAccept}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(page->get_header_value("Cache-Control"), "no-cache");
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  EXPECT_NE(page->body.find("<script type=\"module\" src=\"/ui/app.js\"></script>"),
            std::string::npos);
  const std::string etag = page->get_header_value("ETag");
  EXPECT_TRUE(std::regex_match(etag, std::regex("\"[0-9a-f]{32}\""))) << etag;
  // Index served at / and at /ui/index.html is the same file, with the same tag.
  auto index = client_->Get("/ui/index.html");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->body, page->body);
  EXPECT_EQ(index->get_header_value("ETag"), etag);

  for (const std::string& if_none_match : {etag, "W/" + etag, "\"other\", " + etag}) {
    SCOPED_TRACE(if_none_match);
    auto cached = client_->Get(
        "/", httplib::Headers{{"Accept", kBrowserAccept}, {"If-None-Match", if_none_match}});
    ASSERT_TRUE(cached);
    EXPECT_EQ(cached->status, 304);
    EXPECT_TRUE(cached->body.empty());
    EXPECT_EQ(cached->get_header_value("ETag"), etag);
  }
  auto stale =
      client_->Get("/", httplib::Headers{{"Accept", kBrowserAccept}, {"If-None-Match", "\"old\""}});
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, page->body);
  // The JSON answer is not the page's representation: its tag does not make it a 304.
  auto json_client =
      client_->Get("/", httplib::Headers{{"Accept", "*/*"}, {"If-None-Match", etag}});
  ASSERT_TRUE(json_client);
  EXPECT_EQ(json_client->status, 200);
}

TEST_F(WebPageTest, ThePageFilesHaveTheirTypesAndNothingElseIsServed) {
  auto page = client_->Get("/ui/index.html");
  ASSERT_TRUE(page);
  // Every /ui/ file the page names is served, with its type.
  const std::regex reference("(?:src|href)=\"(/ui/[^\"]+)\"");
  int references = 0;
  for (std::sregex_iterator it(page->body.begin(), page->body.end(), reference), end; it != end;
       ++it) {
    ++references;
    const std::string path = (*it)[1];
    auto file = client_->Get(path);
    ASSERT_TRUE(file);
    EXPECT_EQ(file->status, 200) << path;
    const std::string expected_type = path.ends_with(".js")    ? "text/javascript; charset=utf-8"
                                      : path.ends_with(".css") ? "text/css; charset=utf-8"
                                      : path.ends_with(".svg") ? "image/svg+xml"
                                                               : "?";
    EXPECT_EQ(file->get_header_value("Content-Type"), expected_type) << path;
    EXPECT_FALSE(file->get_header_value("ETag").empty()) << path;
    auto again =
        client_->Get(path, httplib::Headers{{"If-None-Match", file->get_header_value("ETag")}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 304) << path;
  }
  EXPECT_EQ(references, 3);  // icon.svg, app.css, app.js

  for (const char* missing : {"/ui/nope.js", "/ui/", "/ui/..%2Fapp.js", "/ui/%2e%2e/CMakeLists.txt",
                              "/ui/app.js/x", "/ui/APP.JS"}) {
    auto res = client_->Get(missing);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << missing;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json") << missing;
  }
  auto post = client_->Post("/ui/app.js", "", "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

// A strict Content-Security-Policy (default-src 'self') can be turned on later only if the page
// has no inline script, inline style or inline event handler.
TEST_F(WebPageTest, ThePageHasNothingInlineThatCspWouldBlock) {
  auto page = client_->Get("/ui/index.html");
  ASSERT_TRUE(page);
  const std::string& html = page->body;
  const std::regex script_tag("<script([^>]*)>");
  for (std::sregex_iterator it(html.begin(), html.end(), script_tag), end; it != end; ++it) {
    EXPECT_NE((*it)[1].str().find("src=\"/ui/"), std::string::npos)
        << "inline script: " << (*it)[0];
  }
  EXPECT_EQ(html.find("<style"), std::string::npos);
  EXPECT_FALSE(std::regex_search(html, std::regex("\\sstyle=", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(html, std::regex("\\son[a-z]+=", std::regex::icase)));
  EXPECT_FALSE(std::regex_search(html, std::regex("(src|href)=\"(https?:)?//")))
      << "the page loads something from another origin";
  auto script = client_->Get("/ui/app.js");
  ASSERT_TRUE(script);
  for (const char* unsafe : {"innerHTML", "outerHTML", "insertAdjacentHTML", "eval(",
                             "new Function", "document.write", ".style."}) {
    EXPECT_EQ(script->body.find(unsafe), std::string::npos) << unsafe;
  }
}

TEST_F(WebPageTest, FormatsListsWhatGenerateAccepts) {
  auto res = client_->Get("/api/v1/tts/formats");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json body = ParseJson(res->body);
  EXPECT_EQ(body.at("default"), "wav");
  EXPECT_EQ(body.at("total_count"), 6);
  std::vector<std::string> names;
  for (const json& f : body.at("formats")) {
    names.push_back(f.at("name").get<std::string>());
    EXPECT_TRUE(f.at("content_type").get<std::string>().starts_with("audio/")) << f.dump();
    EXPECT_EQ(f.at("extension"), f.at("name"));
  }
  EXPECT_EQ(names, (std::vector<std::string>{"wav", "mp3", "opus", "aac", "flac", "pcm"}));
  // Each is accepted by generate (and what is not listed is refused).
  for (const std::string& name : names) {
    auto generated = PostJson(*client_, kGeneratePath, {{"text", "Hi."}, {"format", name}});
    ASSERT_TRUE(generated);
    EXPECT_EQ(generated->status, 200) << name << ": " << generated->body;
  }
  auto refused = PostJson(*client_, kGeneratePath, {{"text", "Hi."}, {"format", "ogg"}});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
}

// PNG's IHDR: width and height as big-endian 32-bit numbers at bytes 16 and 20.
std::pair<uint32_t, uint32_t> PngSize(const std::string& bytes) {
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return {0, 0};
  auto be32 = [&bytes](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return {be32(16), be32(20)};
}

// The whole page in Chromium. Screenshots go to a temporary directory, or with
// SWHA_UPDATE_SCREENSHOTS=1 to docs/screenshots (committed, linked from the README).
TEST(WebPageBrowserTest, ChromiumRegistersGeneratesPlaysHighlightsDeletesAndShowsErrors) {
  std::string node;
  ASSERT_TRUE(BrowserToolsInstalled(&node));

  // The lipsync form talks to sync.so's stand-in, which fetches the segment's audio from the
  // service at its absolute (PUBLIC_BASE_URL) address.
  const std::string sync_key = "sk-web-page-standin";
  auto standin = testing::SyncStandin::Start(sync_key, "whsec_web_page");
  ASSERT_TRUE(standin.ok()) << standin.status().message();
  constexpr int kMaxTextLength = 300;
  const int port = testing::FreeLoopbackPort();
  ASSERT_NE(port, 0);
  const std::string base_url = "http://127.0.0.1:" + std::to_string(port);
  SharedServer server({.env = {{"MAX_TEXT_LENGTH", std::to_string(kMaxTextLength)},
                               {"PUBLIC_BASE_URL", base_url},
                               {"SYNC_API_BASE_URL", (*standin)->base_url()}},
                       .port = port});
  ASSERT_TRUE(server.started()) << server.start_error();

  ScopedTempDir out;
  const char* update = std::getenv("SWHA_UPDATE_SCREENSHOTS");
  const bool update_docs = update != nullptr && std::string(update) == "1";
  const std::string screenshots =
      update_docs ? std::string(SWHA_SOURCE_DIR) + "/docs/screenshots" : out.path();
  std::filesystem::create_directories(screenshots);

  const testing::SplitCommandResult run =
      testing::RunCommandSplit(node, {kNodeDir + "/web_page_check.mjs"},
                               {{"SWHA_BASE_URL", base_url},
                                {"SWHA_SYNC_KEY", sync_key},
                                {"SWHA_MAX_TEXT_LENGTH", std::to_string(kMaxTextLength)},
                                {"SWHA_SCREENSHOT_DIR", screenshots},
                                {"SWHA_CHROMIUM", kChromium}},
                               kNodeDir);
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err << "\nserver log:\n"
                              << server.process().ReadLog();
  for (const char* check :
       {"ok page loads with the catalogue", "ok keyboard: the first Tab reaches the skip link",
        "ok register", "ok sign out and sign in again",
        "ok generate two segments, each with a player that loads",
        "ok playing highlights the words in turn", "ok screenshots at 1280x800 and 390x844",
        "ok the session is in \"My sessions\", and its fresh URLs play",
        "ok a lipsync job from a segment, followed until it completes",
        "ok delete the session, and it is gone", "ok an API error is shown in words",
        "ok no script errors, and no failed requests but those provoked"}) {
    EXPECT_NE(run.out.find(check), std::string::npos) << check << " missing in:\n" << run.out;
  }
  ASSERT_EQ((*standin)->job_ids().size(), 1u);
  EXPECT_TRUE(
      IsSpeechWav((*standin)->fetched_audio((*standin)->job_ids()[0]).value_or(""), 0.5, 10))
      << "the provider did not get the segment's audio";
  const auto wide = PngSize(ReadFileBytes(screenshots + "/web-page-1280x800.png"));
  EXPECT_EQ(wide, (std::pair<uint32_t, uint32_t>{1280, 800}));
  const auto narrow = PngSize(ReadFileBytes(screenshots + "/web-page-390x844.png"));
  EXPECT_EQ(narrow, (std::pair<uint32_t, uint32_t>{390, 844}));
}

}  // namespace
}  // namespace swha::blackbox
