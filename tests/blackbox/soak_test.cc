// The soak: two instances sharing one PostgreSQL, one Ceph RADOS Gateway and one DATA_DIR take
// mixed traffic from many connections at once (generate, local and S3; list, get, delete;
// audio downloads, from the service and straight from S3; lipsync create and status against
// the sync.so stand-in; bad requests), while the gateway is SIGKILLed and started again twice
// and one instance is restarted once. It passes when
// - every answer is one that request may get (a generate is 200 even with the gateway down; a
//   bad request gets its 4xx), and a connection fails only to what was being restarted;
// - nothing is lost: every session a client was told about and did not delete is served, each
//   segment with the bytes whose SHA-256 the generate gave, after the outbox has put everything
//   in S3; no deleted session comes back, every delete finishes (a 202 while the gateway is
//   down is finished in the background), and `catalog check` finds nothing;
// - the instance that was never restarted holds flat resident memory and open descriptors
//   after warm-up.
// SWHA_SOAK_SECONDS (default 60: CI's run) and SWHA_SOAK_CONNECTIONS (64) make it longer or
// wider; docs/reliability.md records a ten-minute run. One CTest test (soak), on its own ports.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/blackbox/blackbox_helpers.h"
#include "tests/blackbox/generate_load.h"
#include "tests/blackbox/s3_storage_fixture.h"
#include "tests/support/pg_server.h"
#include "tests/support/rgw_server.h"
#include "tests/support/sync_standin.h"

namespace swha::blackbox {
namespace {

constexpr int kRgwPort = 18881;  // every S3 suite its own ports
constexpr int kMonPort = 18990;
constexpr int kUsers = 8;
constexpr int64_t kStoreBytes = int64_t{8} << 30;
constexpr std::string_view kSyncKey = "sk-soak-standin";
constexpr std::string_view kWebhookSecret = "whsec_soak";
constexpr std::string_view kVideo = "https://example.com/soak.mp4";
// Connection failures to an instance are expected from just before its restart until this long
// after it is back (a client's kept-alive connection to the old process fails once).
constexpr auto kRestartMargin = std::chrono::seconds(2);
constexpr auto kSamplePeriod = std::chrono::seconds(2);
// How long the clients pause before the steady instance's memory and descriptors are read with
// nothing in flight (each request opens a connection of its own and closes it).
constexpr auto kQuietWait = std::chrono::seconds(3);
// What the steady instance may hold after the run beyond what it held after warm-up: 10% of its
// memory plus this (allocator arenas settle), and a few descriptors. Its pooled connections (to
// the gateway, PostgreSQL and the sync.so stand-in, and the socket pair each idle curl handle
// keeps) are counted apart: how many it keeps idle follows the pools' bounds (64 S3 handles,
// DATABASE_POOL_SIZE), not the traffic.
constexpr long kRssSlackKiB = 8 * 1024;
constexpr int kFdSlack = 4;

// The port of http://host:port/... or postgresql://user:password@host:port/database.
int PortOf(const std::string& url) {
  const size_t host = url.find('@') != std::string::npos ? url.find('@') : url.find("://") + 2;
  const size_t colon = url.find(':', host);
  return colon == std::string::npos
             ? -1
             : static_cast<int>(std::strtol(url.c_str() + colon + 1, nullptr, 10));
}

// Open descriptors of process `pid`, and among them its TCP connections to `pooled_ports`.
struct Descriptors {
  int all = -1;  // -1: unreadable
  int pooled = 0;
  std::map<std::string, int> kinds;  // the others, by what they are ("socket:[]", a path, ...)
  int others() const { return all - pooled; }
  std::string DescribeKinds() const {
    std::string out;
    for (const auto& [kind, count] : kinds) out += " " + kind + "=" + std::to_string(count);
    return out;
  }
};
Descriptors OpenFds(pid_t pid, const std::set<int>& pooled_ports) {
  const std::string proc = "/proc/" + std::to_string(pid);
  // The socket inodes of its connections to those ports ("sl local remote st tx:rx tr:when
  // retrnsmt uid timeout inode ..." per line).
  std::set<std::string> pooled_inodes;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in(proc + table);
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string sl, local, remote, st, queues, timer, retransmits, uid, timeout, inode;
      fields >> sl >> local >> remote >> st >> queues >> timer >> retransmits >> uid >> timeout >>
          inode;
      const size_t colon = remote.rfind(':');
      if (colon == std::string::npos) continue;
      const int port = static_cast<int>(std::strtol(remote.c_str() + colon + 1, nullptr, 16));
      if (pooled_ports.contains(port)) pooled_inodes.insert(inode);
    }
  }
  // Unix-domain sockets too ("Num RefCount Protocol Flags Type St Inode [Path]"): we open none,
  // but each pooled curl handle keeps a socket pair of its own (its wakeup pair).
  std::ifstream unix_table(proc + "/net/unix");
  std::string line;
  std::getline(unix_table, line);
  while (std::getline(unix_table, line)) {
    std::istringstream fields(line);
    std::string num, refs, protocol, flags, type, st, inode;
    fields >> num >> refs >> protocol >> flags >> type >> st >> inode;
    pooled_inodes.insert(inode);
  }
  Descriptors out;
  DIR* dir = opendir((proc + "/fd").c_str());
  if (dir == nullptr) return out;
  out.all = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    ++out.all;
    std::array<char, 64> target{};
    const ssize_t n =
        readlink((proc + "/fd/" + entry->d_name).c_str(), target.data(), target.size() - 1);
    const std::string_view link(target.data(), n > 0 ? static_cast<size_t>(n) : 0);
    constexpr std::string_view kSocket = "socket:[";
    if (link.starts_with(kSocket) && pooled_inodes.contains(std::string(link.substr(
                                         kSocket.size(), link.size() - kSocket.size() - 1)))) {
      ++out.pooled;
      continue;
    }
    std::string kind(link);
    std::erase_if(kind, [](char c) { return c >= '0' && c <= '9'; });
    ++out.kinds[kind];
  }
  closedir(dir);
  return out;
}

