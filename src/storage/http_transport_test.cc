// The libcurl transport against a peer that breaks the exchange the ways a failing S3 does on a
// real network: it resets the connection mid-upload or mid-answer, sends less body than it
// announced, or trickles the body slower than the request may take. Each is Unavailable (so the
// S3 client retries it, then the audio store falls back to local and queues the segment), and
// no message carries the request's query string, where a presigned signature would be.
#include "storage/http_transport.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

namespace swha::storage {
namespace {

// Accepts one connection at a time on 127.0.0.1 and hands it to `behave`, which reads and
// writes the raw socket; closing it is done here (with an RST when `behave` returns true).
class MisbehavingPeer {
 public:
  explicit MisbehavingPeer(std::function<bool(int fd)> behave) : behave_(std::move(behave)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 8) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~MisbehavingPeer() {
    shutdown(listen_fd_, SHUT_RDWR);  // ends the accept
    close(listen_fd_);
    if (thread_.joinable()) thread_.join();
  }
  MisbehavingPeer(const MisbehavingPeer&) = delete;
  MisbehavingPeer& operator=(const MisbehavingPeer&) = delete;

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  void Serve() {
    while (true) {
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      if (behave_(fd)) {
        const linger reset{.l_onoff = 1, .l_linger = 0};  // close() sends an RST
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
      }
      close(fd);
    }
  }

  std::function<bool(int fd)> behave_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// Reads until the end of the request head (and up to `extra` bytes of body after it).
std::string ReadHead(int fd, size_t extra = 0) {
  std::string got;
  char buffer[4096];
  while (true) {
    const size_t end = got.find("\r\n\r\n");
    if (end != std::string::npos && got.size() >= end + 4 + extra) return got;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) return got;
    got.append(buffer, static_cast<size_t>(n));
  }
}

void Send(int fd, std::string_view bytes) {
  (void)send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

constexpr std::string_view kSecretQuery = "?X-Amz-Signature=secret-signature";

// Sends `method` to `path` with the query above, through a transport that gives up after
// `total_timeout_ms`, and checks what every broken exchange must come back as.
void ExpectUnavailable(const MisbehavingPeer& peer, const std::string& method,
                       const std::string& body, const std::string& expected_words,
                       int64_t total_timeout_ms = 5000) {
  auto transport =
      CreateCurlTransport({.connect_timeout_ms = 1000, .total_timeout_ms = total_timeout_ms});
  auto r = transport->Send({method, peer.Url("/bucket/key" + std::string(kSecretQuery)), {}, body});
  ASSERT_FALSE(r.ok()) << "status " << r->status;
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().ToString();
  EXPECT_NE(r.status().message().find(expected_words), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("secret-signature"), std::string::npos)
      << r.status().message();
}

TEST(HttpTransportFaultTest, AResetMidUploadIsUnavailable) {
  // Takes the head and a little of the 1 MB body, then resets.
  MisbehavingPeer peer([](int fd) {
    ReadHead(fd, 1000);
    return true;
  });
  ExpectUnavailable(peer, "PUT", std::string(1 << 20, 'a'), "connection failed");
}

TEST(HttpTransportFaultTest, AResetMidAnswerIsUnavailable) {
  MisbehavingPeer peer([](int fd) {
    ReadHead(fd);
    Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<?xml version=\"1.0\"");
    return true;
  });
  ExpectUnavailable(peer, "GET", "", "connection failed");
}

TEST(HttpTransportFaultTest, ABodyShorterThanItsLengthIsUnavailable) {
  // A clean close after 10 of the 100 bytes announced: without the length check this would
  // pass for a whole (and wrong) answer.
  MisbehavingPeer peer([](int fd) {
    ReadHead(fd);
    Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
    return false;
  });
  ExpectUnavailable(peer, "GET", "", "connection failed");
}

TEST(HttpTransportFaultTest, AnEmptyReplyIsUnavailable) {
  MisbehavingPeer peer([](int fd) {
    ReadHead(fd);
    return false;  // closed without a word
  });
  ExpectUnavailable(peer, "PUT", "body", "connection failed");
}

TEST(HttpTransportFaultTest, ATricklingBodyIsCutAtTheTotalTimeout) {
  // One byte every 50 ms of a 1000-byte body: it would take 50 s; the limit is 400 ms.
  MisbehavingPeer peer([](int fd) {
    ReadHead(fd);
    Send(fd, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
    for (int i = 0; i < 40; ++i) {
      Send(fd, "x");
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  });
  const auto start = std::chrono::steady_clock::now();
  ExpectUnavailable(peer, "GET", "", "timed out", 400);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace swha::storage
