// The accounts-and-catalog benchmarks: what signing in, and remembering every session, cost.
//
//   swha_bench auth-cost         one-sentence generate: anonymous vs. JWT vs. API key,
//                                interleaved call by call (target: each under +3 %)
//   swha_bench catalog-generate  generate requests/s, 2 and 8 clients: SQLite and PostgreSQL
//                                catalogs vs. none (SWHA_BENCH_NULL_CATALOG=1; target >= 0.9x)
//   swha_bench session-get       GET /api/v1/tts/sessions/{id} of a 20-segment S3 session,
//                                requests/s on SQLite and PostgreSQL vs. GET /health (needs a
//                                gateway: S3_ENDPOINT_URL etc.; run.sh starts one)
//   swha_bench batch-presign     POST /api/v1/tts/presign with 1000 S3 keys (50 sessions of 20
//                                segments, SQLite catalog): URLs/s through the endpoint vs.
//                                the bare signer (S3Client::PresignGet) in the same run
//
// PostgreSQL is a throw-away cluster (scripts/pg-test-server.sh) with fsync on, as deployed.
#include <spdlog/fmt/fmt.h>

#include <array>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/bench_common.h"
#include "bench/bench_server.h"
#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tests/support/pg_server.h"

namespace swha::bench {
namespace {

constexpr const char* kOneSentence =
    "The quick brown fox jumps over the lazy dog near the river bank.";
constexpr const char* kPassword = "bench-password-42";

nlohmann::json PostJsonOrDie(int port, const std::string& path, const nlohmann::json& body,
                             const std::string& bearer = "") {
  httplib::Client http("127.0.0.1", port);
  http.set_read_timeout(120, 0);
  httplib::Headers headers;
  if (!bearer.empty()) headers.emplace("Authorization", "Bearer " + bearer);
  auto res = http.Post(path, headers, body.dump(), "application/json");
  if (!res || res->status != 200) {
    Die(fmt::format("POST {}: {}", path, res ? res->body : httplib::to_string(res.error())));
  }
  return nlohmann::json::parse(res->body);
}

// Registers `username` and returns a JWT for it.
std::string SignUpOrDie(int port, const std::string& username) {
  PostJsonOrDie(
      port, "/api/v1/auth/register",
      {{"username", username}, {"email", username + "@example.com"}, {"password", kPassword}});
  return PostJsonOrDie(port, "/api/v1/auth/login-json",
                       {{"username", username}, {"password", kPassword}})
      .at("access_token");
}

// The benchmarks' PostgreSQL: one cluster, fsync on; a database per server.
class BenchPostgres {
 public:
  BenchPostgres() {
    setenv("PG_TEST_FSYNC", "on", 1);
    RegisterForDie(&server_);
    if (Status s = server_.Start(); !s.ok()) Die("PostgreSQL: " + s.ToString());
  }
  ~BenchPostgres() { UnregisterForDie(&server_); }
  BenchPostgres(const BenchPostgres&) = delete;
  BenchPostgres& operator=(const BenchPostgres&) = delete;
  std::string NewDatabase(const std::string& name) {
    return Must(server_.CreateDatabase(name), "CREATE DATABASE");
  }

