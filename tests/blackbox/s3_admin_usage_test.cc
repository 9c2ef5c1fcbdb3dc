// Storage usage and its cost, for superusers (GET /api/v1/admin/usage) and the operator
// (swha-tts s3 usage): from the catalog, and from a full listing of the suite's gateway. Part
// of the S3 storage suite (s3_storage_fixture.h).
#include <map>
#include <sstream>

#include "s3_storage_fixture.h"

namespace swha::blackbox {
namespace {

constexpr double kPrice = 1.5;  // S3_PRICE_PER_GB_MONTH here
constexpr double kBytesPerGb = 1024.0 * 1024.0 * 1024.0;

TEST_F(S3StorageTest, UsageAndCostPerUserFromTheCatalogAndFromAListing) {
  const std::map<std::string, std::string> env =
      ServiceEnv(rgw_->endpoint(), {{"S3_PRICE_PER_GB_MONTH", "1.5"}});
  SharedServer server({.env = env});
  ASSERT_TRUE(server.started()) << server.start_error();
  const std::string data_dir = server.process().data_dir();
  auto anonymous = MakeClient(server.port());
  auto root = MakeClientFor(server.port(), MakeSuperuserToken(data_dir, "usage-root"));
  auto user = MakeClientFor(server.port(), SignUp(*anonymous, "usage_user"));
  const int64_t user_id = ParseJson(user->Get("/api/v1/users/me")->body).at("id").get<int64_t>();
  int64_t objects = 0;
  int64_t bytes = 0;
  std::vector<std::string> sessions;
  for (int i = 0; i < 2; ++i) {
    auto made = Generate(*user, kSeedRequest);
    ASSERT_TRUE(made.has_value());
    ASSERT_EQ((*made)["storage_type"], "s3");
    sessions.push_back((*made)["session_id"]);
    for (const json& seg : (*made)["audio_segments"]) {
      ++objects;
      bytes += seg["size_bytes"].get<int64_t>();
    }
  }
  ASSERT_TRUE(Generate(*anonymous, kSeedRequest).has_value());

  auto res = root->Get("/api/v1/admin/usage?by_user=true");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const json report = ParseJson(res->body);
  EXPECT_EQ(report["source"], "catalog");
  EXPECT_EQ(report["price_per_gb_month_usd"], kPrice);
  json mine;
  for (const json& line : report["owners"]) {
    if (line["owner"] == std::to_string(user_id)) mine = line;
  }
  ASSERT_TRUE(mine.is_object()) << res->body;
  EXPECT_EQ(mine["sessions"], 2);
  EXPECT_EQ(mine["s3_objects"], objects);
  EXPECT_EQ(mine["s3_bytes"], bytes);
  EXPECT_EQ(mine["local_files"], objects);  // KEEP_LOCAL_COPY is on
  EXPECT_DOUBLE_EQ(mine["estimated_monthly_cost_usd"].get<double>(),
                   static_cast<double>(bytes) / kBytesPerGb * kPrice);
  int64_t total_bytes = 0;
  for (const json& line : report["owners"]) total_bytes += line["s3_bytes"].get<int64_t>();
  EXPECT_EQ(report["total"]["s3_bytes"], total_bytes);
  EXPECT_EQ(report["total"]["sessions"], 3);

  // Only superusers; anonymous callers are asked to sign in.
  auto refused = user->Get("/api/v1/admin/usage");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
  EXPECT_EQ(anonymous->Get("/api/v1/admin/usage")->status, 401);
  EXPECT_EQ(root->Get("/api/v1/admin/usage?scan=maybe")->status, 422);

  // A full listing sees the whole bucket, whoever wrote it: the same counts as our own listing.
  auto scanned = root->Get("/api/v1/admin/usage?scan=true&by_user=true");
  ASSERT_TRUE(scanned);
  ASSERT_EQ(scanned->status, 200) << scanned->body;
  auto listed = s3_->ListObjectsV2("audio/");
  ASSERT_TRUE(listed.ok());
  std::map<std::string, int64_t> bytes_by_prefix;
  for (const storage::ListedObject& o : *listed) {
    std::string owner = o.key.starts_with("audio/anonymous/") ? "anonymous" : "other";
    if (o.key.starts_with("audio/users/")) {
      owner = o.key.substr(12, o.key.find('/', 12) - 12);
    }
    bytes_by_prefix[owner] += static_cast<int64_t>(o.size);
  }
  const json scan = ParseJson(scanned->body);
  EXPECT_EQ(scan["source"], "scan");
  std::map<std::string, int64_t> scanned_bytes;
  for (const json& line : scan["owners"]) {
    scanned_bytes[line["owner"].get<std::string>()] = line["s3_bytes"].get<int64_t>();
    EXPECT_TRUE(line["sessions"].is_null());
  }
  EXPECT_EQ(scanned_bytes, bytes_by_prefix);

  // The operator's command: the same figures from the catalog.
  auto cli = RunOperatorCli(data_dir, "s3 usage --by-user", "", env);
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_NE(cli.out.find("price 1.5 USD per GB-month"), std::string::npos) << cli.out;
  bool found = false;
  std::istringstream lines(cli.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(std::to_string(user_id) + " ")) {
      found = line.find(" " + std::to_string(bytes) + " ") != std::string::npos;
    }
  }
  EXPECT_TRUE(found) << cli.out;
  EXPECT_NE(cli.out.find("\ntotal "), std::string::npos) << cli.out;

  // Leave nothing under audio/users/: other servers of the suite reuse these user ids.
  for (const std::string& session : sessions) {
    auto deleted = user->Delete("/api/v1/tts/sessions/" + session);
    ASSERT_TRUE(deleted && deleted->status == 200);
  }
}

}  // namespace
}  // namespace swha::blackbox
