// The S3 benchmarks of swha_bench (docs/performance.md):
//
//   presign     S3Client::PresignGet on one thread vs. botocore's generate_presigned_url in a
//               python3 child (bench/botocore_presign.py), path-style and AWS virtual-hosted;
//               plus the raw cost of the SHA-256 and HMAC calls a URL cannot do without.
//   s3-upload   S3AudioStore::Upload of a 10-segment session against a real gateway (the
//               S3_* variables; bench/run.sh starts one) with max_concurrent_uploads 10 vs. 1.
//               --s3-delay-ms N puts a proxy in front of the gateway that holds every chunk
//               N/2 ms in each direction, i.e. N ms more per round trip.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/fmt/fmt.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_common.h"
#include "bench/delay_proxy.h"
#include "storage/audio_store.h"
#include "storage/http_transport.h"
#include "storage/local_url_signer.h"
#include "storage/s3_audio_store.h"
#include "storage/s3_client.h"
#include "storage/session_id.h"
#include "storage/sigv4.h"
#include "tts/wav.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/file_system.h"

namespace swha::bench {
namespace {

// ---------------------------------------------------------------------------------------------
// presign

// AWS's documented example credentials: signing is local, nothing is sent anywhere.
constexpr const char* kExampleAccessKey = "AKIAIOSFODNN7EXAMPLE";
constexpr const char* kExampleSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kPresignBucket = "swha-bench";
constexpr const char* kPathStyleEndpoint = "http://127.0.0.1:9000";
constexpr int64_t kPresignExpiry = 3600;

// Everything each timed call produced is folded in here and printed, so the compiler cannot
// drop the work.
uint64_t sink = 0;

void Consume(const std::string& s) {
  sink = sink * 31 + s.size() + static_cast<unsigned char>(s.empty() ? 0 : s[s.size() / 2]);
}

std::unique_ptr<storage::S3Client> PresignClient(const std::string& endpoint,
                                                 const std::string& style,
                                                 storage::HttpTransport* transport) {
  storage::S3ClientConfig config;
  config.endpoint_url = endpoint;
  config.region = "us-east-1";
  config.bucket = kPresignBucket;
  config.addressing_style = style;
  config.credentials = {kExampleAccessKey, kExampleSecretKey, ""};
  return Must(storage::S3Client::Create(config, transport, Clock::Real()), "S3 client");
}

// The source directory's bench/, where botocore_presign.py lives (__FILE__ is absolute in
// this CMake build).
std::filesystem::path BenchSourceDir() { return std::filesystem::path(__FILE__).parent_path(); }

struct BotocoreRates {
  std::string version;
  std::map<std::string, std::vector<double>> per_second;  // style -> one rate per round
  std::map<std::string, std::string> example;             // style -> one URL
};

// One round of bench/botocore_presign.py (both styles), added to `*out` as round `round`.
void RunBotocore(const std::string& key, double seconds, int round, BotocoreRates* out) {
  const std::string command = fmt::format(
      "python3 '{}' --seconds {} --rounds 1 --key '{}' --bucket {} --access-key {} "
      "--secret-key {} --endpoint-url {} --expires {}",
      (BenchSourceDir() / "botocore_presign.py").string(), seconds, key, kPresignBucket,
      kExampleAccessKey, kExampleSecretKey, kPathStyleEndpoint, kPresignExpiry);
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) Die("cannot run python3");
  std::string line;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe) != nullptr) {
    line += buf.data();
    if (line.empty() || line.back() != '\n') continue;
    const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    line.clear();
    if (json.is_discarded()) continue;
    const std::string style = json.value("style", "");
    if (json.contains("example")) {
      out->example[style] = json.value("example", "");
      out->version = json.value("botocore", "");
    } else {
      const double rate = json.value("per_second", 0.0);
      fmt::print("   botocore {:<7} round {}: {:>9.0f} URLs/s\n", style, round, rate);
      out->per_second[style].push_back(rate);
    }
  }
  const int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Die(fmt::format("botocore_presign.py failed (exit {}); is python3-botocore installed?",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  }
}

// CPU time (user+system) of the children this process has waited for (the python3 runs).
double ChildrenCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_CHILDREN, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// SHA-256 compression calls for a message of `bytes` (padding included).
int Sha256Blocks(size_t bytes) { return static_cast<int>((bytes + 8) / 64 + 1); }

