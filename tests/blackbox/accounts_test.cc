// Accounts and the session catalog as the original's clients use them: register, log in with
// the OAuth2 form, generate with the token, fetch the audio, list, fetch and delete sessions;
// and what one user can never do to another's.
#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

class AccountsTest : public DefaultServerTest {
 protected:
  std::unique_ptr<httplib::Client> NewUser(const std::string& name) {
    const std::string token = SignUp(*client_, name);
    EXPECT_FALSE(token.empty());
    return MakeClientFor(server_->port(), token);
  }
  // Expects `res` to be a JSON error with `status` and, when given, that detail.
  static void ExpectError(const httplib::Result& res, int status, std::string_view detail = "") {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    const json body = ParseJson(res->body);
    ASSERT_TRUE(body.is_object() && body.contains("detail")) << res->body;
    if (!detail.empty()) {
      EXPECT_EQ(body.at("detail"), detail) << res->body;
    }
    if (status == 401) {
      EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
    }
  }
};

TEST_F(AccountsTest, TheOriginalsFlowWorksUnchanged) {
  auto registered = PostJson(*client_, "/api/v1/auth/register",
                             {{"username", "flow-alice"},
                              {"email", "flow-alice@example.com"},
                              {"password", "s3cret-passw0rd"},
                              {"full_name", "Alice"}});
  ASSERT_TRUE(registered);
  ASSERT_EQ(registered->status, 200) << registered->body;
  const json user = ParseJson(registered->body);
  ASSERT_TRUE(user.at("id").is_number_integer()) << registered->body;
  EXPECT_EQ(user.at("username"), "flow-alice");
  EXPECT_EQ(user.at("email"), "flow-alice@example.com");
  EXPECT_EQ(user.at("full_name"), "Alice");
  EXPECT_TRUE(user.at("bio").is_null());
  EXPECT_EQ(user.at("is_active"), true);
  EXPECT_EQ(user.at("is_superuser"), false);
  EXPECT_TRUE(user.at("profile_image").is_null());
  EXPECT_TRUE(user.at("created_at").is_string());
  EXPECT_TRUE(user.at("updated_at").is_null());
  EXPECT_EQ(registered->body.find("s3cret"), std::string::npos);
  EXPECT_EQ(registered->body.find("argon2"), std::string::npos);

  auto login = client_->Post("/api/v1/auth/login", "username=flow-alice&password=s3cret-passw0rd",
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 200) << login->body;
  const json grant = ParseJson(login->body);
  EXPECT_EQ(grant.at("token_type"), "bearer");
  const std::string token = grant.at("access_token").get<std::string>();
  auto alice = MakeClientFor(server_->port(), token);

  auto me = alice->Get("/api/v1/users/me");
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(ParseJson(me->body).at("id"), user.at("id"));

  auto made = Generate(
      *alice, {{"text", "First sentence. Second sentence."}, {"split_pattern", "[.]\\s+"}});
  ASSERT_TRUE(made);
  const std::string id = made->at("session_id").get<std::string>();
  EXPECT_NE(id.find("_" + std::to_string(user.at("id").get<int64_t>()) + "_"), std::string::npos)
      << "the session id carries the user id: " << id;
  ASSERT_EQ(made->at("audio_files").size(), 2u);
  auto audio = Download(*alice, made->at("audio_files")[0]);
  ASSERT_TRUE(audio);
  EXPECT_TRUE(IsSpeechWav(*audio, 0.3, 10));

  auto listed = alice->Get("/api/v1/tts/sessions");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  const json listing = ParseJson(listed->body);
  ASSERT_EQ(listing.at("sessions").size(), 1u) << listed->body;
  EXPECT_EQ(listing.at("sessions")[0].at("session_id"), id);
  EXPECT_EQ(listing.at("sessions")[0].at("audio_segments").size(), 2u);
  EXPECT_TRUE(listing.at("next_cursor").is_null());

  auto fetched = alice->Get("/api/v1/tts/sessions/" + id + "?presigned_url_expiry=120");
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->status, 200) << fetched->body;
  const json session = ParseJson(fetched->body);
  ASSERT_EQ(session.at("audio_files").size(), 2u);
  const int64_t expires = session.at("audio_segments")[1].at("expires_at").get<int64_t>();
  EXPECT_NEAR(static_cast<double>(expires), static_cast<double>(NowUnixSeconds() + 120), 5);
  auto again = Download(*alice, session.at("audio_files")[1]);
  ASSERT_TRUE(again);
  EXPECT_EQ(session.at("audio_segments")[1].at("sha256"),
            HexSha256(*again));  // the catalog's checksum is the file's

  auto deleted = alice->Delete("/api/v1/tts/sessions/" + id);
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->status, 200) << deleted->body;
  EXPECT_EQ(ParseJson(deleted->body).at("local_files_removed"), 2);
  ExpectError(alice->Get("/api/v1/tts/sessions/" + id), 404, "Session not found");
  auto gone = alice->Get(made->at("audio_files")[0].get<std::string>());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);
  ExpectError(alice->Delete("/api/v1/tts/sessions/" + id), 404);
}

