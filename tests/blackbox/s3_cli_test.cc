// The S3 command-line tools (`s3 check|ls|info|rm`, `presign`) run as commands against a real
// Ceph RADOS Gateway that this suite starts once (tests/support/rgw_server.h) on its own
// ports. If the gateway cannot start, the S3CliTest cases fail: CI never skips S3. The
// S3CliOfflineTest cases need no gateway (a closed port, missing credentials, bad arguments).
// CMakeLists.txt runs both suites as one CTest test, `s3.cli`.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <thread>

#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/rgw_server.h"
#include "util/clock.h"
#include "util/crypto.h"

namespace swha::blackbox {
namespace {

constexpr int kS3Port = 17521;  // other suites: 17481/16790
constexpr int kMonPort = 16830;
constexpr char kOfflineSecret[] = "offline-secret-Qz7wVb91";

const char* const kSteps[] = {"configuration",        "bucket access", "upload with metadata",
                              "presigned URL",        "file info",     "cleanup",
                              "transfer acceleration"};
constexpr size_t kStepCount = std::size(kSteps);

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

::testing::AssertionResult HasNoSecret(const std::string& output, const std::string& secret) {
  if (output.find(secret) != std::string::npos) {
    return ::testing::AssertionFailure() << "output contains the secret key:\n" << output;
  }
  return ::testing::AssertionSuccess();
}

// Only `presign` may print a presigned URL.
::testing::AssertionResult HasNoSignature(const std::string& output) {
  if (output.find("X-Amz-Signature") != std::string::npos ||
      output.find("Signature=") != std::string::npos) {
    return ::testing::AssertionFailure() << "output contains a signature:\n" << output;
  }
  return ::testing::AssertionSuccess();
}

// Seconds since the epoch for "2026-01-02T03:04:05Z"; -1 when malformed.
int64_t ParseIsoUtc(const std::string& text) {
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return -1;
  return timegm(&tm);
}

// A loopback port with nothing listening: bound, then closed again.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

// "http://127.0.0.1:17521/bucket/key?query" → port and "/bucket/key?query"; httplib fetches it
// as a plain unsigned GET.
httplib::Result FetchUrl(const std::string& url, int* port_out = nullptr) {
  const std::string prefix = "http://127.0.0.1:";
  EXPECT_EQ(url.rfind(prefix, 0), 0U) << url;
  const size_t slash = url.find('/', prefix.size());
  const int port = std::stoi(url.substr(prefix.size(), slash - prefix.size()));
  if (port_out != nullptr) *port_out = port;
  auto client = MakeClient(port);
  return client->Get(url.substr(slash));
}

class S3CliOfflineTest : public ::testing::Test {
 protected:
  // Credentials in the environment, an endpoint where nothing listens.
  std::map<std::string, std::string> Env(int port) const {
    return {{"S3_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(port)},
            {"S3_BUCKET_NAME", "swha-offline"},
            {"AWS_ACCESS_KEY_ID", "AKIDOFFLINE0001"},
            {"AWS_SECRET_ACCESS_KEY", kOfflineSecret},
            // No instance metadata here either: the last source of the chain finds a closed
            // port, as it would off EC2, and the chain ends.
            {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(port)},
            {"HOME", home_.path()}};
  }
  testing::SplitCommandResult Run(const std::vector<std::string>& args,
                                  const std::map<std::string, std::string>& env) {
    return testing::RunCommandSplit(testing::ServerBinary(), args, env, dir_.path());
  }

  ScopedTempDir dir_;
  ScopedTempDir home_;  // empty: no ~/.aws/credentials
};

TEST_F(S3CliOfflineTest, CheckAgainstAClosedPortFailsWithinSeconds) {
  const int port = ClosedPort();
  ASSERT_GT(port, 0);
  const Stopwatch watch;
  const auto r = Run({"s3", "check"}, Env(port));
  const double seconds = watch.ElapsedSeconds();
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_LT(seconds, 10.0) << r.out;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), kStepCount) << r.out;
  EXPECT_EQ(lines[0].rfind("PASS configuration: bucket swha-offline", 0), 0U) << lines[0];
  EXPECT_NE(lines[0].find("http://127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_NE(lines[0].find("credentials from environment"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1].rfind("FAIL bucket access: ", 0), 0U) << lines[1];
  for (size_t i = 2; i < kStepCount; ++i) {
    EXPECT_EQ(lines[i].rfind(std::string("FAIL ") + kSteps[i] + ": skipped: ", 0), 0U) << lines[i];
  }
  EXPECT_TRUE(HasNoSecret(r.out + r.err, kOfflineSecret));
  EXPECT_TRUE(HasNoSignature(r.out + r.err));
}

TEST_F(S3CliOfflineTest, CheckWithoutCredentialsFailsConfiguration) {
  auto env = Env(ClosedPort());
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  const auto r = Run({"s3", "check"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), kStepCount) << r.out;
  EXPECT_EQ(lines[0].rfind("FAIL configuration: no AWS credentials", 0), 0U) << lines[0];
  for (size_t i = 1; i < kStepCount; ++i) {
    EXPECT_EQ(lines[i], std::string("FAIL ") + kSteps[i] + ": skipped: configuration failed");
  }
}

TEST_F(S3CliOfflineTest, CheckWithUnloadableSettingsFailsConfiguration) {
  auto env = Env(ClosedPort());
  env["S3_ADDRESSING_STYLE"] = "sideways";
  const auto r = Run({"s3", "check"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), kStepCount) << r.out;
  EXPECT_EQ(lines[0].rfind("FAIL configuration: S3_ADDRESSING_STYLE", 0), 0U) << lines[0];
}

TEST_F(S3CliOfflineTest, PresignExpiryOutOfRangeIsAUsageError) {
  for (const char* expires : {"0", "604801", "-1", "abc", "3600x"}) {
    const auto r = Run({"presign", "audio/x.wav", "--expires", expires}, Env(ClosedPort()));
    EXPECT_EQ(r.exit_code, 2) << expires << ": " << r.out << r.err;
    EXPECT_EQ(r.out, "") << expires;
    EXPECT_NE(r.err.find("604800"), std::string::npos) << expires << ": " << r.err;
    EXPECT_NE(r.err.find("--expires"), std::string::npos) << expires << ": " << r.err;
    EXPECT_EQ(Lines(r.err).size(), 1U) << r.err;
  }
}

TEST_F(S3CliOfflineTest, PresignIsLocalAndPrintsOnlyTheUrl) {
  // Signing needs no server: the closed port does not matter.
  const int port = ClosedPort();
  const auto r = Run({"presign", "audio/some key.wav", "--expires", "604800"}, Env(port));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  ASSERT_EQ(Lines(r.out).size(), 1U) << r.out;
  EXPECT_EQ(
      r.out.rfind(
          "http://127.0.0.1:" + std::to_string(port) + "/swha-offline/audio/some%20key.wav?", 0),
      0U)
      << r.out;
  EXPECT_NE(r.out.find("X-Amz-Expires=604800"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(kOfflineSecret), std::string::npos);
  // Without --expires: S3_PRESIGNED_URL_EXPIRY.
  auto env = Env(port);
  env["S3_PRESIGNED_URL_EXPIRY"] = "123";
  const auto d = Run({"presign", "k.wav"}, env);
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("X-Amz-Expires=123&"), std::string::npos) << d.out;
}

TEST_F(S3CliOfflineTest, ToolsWithoutCredentialsFailWithOneLine) {
  auto env = Env(ClosedPort());
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"s3", "ls"}, {"s3", "info", "k"}, {"s3", "rm", "k"}, {"presign", "k"}}) {
    const auto r = Run(args, env);
    EXPECT_EQ(r.exit_code, 1) << args[1];
    EXPECT_EQ(r.out, "") << args[1];
    EXPECT_EQ(Lines(r.err).size(), 1U) << r.err;
    EXPECT_NE(r.err.find("no AWS credentials"), std::string::npos) << r.err;
  }
}