// The floor of one presigned URL: what it cannot avoid, given the signing key (cached by our
// signer; botocore derives it anew for every URL): SHA-256 of the canonical request, then
// HMAC-SHA256 of the string to sign with the key's padded blocks already hashed (a
// crypto::HmacSha256Key, as the signer keeps), into digests on the stack.
class PresignFloor {
 public:
  PresignFloor(const storage::S3Client& client, const std::string& key)
      : signer_({kExampleAccessKey, kExampleSecretKey, ""}, "us-east-1") {
    storage::SigningRequest request;
    request.method = "GET";
    request.host = client.host();
    request.path = client.ObjectPath(key);
    storage::SignatureTrace trace;
    Must(signer_.PresignQuery(request, Clock::Real()->NowUnixSeconds(), kPresignExpiry, &trace),
         "PresignQuery");
    canonical_ = trace.canonical_request;
    to_sign_ = trace.string_to_sign;
    // "AWS4-HMAC-SHA256\n" and then the request time, whose first 8 characters are the date.
    signing_key_.emplace(signer_.SigningKey(to_sign_.substr(17, 8)));
  }
  void Call() const {
    const crypto::Digest256 request_hash = crypto::Sha256Of({canonical_});
    const crypto::Digest256 signature = signing_key_->Mac({to_sign_});
    sink = sink * 31 + request_hash[7] + signature[11];
  }
  // SHA-256 compressions per URL: SHA-256(canonical) + HMAC's inner (string, after the stored
  // key block) and outer (inner digest, after the stored key block) hashes.
  int Blocks() const {
    return Sha256Blocks(canonical_.size()) + Sha256Blocks(64 + to_sign_.size()) - 1 +
           Sha256Blocks(64 + 32) - 1;
  }
  const std::string& canonical_request() const { return canonical_; }
  const std::string& string_to_sign() const { return to_sign_; }

 private:
  storage::SigV4Signer signer_;
  std::string canonical_;
  std::string to_sign_;
  std::optional<crypto::HmacSha256Key> signing_key_;
};

}  // namespace