TEST_F(AccountsTest, LoginJsonAndItsRefusals) {
  ASSERT_FALSE(SignUp(*client_, "json-bob").empty());
  auto ok = PostJson(*client_, "/api/v1/auth/login-json",
                     {{"username", "json-bob"}, {"password", kTestPassword}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  ExpectError(PostJson(*client_, "/api/v1/auth/login-json",
                       {{"username", "json-bob"}, {"password", "wrong-password"}}),
              401, "Incorrect username or password");
  ExpectError(PostJson(*client_, "/api/v1/auth/login-json",
                       {{"username", "nobody-at-all"}, {"password", "wrong-password"}}),
              401, "Incorrect username or password");
  ExpectError(
      client_->Post("/api/v1/auth/login", "username=json-bob", "application/x-www-form-urlencoded"),
      422);
}

TEST_F(AccountsTest, RegistrationRules) {
  ASSERT_FALSE(SignUp(*client_, "rules-carol").empty());
  ExpectError(PostJson(*client_, "/api/v1/auth/register",
                       {{"username", "RULES-CAROL"},
                        {"email", "other@example.com"},
                        {"password", kTestPassword}}),
              400, "Email or username already registered");
  ExpectError(PostJson(*client_, "/api/v1/auth/register",
                       {{"username", "rules-other"},
                        {"email", "Rules-Carol@Example.com"},
                        {"password", kTestPassword}}),
              400, "Email or username already registered");
  auto bad = PostJson(*client_, "/api/v1/auth/register",
                      {{"username", "x y"}, {"email", "not-an-email"}, {"password", "short"}});
  ASSERT_TRUE(bad);
  ASSERT_EQ(bad->status, 422) << bad->body;
  std::set<std::string> fields;
  const json errors = ParseJson(bad->body);
  for (const json& item : errors.at("detail")) {
    fields.insert(item.at("loc")[1].get<std::string>());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"username", "email", "password"}));
}

TEST_F(AccountsTest, OneUserCanNeverReachAnothersSessions) {
  auto alice = NewUser("iso-alice");
  auto bob = NewUser("iso-bob");
  auto made = Generate(*alice, {{"text", "Alice's words."}});
  ASSERT_TRUE(made);
  const std::string id = made->at("session_id").get<std::string>();
  const std::string path = "/api/v1/tts/sessions/" + id;

  ExpectError(bob->Get(path), 404, "Session not found");  // never 403: the id is not confirmed
  ExpectError(bob->Delete(path), 404, "Session not found");
  auto bobs = bob->Get("/api/v1/tts/sessions");
  ASSERT_TRUE(bobs);
  ASSERT_EQ(bobs->status, 200);
  EXPECT_EQ(ParseJson(bobs->body).at("sessions").size(), 0u);
  auto cleaned = bob->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(cleaned);
  EXPECT_EQ(ParseJson(cleaned->body).at("local_files_cleaned"), 0);
  // Anonymous callers list, fetch and delete nothing.
  ExpectError(client_->Get("/api/v1/tts/sessions"), 401, "Not authenticated");
  ExpectError(client_->Get(path), 401, "Not authenticated");
  ExpectError(client_->Delete(path), 401, "Not authenticated");
  // Alice's audio is intact.
  EXPECT_TRUE(Download(*alice, made->at("audio_files")[0]));
  auto mine = alice->Get(path);
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200);
}

