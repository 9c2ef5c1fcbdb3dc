// Serves an httplib::Server on 127.0.0.1, on a port the kernel picks, from a thread of its own:
// what every in-process stand-in (sync.so, a CloudFront edge, an upstream TTS server) needs.
#pragma once

#include <httplib.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>

#include "util/status.h"

namespace swha::testing {

class LoopbackListener {
 public:
  LoopbackListener() = default;
  ~LoopbackListener() { Stop(); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  // Binds and starts serving `server` (its routes already set; borrowed until Stop). Answers
  // one request per connection: httplib's stop() waits out every idle keep-alive connection
  // (5 s each), so a client that outlives the server would stall Stop. `name` is for messages.
  Status Start(httplib::Server* server, std::string_view name);
  // Stops accepting, waits for the handlers running and the thread. Idempotent.
  void Stop();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  httplib::Server* server_ = nullptr;
  std::thread thread_;
  std::atomic<bool> done_{false};
  int port_ = 0;
};

}  // namespace swha::testing
