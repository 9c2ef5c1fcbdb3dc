// GET /static/audio/<session>/<file>: only signed, unexpired URLs for files the service wrote
// yield audio; path tricks and symlinks never reach anything else; Range and HEAD work.
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

constexpr char kSecretKey[] = "blackbox-static-audio-secret-0123456789";
// Decoys the server must never hand out: a secret_key file in DATA_DIR, and a WAV-named file
// outside AUDIO_DIR.
constexpr char kDecoySecret[] = "DECOY-SECRET-KEY-CONTENT-7f3a9c1e5b2d4f60a8e7c6b5d4e3f2a1";
constexpr char kDecoyAudio[] = "DECOY-AUDIO-OUTSIDE-AUDIO-DIR";

class StaticAudioTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_dir_ = new std::string(testing::MakeTempDir());
    WriteFileBytes(*data_dir_ + "/secret_key", kDecoySecret);
    testing::ServerOptions options;
    options.data_dir = *data_dir_;
    options.env = {{"SECRET_KEY", kSecretKey}};
    server_ = new SharedServer(options);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    testing::RemoveDirRecursively(*data_dir_);
    delete data_dir_;
    data_dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->started()) << server_->start_error();
    client_ = MakeClient(server_->port());
    client_->set_url_encode(false);  // send every path byte for byte
  }

  static std::string AudioDir() { return server_->process().audio_dir(); }

  // A fresh two-segment session; its parsed URLs.
  std::vector<AudioUrl> NewSession(int expiry_seconds = 0) {
    json request = {{"text", "First part. Second part."}, {"split_pattern", "[.]\\s+"}};
    if (expiry_seconds > 0) request["presigned_url_expiry"] = expiry_seconds;
    std::vector<AudioUrl> urls;
    auto body = Generate(*client_, request);
    if (!body) return urls;
    for (const json& url : body->at("audio_files")) {
      auto parsed = ParseAudioUrl(url.get<std::string>());
      EXPECT_TRUE(parsed) << url;
      if (parsed) urls.push_back(*parsed);
    }
    EXPECT_EQ(urls.size(), 2u);
    return urls;
  }

  // Fails unless `path` is refused (403 or 404) without leaking anything.
  void ExpectRefused(const std::string& path) {
    SCOPED_TRACE(path);
    auto res = client_->Get(path);
    ASSERT_TRUE(res);
    EXPECT_TRUE(res->status == 403 || res->status == 404) << res->status << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    EXPECT_EQ(res->body.find(kDecoySecret), std::string::npos);
    EXPECT_EQ(res->body.find(kDecoyAudio), std::string::npos);
    EXPECT_EQ(res->body.find("root:"), std::string::npos);
    EXPECT_EQ(res->body.find("RIFF"), std::string::npos);
  }

  int StatusOf(const std::string& path, const httplib::Headers& headers = {}) {
    auto res = client_->Get(path, headers);
    return res ? res->status : -1;
  }

  static std::string* data_dir_;
  static SharedServer* server_;
  std::unique_ptr<httplib::Client> client_;
};

std::string* StaticAudioTest::data_dir_ = nullptr;
SharedServer* StaticAudioTest::server_ = nullptr;

TEST_F(StaticAudioTest, PathTraversalNeverLeavesAudioDir) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const AudioUrl& u = urls[0];
  const std::string q = "?expires=" + u.expires + "&signature=" + u.signature;
  const std::string s = "/static/audio/" + u.session_id;
  const std::string& d = *data_dir_;
  const std::vector<std::string> paths = {
      "/static/audio/../secret_key",
      "/static/audio/../../secret_key",
      "/static/audio/%2e%2e/%2e%2e/etc/passwd",
      "/static/audio/%2e%2e/secret_key",
      "/static/audio/..%2f..%2fsecret_key",
      StrCat({s, "/..%2fsecret_key"}),
      StrCat({s, "/..%2f..%2fsecret_key", q}),
      StrCat({s, "/../../secret_key"}),
      StrCat({s, "/%2e%2e/%2e%2e/secret_key"}),
      StrCat({s, "/..%2f", u.session_id, "%2fsegment_000.wav"}),
      "/static/audio//etc/passwd",
      "/static/audio/%2fetc%2fpasswd",
      "/static/audio/%2Fetc/passwd",
      StrCat({s, "/%2fetc%2fpasswd"}),
      StrCat({s, "/%2fetc%2fpasswd", q}),
      StrCat({"/static/audio/", d, "/secret_key"}),
      StrCat({"/static/audio/%2F", d.substr(1), "%2Fsecret_key"}),
      "/static/audio/secret_key",
      "/static/audio/audio/../secret_key",
      "/static/audio/.%2e/.%2e/etc/passwd",
      "/static/audio/%252e%252e/%252e%252e/etc/passwd",
      StrCat({s, "/segment_000.wav%00.txt", q}),
      StrCat({s, "/segment_000.wav/..%2f..%2f..%2fsecret_key", q}),
      StrCat({s, "/./segment_000.wav"}),
  };
  for (const std::string& path : paths) ExpectRefused(path);
  // The genuine URL still works, so the refusals above are not a broken server.
  EXPECT_EQ(StatusOf(u.Build()), 200);
}