TEST_F(S3CliOfflineTest, ToolsAgainstAClosedPortFailWithOneLine) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"s3", "ls"}, {"s3", "info", "k"}, {"s3", "rm", "k"}}) {
    const Stopwatch watch;
    const auto r = Run(args, Env(ClosedPort()));
    EXPECT_EQ(r.exit_code, 1) << args[1];
    EXPECT_LT(watch.ElapsedSeconds(), 10.0) << args[1];
    EXPECT_EQ(r.out, "") << args[1];
    EXPECT_EQ(Lines(r.err).size(), 1U) << r.err;
    EXPECT_TRUE(HasNoSecret(r.err, kOfflineSecret));
  }
}

TEST_F(S3CliOfflineTest, HelpForEveryCommand) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"s3", "--help"},
                                             {"s3", "check", "--help"},
                                             {"s3", "ls", "--help"},
                                             {"s3", "info", "--help"},
                                             {"s3", "rm", "--help"},
                                             {"presign", "--help"}}) {
    const auto r = Run(args, {});
    EXPECT_EQ(r.exit_code, 0) << args[1];
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << r.out;
  }
  const auto presign = Run({"presign", "--help"}, {});
  EXPECT_NE(presign.out.find("--expires"), std::string::npos) << presign.out;
  EXPECT_NE(presign.out.find("604800"), std::string::npos) << presign.out;
}

