// The least any HTTP front of the engine costs: `swha_bench serve --port N`, a cpp-httplib
// server whose one route, POST /api/v1/tts/generate, reads {"text": …}, runs the in-process
// Synthesizer on it (plan and synthesis, exactly the limits benchmark's engine line) and
// answers a small JSON of the phonemes and the sample count. No WAV, no hash, no storage, no
// catalog, no URL, no log: what is left of a generate once everything the service adds is gone.
//
// The limits benchmark starts it as a child process, as it starts swha-tts, so that its CPU is
// counted apart from the load generator's, and it is driven by the same client. The distance
// from the engine to this floor belongs to HTTP and the machine (the sockets, the threads'
// hand-offs, the load generator on the same cores), not to the service.
#include <httplib.h>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "bench/bench_common.h"
#include "http/connection.h"
#include "tts/engine.h"
#include "tts/synthesizer.h"

namespace swha::bench {

int RunHttpFloorServer(int port) {
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  auto engine = Must(tts::CreateEngine({.threads = cores}), "espeak engine");
  const tts::Synthesizer synthesizer(engine.get());
  httplib::Server server;
  // As swha-tts: no Nagle delay, and its keep-alive limits (stock httplib closes a connection
  // after 5 requests, which would charge the floor a reconnection the service does not pay).
  server.set_tcp_nodelay(true);
  const http::ConnectionLimits limits;
  server.set_keep_alive_max_count(limits.max_requests_per_connection);
  server.set_keep_alive_timeout(limits.keep_alive_timeout.count());
  server.Post("/api/v1/tts/generate", [&](const httplib::Request& req, httplib::Response& res) {
    const auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("text") || !body["text"].is_string()) {
      res.status = 400;
      res.set_content(R"({"detail":"text"})", "application/json");
      return;
    }
    tts::SynthesisRequest request;
    request.text = body["text"].get<std::string>();
    auto made = synthesizer.Synthesize(request);
    if (!made.ok() || made->empty()) {
      res.status = 500;
      res.set_content(R"({"detail":"synthesis"})", "application/json");
      return;
    }
    const nlohmann::json answer = {{"phonemes", (*made)[0].phonemes},
                                   {"samples", (*made)[0].pcm.samples.size()}};
    res.set_content(answer.dump(), "application/json");
  });
  const int bound = port > 0 ? (server.bind_to_port("127.0.0.1", port) ? port : -1)
                             : server.bind_to_any_port("127.0.0.1");
  if (bound <= 0) Die("http floor: cannot listen");
  std::printf("LISTENING 127.0.0.1:%d\n", bound);
  std::fflush(stdout);
  return server.listen_after_bind() ? 0 : 1;
}

}  // namespace swha::bench