int RunPresign(const Args& args) {
  const int rounds = OrDefault(args.rounds, 5);
  const double seconds = 1.0;
  const std::string session = storage::NewSessionId(*Clock::Real(), "anonymous");
  const std::string key = storage::S3AudioStore::ObjectKey("anonymous", session, "segment_000.wav");
  fmt::print(
      "== presign: presigned GET URLs per second on one thread, {} rounds of >= {:.0f} s per "
      "side and style, alternating (median reported); botocore in a python3 child\n   key: {}\n",
      rounds, seconds, key);
  PrintLoad("at start");

  auto transport = storage::CreateCurlTransport();  // required by S3Client; never used here
  struct Style {
    std::string name;
    std::unique_ptr<storage::S3Client> client;
    std::vector<double> rates;
  };
  std::vector<Style> styles;
  styles.push_back({"path", PresignClient(kPathStyleEndpoint, "path", transport.get()), {}});
  styles.push_back({"virtual", PresignClient("", "virtual", transport.get()), {}});

  for (Style& s : styles) {  // warm-up: the signing key cache, allocator, branch predictors
    for (int i = 0; i < 2000; ++i) Consume(Must(s.client->PresignGet(key, kPresignExpiry), "x"));
  }
  // Each round: ours (both styles) then a python3 child (both styles, after its own warm-up),
  // so that whatever else the machine does meanwhile hits both sides alike.
  const double machine0 = MachineBusySeconds();
  const double mine0 = SelfCpuSeconds() + ChildrenCpuSeconds();
  const auto start = SteadyClock::now();
  BotocoreRates boto;
  for (int r = 0; r < rounds; ++r) {
    for (Style& s : styles) {
      const storage::S3Client& client = *s.client;
      const double rate = CallsPerSecond(
          [&] {
            Result<std::string> url = client.PresignGet(key, kPresignExpiry);
            if (!url.ok()) Die("PresignGet: " + url.status().ToString());
            Consume(*url);
          },
          seconds);
      fmt::print("   ours     {:<7} round {}: {:>9.0f} URLs/s\n", s.name, r + 1, rate);
      s.rates.push_back(rate);
    }
    RunBotocore(key, seconds, r + 1, &boto);
  }
  const double other_cores = std::max(0.0, (MachineBusySeconds() - machine0) -
                                               (SelfCpuSeconds() + ChildrenCpuSeconds() - mine0)) /
                             (MsSince(start) / 1000.0);

  const PresignFloor floor(*styles[0].client, key);
  auto floor_call = [&] { floor.Call(); };
  auto derive_key = [&] {  // the 4-HMAC chain botocore runs for every URL
    std::string k = crypto::HmacSha256(std::string("AWS4") + kExampleSecretKey, "20261124");
    k = crypto::HmacSha256(k, "us-east-1");
    k = crypto::HmacSha256(k, "s3");
    Consume(crypto::HmacSha256(k, "aws4_request"));
  };
  // Bulk SHA-256 speed: the compression function alone, no per-call set-up.
  const std::string mebibyte(1 << 20, 'x');
  std::vector<double> floor_rates;
  std::vector<double> derive_rates;
  std::vector<double> bulk_mib;
  for (int r = 0; r < rounds; ++r) {
    floor_rates.push_back(CallsPerSecond(floor_call, seconds / 2));
    derive_rates.push_back(CallsPerSecond(derive_key, seconds / 2));
    bulk_mib.push_back(CallsPerSecond([&] { Consume(crypto::Sha256(mebibyte)); }, seconds / 4));
  }
  const int blocks = floor.Blocks();
  const double block_us = 1e6 / (Median(bulk_mib) * (1 << 20) / 64.0);

  const std::string url_path = Must(styles[0].client->PresignGet(key, kPresignExpiry), "url");
  const std::string url_virtual = Must(styles[1].client->PresignGet(key, kPresignExpiry), "url");
  fmt::print(
      "   example (ours, path):         {}\n   example (botocore, path):     {}\n"
      "   example (ours, virtual):      {}\n   example (botocore, virtual):  {}\n",
      url_path, boto.example["path"], url_virtual, boto.example["virtual"]);
  fmt::print(
      "   canonical request {} bytes, string to sign {} bytes: {} SHA-256 compressions per URL\n",
      floor.canonical_request().size(), floor.string_to_sign().size(), blocks);

  const double floor_us = 1e6 / Median(floor_rates);
  const double derive_us = 1e6 / Median(derive_rates);
  for (const Style& s : styles) {
    const double ours = Median(s.rates);
    const double theirs = Median(boto.per_second[s.name]);
    const double ratio = ours / theirs;
    const double ours_us = 1e6 / ours;
    fmt::print(
        "   {:<7}: ours {:.0f} URLs/s ({:.2f} us/URL), botocore {} {:.0f} URLs/s ({:.1f} "
        "us/URL): {:.0f}x (target >= 100x)\n",
        s.name, ours, ours_us, boto.version, theirs, 1e6 / theirs, ratio);
    Summary("presign", fmt::format("{}: ours, URLs/s", s.name), fmt::format("{:.0f}", ours));
    Summary("presign", fmt::format("{}: botocore {}, URLs/s", s.name, boto.version),
            fmt::format("{:.0f}", theirs));
    Summary("presign", fmt::format("{}: ours / botocore", s.name), fmt::format("{:.0f}x", ratio),
            ">= 100x", Verdict(ratio >= 100));
    Summary("presign", fmt::format("{}: ours / floor (time per URL)", s.name),
            fmt::format("{:.1f}x ({:.2f} / {:.2f} us)", ours_us / floor_us, ours_us, floor_us));
  }
  fmt::print(
      "   floor: SHA-256(canonical request) + HMAC(string to sign) = {:.2f} us/URL through "
      "crypto::; the same {} compressions at bulk speed = {:.2f} us ({:.3f} us per 64-byte "
      "block); deriving the signing key (4 HMACs, which our signer caches and botocore does "
      "not) = {:.2f} us\n   other processes (not the python3 children) kept {:.2f} cores "
      "busy; sink {}\n",
      floor_us, blocks, blocks * block_us, block_us, derive_us, other_cores, sink % 1000);
  Summary("presign", "floor: SHA-256 + HMAC per URL, us", fmt::format("{:.2f}", floor_us));
  Summary("presign", "  of which compressions at bulk speed, us",
          fmt::format("{:.2f} ({} blocks)", blocks * block_us, blocks));
  Summary("presign", "signing-key derivation (cached by ours), us",
          fmt::format("{:.2f}", derive_us));
  Summary("presign", "other processes' load, cores", fmt::format("{:.2f}", other_cores));
  return 0;
}

struct PresignSubject::Parts {
  std::unique_ptr<storage::HttpTransport> transport = storage::CreateCurlTransport();  // unused
  std::unique_ptr<storage::S3Client> client =
      PresignClient(kPathStyleEndpoint, "path", transport.get());
  std::string key = storage::S3AudioStore::ObjectKey(
      "anonymous", storage::NewSessionId(*Clock::Real(), "anonymous"), "segment_000.wav");
  PresignFloor floor{*client, key};
};

