#include "bench/delay_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/fmt/fmt.h>
#include <sys/socket.h>
#include <unistd.h>

namespace swha::bench {
namespace {

sockaddr* Addr(sockaddr_in* a) { return reinterpret_cast<sockaddr*>(a); }

}  // namespace

// Both sockets of one proxied connection; closed when the last of its four threads ends.
struct DelayProxy::Connection {
  Connection(DelayProxy* proxy, int client, int upstream) : proxy(proxy), fds{client, upstream} {}
  ~Connection() {
    std::lock_guard<std::mutex> lock(proxy->mu_);
    for (int fd : fds) {
      std::erase(proxy->open_fds_, fd);
      close(fd);
    }
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  DelayProxy* proxy;
  std::array<int, 2> fds;
  Pipe to_upstream;
  Pipe to_client;
};

DelayProxy::DelayProxy(int upstream_port, std::chrono::microseconds one_way)
    : upstream_port_(upstream_port), one_way_(one_way) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || bind(listen_fd_, Addr(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 64) != 0 || getsockname(listen_fd_, Addr(&addr), &len) != 0) {
    Die("delay proxy: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  threads_.emplace_back([this] { AcceptLoop(); });
}

DelayProxy::~DelayProxy() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  // Threads may still be added by a connection being accepted; join until none are left.
  for (;;) {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      threads.swap(threads_);
    }
    if (threads.empty()) break;
    for (std::thread& t : threads) t.join();
  }
  close(listen_fd_);
}

std::string DelayProxy::endpoint_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void DelayProxy::AcceptLoop() {
  for (;;) {
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) return;  // shut down
    const int upstream = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (upstream < 0 || connect(upstream, Addr(&addr), sizeof(addr)) != 0) {
      close(client);
      if (upstream >= 0) close(upstream);
      continue;
    }
    const int one = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      close(client);
      close(upstream);
      return;
    }
    open_fds_.push_back(client);
    open_fds_.push_back(upstream);
    auto c = std::make_shared<Connection>(this, client, upstream);
    threads_.emplace_back([this, c] { Read(c->fds[0], &c->to_upstream); });
    threads_.emplace_back([this, c] { Write(c->fds[1], c->fds[0], &c->to_upstream); });
    threads_.emplace_back([this, c] { Read(c->fds[1], &c->to_client); });
    threads_.emplace_back([this, c] { Write(c->fds[0], c->fds[1], &c->to_client); });
  }
}

void DelayProxy::Read(int from, Pipe* pipe) const {
  std::string buf(256 * 1024, '\0');
  for (;;) {
    const ssize_t n = recv(from, buf.data(), buf.size(), 0);
    std::lock_guard<std::mutex> lock(pipe->mu);
    if (n <= 0) {
      pipe->eof = true;
      pipe->ready.notify_one();
      return;
    }
    pipe->chunks.emplace_back(SteadyClock::now() + one_way_, buf.substr(0, static_cast<size_t>(n)));
    pipe->ready.notify_one();
  }
}

void DelayProxy::Write(int to, int from, Pipe* pipe) {
  for (;;) {
    std::pair<SteadyClock::time_point, std::string> chunk;
    {
      std::unique_lock<std::mutex> lock(pipe->mu);
      pipe->ready.wait(lock, [&] { return !pipe->chunks.empty() || pipe->eof; });
      if (pipe->chunks.empty()) {
        shutdown(to, SHUT_WR);
        return;
      }
      chunk = std::move(pipe->chunks.front());
      pipe->chunks.pop_front();
    }
    std::this_thread::sleep_until(chunk.first);
    for (size_t sent = 0; sent < chunk.second.size();) {
      const ssize_t n =
          send(to, chunk.second.data() + sent, chunk.second.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) {  // the receiver is gone: stop reading what it would never get
        shutdown(from, SHUT_RDWR);
        return;
      }
      sent += static_cast<size_t>(n);
    }
  }
}

std::unique_ptr<DelayProxy> DelayProxyOrDie(const std::string& endpoint_url, int round_trip_ms) {
  const size_t colon = endpoint_url.rfind(':');
  const auto port = static_cast<int>(
      colon == std::string::npos ? 0 : ParseInteger(endpoint_url.substr(colon + 1), 0));
  if (port <= 0 || endpoint_url.find("127.0.0.1") == std::string::npos) {
    Die("a delaying proxy needs an endpoint http://127.0.0.1:PORT, not " + endpoint_url);
  }
  return std::make_unique<DelayProxy>(port, std::chrono::microseconds(round_trip_ms * 500));
}

}  // namespace swha::bench