TEST_F(AccountsTest, BadTokensAndHeadersAreRefused) {
  const std::string token = SignUp(*client_, "tok-dave");
  ASSERT_FALSE(token.empty());
  struct Case {
    std::string header;
    std::string detail;
  };
  const Case cases[] = {
      {"Basic " + token, "Not authenticated"},
      {"Bearer", "Not authenticated"},
      {"Bearer not.a.token", "Invalid authentication credentials"},
      {"Bearer " + token.substr(0, token.size() - 2), "Invalid authentication credentials"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.header);
    ExpectError(client_->Get("/api/v1/users/me", {{"Authorization", c.header}}), 401, c.detail);
    // A refused token is refused on the TTS routes too, even with anonymous use allowed.
    const httplib::Headers headers = {{"Authorization", c.header}};
    ExpectError(
        client_->Post(std::string(kGenerateSimplePath) + "?text=Hi", headers, "", "text/plain"),
        401, c.detail);
  }
  ExpectError(client_->Get("/api/v1/users/me"), 401, "Not authenticated");
}

TEST_F(AccountsTest, APasswordChangeEndsEveryEarlierToken) {
  const std::string old_token = SignUp(*client_, "pw-erin");
  ASSERT_FALSE(old_token.empty());
  auto erin = MakeClientFor(server_->port(), old_token);
  ExpectError(
      PostJson(*erin, "/api/v1/users/me/password",
               {{"current_password", "not-the-password"}, {"new_password", "brand-new-pw"}}),
      400, "Incorrect password");
  auto changed = PostJson(*erin, "/api/v1/users/me/password",
                          {{"current_password", kTestPassword}, {"new_password", "brand-new-pw"}});
  ASSERT_TRUE(changed);
  ASSERT_EQ(changed->status, 200) << changed->body;
  ExpectError(erin->Get("/api/v1/users/me"), 401, "Invalid authentication credentials");
  auto login = PostJson(*client_, "/api/v1/auth/login-json",
                        {{"username", "pw-erin"}, {"password", "brand-new-pw"}});
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;
}

TEST_F(AccountsTest, ProfileUpdatesKeepNamesUnique) {
  auto frank = NewUser("prof-frank");
  ASSERT_FALSE(SignUp(*client_, "prof-grace").empty());
  auto put = [&](const json& body) {
    return frank->Put("/api/v1/users/me", body.dump(), "application/json");
  };
  ExpectError(put({{"username", "prof-grace"}}), 400, "Username already taken");
  ExpectError(put({{"email", "prof-grace@example.com"}}), 400, "Email already taken");
  auto ok = put({{"bio", "Hello"}, {"full_name", "Frank"}});
  ASSERT_TRUE(ok);
  ASSERT_EQ(ok->status, 200) << ok->body;
  const json user = ParseJson(ok->body);
  EXPECT_EQ(user.at("bio"), "Hello");
  EXPECT_TRUE(user.at("updated_at").is_string());
}

