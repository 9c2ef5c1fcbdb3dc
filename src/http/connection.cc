#include "http/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <span>
#include <string>

#include "http/errors.h"
#include "http/worker_pool.h"
#include "util/blocking.h"

namespace swha::http {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes read from the socket at a time: httplib reads a request's head one byte per call.
constexpr size_t kReadBufferBytes = 4096;
// How long a refused connection's request is read and dropped, so that closing the socket
// does not reset it before the client has read the 503. Short: it holds a thread meanwhile.
constexpr std::chrono::milliseconds kRefusalDrain{50};
// The same after an answer given with part of the request unread (413 on its declared length,
// 400 on a body that stalled): longer, as the client may still be sending, on a parked thread.
constexpr std::chrono::milliseconds kUnreadDrain{1000};
// At most one log line per this interval about refused connections (an attack must not flood
// the log); the metric counts every one.
constexpr int64_t kRefusalLogIntervalMs = 10000;

int MillisecondsUntil(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count() + 1, 0, 60 * 60 * 1000));
}

// Ends our side, then reads and drops what the client still sends until it closes or for
// `how_long` (nginx's lingering close): a socket closed with unread bytes sends a reset, which
// can make the client lose the answer just written (a 503 before its request was read, a 413
// before its body was).
void DrainBeforeClose(int sock, std::chrono::milliseconds how_long) {
  ::shutdown(sock, SHUT_WR);
  const Clock::time_point until = Clock::now() + how_long;
  std::array<char, kReadBufferBytes> sink{};
  pollfd p{.fd = sock, .events = POLLIN, .revents = 0};
  while (::poll(&p, 1, MillisecondsUntil(until)) > 0) {
    if (::recv(sock, sink.data(), sink.size(), MSG_DONTWAIT) <= 0) break;
  }
}

void DescribeAddress(const sockaddr_storage& addr, std::string& ip, int& port) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (addr.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &in.sin_addr, text.data(), text.size());
    port = ntohs(in.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &in6.sin6_addr, text.data(), text.size());
    port = ntohs(in6.sin6_port);
  }
  ip = text.data();
}

// A connection's socket as httplib reads and writes it. Every wait for the client happens
// inside a BlockingRegion, so the thread's work slot serves others meanwhile, and reads end at
// the current deadline (the head's, then the body's) as well as after io_timeout without data.
class ConnectionStream final : public httplib::Stream {
 public:
  ConnectionStream(int fd, std::chrono::seconds io_timeout) : fd_(fd), io_timeout_(io_timeout) {}

  void SetReadDeadline(Clock::time_point deadline) { read_deadline_ = deadline; }
  bool HasBufferedBytes() const { return begin_ < end_; }

  bool is_readable() const override { return HasBufferedBytes() || Wait(POLLIN, ReadUntil()); }
  bool is_writable() const override { return Wait(POLLOUT, Clock::now() + io_timeout_); }

  ssize_t read(char* ptr, size_t size) override {
    if (HasBufferedBytes()) return TakeBuffered(ptr, size);
    const Clock::time_point until = ReadUntil();
    while (true) {
      // Small reads go through the buffer; large ones (bodies) straight to the caller.
      const bool buffered = size < buffer_.size();
      const ssize_t n = ::recv(fd_, buffered ? buffer_.data() : ptr,
                               buffered ? buffer_.size() : size, MSG_DONTWAIT);
      if (n > 0) {
        if (!buffered) return n;
        begin_ = 0;
        end_ = static_cast<size_t>(n);
        return TakeBuffered(ptr, size);
      }
      if (n == 0) return 0;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !Wait(POLLIN, until)) return -1;
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (hold_next_write_) {
      hold_next_write_ = false;
      held_.assign(ptr, size);
      return static_cast<ssize_t>(size);
    }
    return SendAfterHeld(ptr, size) ? static_cast<ssize_t>(size) : -1;
  }

  // The next write is an answer's head, and its body follows at once: the head is kept and
  // sent with the body, in one segment where they fit. Two sends would wake the client twice
  // (once for a head it cannot use without the body) and cost a second packet.
  void HoldNextWrite() { hold_next_write_ = true; }