PresignSubject::PresignSubject() : parts_(std::make_unique<Parts>()) {}
PresignSubject::~PresignSubject() = default;

size_t PresignSubject::Presign() const {
  const std::string url = Must(parts_->client->PresignGet(parts_->key, kPresignExpiry), "URL");
  Consume(url);
  return url.size();
}

void PresignSubject::Floor() const { parts_->floor.Call(); }

PresignVsFloor MeasurePresignVsFloor(int rounds, double seconds) {
  constexpr int kCallsPerRun = 5000;  // 2 to 5 ms
  const PresignSubject subject;
  for (int i = 0; i < 2000; ++i) subject.Presign();  // warm-up
  auto us_per_call = [](const auto& fn) {
    const auto start = SteadyClock::now();
    for (int i = 0; i < kCallsPerRun; ++i) fn();
    return MsSince(start) * 1000.0 / kCallsPerRun;
  };
  std::vector<double> ours;
  std::vector<double> floors;
  const auto start = SteadyClock::now();
  do {  // in turn, so both meet the same machine
    ours.push_back(us_per_call([&] { subject.Presign(); }));
    floors.push_back(us_per_call([&] { subject.Floor(); }));
  } while (MsSince(start) < rounds * seconds * 2 * 1000.0);
  return {.ours_us = *std::min_element(ours.begin(), ours.end()),
          .floor_us = *std::min_element(floors.begin(), floors.end()),
          .ours_median_us = Median(ours),
          .floor_median_us = Median(floors),
          .runs = static_cast<int>(ours.size())};
}

void ReportPresignVsFloor(const std::string& bench, const PresignVsFloor& measured) {
  fmt::print(
      "   presign: {:.3f} us per URL, floor {:.3f} us (the fastest of {} runs of each); medians "
      "{:.3f} and {:.3f} us ({:.2f}x)\n",
      measured.ours_us, measured.floor_us, measured.runs, measured.ours_median_us,
      measured.floor_median_us, measured.ours_median_us / measured.floor_median_us);
  const double ratio = measured.ours_us / measured.floor_us;
  Summary(bench, "presign / SHA-256 + HMAC floor",
          fmt::format("{:.2f}x ({:.3f} / {:.3f} us, fastest runs)", ratio, measured.ours_us,
                      measured.floor_us),
          fmt::format("<= {:.1f}x", kPresignTarget), Verdict(ratio <= kPresignTarget));
}

int RunPresignFloor(const Args& args) {
  const int rounds = OrDefault(args.rounds, 3);
  fmt::print("== presign-floor: S3Client::PresignGet against SHA-256 + HMAC, {} s of each\n",
             rounds);
  ReportPresignVsFloor("presign-floor", MeasurePresignVsFloor(rounds, 1.0));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// s3-upload

namespace {

constexpr int kSegments = 10;
constexpr int kSampleRate = 22050;  // espeak-ng's, 16-bit mono

std::string EnvOrDie(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    Die(
        fmt::format("s3-upload needs {} (and S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID, "
                    "AWS_SECRET_ACCESS_KEY, S3_BUCKET_NAME); bench/run.sh starts a gateway",
                    name));
  }
  return v;
}

// Ten WAVs the size of espeak-ng sentences: 2.2 to 2.8 s at 22050 Hz, 16-bit mono (97 to
// 124 KB). A voiced-sounding tone with noise, so no two segments are alike.
std::vector<storage::SegmentFile> MakeSegments() {
  std::vector<storage::SegmentFile> files;
  uint32_t rng = 12345;
  for (int i = 0; i < kSegments; ++i) {
    const auto samples_n = static_cast<size_t>((2.2 + 0.6 * i / (kSegments - 1)) * kSampleRate);
    std::vector<int16_t> samples(samples_n);
    for (size_t t = 0; t < samples_n; ++t) {
      rng = rng * 1664525u + 1013904223u;
      const double phase = 2 * M_PI * (110.0 + 10 * i) * static_cast<double>(t) / kSampleRate;
      const double noise = static_cast<double>(rng >> 16) / 65536.0 - 0.5;
      samples[t] =
          static_cast<int16_t>(6000 * std::sin(phase) + 2000 * std::sin(3 * phase) + 1500 * noise);
    }
    files.push_back({storage::SegmentFilename(i), tts::EncodeWav(samples, kSampleRate)});
  }
  return files;
}

// The gateway's daemons (pid files in S3_TEST_DIR, if set), whose CPU is the benchmark's own.
std::vector<pid_t> GatewayPids() {
  std::vector<pid_t> pids;
  const char* dir = std::getenv("S3_TEST_DIR");
  if (dir == nullptr) return pids;
  for (const char* name : {"mon.a", "osd.0", "client.rgw"}) {
    std::ifstream in(std::filesystem::path(dir) / (std::string(name) + ".pid"));
    long long pid = 0;
    if (in >> pid && pid > 0) pids.push_back(static_cast<pid_t>(pid));
  }
  return pids;
}

struct UploadStore {
  std::string name;
  std::unique_ptr<storage::S3AudioStore> store;
  std::vector<double> ms;  // one per session
  std::vector<double> round_medians;
  double cpu_ms = 0;  // this process's CPU, summed over sessions
};

}  // namespace

