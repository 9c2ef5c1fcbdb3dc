// Nothing lost when S3 is down: with a real Ceph RADOS Gateway stopped, every session made
// during the outage is stored locally and queued; once the gateway is back, the upload outbox
// puts every one of those segments in S3 with the exact bytes, the catalog says so (the session
// is read back with presigned S3 URLs), the local copies go (KEEP_LOCAL_COPY=false), the queue
// metrics fall to zero and `swha-tts catalog check` finds nothing wrong. A delete during an
// outage is finished by the service once the gateway is back. One CTest test (s3.outbox), on a
// gateway of its own.
#include <algorithm>
#include <filesystem>
#include <regex>

#include "blackbox_helpers.h"
#include "generate_load.h"
#include "s3_storage_fixture.h"

namespace swha::blackbox {
namespace {

constexpr int kGatewayPort = 18681;
constexpr int kGatewayMonPort = 18790;
constexpr int kOutageSessions = 4;

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rgw_ = std::make_unique<testing::RgwServer>(kGatewayPort, kGatewayMonPort);
    const Status started = rgw_->Start();
    ASSERT_TRUE(started.ok()) << started.message();
    transport_ = storage::CreateCurlTransport();
    auto s3 =
        storage::S3Client::Create(rgw_->endpoint().ClientConfig(), transport_.get(), Clock::Real());
    ASSERT_TRUE(s3.ok()) << s3.status().ToString();
    s3_ = std::move(*s3);
    env_ = ServiceEnv(rgw_->endpoint(), {{"KEEP_LOCAL_COPY", "false"},
                                         {"S3_OUTBOX_POLL_SECONDS", "1"},
                                         {"S3_RECHECK_SECONDS", "1"}});
    const Status serving = server_.Start(testing::ServerOptions{.env = env_});
    ASSERT_TRUE(serving.ok()) << serving.ToString();
    client_ = MakeClient(server_.port());
  }
  void TearDown() override { server_.Stop(); }

  // The value of an unlabelled metric in /metrics, or -1.
  double Metric(const std::string& name) {
    auto res = client_->Get("/metrics");
    if (!res || res->status != 200) return -1;
    std::smatch m;
    if (!std::regex_search(res->body, m, std::regex("\n" + name + " ([0-9.e+-]+)\n"))) return -1;
    return std::stod(m[1]);
  }

  // `swha-tts catalog check --grace-seconds 0` beside the server: nothing may be left over.
  testing::SplitCommandResult StrictCatalogCheck() {
    std::map<std::string, std::string> env = env_;
    env["DATA_DIR"] = server_.data_dir();
    return testing::RunCommandSplit(testing::ServerBinary(),
                                    {"catalog", "check", "--grace-seconds", "0"}, env,
                                    server_.data_dir());
  }

