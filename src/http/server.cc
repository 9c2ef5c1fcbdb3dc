#include "http/server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>

#include "http/errors.h"

namespace swha::http {
namespace {

// Set when routing starts on a worker thread; read by the access log on the same thread.
thread_local std::chrono::steady_clock::time_point request_start;

std::string Lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Request ToRequest(const httplib::Request& in) {
  Request out;
  out.method = in.method;
  out.path = in.path;
  for (const auto& [k, v] : in.params) out.query.emplace(k, v);
  for (const auto& [k, v] : in.headers) out.headers.emplace(Lowercase(k), v);
  out.body = in.body;
  return out;
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
  ServerConfig config;
  std::shared_ptr<const Router> router;
  httplib::Server server;
  int bound_port = -1;

  void Handle(const httplib::Request& req, httplib::Response& res) {
    Request request = ToRequest(req);
    Response response = router->Dispatch(request);
    // The handlers implement Range themselves (with 416 for unsatisfiable ranges); httplib 0.11
    // would otherwise cut every response, even an error body, by the request's Range header.
    const_cast<httplib::Request&>(req).ranges.clear();
    res.status = response.status;
    for (auto& [k, v] : response.headers) res.set_header(k, v);
    res.set_content(response.body, response.content_type);
  }
};

HttpServer::HttpServer(ServerConfig config, std::shared_ptr<const Router> router)
    : impl_(std::make_unique<Impl>()) {
  impl_->config = std::move(config);
  impl_->router = std::move(router);
  httplib::Server& s = impl_->server;
  const int threads = impl_->config.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  s.set_payload_max_length(impl_->config.max_request_bytes);
  s.set_keep_alive_max_count(1000);
  s.set_read_timeout(30, 0);
  s.set_write_timeout(30, 0);
  s.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
    request_start = std::chrono::steady_clock::now();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto handle = [impl = impl_.get()](const httplib::Request& req, httplib::Response& res) {
    impl->Handle(req, res);
  };
  // Every method reaches the one Router, which knows 404 from 405.
  s.Get(".*", handle);
  s.Post(".*", handle);
  s.Put(".*", handle);
  s.Delete(".*", handle);
  s.Patch(".*", handle);
  s.Options(".*", handle);
  // Errors raised inside httplib (413 body too large, 400 malformed request) have no body yet.
  s.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        std::string detail = LibraryErrorDetail(res.status);
        // httplib refuses a POST that has neither Content-Length nor chunked encoding (as sent by
        // `curl -X POST` without -d); say how to fix it.
        if (res.status == 400 && req.method == "POST" && !req.has_header("Content-Length") &&
            !req.has_header("Transfer-Encoding")) {
          detail = "POST requests need a body or a Content-Length header (Content-Length: 0)";
        }
        Response r = ErrorResponse(res.status, detail);
        res.set_content(r.body, r.content_type);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - request_start)
            .count();
    // The path only: query strings carry URL signatures.
    spdlog::info("{} {} {} {:.1f}ms", req.method, req.path, res.status, ms);
  });
}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Bind() {
  const auto& c = impl_->config;
  int port = c.port;
  if (port == 0) {
    port = impl_->server.bind_to_any_port(c.host);
    if (port < 0) return Status::Unavailable("cannot bind " + c.host + " to any port");
  } else if (!impl_->server.bind_to_port(c.host, port)) {
    return Status::Unavailable("cannot listen on " + c.host + ":" + std::to_string(port) +
                               " (in use, or not an address of this machine)");
  }
  impl_->bound_port = port;
  return port;
}

Status HttpServer::Serve() {
  if (impl_->bound_port < 0) return Status::Internal("Serve() before Bind()");
  if (!impl_->server.listen_after_bind())
    return Status::Unavailable("server stopped with an error");
  return Status::Ok();
}

void HttpServer::Stop() {
  if (impl_ && impl_->server.is_running()) impl_->server.stop();
}

}  // namespace swha::http
