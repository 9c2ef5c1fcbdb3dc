#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <thread>

namespace swha::http {
namespace {

std::shared_ptr<const Router> PingRouter() {
  return std::make_shared<const Router>(
      std::vector<Route>{{"GET", "/ping", [](const Request&) {
                            return Response::Json(200, {{"pong", true}});
                          }}});
}

ServerConfig TestConfig() { return ServerConfig{.host = "127.0.0.1", .port = 0, .threads = 2}; }

// Serve() on another thread; the future is ready when it returns. The thread is detached, so
// a Serve() that never returns fails its test (wait_for times out) instead of hanging it.
std::future<Status> ServeAsync(HttpServer* server) {
  auto served = std::make_shared<std::promise<Status>>();
  std::future<Status> future = served->get_future();
  std::thread([server, served] { served->set_value(server->Serve()); }).detach();
  return future;
}

TEST(HttpServerTest, StopBeforeServeIsNotLost) {
  HttpServer server(TestConfig(), PingRouter());
  ASSERT_TRUE(server.Bind().ok());
  server.Stop();  // a SIGTERM between Bind and Serve
  auto served = ServeAsync(&server);
  ASSERT_EQ(served.wait_for(std::chrono::seconds(5)), std::future_status::ready)
      << "Serve() ran on after Stop()";
  EXPECT_TRUE(served.get().ok());
}

// Stop() racing the start of the accept loop, at every point of it: whichever comes first,
// Serve() returns. Before the fix a Stop() that came before httplib marked itself running was a
// no-op, and some of these rounds served for ever.
TEST(HttpServerTest, StopRacingTheStartOfServeAlwaysEndsIt) {
  for (int round = 0; round < 200; ++round) {
    HttpServer server(TestConfig(), PingRouter());
    ASSERT_TRUE(server.Bind().ok());
    auto served = ServeAsync(&server);
    if (round % 2 == 1) std::this_thread::sleep_for(std::chrono::microseconds(round * 5));
    server.Stop();
    ASSERT_EQ(served.wait_for(std::chrono::seconds(5)), std::future_status::ready)
        << "round " << round << ": Serve() ran on after Stop()";
    EXPECT_TRUE(served.get().ok());
  }
}

TEST(HttpServerTest, StoppedServerRefusesNewConnectionsAndServeReturnsOk) {
  HttpServer server(TestConfig(), PingRouter());
  auto port = server.Bind();
  ASSERT_TRUE(port.ok());
  auto served = ServeAsync(&server);
  httplib::Client client("127.0.0.1", *port);
  auto before = client.Get("/ping");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);
  client.stop();  // no idle keep-alive connection holding a worker

  server.Stop();
  ASSERT_EQ(served.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(served.get().ok());
  httplib::Client late("127.0.0.1", *port);
  late.set_connection_timeout(1, 0);
  auto after = late.Get("/ping");
  ASSERT_FALSE(after);
  EXPECT_EQ(after.error(), httplib::Error::Connection);
}

}  // namespace
}  // namespace swha::http