class S3CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new testing::RgwServer(kS3Port, kMonPort);
    start_status_ = server_->Start();
    if (!start_status_.ok()) return;
    transport_ = storage::CreateCurlTransport().release();
    auto client =
        storage::S3Client::Create(server_->endpoint().ClientConfig(), transport_, Clock::Real());
    if (!client.ok()) {
      start_status_ = client.status();
      return;
    }
    client_ = std::move(client).value().release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
    delete transport_;
    transport_ = nullptr;
    delete server_;  // stops the gateway
    server_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(start_status_.ok()) << start_status_.message(); }

  const std::string& secret() const { return server_->endpoint().secret_access_key; }
  std::map<std::string, std::string> Env() const {
    std::map<std::string, std::string> env = server_->endpoint().AsEnv();
    env["HOME"] = home_.path();                 // empty: no ~/.aws/credentials
    env["AWS_EC2_METADATA_DISABLED"] = "true";  // never 169.254.169.254 from a test
    return env;
  }
  testing::SplitCommandResult Run(const std::vector<std::string>& args) { return Run(args, Env()); }
  testing::SplitCommandResult Run(const std::vector<std::string>& args,
                                  const std::map<std::string, std::string>& env) {
    auto r = testing::RunCommandSplit(testing::ServerBinary(), args, env, dir_.path());
    EXPECT_TRUE(HasNoSecret(r.out + r.err, secret())) << args[0];
    if (args[0] != "presign") {
      EXPECT_TRUE(HasNoSignature(r.out + r.err)) << args[0];
    }
    return r;
  }
  // A unique prefix per test, so tests do not see each other's objects.
  static std::string UniquePrefix() { return "cli-test/" + crypto::RandomHex(8) + "/"; }

  static testing::RgwServer* server_;
  static Status start_status_;
  static storage::HttpTransport* transport_;
  static storage::S3Client* client_;
  ScopedTempDir dir_;
  ScopedTempDir home_;
};

testing::RgwServer* S3CliTest::server_ = nullptr;
Status S3CliTest::start_status_;
storage::HttpTransport* S3CliTest::transport_ = nullptr;
storage::S3Client* S3CliTest::client_ = nullptr;