TEST_F(AccountsTest, ConcurrentDeletesOfOneSessionSucceedOnce) {
  const std::string token = SignUp(*client_, "del-henry");
  auto henry = MakeClientFor(server_->port(), token);
  auto made = Generate(*henry, {{"text", "Delete me."}});
  ASSERT_TRUE(made);
  const std::string path = "/api/v1/tts/sessions/" + made->at("session_id").get<std::string>();
  std::vector<int> statuses(6, 0);
  std::vector<std::thread> threads;
  threads.reserve(statuses.size());
  for (size_t i = 0; i < statuses.size(); ++i) {
    threads.emplace_back([&, i] {
      auto client = MakeClientFor(server_->port(), token);
      auto res = client->Delete(path);
      statuses[i] = res ? res->status : -1;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 404),
            static_cast<long>(statuses.size()) - 1);
}

TEST_F(AccountsTest, ApiKeysWorkLikeTokensUntilRevoked) {
  const std::string token = SignUp(*client_, "key-judy");
  auto judy = MakeClientFor(server_->port(), token);
  auto created =
      PostJson(*judy, "/api/v1/auth/api-keys", {{"name", "ci"}, {"expires_in_days", 30}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 200) << created->body;
  const json made = ParseJson(created->body);
  const std::string key = made.at("key").get<std::string>();
  EXPECT_TRUE(key.starts_with("swha_")) << key;
  EXPECT_TRUE(key.starts_with(made.at("prefix").get<std::string>()));
  EXPECT_TRUE(made.at("expires_at").is_string());

  auto program = MakeClientFor(server_->port(), key);
  auto generated = Generate(*program, {{"text", "Made with an API key."}});
  ASSERT_TRUE(generated);
  auto mine = judy->Get("/api/v1/tts/sessions/" + generated->at("session_id").get<std::string>());
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->status, 200) << "the key's sessions are its user's";

  auto listed = judy->Get("/api/v1/auth/api-keys");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_EQ(listed->body.find(key), std::string::npos) << "the key is shown only once";
  const json keys = ParseJson(listed->body);
  ASSERT_EQ(keys.at("api_keys").size(), 1u);
  EXPECT_TRUE(keys.at("api_keys")[0].at("last_used_at").is_string());

  // Another user cannot revoke it; its owner can, and then it stops working.
  auto other = MakeClientFor(server_->port(), SignUp(*client_, "key-karl"));
  const std::string path = "/api/v1/auth/api-keys/" + std::to_string(made.at("id").get<int64_t>());
  ExpectError(other->Delete(path), 404, "API key not found");
  auto revoked = judy->Delete(path);
  ASSERT_TRUE(revoked);
  ASSERT_EQ(revoked->status, 200) << revoked->body;
  ExpectError(program->Get("/api/v1/users/me"), 401, "Invalid authentication credentials");
  ExpectError(client_->Get("/api/v1/users/me", {{"Authorization", "Bearer swha_made_up"}}), 401,
              "Invalid authentication credentials");
  ExpectError(PostJson(*judy, "/api/v1/auth/api-keys", {{"name", ""}}), 422);
}

// ALLOW_ANONYMOUS=false: every TTS endpoint needs a user; the catalogue and health stay public.
TEST(AccountsClosedTest, WithoutAnonymousUseEveryTtsEndpointNeedsAUser) {
  SharedServer server({.env = {{"ALLOW_ANONYMOUS", "false"}}});
  ASSERT_TRUE(server.started()) << server.start_error();
  auto anonymous = MakeClient(server.port());
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/api/v1/tts/generate"},
           {"POST", "/api/v1/tts/generate-simple?text=Hi"},
           {"GET", "/api/v1/tts/s3-info"},
           {"POST", "/api/v1/tts/cleanup"},
           {"GET", "/api/v1/tts/sessions"}}) {
    SCOPED_TRACE(StrCat({method, " ", path}));
    auto res = method == "GET" ? anonymous->Get(path)
                               : anonymous->Post(path, R"({"text":"Hi"})", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << res->body;
    EXPECT_EQ(ParseJson(res->body).at("detail"), "Not authenticated");
    EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer");
  }
  EXPECT_EQ(CountEntries(server.process().audio_dir()), 0) << "nothing may be generated";
  for (const char* path : {"/api/v1/tts/voices", "/api/v1/tts/languages", "/health"}) {
    auto res = anonymous->Get(path);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << path;
  }
  auto user = MakeClientFor(server.port(), SignUp(*anonymous, "closed-mia"));
  EXPECT_TRUE(Generate(*user, {{"text", "Signed in."}}).has_value());
}

// Users, API keys, sessions and tokens outlive the process: a second server on the same
// DATA_DIR (catalog and generated SECRET_KEY) accepts everything the first handed out.
TEST(AccountsRestartTest, EverythingSurvivesARestart) {
  ScopedTempDir data;
  std::string token;
  std::string key;
  std::string session;
  {
    testing::ServerProcess first;
    ASSERT_TRUE(first.Start({.data_dir = data.path()}).ok());
    auto client = MakeClient(first.port());
    token = SignUp(*client, "restart-liam");
    ASSERT_FALSE(token.empty());
    auto liam = MakeClientFor(first.port(), token);
    auto created = PostJson(*liam, "/api/v1/auth/api-keys", {{"name", "kept"}});
    ASSERT_TRUE(created && created->status == 200);
    key = ParseJson(created->body).at("key").get<std::string>();
    auto made = Generate(*liam, {{"text", "Still here after a restart."}});
    ASSERT_TRUE(made);
    session = made->at("session_id").get<std::string>();
    EXPECT_EQ(first.Stop(), 0);
  }
  testing::ServerProcess second;
  ASSERT_TRUE(second.Start({.data_dir = data.path()}).ok());
  auto liam = MakeClientFor(second.port(), token);
  auto me = liam->Get("/api/v1/users/me");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;
  auto fetched = MakeClientFor(second.port(), key)->Get("/api/v1/tts/sessions/" + session);
  ASSERT_TRUE(fetched);
  ASSERT_EQ(fetched->status, 200) << fetched->body;
  EXPECT_TRUE(Download(*liam, ParseJson(fetched->body).at("audio_files")[0]));
  auto login = PostJson(*MakeClient(second.port()), "/api/v1/auth/login-json",
                        {{"username", "restart-liam"}, {"password", kTestPassword}});
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200);
  // What kept them: the PostgreSQL run of this suite must really be on PostgreSQL.
  const char* catalog = std::getenv("SWHA_TEST_CATALOG");
  const bool on_postgres = catalog != nullptr && std::string_view(catalog) == "postgres";
  EXPECT_NE(second.ReadLog().find(on_postgres ? "catalog: PostgreSQL" : "catalog: SQLite at "),
            std::string::npos)
      << second.ReadLog();
  EXPECT_EQ(CountEntries(data.path()) > 0 && !ReadFileBytes(data.path() + "/swha.db").empty(),
            !on_postgres);
}