  std::unique_ptr<testing::RgwServer> rgw_;
  std::unique_ptr<storage::HttpTransport> transport_;
  std::unique_ptr<storage::S3Client> s3_;
  std::map<std::string, std::string> env_;
  testing::ServerProcess server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(OutboxTest, EverySegmentMadeDuringAnOutageEndsUpInS3WithItsExactBytes) {
  // The gateway loses its objects when it stops (memstore), so nothing is made before the
  // outage: `catalog check` at the end would rightly miss it.
  const std::string token = SignUp(*client_, "outbox-user");  // sessions are read by owner
  ASSERT_FALSE(token.empty());
  auto user = MakeClientFor(server_.port(), token);
  ASSERT_TRUE(rgw_->Stop().ok());
  // session id -> the bytes of each segment, as served while they were local, and the signed
  // local URLs they were served from.
  std::map<std::string, std::vector<std::string>> made;
  std::map<std::string, std::vector<std::string>> local_urls;
  for (int i = 0; i < kOutageSessions; ++i) {
    json request = kSeedRequest;
    request["text"] = "Outage session " + std::to_string(i) + ".\nIts second line.\nAnd a third.";
    auto session = Generate(*user, request);
    ASSERT_TRUE(session.has_value());
    ASSERT_EQ(session->at("storage_type"), "local") << session->dump(2);
    EXPECT_NE(session->dump().find("queued: uploaded to S3 once it takes them"), std::string::npos)
        << session->dump(2);
    std::vector<std::string>& bytes = made[session->at("session_id").get<std::string>()];
    for (const json& url : session->at("audio_files")) {
      auto wav = Download(*user, url.get<std::string>());
      ASSERT_TRUE(wav.has_value()) << url;
      bytes.push_back(*wav);
      local_urls[session->at("session_id").get<std::string>()].push_back(url.get<std::string>());
    }
    ASSERT_EQ(bytes.size(), 3u);
  }
  const int queued = kOutageSessions * 3;
  EXPECT_EQ(Metric("swha_upload_outbox_depth"), queued);
  EXPECT_GT(Metric("swha_upload_outbox_oldest_age_seconds"), 0);

  ASSERT_TRUE(rgw_->Start().ok());  // an empty gateway: nothing from before the outage
  ASSERT_TRUE(
      WaitFor([&] { return Metric("swha_upload_outbox_depth") == 0; }, std::chrono::seconds(120)))
      << "the outbox never emptied; depth " << Metric("swha_upload_outbox_depth") << "\n"
      << server_.ReadLog();

  for (const auto& [session_id, bytes] : made) {
    SCOPED_TRACE(session_id);
    auto fetched = user->Get("/api/v1/tts/sessions/" + session_id);
    ASSERT_TRUE(fetched);
    ASSERT_EQ(fetched->status, 200) << fetched->body;
    const json body = ParseJson(fetched->body);
    EXPECT_EQ(body["storage_type"], "s3") << fetched->body;
    ASSERT_EQ(body["audio_files"].size(), bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
      const std::string url = body["audio_files"][i].get<std::string>();
      EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos) << url;
      auto direct = FetchAbsolute(url);
      ASSERT_TRUE(direct) << url;
      ASSERT_EQ(direct->status, 200) << url;
      EXPECT_TRUE(direct->body == bytes[i]) << "segment " << i << " differs in S3";
      EXPECT_EQ(HexSha256(direct->body), body["audio_segments"][i]["sha256"]) << i;
    }
    // KEEP_LOCAL_COPY=false: the local copies went once the catalog named S3.
    EXPECT_FALSE(std::filesystem::exists(server_.audio_dir() + "/" + session_id))
        << "local copies left";
    // A signed local URL handed out before the move still works, until its own expiry: it
    // sends the client to the S3 copy.
    for (size_t i = 0; i < bytes.size(); ++i) {
      auto moved = user->Get(local_urls[session_id][i]);
      ASSERT_TRUE(moved);
      ASSERT_EQ(moved->status, 307) << moved->body;
      EXPECT_EQ(moved->get_header_value("Cache-Control"), "no-store");
      const std::string location = moved->get_header_value("Location");
      EXPECT_NE(location.find("X-Amz-Signature="), std::string::npos) << location;
      auto followed = FetchAbsolute(location);
      ASSERT_TRUE(followed) << location;
      ASSERT_EQ(followed->status, 200) << location;
      EXPECT_TRUE(followed->body == bytes[i]) << "segment " << i << " differs behind the redirect";
    }
  }
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("swha_upload_outbox_uploads_total{outcome=\"uploaded\"} " +
                               std::to_string(queued) + "\n"),
            std::string::npos)
      << metrics->body;

  const auto check = StrictCatalogCheck();
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// A delete while the gateway is down (radosgw SIGKILLed: the objects stay): 202, and the session
// is gone for its owner at once; once the gateway is back, the service removes its objects by
// itself, and nothing is left for `catalog check`.
TEST_F(OutboxTest, ADeleteWhileTheGatewayIsDownIsFinishedOnceItIsBack) {
  const std::string token = SignUp(*client_, "outbox-delete-user");
  ASSERT_FALSE(token.empty());
  auto user = MakeClientFor(server_.port(), token);
  auto session = Generate(*user, kSeedRequest);
  ASSERT_TRUE(session.has_value());
  ASSERT_EQ(session->at("storage_type"), "s3") << session->dump(2);
  const std::string id = session->at("session_id").get<std::string>();
  const json urls = session->at("audio_files");
  ASSERT_FALSE(urls.empty());
  auto before = FetchAbsolute(urls[0].get<std::string>());
  ASSERT_TRUE(before && before->status == 200);

  ASSERT_TRUE(rgw_->KillGateway().ok());
  auto deleted = user->Delete("/api/v1/tts/sessions/" + id);
  ASSERT_TRUE(deleted);
  ASSERT_EQ(deleted->status, 202) << deleted->body;
  EXPECT_FALSE(ParseJson(deleted->body)["s3_failures"].empty()) << deleted->body;
  auto gone = user->Get("/api/v1/tts/sessions/" + id);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 404) << "a deleted session came back: " << gone->body;
  auto again = user->Delete("/api/v1/tts/sessions/" + id);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 404) << again->body;
  EXPECT_EQ(Metric("swha_session_removals_depth"), 1);

  ASSERT_TRUE(rgw_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return Metric("swha_session_removals_depth") == 0; },
                      std::chrono::seconds(120)))
      << "the removal never finished\n"
      << server_.ReadLog();
  for (const json& url : urls) {
    auto fetched = FetchAbsolute(url.get<std::string>());  // presigned: still valid
    ASSERT_TRUE(fetched) << url;
    EXPECT_EQ(fetched->status, 404) << "an object of the deleted session is still in S3: " << url;
  }
  const auto check = StrictCatalogCheck();
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

