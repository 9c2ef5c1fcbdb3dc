// Every way a request can be wrong: each is a JSON error with the documented status, no failed
// request leaves a session directory behind, and the server keeps serving afterwards.
#include <string>
#include <vector>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

// The status of `res` is 422 and one of its FastAPI-style details is located at body.<field>.
::testing::AssertionResult IsFieldError(const httplib::Result& res, const std::string& field,
                                        const std::string& location = "body") {
  if (!res) return ::testing::AssertionFailure() << "no response";
  if (res->status != 422) {
    return ::testing::AssertionFailure() << "status " << res->status << ": " << res->body;
  }
  if (res->get_header_value("Content-Type") != "application/json") {
    return ::testing::AssertionFailure() << "not JSON: " << res->get_header_value("Content-Type");
  }
  const json body = ParseJson(res->body);
  if (!body.is_object() || !body.contains("detail") || !body.at("detail").is_array()) {
    return ::testing::AssertionFailure() << "no detail list: " << res->body;
  }
  for (const json& item : body.at("detail")) {
    if (item.value("loc", json()) == json({location, field}) && item.contains("msg") &&
        item.at("msg").is_string()) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure()
         << "no detail at [" << location << ", " << field << "]: " << res->body;
}

// `res` has `status` and a body {"detail": "<non-empty string>"}.
::testing::AssertionResult IsJsonError(const httplib::Result& res, int status) {
  if (!res) return ::testing::AssertionFailure() << "no response";
  if (res->status != status) {
    return ::testing::AssertionFailure() << "status " << res->status << ": " << res->body;
  }
  if (res->get_header_value("Content-Type") != "application/json") {
    return ::testing::AssertionFailure() << "not JSON: " << res->get_header_value("Content-Type");
  }
  const json body = ParseJson(res->body);
  if (!body.is_object() || !body.contains("detail") || !body.at("detail").is_string() ||
      body.at("detail").get<std::string>().empty()) {
    return ::testing::AssertionFailure() << "no string detail: " << res->body;
  }
  return ::testing::AssertionSuccess();
}

class ApiErrorsTest : public DefaultServerTest {
 protected:
  void SetUp() override {
    DefaultServerTest::SetUp();
    if (HasFatalFailure()) return;
    sessions_before_ = SessionCount();
  }

  static int SessionCount() { return CountEntries(server_->process().audio_dir()); }
  void ExpectNoNewSession() const {
    EXPECT_EQ(SessionCount(), sessions_before_) << "a failed request left a session directory";
  }
  httplib::Result Post(const json& body) { return PostJson(*client_, kGeneratePath, body); }

  int sessions_before_ = 0;
};

TEST_F(ApiErrorsTest, MalformedJsonIs400WithJsonDetail) {
  for (const std::string body : {"{\"text\": \"Hello\"", "{text: 'Hello'}", "",
                                 "{\"text\": \"\xff\xfe\"}", "{\"text\": \"Hi\"} trailing"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(IsJsonError(PostRaw(*client_, kGeneratePath, body), 400));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, BodyThatIsNotAnObjectIs422) {
  for (const std::string body : {"[1, 2]", "\"Hello\"", "42", "null", "true"}) {
    SCOPED_TRACE(body);
    auto res = PostRaw(*client_, kGeneratePath, body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 422) << res->body;
    EXPECT_TRUE(ParseJson(res->body).at("detail").is_array()) << res->body;
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, MissingTextIs422AtBodyText) {
  for (const json& body : {json::object(), json{{"voice", "af_heart"}}, json{{"text", nullptr}}}) {
    SCOPED_TRACE(body.dump());
    auto res = Post(body);
    EXPECT_TRUE(IsFieldError(res, "text"));
    ASSERT_TRUE(res);
    EXPECT_EQ(ParseJson(res->body).at("detail")[0].at("loc"), json({"body", "text"}));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, EmptyOrWhitespaceTextIs422) {
  for (const char* text : {"", " ", "  \n\t\r\n  "}) {
    SCOPED_TRACE(json(text).dump());
    EXPECT_TRUE(IsFieldError(Post({{"text", text}}), "text"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, TextOfTheWrongTypeIs422) {
  for (const json& text :
       {json(42), json(3.5), json(true), json::array({"Hello"}), json{{"value", "Hello"}}}) {
    SCOPED_TRACE(text.dump());
    EXPECT_TRUE(IsFieldError(Post({{"text", text}}), "text"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, UnknownVoiceIs422NamingVoiceAndListingTheValidOnes) {
  auto res = Post({{"text", "Hello"}, {"voice", "af_nobody"}});
  ASSERT_TRUE(IsFieldError(res, "voice"));
  const std::string msg = ParseJson(res->body).at("detail")[0].at("msg");
  EXPECT_NE(msg.find("af_heart"), std::string::npos) << msg;
  EXPECT_NE(msg.find("zm_yunyang"), std::string::npos) << msg;
  // A voice must be spelled exactly.
  EXPECT_TRUE(IsFieldError(Post({{"text", "Hello"}, {"voice", "AF_HEART"}}), "voice"));
  EXPECT_TRUE(IsFieldError(Post({{"text", "Hello"}, {"voice", 7}}), "voice"));
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, UnknownLanguageCodeIs422) {
  for (const json& code : {json("x"), json("en"), json(""), json("A"), json(1)}) {
    SCOPED_TRACE(code.dump());
    EXPECT_TRUE(IsFieldError(Post({{"text", "Hello"}, {"language_code", code}}), "language_code"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, SpeedOutsideHalfToTwoOrNotANumberIs422) {
  for (const json& speed : {json(0.4), json(2.1), json(0), json(-1), json("fast"), json("1.0")}) {
    SCOPED_TRACE(speed.dump());
    EXPECT_TRUE(IsFieldError(Post({{"text", "Hello"}, {"speed", speed}}), "speed"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, SpeedBoundsAreInclusive) {
  for (double speed : {0.5, 2.0}) {
    SCOPED_TRACE(speed);
    auto res = Post({{"text", "Hello"}, {"speed", speed}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
  }
}

TEST_F(ApiErrorsTest, InvalidSplitPatternIs422NamingSplitPattern) {
  for (const char* pattern : {"([a", "(", "a{2,1}", "\\"}) {
    SCOPED_TRACE(pattern);
    EXPECT_TRUE(
        IsFieldError(Post({{"text", "Hello"}, {"split_pattern", pattern}}), "split_pattern"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, PresignedUrlExpiryOutsideOneSecondToSevenDaysIs422) {
  for (const json& expiry : {json(604801), json(-1), json(1.5), json("3600")}) {
    SCOPED_TRACE(expiry.dump());
    EXPECT_TRUE(IsFieldError(Post({{"text", "Hello"}, {"presigned_url_expiry", expiry}}),
                             "presigned_url_expiry"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, TextWithNothingSpeakableIs422) {
  for (const char* text : {"... , .", "?!", "\u3002\u3001"}) {
    SCOPED_TRACE(text);
    EXPECT_TRUE(IsFieldError(Post({{"text", text}}), "text"));
  }
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, UnknownRouteIs404Json) {
  EXPECT_TRUE(IsJsonError(client_->Get("/api/v1/tts/nothing-here"), 404));
  EXPECT_TRUE(IsJsonError(client_->Get("/nothing-here"), 404));
  EXPECT_TRUE(IsJsonError(client_->Post("/api/v1/tts/generatee", "{}", "application/json"), 404));
  EXPECT_TRUE(IsJsonError(client_->Get("/static/audio"), 404));
  ExpectNoNewSession();
}

TEST_F(ApiErrorsTest, WrongMethodIs405JsonWithAllow) {
  auto res = client_->Delete(std::string(kGeneratePath));
  ASSERT_TRUE(IsJsonError(res, 405));
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  res = client_->Get(std::string(kGeneratePath));
  ASSERT_TRUE(IsJsonError(res, 405));
  EXPECT_EQ(res->get_header_value("Allow"), "POST");
  res = client_->Post("/api/v1/tts/voices", "{}", "application/json");
  ASSERT_TRUE(IsJsonError(res, 405));
  EXPECT_EQ(res->get_header_value("Allow"), "GET");
  ExpectNoNewSession();
}

// RFC 9112 section 6.3: a request with neither Content-Length nor Transfer-Encoding has no
// body. `curl -X POST 'http://host/api/v1/tts/cleanup?days_old=7'` sends exactly this, and the
// original (FastAPI/uvicorn) answers it at once.
TEST_F(ApiErrorsTest, PostWithoutContentLengthIsAnsweredPromptlyAsAnEmptyBody) {
  const RawResponse res =
      SendRawRequest(server_->port(),
                     "POST /api/v1/tts/generate-simple?text=Hi HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Accept: */*\r\n\r\n",
                     std::chrono::seconds(5));
  ASSERT_TRUE(res.complete) << "no response within 5 s (took " << res.seconds
                            << " s); the server waits for a body that never comes";
  EXPECT_EQ(res.status, 200) << res.head << "\n" << res.body;
}

// The body is JSON whatever its Content-Type says (a short one is accepted as such), so a body
// well under MAX_REQUEST_BYTES must not be refused as too large because a client such as
// `curl -d` labelled it application/x-www-form-urlencoded.
TEST_F(ApiErrorsTest, FormContentTypeDoesNotCapTheBodyBelowMaxRequestBytes) {
  const std::string small = json{{"text", "Hello"}, {"padding", ""}}.dump();
  const std::string large = json{{"text", "Hello"}, {"padding", std::string(9000, 'x')}}.dump();
  auto small_res =
      client_->Post(std::string(kGeneratePath), small, "application/x-www-form-urlencoded");
  auto large_res =
      client_->Post(std::string(kGeneratePath), large, "application/x-www-form-urlencoded");
  ASSERT_TRUE(small_res && large_res);
  EXPECT_EQ(small_res->status, 200) << small_res->body;
  EXPECT_EQ(large_res->status, small_res->status)
      << "a " << large.size() << "-byte body (limit 1048576) got: " << large_res->body;
}

TEST_F(ApiErrorsTest, ServerKeepsServingAfterBadRequests) {
  // A volley of bad requests of every kind, including some the HTTP layer rejects.
  PostRaw(*client_, kGeneratePath, "{\"text\":");
  PostRaw(*client_, kGeneratePath, std::string(100000, '['));
  PostRaw(*client_, kGeneratePath, "{\"text\": \"\xc3\x28\"}");
  Post({{"text", "Hello"}, {"voice", "nobody"}, {"speed", 9}, {"split_pattern", "(("}});
  Post({{"text", "... , ."}});
  client_->Delete(std::string(kGeneratePath));
  client_->Get("/static/audio/../../etc/passwd");
  client_->Post(WithQuery(kGenerateSimplePath, {{"text", "\xff"}}));
  SendRawRequest(server_->port(), "GARBAGE\r\n\r\n", std::chrono::seconds(5));
  SendRawRequest(server_->port(), "POST /api/v1/tts/generate HTTP/1.1\r\nContent-Length: 9\r\n",
                 std::chrono::milliseconds(200));
  EXPECT_EQ(SessionCount(), sessions_before_);

  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto body = Generate(*client_, {{"text", "Still here."}});
  ASSERT_TRUE(body);
  auto wav = Download(*client_, body->at("audio_files")[0]);
  ASSERT_TRUE(wav);
  EXPECT_TRUE(IsSpeechWav(*wav, 0.3, 5.0));
  EXPECT_EQ(SessionCount(), sessions_before_ + 1);
}

// A server with small limits, to test them cheaply.
class ApiLimitsTest : public DefaultServerTest {
 protected:
  // Hides DefaultServerTest's: the same shared server, with small limits.
  static void SetUpTestSuite() {
    testing::ServerOptions options;
    options.env = {{"MAX_TEXT_LENGTH", "50"}, {"MAX_REQUEST_BYTES", "2048"}};
    server_ = new SharedServer(options);
  }
  static int SessionCount() { return CountEntries(server_->process().audio_dir()); }
};

std::string Repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST_F(ApiLimitsTest, TextLimitCountsCharactersNotBytes) {
  const int before = SessionCount();
  // 51 characters but 102 bytes: too long.
  EXPECT_TRUE(IsJsonError(PostJson(*client_, kGeneratePath, {{"text", Repeat("é", 51)}}), 413));
  EXPECT_TRUE(
      IsJsonError(client_->Post(WithQuery(kGenerateSimplePath, {{"text", Repeat("é", 51)}})), 413));
  EXPECT_EQ(SessionCount(), before);
  // 50 characters (100 bytes) is exactly the limit.
  auto res = PostJson(*client_, kGeneratePath, {{"text", Repeat("é", 50)}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(SessionCount(), before + 1);
}

TEST_F(ApiLimitsTest, BodyOverMaxRequestBytesIs413Json) {
  const int before = SessionCount();
  const std::string body = json{{"text", "Hello"}, {"padding", std::string(4096, 'x')}}.dump();
  ASSERT_GT(body.size(), 4096u);
  EXPECT_TRUE(IsJsonError(PostRaw(*client_, kGeneratePath, body), 413));
  EXPECT_EQ(SessionCount(), before);
  // The same request under the limit is fine.
  const std::string fits = json{{"text", "Hello"}, {"padding", std::string(1000, 'x')}}.dump();
  auto res = PostRaw(*client_, kGeneratePath, fits);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

// MAX_REQUEST_BYTES bounds the memory one request may take; a chunked body must not get
// around it.
TEST_F(ApiLimitsTest, ChunkedBodyOverMaxRequestBytesIs413) {
  const int before = SessionCount();
  const std::string body = json{{"text", "Hello"}, {"padding", std::string(4096, 'x')}}.dump();
  char size_line[32];
  std::snprintf(size_line, sizeof(size_line), "%zx\r\n", body.size());
  const std::string request =
      "POST /api/v1/tts/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" +
      std::string(size_line) + body + "\r\n0\r\n\r\n";
  const RawResponse res = SendRawRequest(server_->port(), request, std::chrono::seconds(10));
  ASSERT_TRUE(res.complete) << res.head;
  EXPECT_EQ(res.status, 413) << "a " << body.size()
                             << "-byte chunked body with MAX_REQUEST_BYTES=2048 got: " << res.head
                             << "\n"
                             << res.body;
  EXPECT_EQ(SessionCount(), before);
}

}  // namespace
}  // namespace swha::blackbox