TEST_F(StaticAudioTest, SessionDirectorySymlinkIsRefusedEvenWithAValidSignature) {
  // A decoy directory outside AUDIO_DIR holding a complete WAV with a segment's name.
  const std::string decoy_dir = *data_dir_ + "/decoy";
  ASSERT_EQ(mkdir(decoy_dir.c_str(), 0755), 0);
  const std::string decoy_wav = MakeWav(kDecoyAudio);
  WriteFileBytes(decoy_dir + "/segment_000.wav", decoy_wav);

  const std::string to_root = "1700000000000_anonymous_0123456789abcdef0123456789abcdef";
  const std::string to_decoy = "1700000000001_anonymous_fedcba9876543210fedcba9876543210";
  ASSERT_EQ(symlink("/", (AudioDir() + "/" + to_root).c_str()), 0);
  ASSERT_EQ(symlink(decoy_dir.c_str(), (AudioDir() + "/" + to_decoy).c_str()), 0);

  const int64_t expires = NowUnixSeconds() + 600;
  ExpectRefused(SignLocalUrl(kSecretKey, to_root, "segment_000.wav", expires));
  ExpectRefused(SignLocalUrl(kSecretKey, to_decoy, "segment_000.wav", expires));
  // The same validly signed session id, once a real directory holding the same file, is
  // served: so the refusals were for the symlinks, not for the signature or the file.
  ASSERT_EQ(unlink((AudioDir() + "/" + to_decoy).c_str()), 0);
  ASSERT_EQ(mkdir((AudioDir() + "/" + to_decoy).c_str(), 0750), 0);
  WriteFileBytes(AudioDir() + "/" + to_decoy + "/segment_000.wav", decoy_wav);
  auto res = client_->Get(SignLocalUrl(kSecretKey, to_decoy, "segment_000.wav", expires));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, decoy_wav);
}

TEST_F(StaticAudioTest, SegmentFileSymlinkIsRefusedEvenWithAValidSignature) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const std::string dir = AudioDir() + "/" + urls[0].session_id;
  const std::string outside_wav = *data_dir_ + "/outside.wav";
  WriteFileBytes(outside_wav, MakeWav(kDecoyAudio));
  const int64_t expires = NowUnixSeconds() + 600;
  // To the secret key file, to system files, to a complete WAV outside the tree, and to a real
  // WAV of this very session.
  const std::vector<std::pair<std::string, std::string>> links = {
      {*data_dir_ + "/secret_key", "segment_096.wav"},
      {"/etc/passwd", "segment_097.wav"},
      {outside_wav, "segment_098.wav"},
      {"segment_000.wav", "segment_099.wav"},
  };
  for (const auto& [target, name] : links) {
    ASSERT_EQ(symlink(target.c_str(), StrCat({dir, "/", name}).c_str()), 0) << name;
    ExpectRefused(SignLocalUrl(kSecretKey, urls[0].session_id, name, expires));
  }
  EXPECT_EQ(StatusOf(urls[0].Build()), 200);
}

TEST_F(StaticAudioTest, TruncatedFileIsNotServed) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const std::string path = AudioDir() + "/" + urls[0].session_id + "/" + urls[0].filename;
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  // As a crash in the middle of writing would leave it.
  ASSERT_EQ(truncate(path.c_str(), st.st_size - 100), 0);
  ExpectRefused(urls[0].Build());
  EXPECT_EQ(StatusOf(urls[1].Build()), 200);
}

TEST_F(StaticAudioTest, ValidSignatureForAMissingFileIs404) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const int64_t expires = NowUnixSeconds() + 600;
  EXPECT_EQ(StatusOf(SignLocalUrl(kSecretKey, urls[0].session_id, "segment_005.wav", expires)),
            404);
  EXPECT_EQ(
      StatusOf(SignLocalUrl(kSecretKey, "1700000000000_anonymous_00000000000000000000000000000000",
                            "segment_000.wav", expires)),
      404);
}

TEST_F(StaticAudioTest, UnsignedOrTamperedUrlsAre403) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const AudioUrl& u = urls[0];
  ASSERT_EQ(StatusOf(u.Build()), 200);

  EXPECT_EQ(StatusOf(u.Path()), 403);
  EXPECT_EQ(StatusOf(u.Path() + "?expires=" + u.expires), 403);
  EXPECT_EQ(StatusOf(u.Path() + "?signature=" + u.signature), 403);
  EXPECT_EQ(StatusOf(u.Path() + "?expires=&signature=" + u.signature), 403);

  AudioUrl flipped = u;  // one hex digit changed
  flipped.signature[10] = flipped.signature[10] == '0' ? '1' : '0';
  EXPECT_EQ(StatusOf(flipped.Build()), 403);
  AudioUrl truncated = u;
  truncated.signature.pop_back();
  EXPECT_EQ(StatusOf(truncated.Build()), 403);
  AudioUrl later = u;  // a longer life, with the old signature
  later.expires = std::to_string(std::stoll(u.expires) + 1);
  EXPECT_EQ(StatusOf(later.Build()), 403);
  AudioUrl negative = u;
  negative.expires = "-" + u.expires;
  EXPECT_EQ(StatusOf(negative.Build()), 403);

  // The first file's signature does not open the second file of the same session.
  AudioUrl other_file = u;
  other_file.filename = urls[1].filename;
  EXPECT_EQ(StatusOf(other_file.Build()), 403);
  // Nor the same file name in another session.
  const std::vector<AudioUrl> other = NewSession();
  ASSERT_EQ(other.size(), 2u);
  AudioUrl other_session = u;
  other_session.session_id = other[0].session_id;
  EXPECT_EQ(StatusOf(other_session.Build()), 403);
  // A Range request does not get around the signature.
  EXPECT_EQ(StatusOf(u.Path(), {{"Range", "bytes=0-99"}}), 403);
}