  // Sends a head still held (its body never came); false if the socket failed.
  bool Flush() {
    hold_next_write_ = false;
    return held_.empty() || SendAfterHeld(nullptr, 0);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t length = sizeof(addr);
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
      DescribeAddress(addr, ip, port);
    }
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t length = sizeof(addr);
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
      DescribeAddress(addr, ip, port);
    }
  }
  socket_t socket() const override { return fd_; }

 private:
  Clock::time_point ReadUntil() const {
    return std::min(Clock::now() + io_timeout_, read_deadline_);
  }

  ssize_t TakeBuffered(char* ptr, size_t size) {
    const size_t n = std::min(size, end_ - begin_);
    std::memcpy(ptr, buffer_.data() + begin_, n);
    begin_ += n;
    return static_cast<ssize_t>(n);
  }

  // Sends a held head, if any, and then `size` bytes at `ptr`, in one send where they fit.
  bool SendAfterHeld(const char* ptr, size_t size) {
    std::array<iovec, 2> parts{iovec{.iov_base = held_.data(), .iov_len = held_.size()},
                               iovec{.iov_base = const_cast<char*>(ptr), .iov_len = size}};
    std::span<iovec> pending(parts);
    const bool sent = SendAll(held_.empty() ? pending.subspan(1) : pending);
    held_.clear();
    return sent;
  }

  // Sends all of `parts`, waiting up to io_timeout for each bit of progress.
  bool SendAll(std::span<iovec> parts) {
    Clock::time_point until = Clock::now() + io_timeout_;
    while (!parts.empty()) {
      msghdr message{};
      message.msg_iov = parts.data();
      message.msg_iovlen = parts.size();
      const ssize_t n = ::sendmsg(fd_, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0) {
        if (errno == EINTR) continue;
        if ((errno != EAGAIN && errno != EWOULDBLOCK) || !Wait(POLLOUT, until)) return false;
        continue;
      }
      auto sent = static_cast<size_t>(n);
      while (!parts.empty() && sent >= parts.front().iov_len) {
        sent -= parts.front().iov_len;
        parts = parts.subspan(1);
      }
      if (!parts.empty()) {
        parts.front().iov_base = static_cast<char*>(parts.front().iov_base) + sent;
        parts.front().iov_len -= sent;
      }
      until = Clock::now() + io_timeout_;
    }
    return true;
  }

  // Whether the socket became ready for `events` (or failed: the next call then says how)
  // before `until`. Ready at once costs one poll; otherwise the wait lends the work slot.
  bool Wait(short events, Clock::time_point until) const {
    pollfd p{.fd = fd_, .events = events, .revents = 0};
    if (::poll(&p, 1, 0) > 0) return true;
    const BlockingRegion waiting_for_client;
    while (true) {
      const int timeout_ms = MillisecondsUntil(until);
      if (timeout_ms == 0) return false;
      const int ready = ::poll(&p, 1, timeout_ms);
      if (ready > 0) return true;
      if (ready < 0 && errno != EINTR) return false;
    }
  }

  const int fd_;
  const std::chrono::seconds io_timeout_;
  Clock::time_point read_deadline_ = Clock::time_point::max();
  std::array<char, kReadBufferBytes> buffer_{};
  size_t begin_ = 0;
  size_t end_ = 0;
  bool hold_next_write_ = false;
  std::string held_;  // a head waiting for its body (HoldNextWrite)
};

// The connection the calling thread serves, for HeadReceived().
thread_local ConnectionStream* current_stream = nullptr;
thread_local std::chrono::seconds current_body_timeout{0};
thread_local bool close_after_request = false;

}  // namespace

ConnectionServer::ConnectionServer(ConnectionLimits limits)
    : limits_(limits), wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

ConnectionServer::~ConnectionServer() {
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void ConnectionServer::HeadReceived() {
  if (current_stream != nullptr) {
    current_stream->SetReadDeadline(Clock::now() + current_body_timeout);
  }
}

void ConnectionServer::CloseAfterThisRequest() { close_after_request = true; }

void ConnectionServer::SendHeadWithBody() {
  if (current_stream != nullptr) current_stream->HoldNextWrite();
}

void ConnectionServer::EndConnections() {
  ending_.store(true);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
}

bool ConnectionServer::WaitForRequest(int sock, Clock::time_point until) const {
  std::array<pollfd, 2> fds{pollfd{.fd = sock, .events = POLLIN, .revents = 0},
                            pollfd{.fd = wake_fd_, .events = POLLIN, .revents = 0}};
  while (!ending_.load()) {
    const int timeout_ms = MillisecondsUntil(until);
    if (timeout_ms == 0) return false;
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0 && errno != EINTR) return false;
    if (ready > 0) return (fds[0].revents & POLLIN) != 0 && !ending_.load();
  }
  return false;
}

void ConnectionServer::Refuse(int sock) {
  const uint64_t refused = ++refused_;
  if (limits_.refused != nullptr) limits_.refused->Add();
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
          .count();
  int64_t last = last_refusal_log_ms_.load();
  if (now_ms - last >= kRefusalLogIntervalMs &&
      last_refusal_log_ms_.compare_exchange_strong(last, now_ms)) {
    spdlog::warn("refusing connections: {} are open (MAX_CONNECTIONS); {} refused so far",
                 limits_.max_connections, refused);
  }
  const Response error = ErrorResponse(503, "Too many open connections; retry in a moment");
  const std::string answer =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: " + error.content_type +
      "\r\nContent-Length: " + std::to_string(error.body.size()) +
      "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + error.body;
  (void)::send(sock, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  DrainBeforeClose(sock, kRefusalDrain);
}

void ConnectionServer::Serve(int sock) {
  ConnectionStream stream(sock, limits_.io_timeout);
  current_stream = &stream;
  current_body_timeout = limits_.body_timeout;
  for (size_t served = 0; served < limits_.max_requests_per_connection; ++served) {
    // The first request's head must be in within head_timeout of the connection; later ones
    // within head_timeout of their first byte, which may come keep_alive_timeout after the
    // previous answer.
    const Clock::time_point start = Clock::now();
    const Clock::time_point first_byte_by =
        start + (served == 0 ? limits_.head_timeout : limits_.keep_alive_timeout);
    if (!stream.HasBufferedBytes() && !WaitForRequest(sock, first_byte_by)) break;
    stream.SetReadDeadline((served == 0 ? start : Clock::now()) + limits_.head_timeout);
    const bool last = served + 1 == limits_.max_requests_per_connection || ending_.load();
    bool closed = false;
    close_after_request = false;
    const bool answered = process_request(stream, last, closed, [](httplib::Request&) {});
    const bool flushed = stream.Flush();
    if (WorkerPool* pool = WorkerPool::Current()) pool->ReleaseSlot();
    if (close_after_request) {
      DrainBeforeClose(sock, kUnreadDrain);
      break;
    }
    if (!answered || closed || !flushed) break;
  }
  current_stream = nullptr;
}

bool ConnectionServer::process_and_close_socket(socket_t sock) {
  if (open_.fetch_add(1) >= limits_.max_connections) {
    open_.fetch_sub(1);  // a refused connection does not count against the others
    Refuse(sock);
  } else {
    Serve(sock);
    open_.fetch_sub(1);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return true;
}

}  // namespace swha::http
