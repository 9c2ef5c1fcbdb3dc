// GET /static/audio/<session>/<file>?expires=..&signature=..: signed local audio, with Range.
#include <spdlog/spdlog.h>

#include <charconv>
#include <optional>

#include "audio/format.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/session_fields.h"
#include "service/session_service.h"
#include "storage/session_id.h"
#include "tts/wav.h"

namespace swha::http {
namespace {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
};

// Parses a single "bytes=a-b", "bytes=a-" or "bytes=-n". Returns nullopt for a header to ignore
// (malformed, or several ranges: RFC 9110 lets a server answer those with the whole file), and
// sets *unsatisfiable when the range lies wholly past the end.
std::optional<ByteRange> ParseRange(std::string_view header, uint64_t size, bool* unsatisfiable) {
  *unsatisfiable = false;
  constexpr std::string_view kUnit = "bytes=";
  if (header.substr(0, kUnit.size()) != kUnit) return std::nullopt;
  std::string_view spec = header.substr(kUnit.size());
  if (spec.find(',') != std::string_view::npos) return std::nullopt;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto parse = [](std::string_view s, uint64_t* v) {
    if (s.empty()) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && end == s.data() + s.size();
  };
  const std::string_view a = spec.substr(0, dash);
  const std::string_view b = spec.substr(dash + 1);
  uint64_t first = 0;
  uint64_t last = 0;
  if (a.empty()) {  // suffix: the last n bytes
    uint64_t n = 0;
    if (!parse(b, &n)) return std::nullopt;
    if (n == 0 || size == 0) {
      *unsatisfiable = true;
      return std::nullopt;
    }
    first = n >= size ? 0 : size - n;
    last = size - 1;
  } else {
    if (!parse(a, &first)) return std::nullopt;
    if (b.empty()) {
      last = size == 0 ? 0 : size - 1;
    } else if (!parse(b, &last) || last < first) {
      return std::nullopt;
    }
    if (first >= size) {
      *unsatisfiable = true;
      return std::nullopt;
    }
    last = std::min(last, size - 1);
  }
  return ByteRange{first, last};
}

// The answer for a signed local URL whose file is gone: a redirect to its S3 copy, valid no
// longer than the local URL, when the upload outbox moved it there after the URL was handed out
// (KEEP_LOCAL_COPY=false); 404 otherwise. `expires` passed the signature check.
Response MovedToS3(const ApiContext& ctx, const std::string& session, const std::string& filename,
                   std::string_view expires) {
  int64_t valid_until = 0;
  std::from_chars(expires.data(), expires.data() + expires.size(), valid_until);
  if (ctx.sessions == nullptr) return ErrorResponse(404, "Not Found");
  Result<service::MintedUrl> moved = ctx.sessions->MovedLocalAudio(session, filename, valid_until);
  if (!moved.ok()) {
    if (moved.status().code() == StatusCode::kNotFound) return ErrorResponse(404, "Not Found");
    return ErrorResponse(moved.status());
  }
  Response res;
  res.status = 307;
  res.headers.emplace_back("Location", moved->url);
  res.headers.emplace_back("Cache-Control", "no-store");
  return res;
}

}  // namespace

Response HandleStaticAudio(const ApiContext& ctx, const Request& req) {
  const std::string& session = req.path_params.at("session_id");
  const std::string& filename = req.path_params.at("filename");
  // Only names this service mints are looked up, so "..", encoded dots, absolute paths and
  // anything else outside AUDIO_DIR never reach the filesystem.
  if (!storage::IsValidSessionId(session) || !storage::IsValidStoredFilename(filename)) {
    return ErrorResponse(404, "Not Found");
  }
  // Strings as given: a missing or malformed part fails the signature check (403), not a 422.
  FieldErrors none("query");
  FieldReader reader(req.query, &none);
  std::string expires;
  std::string signature_hex;
  reader.Read(session_fields::kExpires, &expires);
  reader.Read(session_fields::kSignature, &signature_hex);
  Status signature = ctx.storage->signer->Verify(session, filename, expires, signature_hex,
                                                 ctx.clock->NowUnixSeconds());
  if (!signature.ok()) return ErrorResponse(403, "Forbidden: " + signature.message());

  auto file = ctx.storage->local->OpenSegment(session, filename);
  if (!file.ok()) {
    if (file.status().code() == StatusCode::kNotFound) {
      return MovedToS3(ctx, session, filename, expires);
    }
    if (file.status().code() == StatusCode::kPermissionDenied) {
      return ErrorResponse(404, "Not Found");
    }
    return ErrorResponse(file.status());
  }
  const uint64_t size = (*file)->Size();
  // A WAV says its own length, so one cut short is caught here; every format is written to a
  // temporary name and renamed when complete (storage/audio_store.h).
  if (audio::FormatOfFileName(filename) == audio::AudioFormat::kWav) {
    std::string header;
    Status header_read = (*file)->Read(0, tts::kWavHeaderBytes, &header);
    if (!header_read.ok()) return ErrorResponse(header_read);
    if (!tts::IsCompleteWav(header, size)) {
      spdlog::warn("incomplete audio file {}/{} (size {}): not served", session, filename, size);
      return ErrorResponse(404, "Not Found");
    }
  }
  Response res;
  res.content_type = std::string(storage::ContentTypeOf(filename));
  // Audio is served in ranges (players seek). Marks are small JSON, which the server may gzip,
  // and a byte range of a gzipped answer would name the wrong bytes: always whole.
  const bool ranges = storage::IsValidSegmentFilename(filename);
  res.headers.emplace_back("Accept-Ranges", ranges ? "bytes" : "none");
  res.headers.emplace_back("Cache-Control", "private, max-age=300");

  uint64_t first = 0;
  uint64_t length = size;
  if (auto range_header = ranges ? req.Header("range") : std::nullopt) {
    bool unsatisfiable = false;
    auto range = ParseRange(*range_header, size, &unsatisfiable);
    if (unsatisfiable) {
      Response r = ErrorResponse(416, "Range Not Satisfiable");
      r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      return r;
    }
    if (range) {
      first = range->first;
      length = range->last - range->first + 1;
      res.status = 206;
      res.headers.emplace_back("Content-Range", "bytes " + std::to_string(range->first) + "-" +
                                                    std::to_string(range->last) + "/" +
                                                    std::to_string(size));
    }
  }
  Status read = (*file)->Read(first, length, &res.body);
  if (!read.ok()) return ErrorResponse(read);
  return res;
}

}  // namespace swha::http
