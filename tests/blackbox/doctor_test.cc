// `swha-tts doctor` as an operator runs it: one PASS/FAIL/SKIP line per check, exit status 1
// when any check fails, never a secret. DoctorTest needs nothing but the binary and the
// in-process stand-ins for sync.so and an upstream TTS server; DoctorS3Test starts its own
// Ceph RADOS Gateway (CTest s3.doctor) and DoctorPostgresTest uses the shared throw-away
// PostgreSQL cluster (CTest catalog.doctor_postgres). Nothing here skips.
#include <sstream>

#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tests/blackbox/blackbox_helpers.h"
#include "tests/support/pg_server.h"
#include "tests/support/rgw_server.h"
#include "tests/support/sync_standin.h"
#include "tests/support/upstream_standin.h"
#include "util/clock.h"

namespace swha::blackbox {
namespace {

constexpr int kRgwPort = 18081;  // every S3 suite its own ports: see the other *_test.cc
constexpr int kMonPort = 17490;
const std::vector<std::string> kChecks = {"configuration",   "speech engine", "audio formats",
                                          "audio directory", "catalog",       "S3",
                                          "upstream TTS",    "sync.so"};

struct Doctor {
  int exit_code = -1;
  std::string output;
  std::vector<std::string> lines;
  // "PASS", "FAIL" or "SKIP" of `check`; "" when its line is missing.
  std::string OutcomeOf(const std::string& check) const {
    for (const std::string& line : lines) {
      if (line.size() > 5 && line.compare(5, check.size() + 1, check + ":") == 0) {
        return line.substr(0, 4);
      }
    }
    return "";
  }
  std::string LineOf(const std::string& check) const {
    for (const std::string& line : lines) {
      if (line.size() > 5 && line.compare(5, check.size() + 1, check + ":") == 0) return line;
    }
    return "";
  }
};

// `swha-tts doctor` in `dir` (its ./data is the default DATA_DIR) with `env`; stdout only, so
// that log lines cannot pass for check lines.
Doctor RunDoctor(const std::string& dir, const std::map<std::string, std::string>& env = {}) {
  testing::SplitCommandResult r =
      testing::RunCommandSplit(testing::ServerBinary(), {"doctor"}, env, dir);
  Doctor d{.exit_code = r.exit_code, .output = r.out + r.err};
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) d.lines.push_back(line);
  return d;
}

// Every line is "<PASS|FAIL|SKIP> <check>: <detail>", one per check, in order.
::testing::AssertionResult IsWellFormed(const Doctor& d) {
  if (d.lines.size() != kChecks.size()) {
    return ::testing::AssertionFailure() << "expected " << kChecks.size() << " lines:\n"
                                         << d.output;
  }
  for (size_t i = 0; i < kChecks.size(); ++i) {
    const std::string& line = d.lines[i];
    const std::string outcome = line.substr(0, 4);
    if ((outcome != "PASS" && outcome != "FAIL" && outcome != "SKIP") ||
        line.compare(4, kChecks[i].size() + 3, " " + kChecks[i] + ": ") != 0 ||
        line.size() <= 4 + kChecks[i].size() + 3) {
      return ::testing::AssertionFailure()
             << "line " << i << " is not \"<outcome> " << kChecks[i] << ": <detail>\":\n"
             << d.output;
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Hides(const Doctor& d, const std::string& secret) {
  if (d.output.find(secret) != std::string::npos) {
    return ::testing::AssertionFailure() << "the output shows a secret:\n" << d.output;
  }
  return ::testing::AssertionSuccess();
}

// With no configuration at all: every local part passes, every remote one is skipped.
TEST(DoctorTest, DefaultsPassAndSkipWhatIsNotConfigured) {
  ScopedTempDir dir;
  const Doctor d = RunDoctor(dir.path());
  ASSERT_TRUE(IsWellFormed(d));
  EXPECT_EQ(d.exit_code, 0) << d.output;
  for (const char* check :
       {"configuration", "speech engine", "audio formats", "audio directory", "catalog"}) {
    EXPECT_EQ(d.OutcomeOf(check), "PASS") << d.output;
  }
  for (const char* check : {"S3", "upstream TTS", "sync.so"}) {
    EXPECT_EQ(d.OutcomeOf(check), "SKIP") << d.output;
  }
  EXPECT_NE(d.LineOf("speech engine").find("9 languages"), std::string::npos) << d.output;
  EXPECT_NE(d.LineOf("audio formats").find("aac"), std::string::npos) << d.output;
  EXPECT_NE(d.LineOf("catalog").find("SQLite at ./data/swha.db"), std::string::npos) << d.output;
  // The probe file is gone again; the audio directory is there, as `serve` would make it.
  EXPECT_EQ(CountEntries(dir.path() + "/data/audio"), 0);
}

// An audio directory that cannot be made (a file stands where a directory should be) fails
// that check alone, and the exit status says so.
TEST(DoctorTest, AnUnwritableAudioDirectoryFails) {
  ScopedTempDir dir;
  WriteFileBytes(dir.path() + "/not-a-dir", "x");
  const Doctor d = RunDoctor(dir.path(), {{"AUDIO_DIR", dir.path() + "/not-a-dir/audio"}});
  ASSERT_TRUE(IsWellFormed(d));
  EXPECT_EQ(d.exit_code, 1) << d.output;
  EXPECT_EQ(d.OutcomeOf("audio directory"), "FAIL") << d.output;
  EXPECT_NE(d.LineOf("audio directory").find("not-a-dir/audio"), std::string::npos) << d.output;
  EXPECT_EQ(d.OutcomeOf("catalog"), "PASS") << d.output;
  EXPECT_EQ(d.OutcomeOf("speech engine"), "PASS") << d.output;
}

// A bad setting fails the configuration with the loader's one line; nothing else can run.
TEST(DoctorTest, ABadSettingFailsTheConfigurationAndSkipsTheRest) {
  ScopedTempDir dir;
  const Doctor d = RunDoctor(dir.path(), {{"PORT", "eighty"}, {"SECRET_KEY", "short-secret"}});
  ASSERT_TRUE(IsWellFormed(d));
  EXPECT_EQ(d.exit_code, 1) << d.output;
  EXPECT_EQ(d.LineOf("configuration"),
            "FAIL configuration: PORT=\"eighty\" is invalid: expected an integer from 1 to 65535")
      << d.output;
  for (size_t i = 1; i < kChecks.size(); ++i) EXPECT_EQ(d.OutcomeOf(kChecks[i]), "SKIP");

  const Doctor secret = RunDoctor(dir.path(), {{"SECRET_KEY", "short-secret"}});
  EXPECT_EQ(secret.exit_code, 1) << secret.output;
  EXPECT_EQ(secret.OutcomeOf("configuration"), "FAIL") << secret.output;
  EXPECT_TRUE(Hides(secret, "short-secret"));
}

// sync.so and an upstream TTS server, when configured, are really asked: a key they accept
// passes, a key they refuse fails, and neither key is ever printed.
TEST(DoctorTest, SyncAndUpstreamAreAskedWithTheirKeys) {
  const std::string sync_key = "sync-key-Vq81mZ";
  const std::string upstream_key = "upstream-key-Pz09qW";
  auto sync = testing::SyncStandin::Start(sync_key, "webhook-secret");
  ASSERT_TRUE(sync.ok()) << sync.status().ToString();
  auto upstream = testing::UpstreamStandin::Start(upstream_key);
  ASSERT_TRUE(upstream.ok()) << upstream.status().ToString();
  ScopedTempDir dir;
  std::map<std::string, std::string> env = {{"SYNC_API_BASE_URL", (*sync)->base_url()},
                                            {"SYNC_API_KEY", sync_key},
                                            {"TTS_ENGINE", "openai"},
                                            {"TTS_UPSTREAM_URL", (*upstream)->base_url() + "/v1"},
                                            {"TTS_UPSTREAM_API_KEY", upstream_key}};
  const Doctor good = RunDoctor(dir.path(), env);
  ASSERT_TRUE(IsWellFormed(good));
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_EQ(good.OutcomeOf("sync.so"), "PASS") << good.output;
  EXPECT_EQ(good.OutcomeOf("upstream TTS"), "PASS") << good.output;
  EXPECT_GE((*sync)->status_requests(), 1);
  EXPECT_TRUE(Hides(good, sync_key));
  EXPECT_TRUE(Hides(good, upstream_key));

  env["SYNC_API_KEY"] = "wrong-sync-key-Lk2";
  env["TTS_UPSTREAM_API_KEY"] = "wrong-upstream-key-Hj7";
  const Doctor bad = RunDoctor(dir.path(), env);
  ASSERT_TRUE(IsWellFormed(bad));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_EQ(bad.OutcomeOf("sync.so"), "FAIL") << bad.output;
  EXPECT_EQ(bad.OutcomeOf("upstream TTS"), "FAIL") << bad.output;
  EXPECT_TRUE(Hides(bad, "wrong-sync-key-Lk2"));
  EXPECT_TRUE(Hides(bad, "wrong-upstream-key-Hj7"));
}

class DoctorS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rgw_ = new testing::RgwServer(kRgwPort, kMonPort);
    rgw_status_ = new Status(rgw_->Start());
  }
  static void TearDownTestSuite() {
    delete rgw_;
    delete rgw_status_;
  }
  void SetUp() override { ASSERT_TRUE(rgw_status_->ok()) << rgw_status_->ToString(); }
  static std::map<std::string, std::string> S3Env() {
    std::map<std::string, std::string> env = rgw_->endpoint().AsEnv();
    env["USE_S3_STORAGE"] = "true";
    return env;
  }
  static testing::RgwServer* rgw_;
  static Status* rgw_status_;
};
testing::RgwServer* DoctorS3Test::rgw_ = nullptr;
Status* DoctorS3Test::rgw_status_ = nullptr;

// A round trip through the real gateway passes and leaves nothing under doctor/.
TEST_F(DoctorS3Test, ARoundTripPassesAndLeavesNothingBehind) {
  ScopedTempDir dir;
  const Doctor d = RunDoctor(dir.path(), S3Env());
  ASSERT_TRUE(IsWellFormed(d));
  EXPECT_EQ(d.exit_code, 0) << d.output;
  EXPECT_EQ(d.OutcomeOf("S3"), "PASS") << d.output;
  EXPECT_NE(d.LineOf("S3").find("PUT, GET (the same"), std::string::npos) << d.output;
  EXPECT_TRUE(Hides(d, rgw_->endpoint().secret_access_key));

  auto transport = storage::CreateCurlTransport();
  auto s3 =
      storage::S3Client::Create(rgw_->endpoint().ClientConfig(), transport.get(), Clock::Real());
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  auto left = (*s3)->ListObjectsV2("doctor/");
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_TRUE(left->empty()) << left->size() << " object(s) left under doctor/";
}

// A secret key the gateway refuses fails S3 (and the exit status) without showing the key.
TEST_F(DoctorS3Test, RefusedCredentialsFail) {
  ScopedTempDir dir;
  std::map<std::string, std::string> env = S3Env();
  env["AWS_SECRET_ACCESS_KEY"] = "not-the-gateway-secret-Rt5";
  const Doctor d = RunDoctor(dir.path(), env);
  ASSERT_TRUE(IsWellFormed(d));
  EXPECT_EQ(d.exit_code, 1) << d.output;
  EXPECT_EQ(d.OutcomeOf("S3"), "FAIL") << d.output;
  EXPECT_EQ(d.OutcomeOf("catalog"), "PASS") << d.output;
  EXPECT_TRUE(Hides(d, "not-the-gateway-secret-Rt5"));
}

// The catalog on PostgreSQL: a new database is migrated and passes; one that cannot be
// reached fails, and its password is never printed.
TEST(DoctorPostgresTest, ADatabaseThatAnswersPassesOneThatDoesNotFails) {
  auto url = testing::CreateSharedPgDatabase("doctor");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ScopedTempDir dir;
  const Doctor d = RunDoctor(dir.path(), {{"DATABASE_URL", *url}});
  ASSERT_TRUE(IsWellFormed(d));
  EXPECT_EQ(d.exit_code, 0) << d.output;
  EXPECT_EQ(d.OutcomeOf("catalog"), "PASS") << d.output;
  EXPECT_NE(d.LineOf("catalog").find("PostgreSQL"), std::string::npos) << d.output;

  const int closed = testing::FreeLoopbackPort();
  const std::string password = "pg-password-Yx31";
  const Doctor down = RunDoctor(
      dir.path(), {{"DATABASE_URL", "postgresql://swha:" + password + "@127.0.0.1:" +
                                        std::to_string(closed) + "/swha?connect_timeout=5"}});
  ASSERT_TRUE(IsWellFormed(down));
  EXPECT_EQ(down.exit_code, 1) << down.output;
  EXPECT_EQ(down.OutcomeOf("catalog"), "FAIL") << down.output;
  EXPECT_TRUE(Hides(down, password));
}

}  // namespace
}  // namespace swha::blackbox
