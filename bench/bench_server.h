// The server benchmarks' common parts: the real swha-tts started out of process, a keep-alive
// client for it, and a closed-loop load of N clients sharing a fixed number of requests.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "tests/support/pg_server.h"
#include "tests/support/server_process.h"

namespace swha::storage {
class HttpTransport;
class S3Client;
}  // namespace swha::storage

namespace swha::bench {

inline constexpr const char* kGeneratePath = "/api/v1/tts/generate";

// `swha-tts serve` on a free port with a fresh temporary DATA_DIR (unless `data_dir` is
// given), for the benchmark's lifetime. A failed start ends the benchmark (Die).
class RunningServer {
 public:
  RunningServer(const Args& args, std::map<std::string, std::string> env,
                const std::string& data_dir = "");
  ~RunningServer();
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  const testing::ServerProcess& process() const { return process_; }
  int port() const { return process_.port(); }
  pid_t pid() const { return process_.pid(); }

 private:
  testing::ServerProcess process_;
};

// Die() also discards these (the benchmarks' throw-away PostgreSQL) before it exits.
void RegisterForDie(testing::PgServer* server);
void UnregisterForDie(testing::PgServer* server);

std::string GenerateBody(const std::string& text);

// The environment of a server that stores audio in the gateway bench/run.sh started (its S3_*
// variables, taken from this process's environment); dies when one is missing.
std::map<std::string, std::string> S3ServerEnvOrDie();

// A client of that gateway's bucket (path style, with retries), sending through `transport`.
// With `endpoint_url`, through there instead (a DelayProxy in front of the gateway).
std::unique_ptr<storage::S3Client> GatewayClient(storage::HttpTransport* transport,
                                                 const std::string& endpoint_url = "");

// Deletes every object under `prefix`: the test gateway keeps objects in 2 GiB of memory, and
// the S3 benchmarks store hundreds of megabytes. Dies when it cannot.
void DeleteUnder(const storage::S3Client& s3, const std::string& prefix);

// One request as the load sends it.
struct BenchRequest {
  std::string method = "POST";  // POST (JSON body) or GET
  std::string path = kGeneratePath;
  std::string body;
  std::string bearer;  // Authorization: Bearer <bearer> when not empty
};

// One keep-alive connection to the server (reopened by httplib only if the server closes it).
// TCP_NODELAY is set, as curl, Python's http.client and browsers do, so the client adds no
// Nagle delay of its own to what is measured.
class ApiClient {
 public:
  explicit ApiClient(int port);

  // The response body on 200, an empty string otherwise (why: last_error()).
  std::string Send(const BenchRequest& request);
  // POST generate, anonymous.
  std::string Generate(const std::string& body) { return Send({.body = body}); }
  bool Health();

  int connections() const { return connections_; }
  const std::string& last_error() const { return last_error_; }

 private:
  httplib::Client http_;
  int connections_ = 0;
  std::string last_error_;
};

// A Generate that must succeed with one segment; returns the server's processing_time in ms.
double GenerateOrDie(ApiClient& client, const std::string& body);

struct LoadResult {
  int clients = 0;
  int requests = 0;
  int failures = 0;
  int connections = 0;  // TCP connections opened in the measured part
  double wall_seconds = 0;
  double server_cpu_seconds = 0;
  double client_cpu_seconds = 0;
  double other_cores = 0;  // cores other processes kept busy meanwhile (OtherLoadMeter)
  std::vector<double> latency_ms;
  std::string first_error;

  double RequestsPerSecond() const { return requests / wall_seconds; }
  double ServerCoresBusy() const { return server_cpu_seconds / wall_seconds; }
};

// `clients` threads, each with its own keep-alive ApiClient, share `requests` requests (a
// common counter, so the total is fixed). Each client first sends `warmup_per_client`
// requests, which are not measured; the clock starts once every client is warm.
LoadResult RunLoad(const RunningServer& server, int clients, int requests,
                   const BenchRequest& request, int warmup_per_client);
// The same with anonymous POST generate requests of `body`.
LoadResult RunLoad(const RunningServer& server, int clients, int requests, const std::string& body,
                   int warmup_per_client);

void DieOnFailures(const LoadResult& r);

}  // namespace swha::bench
