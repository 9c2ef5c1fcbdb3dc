// Signed local URLs and Range requests, through the real route and handler
// (GET /static/audio/{session_id}/{filename}, http/static_handler.cc) over a real audio
// directory: paths and query strings as httplib decodes them, signatures forged or made
// right, any Range header. Only a correctly signed URL for a stored file is ever served, and
// what is served is exactly the file's bytes at the offsets Content-Range names.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_input.h"
#include "http/api.h"
#include "service/storage_backends.h"
#include "storage/audio_store.h"
#include "storage/local_url_signer.h"
#include "tts/wav.h"
#include "util/clock.h"
#include "util/file_system.h"

namespace {

using swha::http::Request;
using swha::http::Response;

constexpr int64_t kNowMillis = 1'800'000'000'000;
constexpr std::string_view kSession = "1800000000000_u7_0123456789abcdef0123456789abcdef";

struct Fixture {
  std::string audio_dir;
  std::unique_ptr<swha::storage::AudioStore> store;
  std::unique_ptr<swha::storage::LocalUrlSigner> signer;
  swha::ManualClock clock{kNowMillis};
  swha::service::StorageBackends backends;
  swha::http::ApiContext ctx;
  std::unique_ptr<swha::http::Router> router;
  std::map<std::string, std::string> files;  // filename -> bytes, as stored
};

Fixture* MakeFixture() {
  spdlog::set_level(spdlog::level::off);  // a warning per cut-short file would swamp the run
  auto* f = new Fixture;
  char dir[] = "/tmp/swha-fuzz-static.XXXXXX";
  FUZZ_CHECK(mkdtemp(dir) != nullptr);
  f->audio_dir = dir;
  static std::string dir_to_remove = dir;
  std::atexit([] { std::filesystem::remove_all(dir_to_remove); });
  f->store = std::make_unique<swha::storage::AudioStore>(swha::FileSystem::Default(), dir);
  std::vector<int16_t> samples(700);
  for (size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<int16_t>(i * 37);
  swha::storage::SegmentFile wav{.filename = "segment_000.wav",
                                 .bytes = swha::tts::EncodeWav(samples, 24000),
                                 .marks_json = R"([{"time":0,"type":"word","value":"hi"}])"};
  // A WAV whose header promises more than it holds: never served (a cut-short file).
  swha::storage::SegmentFile short_wav{.filename = "segment_001.wav",
                                       .bytes = wav.bytes.substr(0, 300)};
  swha::storage::SegmentFile mp3{.filename = "segment_002.mp3", .bytes = std::string(999, 'M')};
  const std::vector<swha::storage::SegmentFile> files = {wav, short_wav, mp3};
  FUZZ_CHECK(f->store->Publish(std::string(kSession), files).ok());
  f->files = {{"segment_000.wav", wav.bytes},
              {"segment_000.marks.json", wav.marks_json},
              {"segment_002.mp3", mp3.bytes}};
  f->signer = std::make_unique<swha::storage::LocalUrlSigner>("fuzz secret", "");
  f->backends.local = f->store.get();
  f->backends.signer = f->signer.get();
  f->ctx.storage = &f->backends;
  f->ctx.clock = &f->clock;
  const swha::http::ApiContext* ctx = &f->ctx;
  f->router = std::make_unique<swha::http::Router>(std::vector<swha::http::Route>{
      {.method = "GET",
       .pattern = "/static/audio/{session_id}/{filename}",
       .handler = [ctx](const Request& r) { return swha::http::HandleStaticAudio(*ctx, r); }}});
  return f;
}

std::string HeaderOf(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

uint64_t ParseNumber(std::string_view s) {
  uint64_t v = 0;
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), v);
  FUZZ_CHECK(error == std::errc() && end == s.data() + s.size());
  return v;
}

// What was served must be the stored file, whole (200) or the range it names (206).
void CheckServed(const Fixture& f, const Request& request, const Response& response) {
  const auto file = f.files.find(request.path_params.at("filename"));
  FUZZ_CHECK(request.path_params.at("session_id") == kSession && file != f.files.end());
  const std::string& bytes = file->second;
  if (response.status == 200) {
    FUZZ_CHECK(response.body == bytes);
    return;
  }
  // "bytes <first>-<last>/<size>"
  const std::string range_header = HeaderOf(response, "Content-Range");
  const std::string_view range = range_header;
  FUZZ_CHECK(range.starts_with("bytes "));
  const size_t dash = range.find('-');
  const size_t slash = range.find('/');
  FUZZ_CHECK(dash != std::string_view::npos && slash != std::string_view::npos && dash < slash);
  const uint64_t first = ParseNumber(range.substr(6, dash - 6));
  const uint64_t last = ParseNumber(range.substr(dash + 1, slash - dash - 1));
  FUZZ_CHECK(ParseNumber(range.substr(slash + 1)) == bytes.size());
  FUZZ_CHECK(first <= last && last < bytes.size());
  FUZZ_CHECK(response.body == bytes.substr(first, last - first + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* const fixture = MakeFixture();
  swha::fuzz::FuzzInput input(data, size);
  const uint8_t mode = input.TakeByte();
  const bool signed_right = (mode & 1) != 0;
  Request request;
  request.method = "GET";
  if (signed_right) {
    // A URL the service itself would hand out for the names given (valid or not), expiring
    // one minute from now or (mode bit 1) one minute ago.
    const std::string session(input.TakePart());
    const std::string filename(input.TakePart());
    const int64_t expires = kNowMillis / 1000 + ((mode & 2) != 0 ? -60 : 60);
    request.path = "/static/audio/" + session + "/" + filename;
    request.query.emplace("expires", std::to_string(expires));
    request.query.emplace("signature", fixture->signer->Signature(session, filename, expires));
  } else {
    // A forged or tampered URL: a raw path and query string, decoded as httplib decodes them.
    request.path = httplib::detail::decode_url(std::string(input.TakePart()), false);
    httplib::Params params;
    httplib::detail::parse_query_text(std::string(input.TakePart()), params);
    for (const auto& [k, v] : params) request.query.emplace(k, v);
  }
  request.headers.emplace("range", std::string(input.Rest()));
  const Response response = fixture->router->Dispatch(request);
  switch (response.status) {
    case 200:
    case 206:
      FUZZ_CHECK(signed_right && (mode & 2) == 0);
      CheckServed(*fixture, request, response);
      break;
    case 403:
    case 404:
    case 416: FUZZ_CHECK(nlohmann::json::accept(response.body)); break;
    default: FUZZ_CHECK(false && "an unexpected status");
  }
  return 0;
}
