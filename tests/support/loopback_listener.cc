#include "tests/support/loopback_listener.h"

#include <chrono>

namespace swha::testing {

Status LoopbackListener::Start(httplib::Server* server, std::string_view name) {
  server_ = server;
  server_->set_keep_alive_max_count(1);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return Status::Unavailable(std::string(name) + ": cannot bind 127.0.0.1");
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    done_ = true;
  });
  // stop() is a no-op until the accept loop runs, so Stop could hang without this wait.
  while (!server_->is_running() && !done_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_->is_running()) {
    return Status::Unavailable(std::string(name) + ": server did not start");
  }
  return Status::Ok();
}

void LoopbackListener::Stop() {
  if (server_ != nullptr) server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace swha::testing
