// How the server holds its connections: httplib's own loop waits for the client on a worker,
// with a timeout per read only, so a client that sends its head a byte at a time (slowloris)
// keeps a worker for as long as it likes, and 16 such clients stop the service. Here each
// connection has a thread that waits for its client without a work slot (http/worker_pool.h),
// a request's head must arrive within a deadline and its body within another, the number of
// open connections is capped, and idle connections end at once when the server stops.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>

#include "metrics/registry.h"

namespace swha::http {

struct ConnectionLimits {
  int max_connections = 512;                   // MAX_CONNECTIONS; more are answered 503
  std::chrono::seconds head_timeout{10};       // REQUEST_HEADER_TIMEOUT_SECONDS, whole head
  std::chrono::seconds body_timeout{60};       // REQUEST_BODY_TIMEOUT_SECONDS, whole body
  std::chrono::seconds keep_alive_timeout{5};  // idle between requests on one connection
  std::chrono::seconds io_timeout{30};         // one read or write that makes no progress
  size_t max_requests_per_connection = 1000;
  metrics::Counter* refused = nullptr;  // counts connections answered 503 for max_connections
};

// An httplib::Server whose accepted connections are served as described above. Its handlers
// must call HeadReceived() first (the server's pre-routing handler does), and take a work slot
// (WorkerPool::AcquireSlot) once the body is in, before they work on the request.
class ConnectionServer : public httplib::Server {
 public:
  explicit ConnectionServer(ConnectionLimits limits);
  ~ConnectionServer() override;
  ConnectionServer(const ConnectionServer&) = delete;
  ConnectionServer& operator=(const ConnectionServer&) = delete;

  // On a connection's thread, once a request's head is in: its body must now arrive within
  // body_timeout.
  static void HeadReceived();
  // On a connection's thread: the connection ends once this request is answered (its answer
  // says "Connection: close", e.g. because part of its body is still unread).
  static void CloseAfterThisRequest();
  // On a connection's thread, once the answer is known to have a body in memory: its head is
  // sent together with that body (httplib writes them apart). REQUIRES: called from a handler
  // (after httplib's own writes, such as "100 Continue"), for an answer that is not to a HEAD
  // and not streamed: the next write must be its head, and the one after it its body.
  static void SendHeadWithBody();
  // Idle connections end now, and connections end after their current request. Thread-safe.
  void EndConnections();

  const ConnectionLimits& limits() const { return limits_; }
  int open_connections() const { return open_.load(); }

 private:
  bool process_and_close_socket(socket_t sock) override;
  // The connection's requests, one after another, until it ends or may not go on.
  void Serve(int sock);
  // Waits, holding no slot, for the next request's first byte: false on timeout, on a closed
  // or failed socket, or once EndConnections() was called.
  bool WaitForRequest(int sock, std::chrono::steady_clock::time_point until) const;
  // Answers 503 to a connection over the cap, without reading its request.
  void Refuse(int sock);

  const ConnectionLimits limits_;
  int wake_fd_ = -1;  // an eventfd, readable once EndConnections() was called
  std::atomic<bool> ending_{false};
  std::atomic<int> open_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<int64_t> last_refusal_log_ms_{0};
};

}  // namespace swha::http
