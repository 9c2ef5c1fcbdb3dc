// SigV4 (storage/sigv4.h): S3's URI encoding against a plain byte-at-a-time reading of the
// rule, canonical paths and queries, and signing any request: the header signature and the
// presigned URL agree with each other and with the canonical request they report, and the
// one-buffer URL equals the URL assembled from its parts.
#include <string>

#include "fuzz/fuzz_input.h"
#include "storage/sigv4.h"
#include "util/strings.h"

namespace {

constexpr int64_t kNow = 1'800'000'000;

// The rule as AWS states it, one byte at a time: A-Za-z0-9-._~ (and '/' when kept) as they
// are, every other byte as %XX in uppercase hex.
std::string ReferenceEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
                            c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const uint8_t flags = input.TakeByte();
  swha::storage::SigningRequest request;
  request.method = std::string(input.TakePart());
  request.host = std::string(input.TakePart());
  request.path = std::string(input.TakePart());
  request.query = swha::fuzz::SplitPairs(input.TakePart(), '&', '=');
  request.headers = swha::fuzz::SplitPairs(input.TakePart(), '\n', ':');
  const std::string_view session_token = input.Rest();

  for (const bool keep_slash : {false, true}) {
    const std::string encoded = swha::storage::S3UriEncode(request.path, keep_slash);
    FUZZ_CHECK(encoded == ReferenceEncode(request.path, keep_slash));
    std::string decoded;
    FUZZ_CHECK(swha::UrlDecode(encoded, &decoded) && decoded == request.path);
  }

  const swha::storage::SigV4Signer signer(
      {.access_key_id = "AKIDFUZZ",
       .secret_access_key = "fuzz/secret+key",
       .session_token = (flags & 1) != 0 ? std::string(session_token) : ""},
      "us-east-1");
  request.payload_sha256_hex =
      (flags & 2) != 0 ? std::string(swha::storage::kUnsignedPayload) : std::string(64, 'a');
  swha::storage::SignatureTrace trace;
  auto headers = signer.SignHeaders(request, kNow, &trace);
  if (headers.ok()) {
    FUZZ_CHECK(headers->size() >= 3 && (*headers)[0].first == "Authorization");
    FUZZ_CHECK((*headers)[0].second.ends_with("Signature=" + trace.signature));
    // The canonical request's second line is the path as sent on the request line.
    const size_t line1 = trace.canonical_request.find('\n');
    FUZZ_CHECK(line1 != std::string::npos);
    FUZZ_CHECK(trace.canonical_request.substr(line1 + 1).starts_with(
        swha::storage::S3CanonicalUri(request.path) + "\n"));
  } else {
    FUZZ_CHECK(headers.status().code() == swha::StatusCode::kInvalidArgument);
  }

  request.payload_sha256_hex.clear();
  const int64_t expires = 1 + flags % 7 * 100'000;
  auto query = signer.PresignQuery(request, kNow, expires);
  auto url = signer.PresignUrl(request, "https://bucket.example", kNow, expires);
  FUZZ_CHECK(query.ok() == url.ok());
  if (url.ok()) {
    FUZZ_CHECK(*url == "https://bucket.example" + swha::storage::S3CanonicalUri(request.path) +
                           "?" + *query);
  }
  return 0;
}