// What a generate told its client.
struct Made {
  std::string session_id;
  std::vector<std::string> sha256;
  bool s3 = false;  // storage_type "s3" when made
};

// Every answer, by operation and status, and the unexpected ones described.
class Tally {
 public:
  void Count(const std::string& op, int status, bool expected, const std::string& detail) {
    std::lock_guard<std::mutex> lock(mu_);
    ++counts_[op][status];
    if (!expected) {
      ++unexpected_;
      if (examples_.size() < 20) {
        examples_.push_back(op + " " + std::to_string(status) + ": " + detail.substr(0, 300));
      }
    }
  }
  int unexpected() const {
    std::lock_guard<std::mutex> lock(mu_);
    return unexpected_;
  }
  std::string Describe() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& [op, statuses] : counts_)
      out += "  " + op + ": " + DescribeStatuses(statuses) + "\n";
    for (const std::string& e : examples_) out += "  unexpected " + e + "\n";
    return out;
  }
  int64_t total() const {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t n = 0;
    for (const auto& [op, statuses] : counts_) {
      for (const auto& [status, count] : statuses) n += count;
    }
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::map<int, int>> counts_;
  int unexpected_ = 0;
  std::vector<std::string> examples_;
};

// A time during which some failures are expected (a restart, and a margin after it).
class Window {
 public:
  void Open() { until_ms_ = NowMs() + std::chrono::milliseconds(std::chrono::hours(1)).count(); }
  void CloseAfter(std::chrono::milliseconds margin) { until_ms_ = NowMs() + margin.count(); }
  bool Active() const { return NowMs() < until_ms_.load(); }

 private:
  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  std::atomic<int64_t> until_ms_{0};
};

