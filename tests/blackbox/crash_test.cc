// The service SIGKILLed at random moments while clients generate, and started again on the same
// data directory, round after round: after every crash `swha-tts catalog check` is clean (no
// row names audio that is not there), and at the end every session a client was told about
// (status 200) is still served whole, with the bytes whose SHA-256 the response gave. What a
// crash can leave is audio no row describes (killed between writing the audio and recording
// it); it is never served, and `catalog check --repair` removes it. The rounds, the longest
// delay before a kill and the random seed can be set from the environment (SWHA_CRASH_ROUNDS,
// SWHA_CRASH_MAX_DELAY_MS, SWHA_CRASH_SEED) to run the test longer; every failure names the
// seed. Runs on SQLite here and on PostgreSQL in catalog.postgres_api.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/blackbox/generate_load.h"
#include "tests/support/server_process.h"

namespace swha::blackbox {
namespace {

constexpr int kDefaultRounds = 200;
// A generate of two short lines takes a few milliseconds on an idle machine and tens under a
// sanitizer, so kills spread over this window land before, inside and between requests.
constexpr int kDefaultMaxKillDelayMs = 150;
constexpr int kClients = 3;  // generating at once when the kill comes
constexpr auto kExitWait = std::chrono::seconds(10);

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.data_dir = data_dir_.path();
    options_.log_dir = data_dir_.path() + "/logs";
    std::filesystem::create_directories(options_.log_dir);
  }

  testing::SplitCommandResult CatalogCheck(const std::string& args) {
    return RunOperatorCli(data_dir_.path(), "catalog check " + args);
  }

  ScopedTempDir data_dir_;
  testing::ServerOptions options_;
};

TEST_F(CrashTest, KilledMidGenerateItNeverServesOrPromisesAudioItDoesNotHave) {
  const int rounds = EnvInt("SWHA_CRASH_ROUNDS", kDefaultRounds);
  const int max_delay_ms = EnvInt("SWHA_CRASH_MAX_DELAY_MS", kDefaultMaxKillDelayMs);
  const unsigned seed = static_cast<unsigned>(
      EnvInt("SWHA_CRASH_SEED", static_cast<int>(std::random_device{}() & 0x7fffffff)));
  SCOPED_TRACE("SWHA_CRASH_SEED=" + std::to_string(seed));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> delay_ms(0, max_delay_ms);

  std::string token;
  {
    testing::ServerProcess first;
    ASSERT_TRUE(first.Start(options_).ok());
    auto client = MakeClient(first.port());
    token = SignUp(*client, "crash-user");  // sessions are read back by their owner
    ASSERT_FALSE(token.empty());
    first.Stop();
  }

  std::vector<Promise> promised;
  std::map<int, int> statuses;
  int cut_short = 0;  // rounds whose kill came before any answer
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    testing::ServerProcess server;
    const Status started = server.Start(options_);
    ASSERT_TRUE(started.ok()) << started.ToString();
    GenerateLoad load(server.port(),
                      {.clients = kClients,
                       .token = token,
                       .request = {{"text", "Round " + std::to_string(round) + ".\nA second line."},
                                   {"voice", "af_heart"}}});
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(random)));
    load.ExpectConnectionLoss();
    server.Signal(SIGKILL);
    ASSERT_TRUE(server.WaitForExit(kExitWait).has_value()) << "still running after SIGKILL";
    load.Stop();
    const std::vector<Promise> told = load.promises();
    if (told.empty()) ++cut_short;
    promised.insert(promised.end(), told.begin(), told.end());
    for (const auto& [status, count] : load.statuses()) statuses[status] += count;

    // Rows first, audio after: a crash can leave audio without a row (younger than the check's
    // grace, so not reported), never a row without its audio.
    const auto check = CatalogCheck("");
    ASSERT_EQ(check.exit_code, 0) << check.out << check.err;
  }
  // A kill cuts answers short; it never turns one into an error.
  for (const auto& [status, count] : statuses) {
    EXPECT_EQ(status, 200) << DescribeStatuses(statuses);
  }

  testing::ServerProcess server;
  ASSERT_TRUE(server.Start(options_).ok());
  auto client = MakeClientFor(server.port(), token);
  EXPECT_EQ(ExpectPromisesKept(*client, promised), promised.size());
  server.Stop();

  // With no grace, what the crashes left shows: audio without rows only, which repair removes.
  const auto strict = CatalogCheck("--grace-seconds 0");
  EXPECT_EQ(CountLinesStartingWith(strict.out, "missing-"), 0) << strict.out;
  const int orphans = CountLinesStartingWith(strict.out, "orphan-local");
  const auto repair = CatalogCheck("--grace-seconds 0 --repair");
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  const auto after = CatalogCheck("--grace-seconds 0");
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;

  std::printf(
      "crash: %d kills, %zu sessions promised and served whole, %d kills before any "
      "answer, %d orphan session directories repaired\n",
      rounds, promised.size(), cut_short, orphans);
  EXPECT_GT(promised.size(), static_cast<size_t>(rounds) / 4)
      << "too few generates finished between kills for the test to mean anything";
}

}  // namespace
}  // namespace swha::blackbox