int RunS3Upload(const Args& args) {
  const int sessions = OrDefault(args.requests, 10);  // per mode and round
  const int rounds = OrDefault(args.rounds, 6);
  storage::S3ClientConfig config;
  config.endpoint_url = EnvOrDie("S3_ENDPOINT_URL");
  config.bucket = EnvOrDie("S3_BUCKET_NAME");
  config.credentials = {EnvOrDie("AWS_ACCESS_KEY_ID"), EnvOrDie("AWS_SECRET_ACCESS_KEY"), ""};
  config.addressing_style = "path";
  const std::string direct_endpoint = config.endpoint_url;

  std::unique_ptr<DelayProxy> proxy;
  std::string label = "loopback";
  if (args.s3_delay_ms > 0) {
    proxy = DelayProxyOrDie(direct_endpoint, args.s3_delay_ms);
    config.endpoint_url = proxy->endpoint_url();
    label = fmt::format("+{} ms RTT", args.s3_delay_ms);
  }
  const std::vector<storage::SegmentFile> files = MakeSegments();
  size_t bytes = 0;
  for (const auto& f : files) bytes += f.bytes.size();
  fmt::print(
      "== s3-upload ({}): S3AudioStore::Upload of a {}-segment session ({} KB of WAV, {}-{} KB "
      "each), max_concurrent_uploads 10 vs. 1, {} sessions per mode x {} rounds (alternating)\n"
      "   gateway: {}{}\n",
      label, kSegments, bytes / 1000, files.front().bytes.size() / 1000,
      files.back().bytes.size() / 1000, sessions, rounds, direct_endpoint,
      proxy ? fmt::format(" through a delaying proxy on port {} ({} ms each way)", proxy->port(),
                          args.s3_delay_ms / 2.0)
            : "");
  PrintLoad("at start");

  auto transport = storage::CreateCurlTransport();
  const std::string tmp =
      std::filesystem::temp_directory_path() / fmt::format("swha-bench-s3-{}", getpid());
  storage::AudioStore local(FileSystem::Default(), tmp);
  auto make_client = [&](int attempts) {
    storage::RetryPolicy retry;
    retry.max_attempts = attempts;
    return Must(storage::S3Client::Create(config, transport.get(), Clock::Real(), retry),
                "S3 client");
  };
  const auto cleaner = make_client(3);
  // Round-trip time as the client sees it: a HeadBucket, on a warm connection.
  std::vector<double> head_ms;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = SteadyClock::now();
    if (Status s = cleaner->HeadBucket(); !s.ok()) Die("HeadBucket: " + s.ToString());
    if (i >= 5) head_ms.push_back(MsSince(t0));
  }
  fmt::print("   HeadBucket round trip: p50 {:.2f} ms, min {:.2f} ms\n", Median(head_ms),
             *std::min_element(head_ms.begin(), head_ms.end()));

  std::array<UploadStore, 2> stores;
  for (size_t i = 0; i < stores.size(); ++i) {
    storage::S3AudioStoreOptions options;
    options.max_concurrent_uploads = i == 0 ? 10 : 1;
    stores[i].name = i == 0 ? "concurrent (10)" : "sequential (1)";
    stores[i].store = std::make_unique<storage::S3AudioStore>(make_client(3), make_client(1),
                                                              &local, Clock::Real(), options);
  }

  storage::SessionDescription description;
  description.owner = "anonymous";
  description.voice = "af_heart";
  description.language_code = "a";
  for (int i = 0; i < kSegments; ++i) {
    description.graphemes.push_back(fmt::format(
        "Sentence {} of the benchmark: the quick brown fox jumps over the lazy dog.", i + 1));
  }
  // One session: untimed set-up, the timed Upload, then (untimed) its objects deleted so the
  // in-memory OSD does not fill up.
  auto upload_session = [&](UploadStore& s) {
    description.session_id = storage::NewSessionId(*Clock::Real(), "anonymous");
    storage::StoredSession session;
    for (const auto& f : files) {
      session.segments.push_back({f.filename, storage::Location::kLocal, {}});
    }
    const double cpu0 = SelfCpuSeconds();
    const auto t0 = SteadyClock::now();
    s.store->Upload(description, files, &session);
    const double ms = MsSince(t0);
    s.cpu_ms += (SelfCpuSeconds() - cpu0) * 1000;
    const bool all_in_s3 = std::all_of(session.segments.begin(), session.segments.end(),
                                       [](const auto& seg) { return storage::InS3(seg.location); });
    if (!all_in_s3 || !session.warnings.empty()) {
      Die("upload left segments local: " +
          (session.warnings.empty() ? std::string("?") : session.warnings.front()));
    }
    std::vector<std::string> keys;
    for (const auto& seg : session.segments) keys.push_back(*seg.s3_key);
    auto errors = Must(cleaner->DeleteObjects(keys), "DeleteObjects");
    if (!errors.empty()) Die("DeleteObjects: " + errors.front().key + ": " + errors.front().code);
    return ms;
  };

  for (UploadStore& s : stores) {  // warm-up: connections opened, gateway caches filled
    for (int i = 0; i < 3; ++i) upload_session(s);
    s.cpu_ms = 0;
  }
  OtherLoadMeter meter(GatewayPids());
  for (int r = 0; r < rounds; ++r) {
    std::vector<double> round_ms[2];
    // Alternate which mode goes first, and interleave sessions, so drift hits both alike.
    for (int i = 0; i < sessions; ++i) {
      for (int k = 0; k < 2; ++k) {
        const size_t which = static_cast<size_t>((k + r) % 2);
        const double ms = upload_session(stores[which]);
        stores[which].ms.push_back(ms);
        round_ms[which].push_back(ms);
      }
    }
    for (size_t k = 0; k < 2; ++k) stores[k].round_medians.push_back(Median(round_ms[k]));
    fmt::print("   round {}: concurrent p50 {:.1f} ms, sequential p50 {:.1f} ms, ratio {:.3f}\n",
               r + 1, stores[0].round_medians.back(), stores[1].round_medians.back(),
               stores[0].round_medians.back() / stores[1].round_medians.back());
  }
  const double gateway_cores = meter.ServerCores();
  const double other_cores = meter.OtherCores();
  const int total = sessions * rounds;
  for (const UploadStore& s : stores) {
    fmt::print(
        "   {:<16}: p50 {:>7.1f} ms, p10 {:>7.1f}, p90 {:>7.1f}, min {:>7.1f} per session "
        "({} sessions); client CPU {:.1f} ms/session\n",
        s.name, Median(s.ms), Percentile(s.ms, 10), Percentile(s.ms, 90),
        *std::min_element(s.ms.begin(), s.ms.end()), total, s.cpu_ms / total);
  }
  const double ratio = Median(stores[0].ms) / Median(stores[1].ms);
  fmt::print(
      "   concurrent / sequential = {:.3f} (target <= 0.4); gateway kept {:.2f} cores busy, "
      "other processes {:.2f}{}\n",
      ratio, gateway_cores, other_cores,
      GatewayPids().empty() ? " (S3_TEST_DIR unset: the gateway counts as other)" : "");
  const std::string m = label + ": ";
  Summary("s3-upload", m + "HeadBucket round trip p50, ms", fmt::format("{:.2f}", Median(head_ms)));
  for (const UploadStore& s : stores) {
    Summary("s3-upload", m + s.name + ", ms/session p50 (p90)",
            fmt::format("{:.1f} ({:.1f})", Median(s.ms), Percentile(s.ms, 90)));
  }
  Summary("s3-upload", m + "concurrent / sequential", fmt::format("{:.2f}x", ratio), "<= 0.4x",
          Verdict(ratio <= 0.4));
  Summary("s3-upload", m + "gateway / other processes' load, cores",
          fmt::format("{:.2f} / {:.2f}", gateway_cores, other_cores));
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  return 0;
}

}  // namespace swha::bench