// An instance whose restart is announced, so that failed connections to it meanwhile are
// expected.
struct Instance {
  testing::ServerProcess process;
  ScopedTempDir log_dir;
  int port = 0;
  Window restarting;
};

class SoakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rgw_ = std::make_unique<testing::RgwServer>(kRgwPort, kMonPort);
    // Ten minutes put about 3 GB in S3 (deletes free some): past the default 2 GiB store, the
    // OSD is full and every write waits.
    rgw_->set_store_bytes(kStoreBytes);
    const Status rgw = rgw_->Start();
    ASSERT_TRUE(rgw.ok()) << rgw.message();
    auto database = testing::CreateSharedPgDatabase("soak");
    ASSERT_TRUE(database.ok()) << database.status().ToString();
    auto standin = testing::SyncStandin::Start(std::string(kSyncKey), std::string(kWebhookSecret));
    ASSERT_TRUE(standin.ok()) << standin.status().ToString();
    standin_ = std::move(*standin);
    standin_->SetStepDelay(std::chrono::milliseconds(100));
    env_ = ServiceEnv(rgw_->endpoint(), {{"DATABASE_URL", *database},
                                         {"KEEP_LOCAL_COPY", "false"},
                                         {"S3_OUTBOX_POLL_SECONDS", "1"},
                                         {"SYNC_API_BASE_URL", standin_->base_url()},
                                         {"SYNC_WEBHOOK_SECRET", std::string(kWebhookSecret)},
                                         {"LOG_LEVEL", "warn"}});
    for (Instance& instance : instances_) {
      instance.port = testing::FreeLoopbackPort();
      const Status started = StartInstance(&instance);
      ASSERT_TRUE(started.ok()) << started.ToString();
    }
    auto client = MakeClient(instances_[0].port);
    for (int u = 0; u < kUsers; ++u) {
      tokens_.push_back(SignUp(*client, "soak_user_" + std::to_string(u)));
      ASSERT_FALSE(tokens_.back().empty());
    }
  }

  Status StartInstance(Instance* instance) {
    return instance->process.Start({.env = env_,
                                    .data_dir = data_dir_.path(),
                                    .log_dir = instance->log_dir.path(),
                                    .port = instance->port});
  }

  // One connection's loop: a random mix of operations on its own sessions, alternating
  // between the instances, until `stop`.
  void Connection(int index, const std::atomic<bool>& stop, std::vector<Made>* live,
                  std::vector<std::string>* deleted);

  // The answer of `send` on an instance that is not restarting (the other if one is); a
  // failed connection is counted as expected only when its instance was restarting.
  httplib::Result OnAnInstance(std::mt19937& random, const std::string& op,
                               const std::string& token,
                               const std::function<httplib::Result(httplib::Client&)>& send);

  ScopedTempDir data_dir_;
  std::unique_ptr<testing::RgwServer> rgw_;
  std::unique_ptr<testing::SyncStandin> standin_;
  std::map<std::string, std::string> env_;
  Instance instances_[2];
  std::vector<std::string> tokens_;
  Tally tally_;
  Window gateway_down_;              // S3 answers nothing, or is only just back
  std::atomic<bool> paused_{false};  // the clients send nothing meanwhile
};

httplib::Result SoakTest::OnAnInstance(
    std::mt19937& random, const std::string& op, const std::string& token,
    const std::function<httplib::Result(httplib::Client&)>& send) {
  for (int attempt = 0;; ++attempt) {
    int pick = static_cast<int>(random() % 2);
    if (instances_[pick].restarting.Active()) pick = 1 - pick;
    Instance& instance = instances_[pick];
    auto client = token.empty() ? MakeClient(instance.port) : MakeClientFor(instance.port, token);
    client->set_read_timeout(120, 0);
    httplib::Result res = send(*client);
    if (res || attempt == 3) return res;
    const bool expected = instance.restarting.Active();
    tally_.Count(op, 0, expected, "no answer from instance " + std::to_string(pick));
    if (!expected) return res;
  }
}