TEST_F(S3CliTest, CheckPassesEveryStepAndLeavesNothingBehind) {
  const auto r = Run({"s3", "check"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), kStepCount) << r.out;
  for (size_t i = 0; i < kStepCount; ++i) {
    EXPECT_EQ(lines[i].rfind(std::string("PASS ") + kSteps[i] + ": ", 0), 0U) << lines[i];
  }
  EXPECT_NE(lines[0].find("endpoint " + server_->endpoint().endpoint_url), std::string::npos);
  EXPECT_NE(lines[0].find("path-style addressing (S3_ADDRESSING_STYLE=auto)"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[2].find("9 metadata fields"), std::string::npos) << lines[2];
  // The gateway answers GetBucketAccelerateConfiguration in its own way; it is only reported.
  std::cout << lines[6] << "\n";
  // The check object is gone: nothing under its prefix.
  auto left = client_->ListObjectsV2("audio/_swha-check/");
  ASSERT_TRUE(left.ok()) << left.status().message();
  EXPECT_TRUE(left->empty()) << left->front().key;
}

TEST_F(S3CliTest, CheckWithAWrongSecretFailsBucketAccessWithoutShowingIt) {
  auto env = Env();
  const std::string wrong = "wrong-secret-" + crypto::RandomHex(8);
  env["AWS_SECRET_ACCESS_KEY"] = wrong;
  const auto r = Run({"s3", "check"}, env);
  EXPECT_EQ(r.exit_code, 1) << r.out;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), kStepCount) << r.out;
  EXPECT_EQ(lines[0].rfind("PASS configuration: ", 0), 0U) << lines[0];
  EXPECT_EQ(lines[1].rfind("FAIL bucket access: ", 0), 0U) << lines[1];
  EXPECT_NE(lines[1].find("HTTP 403"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[5], "FAIL cleanup: skipped: upload with metadata failed");
  EXPECT_TRUE(HasNoSecret(r.out + r.err, wrong));
}

