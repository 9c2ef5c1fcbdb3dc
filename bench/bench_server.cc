#include "bench/bench_server.h"

#include <spdlog/fmt/fmt.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <latch>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "storage/s3_client.h"
#include "util/clock.h"

namespace swha::bench {
namespace {

// Servers this process started; Die() stops them, so a failed run leaves no child behind.
std::mutex running_servers_mu;
std::vector<testing::ServerProcess*> running_servers;  // GUARDED_BY(running_servers_mu)
std::vector<testing::PgServer*> databases;             // GUARDED_BY(running_servers_mu)

}  // namespace

[[noreturn]] void Die(const std::string& what) {
  std::fflush(stdout);
  std::fprintf(stderr, "swha_bench: %s\n", what.c_str());
  {
    std::lock_guard<std::mutex> lock(running_servers_mu);
    for (testing::ServerProcess* server : running_servers) {
      server->Stop();
      testing::RemoveDirRecursively(server->data_dir());
    }
    for (testing::PgServer* database : databases) database->Discard();
  }
  std::_Exit(2);
}

RunningServer::RunningServer(const Args& args, std::map<std::string, std::string> env,
                             const std::string& data_dir) {
  testing::ServerOptions options;
  if (!args.binary.empty()) options.binary = args.binary;
  options.data_dir = data_dir;
  env.insert(args.server_env.begin(), args.server_env.end());  // keeps the benchmark's own
  options.env = std::move(env);
  for (const auto& [k, v] : args.server_env) fmt::print("   server env: {}={}\n", k, v);
  {
    std::lock_guard<std::mutex> lock(running_servers_mu);
    running_servers.push_back(&process_);
  }
  if (Status s = process_.Start(options); !s.ok()) Die("server: " + s.ToString());
}

RunningServer::~RunningServer() {
  std::lock_guard<std::mutex> lock(running_servers_mu);
  std::erase(running_servers, &process_);
}

void RegisterForDie(testing::PgServer* server) {
  std::lock_guard<std::mutex> lock(running_servers_mu);
  databases.push_back(server);
}

void UnregisterForDie(testing::PgServer* server) {
  std::lock_guard<std::mutex> lock(running_servers_mu);
  std::erase(databases, server);
}

std::map<std::string, std::string> S3ServerEnvOrDie() {
  std::map<std::string, std::string> env = {{"USE_S3_STORAGE", "true"}};
  for (const char* name :
       {"S3_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_BUCKET_NAME"}) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
      Die(
          fmt::format("this benchmark needs {} (and the gateway's other S3 variables); "
                      "bench/run.sh starts a gateway and sets them",
                      name));
    }
    env[name] = value;
  }
  return env;
}

std::unique_ptr<storage::S3Client> GatewayClient(storage::HttpTransport* transport,
                                                 const std::string& endpoint_url) {
  const std::map<std::string, std::string> env = S3ServerEnvOrDie();
  storage::S3ClientConfig config;
  config.endpoint_url = endpoint_url.empty() ? env.at("S3_ENDPOINT_URL") : endpoint_url;
  config.bucket = env.at("S3_BUCKET_NAME");
  config.credentials = {env.at("AWS_ACCESS_KEY_ID"), env.at("AWS_SECRET_ACCESS_KEY"), ""};
  config.addressing_style = "path";
  return Must(storage::S3Client::Create(config, transport, Clock::Real()), "S3 client");
}

void DeleteUnder(const storage::S3Client& s3, const std::string& prefix) {
  std::vector<std::string> keys;
  for (const auto& o : Must(s3.ListObjectsV2(prefix), "list " + prefix)) keys.push_back(o.key);
  Result<std::vector<storage::DeleteError>> refused = s3.DeleteObjects(keys);
  if (!refused.ok() || !refused->empty()) Die("could not empty " + prefix + " in the gateway");
}

std::string GenerateBody(const std::string& text) { return nlohmann::json{{"text", text}}.dump(); }