TEST_F(StaticAudioTest, UrlExpires) {
  const std::vector<AudioUrl> urls = NewSession(/*expiry_seconds=*/1);
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_LE(std::stoll(urls[0].expires), NowUnixSeconds() + 1);
  EXPECT_EQ(StatusOf(urls[0].Build()), 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  auto res = client_->Get(urls[0].Build());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 403) << res->body;
  EXPECT_EQ(StatusOf(urls[1].Build()), 403);
}

TEST_F(StaticAudioTest, UrlsSignedWithTheDocumentedSchemeAreHonoured) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const AudioUrl& u = urls[0];
  // The service's own URL is exactly what the documented scheme yields.
  EXPECT_EQ(SignLocalUrl(kSecretKey, u.session_id, u.filename, std::stoll(u.expires)), u.Build());

  const int64_t now = NowUnixSeconds();
  EXPECT_EQ(StatusOf(SignLocalUrl(kSecretKey, u.session_id, u.filename, now - 5)), 403);
  auto res = client_->Get(SignLocalUrl(kSecretKey, u.session_id, u.filename, now + 300));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(IsSpeechWav(res->body, 0.3, 5.0));
  // The same URL signed with any other key is refused.
  EXPECT_EQ(StatusOf(SignLocalUrl("another-secret-key-of-enough-length", u.session_id, u.filename,
                                  now + 300)),
            403);
}

TEST_F(StaticAudioTest, RangeRequests) {
  const std::vector<AudioUrl> urls = NewSession();
  ASSERT_EQ(urls.size(), 2u);
  const std::string url = urls[0].Build();
  auto full_res = client_->Get(url);
  ASSERT_TRUE(full_res);
  ASSERT_EQ(full_res->status, 200);
  EXPECT_EQ(full_res->get_header_value("Accept-Ranges"), "bytes");
  const std::string full = full_res->body;
  const size_t size = full.size();
  ASSERT_GT(size, 200u);
  const std::string total = "/" + std::to_string(size);

  auto res = client_->Get(url, {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->get_header_value("Content-Range"), "bytes 0-99" + total);
  EXPECT_EQ(res->get_header_value("Content-Length"), "100");
  EXPECT_EQ(res->body, full.substr(0, 100));

  res = client_->Get(url, {{"Range", "bytes=100-"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->get_header_value("Content-Range"),
            "bytes 100-" + std::to_string(size - 1) + total);
  EXPECT_EQ(res->body, full.substr(100));

  res = client_->Get(url, {{"Range", "bytes=-10"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->get_header_value("Content-Range"),
            "bytes " + std::to_string(size - 10) + "-" + std::to_string(size - 1) + total);
  EXPECT_EQ(res->body, full.substr(size - 10));

  res = client_->Get(url, {{"Range", "bytes=" + std::to_string(size) + "-"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 416);
  EXPECT_EQ(res->get_header_value("Content-Range"), "bytes */" + std::to_string(size));

  res = client_->Head(url);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Length"), std::to_string(size));
  EXPECT_EQ(res->get_header_value("Content-Type"), "audio/wav");
  EXPECT_TRUE(res->body.empty());
}

// A segment's marks are served whole, gzipped when the client takes it, and never in ranges
// (a range of a gzipped answer would name the wrong bytes).
TEST_F(StaticAudioTest, MarksAreServedWholeEvenWhenARangeIsAsked) {
  auto body = Generate(*client_, {{"text", "Marks for this one."}, {"marks", true}});
  ASSERT_TRUE(body);
  const json seg = body->at("audio_segments").at(0);
  const std::string url = seg.at("marks_url");
  auto plain = client_->Get(url, {{"Range", "bytes=0-9"}});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(plain->get_header_value("Accept-Ranges"), "none");
  EXPECT_FALSE(plain->has_header("Content-Range"));
  EXPECT_EQ(ParseJson(plain->body), seg.at("marks"));
  auto zipped = client_->Get(url, {{"Range", "bytes=0-9"}, {"Accept-Encoding", "gzip"}});
  ASSERT_TRUE(zipped);
  EXPECT_EQ(zipped->status, 200);
  EXPECT_EQ(zipped->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(ParseJson(zipped->body), seg.at("marks"));  // the client inflates it
}

}  // namespace
}  // namespace swha::blackbox
