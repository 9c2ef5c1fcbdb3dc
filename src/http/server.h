// The HTTP server: cpp-httplib behind a thin adapter. Every request goes through one Router;
// errors produced by the library itself (oversized body, bad request line) get the same JSON
// shape; one log line per request (method, path without query, status, duration).
#pragma once

#include <memory>
#include <string>

#include "http/router.h"
#include "metrics/registry.h"
#include "util/status.h"

namespace swha::http {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8000;   // 0: pick a free port
  int threads = 16;  // requests worked on at once (a slot each: http/worker_pool.h)
  size_t max_request_bytes = 1 << 20;
  int max_connections = 512;      // open at once; more are answered 503 (http/connection.h)
  int head_timeout_seconds = 10;  // a request's whole head must arrive within this
  int body_timeout_seconds = 60;  // and its whole body within this, after the head
  metrics::Counter* refused_connections = nullptr;  // counts the 503s for max_connections
  // The longest a streamed response may take (a client that reads a byte now and then must
  // not hold a worker for ever); past it, or once the server is stopping, the stream is cut.
  int max_stream_seconds = 600;
};

class HttpServer {
 public:
  HttpServer(ServerConfig config, std::shared_ptr<const Router> router);
  ~HttpServer();

  // Binds the socket; returns the bound port.
  Result<int> Bind();
  // Serves until Stop(), then waits for the requests in flight to be answered (idle keep-alive
  // connections end at once). Ok when stopped by Stop(), even one that came first.
  // REQUIRES: Bind() succeeded.
  Status Serve();
  // Stops accepting connections; answers carry "Connection: close" from now on. Thread-safe;
  // may be called from a signal-watching thread, at any time after construction.
  void Stop();

  // Connections open now (for metrics).
  int open_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swha::http