ApiClient::ApiClient(int port) : http_("127.0.0.1", port) {
  http_.set_keep_alive(true);
  http_.set_tcp_nodelay(true);
  http_.set_connection_timeout(10, 0);
  http_.set_read_timeout(120, 0);
  http_.set_socket_options([this](int) { ++connections_; });
}

std::string ApiClient::Send(const BenchRequest& request) {
  httplib::Headers headers;
  if (!request.bearer.empty()) headers.emplace("Authorization", "Bearer " + request.bearer);
  auto res = request.method == "GET"
                 ? http_.Get(request.path, headers)
                 : http_.Post(request.path, headers, request.body, "application/json");
  if (!res) {
    last_error_ = "transport error " + httplib::to_string(res.error());
    return {};
  }
  if (res->status != 200) {
    last_error_ = "HTTP " + std::to_string(res->status) + ": " + res->body.substr(0, 300);
    return {};
  }
  return std::move(res->body);
}

bool ApiClient::Health() {
  auto res = http_.Get("/health");
  return res && res->status == 200;
}

double GenerateOrDie(ApiClient& client, const std::string& body) {
  const std::string response = client.Generate(body);
  if (response.empty()) Die("generate: " + client.last_error());
  const auto json = nlohmann::json::parse(response, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || json.value("total_segments", 0) != 1) {
    Die("generate: unexpected response " + response.substr(0, 200));
  }
  return json.value("processing_time", 0.0) * 1000.0;
}

LoadResult RunLoad(const RunningServer& server, int clients, int requests,
                   const BenchRequest& request, int warmup_per_client) {
  LoadResult result;
  result.clients = clients;
  result.requests = requests;
  std::atomic<int> next{0};
  std::atomic<int> failures{0};
  std::atomic<int> connections{0};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
  std::vector<std::string> errors(static_cast<size_t>(clients));
  std::latch warm(clients);
  std::latch go(1);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(clients));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      ApiClient client(server.port());
      for (int i = 0; i < warmup_per_client; ++i) {
        if (client.Send(request).empty()) errors[c] = "warm-up: " + client.last_error();
      }
      const int warm_connections = client.connections();
      auto& mine = latencies[static_cast<size_t>(c)];
      mine.reserve(static_cast<size_t>(requests));
      warm.count_down();
      go.wait();
      while (next.fetch_add(1) < requests) {
        const auto start = SteadyClock::now();
        const bool ok = !client.Send(request).empty();
        mine.push_back(MsSince(start));
        if (!ok) {
          ++failures;
          if (errors[c].empty()) errors[c] = client.last_error();
        }
      }
      connections += client.connections() - warm_connections;
    });
  }
  warm.wait();
  const OtherLoadMeter others(server.pid());
  const double server_cpu0 = ProcessCpuSeconds(server.pid());
  const double client_cpu0 = SelfCpuSeconds();
  const auto start = SteadyClock::now();
  go.count_down();
  for (std::thread& t : threads) t.join();
  result.wall_seconds = MsSince(start) / 1000.0;
  result.server_cpu_seconds = ProcessCpuSeconds(server.pid()) - server_cpu0;
  result.client_cpu_seconds = SelfCpuSeconds() - client_cpu0;
  result.other_cores = others.OtherCores();
  result.failures = failures.load();
  result.connections = connections.load();
  for (auto& v : latencies) result.latency_ms.insert(result.latency_ms.end(), v.begin(), v.end());
  for (const std::string& e : errors) {
    if (!e.empty() && result.first_error.empty()) result.first_error = e;
  }
  return result;
}

LoadResult RunLoad(const RunningServer& server, int clients, int requests, const std::string& body,
                   int warmup_per_client) {
  return RunLoad(server, clients, requests, BenchRequest{.body = body}, warmup_per_client);
}

void DieOnFailures(const LoadResult& r) {
  if (r.failures > 0 || !r.first_error.empty()) {
    Die(fmt::format("{} of {} requests failed; first error: {}", r.failures, r.requests,
                    r.first_error));
  }
}

}  // namespace swha::bench
