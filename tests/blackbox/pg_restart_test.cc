// PostgreSQL stopped and started again under load: while it is down, generates answer 503 (the
// server's fault, nobody's input) and keep no audio; /ready says 503; once it is back, the
// service reconnects on its own, and every session a client was told about is served whole.
// `catalog check` with no grace is clean afterwards: an outage leaves no audio without a row.
// One cluster of its own, since it is restarted.
#include <chrono>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/blackbox/generate_load.h"
#include "tests/support/pg_server.h"
#include "tests/support/server_process.h"

namespace swha::blackbox {
namespace {

constexpr auto kBeforeOutage = std::chrono::seconds(1);
constexpr auto kOutage = std::chrono::seconds(3);
constexpr auto kReconnectWithin = std::chrono::seconds(30);

int ReadyStatus(httplib::Client& client) {
  auto res = client.Get("/ready");
  return res ? res->status : 0;
}

TEST(PgRestartTest, GeneratesAre503WhileItIsDownKeepNothingAndRecoverOnTheirOwn) {
  testing::PgServer pg;
  const Status pg_started = pg.Start();
  ASSERT_TRUE(pg_started.ok()) << pg_started.ToString();
  auto database_url = pg.CreateDatabase("restart");
  ASSERT_TRUE(database_url.ok()) << database_url.status().ToString();
  const std::map<std::string, std::string> env = {{"DATABASE_URL", *database_url}};
  testing::ServerProcess server;
  const Status started = server.Start({.env = env});
  ASSERT_TRUE(started.ok()) << started.ToString();
  auto client = MakeClient(server.port());
  const std::string token = SignUp(*client, "restart-user");
  ASSERT_FALSE(token.empty());
  ASSERT_EQ(ReadyStatus(*client), 200);

  GenerateLoad load(server.port(), {.clients = 2,
                                    .token = token,
                                    .request = {{"text", "Before, during and after.\nTwo lines."},
                                                {"voice", "af_heart"}}});
  std::this_thread::sleep_for(kBeforeOutage);
  ASSERT_TRUE(pg.Stop().ok());
  std::this_thread::sleep_for(kOutage);
  EXPECT_EQ(ReadyStatus(*client), 503);
  const size_t promised_in_outage = load.promise_count();
  const int refused_in_outage = load.statuses()[503];
  ASSERT_TRUE(pg.Start().ok());
  EXPECT_TRUE(WaitFor([&] { return ReadyStatus(*client) == 200; }, kReconnectWithin))
      << server.ReadLog();
  EXPECT_TRUE(
      WaitFor([&] { return load.promise_count() > promised_in_outage + 4; }, kReconnectWithin))
      << "generates did not succeed again: " << DescribeStatuses(load.statuses());
  load.Stop();

  const std::map<int, int> statuses = load.statuses();
  EXPECT_GT(refused_in_outage, 0) << "no request met the outage: " << DescribeStatuses(statuses);
  for (const auto& [status, count] : statuses) {
    EXPECT_TRUE(status == 200 || status == 503)
        << DescribeStatuses(statuses) << "; first: " << load.first_unexpected_body();
  }
  auto user = MakeClientFor(server.port(), token);
  const std::vector<Promise> promised = load.promises();
  EXPECT_EQ(ExpectPromisesKept(*user, promised), promised.size());

  const std::string log = server.ReadLog();
  EXPECT_EQ(log.find(*database_url), std::string::npos) << "the log shows the database URL";
  server.Stop();
  // A generate that could not be recorded removed its audio: nothing is left without a row.
  const auto check = RunOperatorCli(server.data_dir(), "catalog check --grace-seconds 0", "", env);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  std::printf("pg restart: %s; %zu sessions served whole afterwards\n",
              DescribeStatuses(statuses).c_str(), promised.size());
}

}  // namespace
}  // namespace swha::blackbox