 private:
  testing::PgServer server_;
};

// ---------------------------------------------------------------------------------------------
// auth-cost

int RunAuthCost(const Args& args) {
  const int n = OrDefault(args.requests, 200);
  const int rounds = OrDefault(args.rounds, 3);
  const std::string text = args.text.empty() ? kOneSentence : args.text;
  fmt::print(
      "== auth-cost: POST {} anonymous vs. with a JWT vs. with an API key, 1 engine thread, "
      "SQLite catalog, {} calls of each x {} rounds, interleaved call by call\n   text: \"{}\"\n",
      kGeneratePath, n, rounds, text);
  PrintLoad("at start");
  RunningServer server(args, {{"ENGINE_THREADS", "1"}});
  const std::string jwt = SignUpOrDie(server.port(), "bench-auth");
  const std::string key =
      PostJsonOrDie(server.port(), "/api/v1/auth/api-keys", {{"name", "bench"}}, jwt).at("key");
  enum Kind { kAnonymous, kJwt, kApiKey, kKinds };
  const std::array<const char*, kKinds> names = {"anonymous", "JWT", "API key"};
  const std::string body = GenerateBody(text);
  const std::array<BenchRequest, kKinds> requests = {BenchRequest{.body = body},
                                                     BenchRequest{.body = body, .bearer = jwt},
                                                     BenchRequest{.body = body, .bearer = key}};
  ApiClient client(server.port());
  auto call = [&](int kind) {
    if (client.Send(requests[kind]).empty()) Die("generate: " + client.last_error());
  };
  for (int i = 0; i < 20; ++i) {
    for (int k = 0; k < kKinds; ++k) call(k);
  }
  std::array<std::vector<double>, kKinds> round_means;
  const OtherLoadMeter others(server.pid());
  for (int r = 0; r < rounds; ++r) {
    std::array<double, kKinds> total{};
    for (int i = 0; i < n; ++i) {
      for (int j = 0; j < kKinds; ++j) {
        const int k = (i + j) % kKinds;
        const auto start = SteadyClock::now();
        call(k);
        total[k] += MsSince(start);
      }
    }
    for (int k = 0; k < kKinds; ++k) round_means[k].push_back(total[k] / n);
    fmt::print("   round {}: anonymous {:.3f} ms, JWT {:.3f} ms, API key {:.3f} ms\n", r + 1,
               round_means[kAnonymous].back(), round_means[kJwt].back(),
               round_means[kApiKey].back());
  }
  for (int k = 0; k < kKinds; ++k) {
    const double mean = Median(round_means[k]);
    Summary("auth-cost", fmt::format("{}, mean ms/call", names[k]), fmt::format("{:.3f}", mean));
    if (k == kAnonymous) continue;
    // The median of the rounds' own ratios: each round's kinds ran interleaved, under the same
    // conditions, so a ratio within a round is the fair comparison.
    std::vector<double> extras;
    for (size_t r = 0; r < round_means[k].size(); ++r) {
      extras.push_back(round_means[k][r] / round_means[kAnonymous][r] - 1.0);
    }
    const double extra = Median(extras);
    Summary("auth-cost", fmt::format("{} extra vs. anonymous (median of rounds)", names[k]),
            fmt::format("{:+.1f} %", extra * 100), "< +3 %", Verdict(extra < 0.03));
  }
  Summary("auth-cost", "other processes' load, cores", fmt::format("{:.2f}", others.OtherCores()));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// catalog-generate

int RunCatalogGenerate(const Args& args) {
  const int requests = OrDefault(args.requests, 300);
  const int rounds = OrDefault(args.rounds, 3);
  const std::string body = GenerateBody(args.text.empty() ? kOneSentence : args.text);
  const std::vector<int> levels = {2, 8};
  fmt::print(
      "== catalog-generate: anonymous POST {} requests/s, {} requests per run x {} rounds, "
      "catalogs taking turns: none (baseline), SQLite, PostgreSQL\n",
      kGeneratePath, requests, rounds);
  PrintLoad("at start");
  BenchPostgres postgres;
  enum Kind { kNone, kSqlite, kPostgres, kKinds };
  const std::array<const char*, kKinds> names = {"no catalog", "SQLite", "PostgreSQL"};
  std::array<std::unique_ptr<RunningServer>, kKinds> servers;
  servers[kNone] = std::make_unique<RunningServer>(
      args, std::map<std::string, std::string>{{"SWHA_BENCH_NULL_CATALOG", "1"}});
  servers[kSqlite] = std::make_unique<RunningServer>(args, std::map<std::string, std::string>{});
  servers[kPostgres] = std::make_unique<RunningServer>(
      args,
      std::map<std::string, std::string>{{"DATABASE_URL", postgres.NewDatabase("bench_generate")}});
  // rps[level][kind]: one value per round; cpu_ms likewise, the swha-tts process's CPU time
  // per request (the database server's, on these same cores, shows as "other").
  std::map<int, std::array<std::vector<double>, kKinds>> rps;
  std::map<int, std::array<std::vector<double>, kKinds>> cpu_ms;
  std::map<int, std::array<std::vector<double>, kKinds>> other;
  // The slowest requests: where a commit that waits for a WAL checkpoint shows.
  std::map<int, std::array<std::vector<double>, kKinds>> p99_ms;
  for (int r = 0; r < rounds; ++r) {
    for (int clients : levels) {
      for (int j = 0; j < kKinds; ++j) {
        const int k = (r + j) % kKinds;  // rotate who goes first
        const LoadResult load = RunLoad(*servers[k], clients, requests, body, 5);
        DieOnFailures(load);
        rps[clients][k].push_back(load.RequestsPerSecond());
        cpu_ms[clients][k].push_back(load.server_cpu_seconds * 1000.0 / load.requests);
        other[clients][k].push_back(load.other_cores);
        p99_ms[clients][k].push_back(Percentile(load.latency_ms, 99));
        fmt::print(
            "   round {}, {} clients, {:>10}: {:7.1f} req/s, p50 {:.2f} ms, p99 {:.2f} ms, "
            "swha-tts CPU {:.3f} ms/request; other processes (the database) {:.2f} cores\n",
            r + 1, clients, names[k], load.RequestsPerSecond(), Percentile(load.latency_ms, 50),
            p99_ms[clients][k].back(), cpu_ms[clients][k].back(), load.other_cores);
      }
    }
  }
  for (int clients : levels) {
    const double baseline = Median(rps[clients][kNone]);
    Summary("catalog-generate", fmt::format("{} clients, no catalog, req/s", clients),
            fmt::format("{:.1f}", baseline));
    for (int k : {kSqlite, kPostgres}) {
      const double ratio = Median(rps[clients][k]) / baseline;
      Summary("catalog-generate", fmt::format("{} clients, {} / none", clients, names[k]),
              fmt::format("{:.2f}x ({:.1f} req/s)", ratio, Median(rps[clients][k])), ">= 0.90x",
              Verdict(ratio >= 0.9));
    }
    for (int k = 0; k < kKinds; ++k) {
      Summary(
          "catalog-generate",
          fmt::format("{} clients, {}: swha-tts CPU ms/request, other cores", clients, names[k]),
          fmt::format("{:.3f}, {:.2f}", Median(cpu_ms[clients][k]), Median(other[clients][k])));
      Summary("catalog-generate", fmt::format("{} clients, {}: p99 ms", clients, names[k]),
              fmt::format("{:.2f}", Median(p99_ms[clients][k])));
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// session-get

int RunSessionGet(const Args& args) {
  const int requests = OrDefault(args.requests, 2000);
  const int rounds = OrDefault(args.rounds, 3);
  constexpr int kClients = 2;
  constexpr int kSegments = 20;
  fmt::print(
      "== session-get: GET /api/v1/tts/sessions/{{id}} of a {}-segment S3 session (JWT) vs. "
      "GET /health, {} clients, {} requests per run x {} rounds\n",
      kSegments, kClients, requests, rounds);
  PrintLoad("at start");
  const std::map<std::string, std::string> s3_env = S3ServerEnvOrDie();
  BenchPostgres postgres;
  std::string text;
  for (int i = 0; i < kSegments; ++i)
    text += fmt::format("Sentence number {} of the session.\n", i + 1);

  enum Kind { kSqlite, kPostgres, kKinds };
  const std::array<const char*, kKinds> names = {"SQLite", "PostgreSQL"};
  struct Target {
    std::unique_ptr<RunningServer> server;
    BenchRequest session;
    BenchRequest health{.method = "GET", .path = "/health"};
  };
  std::array<Target, kKinds> targets;
  for (int k = 0; k < kKinds; ++k) {
    std::map<std::string, std::string> env = s3_env;
    if (k == kPostgres) env["DATABASE_URL"] = postgres.NewDatabase("bench_session_get");
    targets[k].server = std::make_unique<RunningServer>(args, env);
    const int port = targets[k].server->port();
    const std::string jwt = SignUpOrDie(port, "bench-get");
    const nlohmann::json made =
        PostJsonOrDie(port, kGeneratePath, {{"text", text}, {"use_s3", true}}, jwt);
    if (made.at("total_segments") != kSegments || made.at("storage_type") != "s3") {
      Die("session-get: the session is not 20 segments in S3: " + made.dump().substr(0, 300));
    }
    targets[k].session = {
        .method = "GET",
        .path = "/api/v1/tts/sessions/" + made.at("session_id").get<std::string>(),
        .bearer = jwt};
  }
  std::array<std::vector<double>, kKinds> session_rps;
  std::array<std::vector<double>, kKinds> health_rps;
  for (int r = 0; r < rounds; ++r) {
    for (int k = 0; k < kKinds; ++k) {
      const LoadResult health =
          RunLoad(*targets[k].server, kClients, requests, targets[k].health, 20);
      const LoadResult session =
          RunLoad(*targets[k].server, kClients, requests, targets[k].session, 20);
      DieOnFailures(health);
      DieOnFailures(session);
      health_rps[k].push_back(health.RequestsPerSecond());
      session_rps[k].push_back(session.RequestsPerSecond());
      fmt::print(
          "   round {}, {:>10}: session {:7.0f} req/s (p50 {:.2f} ms), /health {:7.0f} req/s; "
          "other {:.2f} cores\n",
          r + 1, names[k], session.RequestsPerSecond(), Percentile(session.latency_ms, 50),
          health.RequestsPerSecond(), session.other_cores);
    }
  }
  for (int k = 0; k < kKinds; ++k) {
    const double session = Median(session_rps[k]);
    const double health = Median(health_rps[k]);
    Summary("session-get", fmt::format("{}: session GET, req/s", names[k]),
            fmt::format("{:.0f}", session));
    Summary("session-get", fmt::format("{}: GET /health, req/s", names[k]),
            fmt::format("{:.0f}", health));
    Summary("session-get", fmt::format("{}: session / health", names[k]),
            fmt::format("{:.2f}x", session / health));
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// batch-presign

int RunBatchPresign(const Args& args) {
  const int requests = OrDefault(args.requests, 40);  // batch calls per round
  const int rounds = OrDefault(args.rounds, 3);
  constexpr int kSessions = 50;
  constexpr int kSegments = 20;
  constexpr int kKeys = kSessions * kSegments;
  fmt::print(
      "== batch-presign: POST /api/v1/tts/presign with {} S3 keys ({} sessions of {} segments), "
      "one client, {} calls per round x {} rounds, each call with its own expiry (no URL comes "
      "from the presign cache) vs. S3Client::PresignGet on the same keys\n",
      kKeys, kSessions, kSegments, requests, rounds);
  PrintLoad("at start");
  const std::map<std::string, std::string> s3_env = S3ServerEnvOrDie();
  RunningServer server(args, s3_env);
  const std::string jwt = SignUpOrDie(server.port(), "bench-presign");
  std::string text;
  for (int i = 0; i < kSegments; ++i) text += fmt::format("Sentence {} of the session.\n", i + 1);
  nlohmann::json keys = nlohmann::json::array();
  for (int i = 0; i < kSessions; ++i) {
    const nlohmann::json made =
        PostJsonOrDie(server.port(), kGeneratePath, {{"text", text}, {"use_s3", true}}, jwt);
    if (made.at("storage_type") != "s3" || made.at("total_segments") != kSegments) {
      Die("batch-presign: a session is not 20 segments in S3: " + made.dump().substr(0, 300));
    }
    for (const auto& seg : made.at("audio_segments")) keys.push_back(seg.at("s3_key"));
  }

  storage::S3ClientConfig config;
  config.endpoint_url = s3_env.at("S3_ENDPOINT_URL");
  config.bucket = s3_env.at("S3_BUCKET_NAME");
  config.credentials = {s3_env.at("AWS_ACCESS_KEY_ID"), s3_env.at("AWS_SECRET_ACCESS_KEY"), ""};
  config.addressing_style = "path";
  auto transport = storage::CreateCurlTransport();  // required by S3Client; never used here
  const auto signer =
      Must(storage::S3Client::Create(config, transport.get(), Clock::Real()), "S3Client");
  std::vector<std::string> key_list = keys.get<std::vector<std::string>>();

  ApiClient client(server.port());
  int64_t expiry = 3600;
  auto batch_call = [&] {
    BenchRequest request{
        .path = "/api/v1/tts/presign",
        .body = nlohmann::json({{"s3_keys", keys}, {"presigned_url_expiry", ++expiry}}).dump(),
        .bearer = jwt};
    const std::string body = client.Send(request);
    if (body.empty()) Die("batch-presign: " + client.last_error());
    const nlohmann::json answer = nlohmann::json::parse(body);
    if (answer.at("presigned") != kKeys) Die("batch-presign: " + body.substr(0, 300));
  };
  for (int i = 0; i < 3; ++i) batch_call();  // warm-up
  std::vector<double> endpoint_rates, signer_rates, call_ms, server_cpu_ms;
  for (int r = 0; r < rounds; ++r) {
    const double server_cpu0 = ProcessCpuSeconds(server.pid());
    const auto start = SteadyClock::now();
    for (int i = 0; i < requests; ++i) {
      const auto call_start = SteadyClock::now();
      batch_call();
      call_ms.push_back(MsSince(call_start));
    }
    endpoint_rates.push_back(kKeys * requests / (MsSince(start) / 1000.0));
    server_cpu_ms.push_back((ProcessCpuSeconds(server.pid()) - server_cpu0) * 1000 / requests);
    const auto bare_start = SteadyClock::now();
    for (int i = 0; i < requests; ++i) {
      ++expiry;
      for (const std::string& key : key_list) {
        if (!signer->PresignGet(key, expiry).ok()) Die("PresignGet failed");
      }
    }
    signer_rates.push_back(kKeys * requests / (MsSince(bare_start) / 1000.0));
    fmt::print(
        "   round {}: endpoint {:8.0f} URLs/s ({:.1f} ms of server CPU per call), bare signer "
        "{:8.0f} URLs/s\n",
        r + 1, endpoint_rates.back(), server_cpu_ms.back(), signer_rates.back());
  }
  const double endpoint = Median(endpoint_rates);
  const double bare = Median(signer_rates);
  Summary("batch-presign", "endpoint, 1000 keys per call (URLs/s)",
          fmt::format("{:.0f}", endpoint));
  Summary("batch-presign", "one call of 1000 keys, p50 (ms)",
          fmt::format("{:.1f}", Percentile(call_ms, 50)));
  Summary("batch-presign", "one call of 1000 keys, server CPU (ms)",
          fmt::format("{:.1f}", Median(server_cpu_ms)));
  Summary("batch-presign", "bare signer, same keys (URLs/s)", fmt::format("{:.0f}", bare));
  Summary("batch-presign", "endpoint / bare signer", fmt::format("{:.2f}x", endpoint / bare));
  return 0;
}

}  // namespace

int RunCatalogBenchmark(const Args& args) {
  if (args.command == "auth-cost") return RunAuthCost(args);
  if (args.command == "catalog-generate") return RunCatalogGenerate(args);
  if (args.command == "batch-presign") return RunBatchPresign(args);
  return RunSessionGet(args);
}

}  // namespace swha::bench
