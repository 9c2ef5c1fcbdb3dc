#include "http/server.h"

#include <fcntl.h>
#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "http/connection.h"
#include "http/errors.h"
#include "http/worker_pool.h"

namespace swha::http {
namespace {

// Set when routing starts on a worker thread; read by the access log on the same thread.
thread_local std::chrono::steady_clock::time_point request_start;
// How a streamed body ended ("" for a body that was not streamed), for the access log: a
// stream cut short still logged its 200, which was sent before the body.
thread_local std::string_view stream_outcome;

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

constexpr int kListenBacklog = 1024;
// Descriptors kept for everything but client connections: the catalog, S3 and upstream
// connections, audio files being read and written, logs.
constexpr rlim_t kReservedDescriptors = 256;

// Each open connection is a descriptor: raises the soft limit on open files (often 1024) up to
// what MAX_CONNECTIONS needs, as far as the hard limit allows, and says so when it cannot, so a
// flood of connections ends in 503s rather than in failures to open audio files.
void EnsureDescriptorsFor(int max_connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t needed = static_cast<rlim_t>(max_connections) + kReservedDescriptors;
  if (limit.rlim_cur >= needed) return;
  const rlim_t wanted = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
  rlimit raised = limit;
  raised.rlim_cur = wanted;
  if (wanted > limit.rlim_cur && ::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  if (limit.rlim_cur < needed) {
    spdlog::warn(
        "MAX_CONNECTIONS={} needs about {} open files, but the limit is {}: lower it, or "
        "raise the limit (ulimit -n, LimitNOFILE=)",
        max_connections, needed, limit.rlim_cur);
  }
}

Request ToRequest(const httplib::Request& in, std::string body) {
  Request out;
  out.method = in.method;
  out.path = in.path;
  out.remote_address = in.remote_addr;
  for (const auto& [k, v] : in.params) out.query.emplace(k, v);
  for (const auto& [k, v] : in.headers) out.headers.emplace(Lowercase(k), v);
  out.body = std::move(body);
  return out;
}

// The Content-Length a request declares; 0 without one, or for one that does not parse (httplib
// then refuses it itself).
uint64_t DeclaredLength(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return 0;
  const std::string value = req.get_header_value("Content-Length");
  uint64_t length = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (error != std::errc() || end != value.data() + value.size()) return 0;
  return length;
}

// The answer says "Connection: close", and the connection ends once it is written.
void EndConnectionAfter(httplib::Response& res) {
  res.set_header("Connection", "close");
  ConnectionServer::CloseAfterThisRequest();
}

bool HasBodyFraming(const httplib::Request& req) {
  return req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
}

std::string LibraryErrorDetail(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 413: return "Request body too large";
    case 414: return "Request URI too long";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request header fields too large";
    default: return "HTTP error " + std::to_string(status);
  }
}

}  // namespace

struct HttpServer::Impl {
  Impl(ServerConfig server_config, std::shared_ptr<const Router> routes)
      : config(std::move(server_config)),
        router(std::move(routes)),
        server(ConnectionLimits{.max_connections = config.max_connections,
                                .head_timeout = std::chrono::seconds(config.head_timeout_seconds),
                                .body_timeout = std::chrono::seconds(config.body_timeout_seconds),
                                .refused = config.refused_connections}) {}

  ServerConfig config;
  std::shared_ptr<const Router> router;
  ConnectionServer server;
  int bound_port = -1;
  int listen_fd = -1;                 // set by the socket-options hook during Bind()
  std::atomic<bool> stopping{false};  // set by Stop(): streams end at their next write
  // A second descriptor of the listening socket, for Stop(). httplib closes its own when it
  // stops, after which that number may belong to another file; this one stays ours until
  // Serve() returns, so shutting it down can never reach anything else.
  std::mutex listen_mu;
  int stop_fd = -1;  // guarded by listen_mu

  void CloseStopFd() {
    std::lock_guard<std::mutex> lock(listen_mu);
    if (stop_fd >= 0) ::close(stop_fd);
    stop_fd = -1;
  }