TEST_F(AccountsTest, TheOperatorsCliMakesASuperuserWhoAdministersAccounts) {
  const std::string data_dir = server_->process().data_dir();
  auto created = RunOperatorCli(data_dir, "user create cli-root --email root@example.com --admin",
                                "root-password-1");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("(cli-root), superuser"), std::string::npos) << created.out;
  EXPECT_EQ(created.out.find("root-password-1"), std::string::npos);
  auto token = RunOperatorCli(data_dir, "token cli-root --minutes 5");
  ASSERT_EQ(token.exit_code, 0) << token.err;
  ASSERT_FALSE(token.out.empty());
  token.out.pop_back();  // the newline
  auto root = MakeClientFor(server_->port(), token.out);
  // The password works on the HTTP side too.
  auto login = PostJson(*client_, "/api/v1/auth/login-json",
                        {{"username", "cli-root"}, {"password", "root-password-1"}});
  ASSERT_TRUE(login);
  EXPECT_EQ(login->status, 200) << login->body;

  const std::string user_token = SignUp(*client_, "cli-ivan");
  auto ivan = MakeClientFor(server_->port(), user_token);
  const int64_t ivan_id = ParseJson(ivan->Get("/api/v1/users/me")->body).at("id").get<int64_t>();
  auto listed = root->Get("/api/v1/users?limit=1000");
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_NE(listed->body.find("\"cli-ivan\""), std::string::npos);
  EXPECT_EQ(listed->body.find("argon2"), std::string::npos) << "a password hash leaked";
  ExpectError(ivan->Get("/api/v1/users"), 403, "Not enough permissions");
  ExpectError(ivan->Get("/api/v1/users/1"), 403, "Not enough permissions");

  // Deactivated: the token stops working, and so does the password.
  auto patched = root->Patch("/api/v1/users/" + std::to_string(ivan_id),
                             json{{"is_active", false}}.dump(), "application/json");
  ASSERT_TRUE(patched);
  ASSERT_EQ(patched->status, 200) << patched->body;
  ExpectError(ivan->Get("/api/v1/users/me"), 400, "Inactive user");
  ExpectError(PostJson(*client_, "/api/v1/auth/login-json",
                       {{"username", "cli-ivan"}, {"password", kTestPassword}}),
              400, "Inactive user");
  auto reactivated = RunOperatorCli(data_dir, "user set-active cli-ivan true");
  ASSERT_EQ(reactivated.exit_code, 0) << reactivated.err;
  auto me = ivan->Get("/api/v1/users/me");
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200) << me->body;

  const int64_t root_id = ParseJson(root->Get("/api/v1/users/me")->body).at("id").get<int64_t>();
  ExpectError(root->Delete("/api/v1/users/" + std::to_string(root_id)), 400,
              "Cannot delete yourself");
  auto removed = root->Delete("/api/v1/users/" + std::to_string(ivan_id));
  ASSERT_TRUE(removed);
  ASSERT_EQ(removed->status, 200) << removed->body;
  ExpectError(ivan->Get("/api/v1/users/me"), 401, "User not found");
  ExpectError(root->Get("/api/v1/users/" + std::to_string(ivan_id)), 404, "User not found");

  // A superuser's cleanup reaches anonymous sessions, which no one else can.
  auto anonymous = Generate(*client_, {{"text", "Old and nobody's."}});
  ASSERT_TRUE(anonymous);
  auto cleaned = root->Post("/api/v1/tts/cleanup?days_old=0");
  ASSERT_TRUE(cleaned);
  ASSERT_EQ(cleaned->status, 200) << cleaned->body;
  EXPECT_GE(ParseJson(cleaned->body).at("local_files_cleaned").get<int>(), 1);
  auto gone = client_->Get(anonymous->at("audio_files")[0].get<std::string>());
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404);

  auto bad = RunOperatorCli(data_dir, "user create x --email root2@example.com", "short");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("username"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace swha::blackbox