TEST_F(S3CliTest, CheckReadsTheSharedCredentialsFile) {
  auto env = Env();
  const std::string id = env["AWS_ACCESS_KEY_ID"];
  env.erase("AWS_ACCESS_KEY_ID");
  env.erase("AWS_SECRET_ACCESS_KEY");
  std::filesystem::create_directories(home_.path() + "/.aws");
  WriteFileBytes(
      home_.path() + "/.aws/credentials",
      "[default]\naws_access_key_id = " + id + "\naws_secret_access_key = " + secret() + "\n");
  const auto r = Run({"s3", "check"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The source by name; never the file's path.
  EXPECT_NE(r.out.find("credentials from shared-credentials-file"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(home_.path()), std::string::npos) << r.out;
}

TEST_F(S3CliTest, LsInfoPresignRmRoundTrip) {
  const std::string prefix = UniquePrefix();
  const std::string key = prefix + "segment_000.wav";
  const std::string other = prefix + "segment_001.wav";
  const std::string wav = MakeWav(crypto::RandomBytes(3000));
  const std::map<std::string, std::string> metadata = {
      {"session-id", "s-42"}, {"voice", "af_heart"}, {"graphemes", "Hello there"}};
  ASSERT_TRUE(client_->PutObject(key, wav, "audio/wav", metadata).ok());
  ASSERT_TRUE(client_->PutObject(other, "x", "text/plain").ok());
  const int64_t now = NowUnixSeconds();

  // ls: both objects with date, size and key, then the total.
  auto ls = Run({"s3", "ls", prefix});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  auto lines = Lines(ls.out);
  ASSERT_EQ(lines.size(), 3U) << ls.out;
  std::istringstream first(lines[0]);
  std::string date;
  std::string size;
  std::string listed_key;
  first >> date >> size >> listed_key;
  EXPECT_EQ(size, std::to_string(wav.size()));
  EXPECT_EQ(listed_key, key);
  EXPECT_NEAR(static_cast<double>(ParseIsoUtc(date)), static_cast<double>(now), 120) << date;
  EXPECT_EQ(lines[1].substr(lines[1].size() - other.size()), other);
  EXPECT_EQ(lines[2], "2 object(s), " + std::to_string(wav.size() + 1) + " byte(s)");
  // ls of all keys includes them too (no prefix).
  ls = Run({"s3", "ls"});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_NE(ls.out.find(" " + key + "\n"), std::string::npos) << ls.out;

  // info: size, content type, date, ETag and every metadata value.
  const auto info = Run({"s3", "info", key});
  EXPECT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("\nsize: " + std::to_string(wav.size()) + "\n"), std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("\ncontent-type: audio/wav\n"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("\netag: " + crypto::HexEncode(crypto::Md5(wav)) + "\n"),
            std::string::npos)
      << info.out;
  EXPECT_NE(info.out.find("\nlast-modified: " + date + "\n"), std::string::npos) << info.out;
  for (const auto& [name, value] : metadata) {
    std::string line = "\nx-amz-meta-" + name;
    line += ": " + value + "\n";
    EXPECT_NE(info.out.find(line), std::string::npos) << info.out;
  }

  // presign: the URL alone on stdout; a plain GET returns the exact bytes.
  const auto presign = Run({"presign", key, "--expires", "60"});
  EXPECT_EQ(presign.exit_code, 0) << presign.err;
  EXPECT_EQ(presign.err, "");
  ASSERT_EQ(Lines(presign.out).size(), 1U) << presign.out;
  const std::string url = Lines(presign.out)[0];
  auto got = FetchUrl(url);
  ASSERT_TRUE(got) << httplib::to_string(got.error());
  EXPECT_EQ(got->status, 200) << got->body;
  EXPECT_TRUE(got->body == wav) << got->body.size() << " bytes, expected " << wav.size();
  // The same URL with one signature character changed is refused by the server.
  std::string tampered = url;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  got = FetchUrl(tampered);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 403);

  // rm: gone afterwards; info and a second rm fail naming NotFound.
  const auto rm = Run({"s3", "rm", key});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_EQ(rm.out, "deleted " + key + " (" + std::to_string(wav.size()) + " bytes)\n");
  for (const char* command : {"info", "rm"}) {
    const auto after = Run({"s3", command, key});
    EXPECT_EQ(after.exit_code, 1) << command << ": " << after.out;
    EXPECT_EQ(after.out, "") << command;
    EXPECT_EQ(Lines(after.err).size(), 1U) << after.err;
    EXPECT_NE(after.err.find("NotFound"), std::string::npos) << after.err;
  }
  ls = Run({"s3", "ls", prefix});
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(Lines(ls.out).size(), 2U) << ls.out;
  EXPECT_NE(ls.out.find("\n1 object(s), 1 byte(s)\n"), std::string::npos) << ls.out;
  EXPECT_TRUE(client_->DeleteObject(other).ok());
}

TEST_F(S3CliTest, LsOfAnEmptyPrefixPrintsOnlyTheTotal) {
  const auto r = Run({"s3", "ls", UniquePrefix()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0 object(s), 0 byte(s)\n");
}

TEST_F(S3CliTest, PresignedUrlExpires) {
  const std::string key = UniquePrefix() + "short.wav";
  ASSERT_TRUE(client_->PutObject(key, "short-lived", "audio/wav").ok());
  const auto r = Run({"presign", key, "--expires", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string url = Lines(r.out).at(0);
  // SigV4 dates have whole seconds: after 3 s the URL is past X-Amz-Date + 1 s in any case.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  auto got = FetchUrl(url);
  ASSERT_TRUE(got) << httplib::to_string(got.error());
  EXPECT_EQ(got->status, 403) << got->body;
  EXPECT_TRUE(client_->DeleteObject(key).ok());
}

}  // namespace
}  // namespace swha::blackbox