  // Reads the body through httplib's streaming reader so that MAX_REQUEST_BYTES holds for
  // chunked bodies too (httplib 0.11 only limits bodies with a Content-Length), and so that
  // form-encoded bodies are neither parsed into parameters nor capped at httplib's 8 KiB.
  void HandleWithBody(const httplib::Request& req, httplib::Response& res,
                      const httplib::ContentReader& reader) {
    std::string body;
    bool too_large = false;
    const bool complete = reader([&](const char* data, size_t length) {
      if (body.size() + length > config.max_request_bytes) {
        too_large = true;
        return false;
      }
      body.append(data, length);
      return true;
    });
    if (!complete) {
      // httplib itself sets 413 when a Content-Length exceeds the payload limit.
      too_large = too_large || res.status == 413;
      Write(req,
            too_large ? ErrorForPath(req.path, 413, "Request body too large")
                      : ErrorForPath(req.path, 400, "Request body could not be read"),
            res);
      // What is left of the body is still on the wire: the connection cannot be reused.
      EndConnectionAfter(res);
      return;
    }
    Handle(req, std::move(body), res);
  }

  void Handle(const httplib::Request& req, std::string body, httplib::Response& res) {
    // The whole request is in: only now does it take one of the HTTP_THREADS work slots, so
    // that a client sending slowly never holds one (nor can many finish at once to pass the
    // cap: a slot lent while waiting on the client is only taken back for the answer's writes).
    if (WorkerPool* pool = WorkerPool::Current()) pool->AcquireSlot();
    Request request = ToRequest(req, std::move(body));
    Write(req, router->Dispatch(request), res);
  }

  // httplib calls the provider once; it produces the whole body, then ends the chunked stream.
  // A body that fails or throws aborts the connection instead of ending it cleanly, and so does
  // one past its deadline or on a stopping server.
  void Stream(const Response& response, httplib::Response& res) {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(config.max_stream_seconds);
    res.set_chunked_content_provider(
        response.content_type,
        [this, deadline, stream = response.stream](size_t /*offset*/, httplib::DataSink& sink) {
          const BodyWriter write = [this, deadline, &sink](std::string_view bytes) {
            if (stopping.load() || std::chrono::steady_clock::now() > deadline) return false;
            return sink.is_writable() && sink.write(bytes.data(), bytes.size());
          };
          bool complete = false;
          try {
            complete = stream(write);
          } catch (const std::exception& e) {
            spdlog::error("streamed response failed: {}", e.what());
          } catch (...) {
            spdlog::error("streamed response failed: unknown exception");
          }
          if (complete) sink.done();
          stream_outcome = complete ? " stream complete" : " stream cut";
          return complete;
        });
  }

  void Write(const httplib::Request& req, const Response& response, httplib::Response& res) {
    // The handlers implement Range themselves (with 416 for unsatisfiable ranges); httplib 0.11
    // would otherwise cut every response, even an error body, by the request's Range header.
    const_cast<httplib::Request&>(req).ranges.clear();
    res.status = response.status;
    for (const auto& [k, v] : response.headers) res.set_header(k, v);
    // Draining: the client learns from this answer that the connection ends, rather than from a
    // reset when it sends the next request on it.
    if (stopping.load()) {
      EndConnectionAfter(res);
    }
    if (response.stream) {
      Stream(response, res);
      return;
    }
    // A bodiless answer (204) says no content type at all, rather than an empty one.
    if (!response.body.empty() || !response.content_type.empty()) {
      res.set_content(response.body, response.content_type);
    }
    // A HEAD answer has no body to wait for: httplib writes only its head.
    if (!response.body.empty() && req.method != "HEAD") ConnectionServer::SendHeadWithBody();
  }
};

HttpServer::HttpServer(ServerConfig config, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(router))) {
  httplib::Server& s = impl_->server;
  // A thread per open connection (plus one per worker, for connections being refused).
  const auto threads = static_cast<size_t>(impl_->config.threads);
  const size_t max_threads = static_cast<size_t>(impl_->config.max_connections) + threads;
  s.new_task_queue = [threads, max_threads] { return new WorkerPool(threads, max_threads); };
  s.set_payload_max_length(impl_->config.max_request_bytes);
  // httplib writes an answer's head and body apart. An answer whose body is in memory leaves in
  // one send (ConnectionServer::SendHeadWithBody), but streamed answers and httplib's own errors
  // do not: without TCP_NODELAY, such a body after the first answer on a keep-alive connection
  // waited ~40 ms for the client's delayed ACK.
  s.set_tcp_nodelay(true);
  // What the Keep-Alive header of each answer advertises: the connection loop's own limits.
  const ConnectionLimits& limits = impl_->server.limits();
  s.set_keep_alive_max_count(limits.max_requests_per_connection);
  s.set_keep_alive_timeout(limits.keep_alive_timeout.count());
  s.set_pre_routing_handler(
      [impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
        // The head is in: the body's deadline starts.
        ConnectionServer::HeadReceived();
        request_start = std::chrono::steady_clock::now();
        stream_outcome = "";
        // A declared body over the limit is refused before a byte of it is read (httplib 0.11
        // would read and drop all of it first); the rest of it is still on the wire.
        if (DeclaredLength(req) > impl->config.max_request_bytes) {
          impl->Write(req, ErrorForPath(req.path, 413, "Request body too large"), res);
          EndConnectionAfter(res);
          return httplib::Server::HandlerResponse::Handled;
        }
        // A POST with neither Content-Length nor chunked encoding (`curl -X POST` without -d) has
        // no body (RFC 9112 section 6.3); httplib 0.11 would instead read until the client closes.
        if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH") &&
            !HasBodyFraming(req)) {
          impl->Handle(req, "", res);
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
  Impl* impl = impl_.get();
  auto handle = [impl](const httplib::Request& req, httplib::Response& res) {
    impl->Handle(req, req.body, res);
  };
  auto handle_with_body = [impl](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& reader) {
    impl->HandleWithBody(req, res, reader);
  };
  // Every method reaches the one Router, which knows 404 from 405.
  s.Get(".*", handle);
  s.Post(".*", handle_with_body);
  s.Put(".*", handle_with_body);
  s.Delete(".*", handle);
  s.Patch(".*", handle_with_body);
  s.Options(".*", handle);
  // httplib 0.11 hard-codes a listen backlog of 5, which drops connections in a burst of
  // clients; the socket is remembered here and its backlog raised after bind.
  s.set_socket_options([impl](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    impl->listen_fd = sock;
  });
  // Errors raised inside httplib (413 body too large, 400 malformed or late head) have no body
  // yet. After them the connection ends: where the next request would begin is not known.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        Response r = ErrorForPath(req.path, res.status, LibraryErrorDetail(res.status));
        res.set_content(r.body, r.content_type);
        EndConnectionAfter(res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_start)
            .count();
    // The path only: query strings carry URL signatures.
    spdlog::info("{} {} {} {:.1f}ms{}", req.method, req.path, res.status, ms, stream_outcome);
  });
}