// The gateway SIGKILLed while sessions are being uploaded (radosgw alone: the cluster behind it,
// and so the objects, stay): every generate still answers 200, what it could not put in S3 is
// stored locally and queued, and once the gateway is back every session ends up in S3 with the
// bytes its client was promised.
TEST_F(OutboxTest, AGatewayKilledMidUploadLosesNoSegmentAndEveryOneEndsUpInS3) {
  const std::string token = SignUp(*client_, "outbox-kill-user");
  ASSERT_FALSE(token.empty());
  GenerateLoad load(server_.port(), {.clients = 3, .token = token, .request = kSeedRequest});
  ASSERT_TRUE(WaitFor([&] { return load.promise_count() >= 6; }, std::chrono::seconds(60)))
      << DescribeStatuses(load.statuses());
  ASSERT_TRUE(rgw_->KillGateway().ok());
  const size_t promised_at_kill = load.promise_count();
  ASSERT_TRUE(WaitFor([&] { return load.promise_count() >= promised_at_kill + 6; },
                      std::chrono::seconds(60)))
      << "generates stopped answering with the gateway down: " << DescribeStatuses(load.statuses());
  ASSERT_TRUE(rgw_->Start().ok());
  ASSERT_TRUE(WaitFor([&] { return load.promise_count() >= promised_at_kill + 12; },
                      std::chrono::seconds(60)));
  load.Stop();
  const std::map<int, int> statuses = load.statuses();
  for (const auto& [status, count] : statuses) {
    EXPECT_EQ(status, 200) << DescribeStatuses(statuses) << "; " << load.first_unexpected_body();
  }
  const std::vector<Promise> promised = load.promises();
  const auto fell_back = std::count_if(promised.begin(), promised.end(),
                                       [](const Promise& p) { return p.storage_type != "s3"; });
  EXPECT_GT(fell_back, 0) << "no session met the outage";

  ASSERT_TRUE(
      WaitFor([&] { return Metric("swha_upload_outbox_depth") == 0; }, std::chrono::seconds(120)))
      << "the outbox never emptied; depth " << Metric("swha_upload_outbox_depth") << "\n"
      << server_.ReadLog();
  auto user = MakeClientFor(server_.port(), token);
  EXPECT_EQ(ExpectPromisesKept(*user, promised, "s3"), promised.size());
  std::printf(
      "gateway killed: %zu sessions, %ld of them stored locally and queued, all in S3 now\n",
      promised.size(), static_cast<long>(fell_back));

  const auto check = StrictCatalogCheck();
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

}  // namespace
}  // namespace swha::blackbox
