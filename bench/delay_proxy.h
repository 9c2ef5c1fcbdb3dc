// A TCP proxy that adds a network's round trip to a server on this machine: what a real S3
// costs in waiting, which a gateway on the same cores does not.
#pragma once

#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bench/bench_common.h"

namespace swha::bench {

// A TCP proxy on 127.0.0.1 that holds every chunk it forwards for `one_way` before passing it
// on, in both directions: the round trip to the upstream gets 2 * one_way longer, as on a real
// network, while the bytes stay exactly as sent (signatures still verify). It stands in for
// `tc qdisc ... netem delay`, which this machine's kernel lacks (sch_netem is not built).
class DelayProxy {
 public:
  DelayProxy(int upstream_port, std::chrono::microseconds one_way);
  ~DelayProxy();
  DelayProxy(const DelayProxy&) = delete;
  DelayProxy& operator=(const DelayProxy&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>": where to send what was meant for the upstream.
  std::string endpoint_url() const;

 private:
  // One direction of one connection: chunks waiting for their release time.
  struct Pipe {
    std::mutex mu;
    std::condition_variable ready;
    std::deque<std::pair<SteadyClock::time_point, std::string>> chunks;  // GUARDED_BY(mu)
    bool eof = false;                                                    // GUARDED_BY(mu)
  };
  struct Connection;

  void AcceptLoop();
  void Read(int from, Pipe* pipe) const;
  // Sends each chunk at its release time; passes the end of the stream on after the data.
  static void Write(int to, int from, Pipe* pipe);

  const int upstream_port_;
  const std::chrono::microseconds one_way_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mu_;
  bool stopping_ = false;             // GUARDED_BY(mu_)
  std::vector<int> open_fds_;         // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;  // GUARDED_BY(mu_)
};

// A proxy adding `round_trip_ms` to every round trip to `endpoint_url`, which must be
// "http://127.0.0.1:PORT"; dies otherwise.
std::unique_ptr<DelayProxy> DelayProxyOrDie(const std::string& endpoint_url, int round_trip_ms);

}  // namespace swha::bench