void SoakTest::Connection(int index, const std::atomic<bool>& stop, std::vector<Made>* live,
                          std::vector<std::string>* deleted) {
  std::mt19937 random(static_cast<unsigned>(index) * 7919u + 17u);
  const std::string& token = tokens_[index % kUsers];
  std::vector<std::string> jobs;
  for (int n = 0; !stop; ++n) {
    if (paused_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    const int dice = static_cast<int>(random() % 100);
    if (dice < 40 || live->empty()) {  // generate, half of them for S3
      const bool s3 = dice % 2 == 0;
      const std::string text = "Soak " + std::to_string(index) + "." + std::to_string(n) +
                               (dice % 3 == 0 ? ".\nAnd a second line." : ".");
      const json body = {{"text", text}, {"voice", "af_heart"}, {"use_s3", s3}};
      const std::string op = s3 ? "generate-s3" : "generate-local";
      auto res = OnAnInstance(random, op, token,
                              [&](httplib::Client& c) { return PostJson(c, kGeneratePath, body); });
      if (!res) continue;
      tally_.Count(op, res->status, res->status == 200, res->body);
      if (res->status != 200) continue;
      const json made = ParseJson(res->body);
      Made m{.session_id = made.value("session_id", ""),
             .s3 = made.value("storage_type", "") == "s3"};
      for (const json& seg : made.value("audio_segments", json::array())) {
        m.sha256.push_back(seg.value("sha256", ""));
      }
      live->push_back(std::move(m));
    } else if (dice < 50) {
      auto res = OnAnInstance(random, "list", token, [](httplib::Client& c) {
        return c.Get("/api/v1/tts/sessions?limit=10");
      });
      if (res) tally_.Count("list", res->status, res->status == 200, res->body);
    } else if (dice < 70) {  // get one of its sessions and download a segment
      const Made& m = (*live)[random() % live->size()];
      auto res = OnAnInstance(random, "get", token, [&](httplib::Client& c) {
        return c.Get("/api/v1/tts/sessions/" + m.session_id);
      });
      if (!res) continue;
      tally_.Count("get", res->status, res->status == 200, res->body);
      if (res->status != 200) continue;
      const json session = ParseJson(res->body);
      const json urls = session.value("audio_files", json::array());
      if (urls.size() != m.sha256.size() || urls.empty()) {
        tally_.Count("get", res->status, false, "segments changed: " + res->body);
        continue;
      }
      const size_t i = random() % urls.size();
      const std::string url = urls[i].get<std::string>();
      const bool direct = url.starts_with("http://");
      std::string op = direct ? "download-s3" : "download-local";
      const bool gateway_was_down = gateway_down_.Active();
      auto wav =
          direct ? FetchAbsolute(url)
                 : OnAnInstance(random, op, token, [&](httplib::Client& c) { return c.Get(url); });
      // The outbox moved the segment to S3 since the get (KEEP_LOCAL_COPY=false): the signed
      // local URL sends the client there.
      const bool moved = wav && !direct && wav->status == 307;
      if (moved) {
        tally_.Count(op, 307, true, "");
        op = "download-moved";
        wav = FetchAbsolute(wav->get_header_value("Location"));
      }
      if (!wav) {
        // From S3 while the gateway is being restarted: nothing answers, as expected.
        tally_.Count(op, 0, (direct || moved) && (gateway_was_down || gateway_down_.Active()), url);
        continue;
      }
      const bool whole = wav->status == 200 && HexSha256(wav->body) == m.sha256[i];
      tally_.Count(op, wav->status, whole, wav->status == 200 ? "bytes differ" : wav->body);
    } else if (dice < 75) {  // delete one of its sessions
      const size_t at = random() % live->size();
      const std::string id = (*live)[at].session_id;
      const bool gateway_was_down = gateway_down_.Active();
      auto res = OnAnInstance(random, "delete", token, [&](httplib::Client& c) {
        return c.Delete("/api/v1/tts/sessions/" + id);
      });
      if (!res) continue;
      // 202 while the gateway is down: deleted all the same, and what S3 kept (it may have
      // acted on a delete whose answer the kill cut off) is removed once it is back.
      const bool later = res->status == 202 && (gateway_was_down || gateway_down_.Active());
      tally_.Count("delete", res->status, res->status == 200 || later, res->body);
      if (res->status == 200 || res->status == 202) {
        live->erase(live->begin() + static_cast<std::ptrdiff_t>(at));
        deleted->push_back(id);
      }
    } else if (dice < 82) {  // lipsync: a job from a session in S3, or the status of one
      if (!jobs.empty() && dice % 2 == 0) {
        const std::string job = jobs[random() % jobs.size()];
        auto res = OnAnInstance(random, "lipsync-status", token, [&](httplib::Client& c) {
          return c.Get("/api/v1/lipsync/status/" + job);
        });
        if (res) tally_.Count("lipsync-status", res->status, res->status == 200, res->body);
        continue;
      }
      auto in_s3 = std::find_if(live->rbegin(), live->rend(), [](const Made& m) { return m.s3; });
      if (in_s3 == live->rend()) continue;
      const std::string id = in_s3->session_id;
      auto session = OnAnInstance(random, "get", token, [&](httplib::Client& c) {
        return c.Get("/api/v1/tts/sessions/" + id);
      });
      if (!session) continue;
      tally_.Count("get", session->status, session->status == 200, session->body);
      if (session->status != 200) continue;
      const std::string audio = ParseJson(session->body)["audio_files"][0].get<std::string>();
      auto res = OnAnInstance(random, "lipsync-create", token, [&](httplib::Client& c) {
        return c.Post(
            WithQuery("/api/v1/lipsync/create-from-tts", {{"video_url", std::string(kVideo)},
                                                          {"tts_audio_url", audio},
                                                          {"api_key", std::string(kSyncKey)}}),
            "", "application/json");
      });
      if (!res) continue;
      tally_.Count("lipsync-create", res->status, res->status == 200, res->body);
      if (res->status == 200) jobs.push_back(ParseJson(res->body).value("job_id", ""));
    } else {  // bad requests, each with the answer it must get
      const int kind = dice % 3;
      auto res = OnAnInstance(random, "bad", kind == 2 ? "" : token, [&](httplib::Client& c) {
        if (kind == 0) return PostJson(c, kGeneratePath, {{"text", ""}});
        if (kind == 1) return c.Get("/api/v1/tts/sessions/no-such-session");
        return c.Get("/api/v1/lipsync/jobs/my");
      });
      const int want = kind == 0 ? 422 : kind == 1 ? 404 : 401;
      if (res)
        tally_.Count("bad-" + std::to_string(want), res->status, res->status == want, res->body);
    }
  }
}

TEST_F(SoakTest, MixedTrafficAcrossTwoInstancesAndRestartsLosesNothingAndStaysFlat) {
  const int seconds = EnvInt("SWHA_SOAK_SECONDS", 60);
  const int connections = EnvInt("SWHA_SOAK_CONNECTIONS", 64);
  const auto start = std::chrono::steady_clock::now();
  const auto at = [&](double fraction) {
    return start + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000 * fraction));
  };

  std::atomic<bool> stop = false;
  std::vector<std::vector<Made>> live(connections);
  std::vector<std::vector<std::string>> deleted(connections);
  std::vector<std::thread> threads;
  threads.reserve(connections);
  for (int i = 0; i < connections; ++i) {
    threads.emplace_back([&, i] { Connection(i, stop, &live[i], &deleted[i]); });
  }

  // The steady instance, sampled on a thread of its own through the whole run.
  struct Sample {
    double at_seconds;
    long rss_kib;
    Descriptors fds;
  };
  std::vector<Sample> samples;
  const auto since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const pid_t steady = instances_[0].process.pid();
  const std::set<int> pooled_ports = {kRgwPort, PortOf(env_.at("DATABASE_URL")),
                                      PortOf(standin_->base_url())};
  const auto sample = [&] {
    return Sample{since_start(), instances_[0].process.ResidentKiB(),
                  OpenFds(steady, pooled_ports)};
  };
  std::atomic<bool> sampling = true;
  std::thread sampler([&] {
    while (sampling) {
      samples.push_back(sample());
      std::this_thread::sleep_for(kSamplePeriod);
    }
  });
  // The steady instance with nothing in flight, once warmed up (its pools and arenas grown):
  // what the end of the run is held to.
  std::this_thread::sleep_until(at(0.15));
  paused_ = true;
  std::this_thread::sleep_for(kQuietWait);
  const Sample warm = sample();
  paused_ = false;

  // The disturbances, each starting at a fixed point of the run (or when the last one ended).
  std::string disturbances;
  const auto restart_gateway = [&] {
    const double from = since_start();
    gateway_down_.Open();
    const Status killed = rgw_->KillGateway();
    EXPECT_TRUE(killed.ok()) << killed.ToString();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    const Status back = rgw_->Start();
    EXPECT_TRUE(back.ok()) << back.ToString();
    gateway_down_.CloseAfter(kRestartMargin);
    disturbances +=
        StrCat({" gateway killed at ", std::to_string(static_cast<int>(from)), " s, back at ",
                std::to_string(static_cast<int>(since_start())), " s;"});
  };
  const auto restart_instance = [&](Instance* instance) {
    const double from = since_start();
    instance->restarting.Open();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // new requests go elsewhere
    EXPECT_EQ(instance->process.Stop(), 0) << "a graceful stop exits 0";
    const Status back = StartInstance(instance);
    EXPECT_TRUE(back.ok()) << back.ToString();
    instance->restarting.CloseAfter(kRestartMargin);
    disturbances +=
        StrCat({" instance restarted at ", std::to_string(static_cast<int>(from)), " s, back at ",
                std::to_string(static_cast<int>(since_start())), " s;"});
  };
  std::this_thread::sleep_until(at(0.2));
  restart_gateway();
  std::this_thread::sleep_until(at(0.45));
  restart_instance(&instances_[1]);
  std::this_thread::sleep_until(at(0.6));
  restart_gateway();
  std::this_thread::sleep_until(at(1.0));
  stop = true;
  for (std::thread& t : threads) t.join();
  sampling = false;
  sampler.join();
  std::this_thread::sleep_for(kQuietWait);
  const Sample after = sample();
  const double run_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  EXPECT_EQ(tally_.unexpected(), 0) << tally_.Describe();

  // Nothing lost: once the outbox has drained and every delete has removed all its audio, every
  // session still held is served whole.
  auto client = MakeClient(instances_[0].port);
  const auto depth = [&](std::string_view series) {
    auto metrics = client->Get("/metrics");
    if (!metrics || metrics->body.find("\n" + std::string(series) + " ") == std::string::npos) {
      return -1.0;  // no answer, or no such series: never "drained"
    }
    return MetricSample(metrics->body, std::string(series));
  };
  EXPECT_TRUE(
      WaitFor([&] { return depth("swha_upload_outbox_depth") == 0; }, std::chrono::seconds(120)))
      << "outbox depth " << depth("swha_upload_outbox_depth");
  EXPECT_TRUE(
      WaitFor([&] { return depth("swha_session_removals_depth") == 0; }, std::chrono::seconds(120)))
      << "removals pending " << depth("swha_session_removals_depth");
  size_t sessions = 0, segments = 0;
  for (int i = 0; i < connections; ++i) {
    auto owner = MakeClientFor(instances_[i % 2].port, tokens_[i % kUsers]);
    for (const Made& m : live[i]) {
      ++sessions;
      auto got = owner->Get("/api/v1/tts/sessions/" + m.session_id);
      ASSERT_TRUE(got && got->status == 200)
          << m.session_id << ": " << (got ? got->body : "no answer");
      const json urls = ParseJson(got->body)["audio_files"];
      ASSERT_EQ(urls.size(), m.sha256.size()) << got->body;
      for (size_t s = 0; s < urls.size(); ++s) {
        const std::string url = urls[s].get<std::string>();
        const auto started = std::chrono::steady_clock::now();
        auto wav = url.starts_with("http://") ? FetchAbsolute(url) : owner->Get(url);
        // What went wrong says which failure this is: no answer (a gateway that stalls) or an
        // answer that is not the audio (lost, refused).
        ASSERT_TRUE(wav && wav->status == 200)
            << url << ": "
            << (wav ? "status " + std::to_string(wav->status) + ": " + wav->body
                    : "no answer (" + httplib::to_string(wav.error()) + ")")
            << " after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms";
        EXPECT_EQ(HexSha256(wav->body), m.sha256[s]) << m.session_id << " segment " << s;
        ++segments;
      }
    }
    for (const std::string& id : deleted[i]) {
      auto got = owner->Get("/api/v1/tts/sessions/" + id);
      ASSERT_TRUE(got);
      EXPECT_EQ(got->status, 404) << "a deleted session came back: " << id;
    }
  }
  // An upload cut off by the gateway's kill may have been stored all the same, and no row names
  // it: reported as an orphan object, and removed by repair. Nothing may be missing.
  const auto check = RunOperatorCli(data_dir_.path(), "catalog check --grace-seconds 0", "", env_);
  EXPECT_EQ(CountLinesStartingWith(check.out, "missing-"), 0) << check.out << check.err;
  EXPECT_EQ(CountLinesStartingWith(check.out, "orphan-local"), 0) << check.out;
  EXPECT_EQ(CountLinesStartingWith(check.out, "being-removed"), 0) << check.out;
  const int orphan_objects = CountLinesStartingWith(check.out, "orphan-s3");
  const auto repaired =
      RunOperatorCli(data_dir_.path(), "catalog check --grace-seconds 0 --repair", "", env_);
  EXPECT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;

  // Flat after warm-up: with nothing in flight, as after warm-up (the sampled series is printed
  // for the record; its peaks follow the load, not leaks).
  std::string series;
  for (const Sample& s : samples) {
    series += " " + std::to_string(static_cast<int>(s.at_seconds)) +
              "s:" + std::to_string(s.rss_kib / 1024) + "MiB/" + std::to_string(s.fds.all) + "fd";
  }
  const auto describe = [](const Sample& s) {
    return StrCat({std::to_string(s.rss_kib / 1024), " MiB, ", std::to_string(s.fds.others()),
                   " fd (", s.fds.DescribeKinds(), " ) + ", std::to_string(s.fds.pooled),
                   " pooled"});
  };
  const std::string quiet =
      StrCat({"quiet after warm-up ", describe(warm), "; after the run ", describe(after)});
  EXPECT_GT(warm.rss_kib, 0);
  ASSERT_GE(warm.fds.all, 0);
  EXPECT_LE(after.rss_kib, warm.rss_kib + warm.rss_kib / 10 + kRssSlackKiB)
      << "resident memory grew: " << quiet << ";" << series;
  EXPECT_LE(after.fds.others(), warm.fds.others() + kFdSlack)
      << "descriptors grew: " << quiet << ";" << series;

  std::printf(
      "soak: %d s, %d connections, %lld requests (%.0f/s); %zu sessions (%zu segments) "
      "checked byte for byte, %d orphan object(s) of cut-off uploads repaired;%s\n%s  steady "
      "instance: %s;%s\n",
      seconds, connections, static_cast<long long>(tally_.total()), tally_.total() / run_seconds,
      sessions, segments, orphan_objects, disturbances.c_str(), tally_.Describe().c_str(),
      quiet.c_str(), series.c_str());
}

}  // namespace
}  // namespace swha::blackbox
