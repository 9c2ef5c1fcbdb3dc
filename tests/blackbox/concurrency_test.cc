// Many simultaneous generate requests all succeed with correct, distinct audio; a burst of
// connections fits in the listen queue.
#include <latch>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {
namespace {

constexpr int kRequests = 20;

TEST(ConcurrencyTest, TwentySimultaneousGenerateRequestsAllSucceed) {
  testing::ServerProcess server;
  const Status started = server.Start({});
  ASSERT_TRUE(started.ok()) << started.message();

  const std::vector<std::string> numbers = {
      "one",     "two",     "three",     "four",     "five",     "six",      "seven",
      "eight",   "nine",    "ten",       "eleven",   "twelve",   "thirteen", "fourteen",
      "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"};
  struct Outcome {
    int status = -1;
    std::string body;  // or why there was no response
    bool retried = false;
  };
  std::vector<Outcome> outcomes(kRequests);
  std::latch start_together(kRequests);
  std::vector<std::thread> threads;
  threads.reserve(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    threads.emplace_back([&, i] {
      const json body = {{"text", "Request number " + numbers[i] + " is speaking. It has " +
                                      std::to_string(i + 2) + " words to say."},
                         {"split_pattern", "[.]\\s+"}};
      auto client = MakeClient(server.port());
      start_together.arrive_and_wait();
      auto res = PostJson(*client, kGeneratePath, body);
      if (!res) {
        // A connection reset before any response: the listen queue overflowed (see
        // ListenQueueHoldsABurstOfClients). Retry once, so that this test checks what the
        // server does with concurrent requests it accepted.
        outcomes[i].retried = true;
        client = MakeClient(server.port());
        res = PostJson(*client, kGeneratePath, body);
      }
      if (res) {
        outcomes[i].status = res->status;
        outcomes[i].body = res->body;
      } else {
        outcomes[i].body = "no response: " + httplib::to_string(res.error());
      }
    });
  }
  for (std::thread& t : threads) t.join();

  auto client = MakeClient(server.port());
  std::set<std::string> sessions;
  int retried = 0;
  for (int i = 0; i < kRequests; ++i) {
    SCOPED_TRACE("request " + std::to_string(i));
    retried += outcomes[i].retried ? 1 : 0;
    ASSERT_EQ(outcomes[i].status, 200) << outcomes[i].body << "\nserver log:\n" << server.ReadLog();
    const json body = ParseJson(outcomes[i].body);
    ASSERT_TRUE(body.is_object());
    sessions.insert(body.at("session_id").get<std::string>());
    ASSERT_EQ(body.at("total_segments"), 2);
    EXPECT_EQ(body.at("audio_segments")[0].at("graphemes"),
              "Request number " + numbers[i] + " is speaking");
    for (const json& url : body.at("audio_files")) {
      auto wav = Download(*client, url);
      ASSERT_TRUE(wav);
      EXPECT_TRUE(IsSpeechWav(*wav, 0.5, 6.0));
    }
  }
  EXPECT_EQ(sessions.size(), static_cast<size_t>(kRequests));
  RecordProperty("requests_retried_after_a_reset", retried);

  auto health = client->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(Generate(*client, {{"text", "Still alive."}}));
}

// With a listen backlog of 5, twenty clients connecting at once overflow the accept queue: the
// kernel drops or SYN-cookies the surplus, which costs those clients a one-second SYN
// retransmit and now and then a reset connection (TcpExtListenOverflows, SyncookiesFailed in
// `nstat`). A server meant for HTTP_THREADS=16 concurrent requests needs a queue of at least
// SOMAXCONN's traditional 128 (nginx uses 511, uvicorn 2048).
TEST(ConcurrencyTest, ListenQueueHoldsABurstOfClients) {
  testing::ServerProcess server;
  const Status started = server.Start({});
  ASSERT_TRUE(started.ok()) << started.message();
  const std::optional<int> backlog = ListenBacklog(server.port());
  ASSERT_TRUE(backlog.has_value()) << "no listening socket on port " << server.port();
  EXPECT_GE(*backlog, 128) << "listen backlog of the server socket";
}

}  // namespace
}  // namespace swha::blackbox
