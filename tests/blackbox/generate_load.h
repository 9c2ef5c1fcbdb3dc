// Clients generating speech in a loop against a running server, for the tests that break
// something under it (a SIGKILL, a database restart, a gateway crash) and then check that every
// answer was one the service may give, and that every session a client was told about is there.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/blackbox/blackbox_helpers.h"

namespace swha::blackbox {

// What a 200 told its client: the session, where it said the audio is, and each segment's
// SHA-256.
struct Promise {
  std::string session_id;
  std::string storage_type;
  std::vector<std::string> sha256;
};

struct GenerateLoadOptions {
  int clients = 2;
  std::string token;  // Bearer token for every request ("" = anonymous)
  // The body of each generate; its "text" gets " Request <client>.<n>." appended, so no two
  // sessions are alike.
  json request;
};

// Starts its clients at construction. Each loops until Stop(), or, once ExpectConnectionLoss()
// was called, until a request gets no answer. Thread-safe.
class GenerateLoad {
 public:
  GenerateLoad(int port, GenerateLoadOptions options);
  ~GenerateLoad();
  GenerateLoad(const GenerateLoad&) = delete;
  GenerateLoad& operator=(const GenerateLoad&) = delete;

  // Ends every loop after its current request and waits for them.
  void Stop();
  // The server is about to die: from now on a request without an answer ends that client's
  // loop quietly. Before it, one is counted under status 0.
  void ExpectConnectionLoss() { connection_loss_expected_ = true; }

  std::vector<Promise> promises() const;
  size_t promise_count() const;
  // How many answers had each status (0: no answer while the server was expected to live).
  std::map<int, int> statuses() const;
  // The body of the first answer that was neither 200 nor 503 (to show in a failure).
  std::string first_unexpected_body() const;

 private:
  void Run(int client_index);

  const int port_;
  const GenerateLoadOptions options_;
  std::atomic<bool> stopping_ = false;
  std::atomic<bool> connection_loss_expected_ = false;
  mutable std::mutex mu_;
  std::vector<Promise> promises_;
  std::map<int, int> statuses_;
  std::string first_unexpected_body_;
  std::vector<std::thread> threads_;  // last: they use everything above
};

// Checks (with gtest failures) that every promised session is served by the server behind
// `client`: it answers 200 for the session, lists as many segments as the promise, and each
// one, fetched from the URL it gives now (a signed local URL, or a presigned S3 URL straight from
// S3), is a whole WAV whose SHA-256 is the promised one. `expect_storage_type`, when not empty,
// is what the session must say now. Returns how many sessions were checked.
size_t ExpectPromisesKept(httplib::Client& client, const std::vector<Promise>& promises,
                          const std::string& expect_storage_type = "");

// "200: 31, 503: 4": a status map for failure messages.
std::string DescribeStatuses(const std::map<int, int>& statuses);

}  // namespace swha::blackbox