HttpServer::~HttpServer() {
  Stop();
  impl_->CloseStopFd();
}

Result<int> HttpServer::Bind() {
  const auto& c = impl_->config;
  EnsureDescriptorsFor(c.max_connections);
  int port = c.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(c.host);
    if (port < 0) return Status::Unavailable("cannot bind " + c.host + " to any port");
  } else if (!impl_->server.bind_to_port(c.host, port)) {
    return Status::Unavailable("cannot listen on " + c.host + ":" + std::to_string(port) +
                               " (in use, or not an address of this machine)");
  }
  if (impl_->listen_fd >= 0) {
    ::listen(impl_->listen_fd, kListenBacklog);
    std::lock_guard<std::mutex> lock(impl_->listen_mu);
    impl_->stop_fd = ::fcntl(impl_->listen_fd, F_DUPFD_CLOEXEC, 0);
  }
  impl_->bound_port = port;
  return port;
}

Status HttpServer::Serve() {
  if (impl_->bound_port < 0) return Status::Internal("Serve() before Bind()");
  // On return httplib has waited for its workers: every request in flight has been answered.
  const bool clean = impl_->stopping.load() || impl_->server.listen_after_bind();
  impl_->CloseStopFd();
  if (!clean && !impl_->stopping.load()) return Status::Unavailable("server stopped with an error");
  return Status::Ok();
}

int HttpServer::open_connections() const { return impl_->server.open_connections(); }

void HttpServer::Stop() {
  if (!impl_) return;
  impl_->stopping.store(true);
  // Connections waiting for their next request end now; the others after their answer.
  impl_->server.EndConnections();
  // First httplib's own stop, which marks its socket invalid before closing it: the accept loop
  // then ends without closing that number a second time, and keep-alive loops end after their
  // current request (they watch the same socket).
  if (impl_->server.is_running()) impl_->server.stop();
  // But stop() does nothing until the accept loop has started, so a Stop() just before (a
  // signal between Bind and Serve) would be lost and the loop would run for ever. A listening
  // socket that is shut down ends that loop at its first poll, whenever it starts (httplib then
  // closes its descriptor, once), and refuses new connections at once.
  std::lock_guard<std::mutex> lock(impl_->listen_mu);
  if (impl_->stop_fd >= 0) ::shutdown(impl_->stop_fd, SHUT_RDWR);
}

}  // namespace swha::http
