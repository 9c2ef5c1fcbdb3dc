// The HTTP server: cpp-httplib behind a thin adapter. Every request goes through one Router;
// errors produced by the library itself (oversized body, bad request line) get the same JSON
// shape; one log line per request (method, path without query, status, duration).
#pragma once

#include <memory>
#include <string>

#include "http/router.h"
#include "util/status.h"

namespace swha::http {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8000;  // 0: pick a free port
  int threads = 16;
  size_t max_request_bytes = 1 << 20;
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
  // connections end within httplib's keep-alive timeout, 5 s). Ok when stopped by Stop(), even
  // one that came first. REQUIRES: Bind() succeeded.
  Status Serve();
  // Stops accepting connections; answers carry "Connection: close" from now on. Thread-safe;
  // may be called from a signal-watching thread, at any time after construction.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swha::http
