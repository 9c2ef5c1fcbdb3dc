#include "storage/sigv4.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <optional>
#include <tuple>

#include "storage/s3_uri.h"
#include "util/crypto.h"
#include "util/process_unique_id.h"
#include "util/strings.h"

namespace swha::storage {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kTerminator = "aws4_request";
constexpr size_t kMaxCachedKeys = 4;  // a few days around today, for skew at midnight

// Set by the signer itself, so a caller's copy would be signed twice or contradict ours.
constexpr std::string_view kReservedHeaders[] = {"authorization", "host", "x-amz-content-sha256",
                                                 "x-amz-date", "x-amz-security-token"};
// Query authentication parameters, compared case-insensitively.
constexpr std::string_view kReservedQueryKeys[] = {
    "x-amz-algorithm", "x-amz-credential",    "x-amz-date",          "x-amz-expires",
    "x-amz-signature", "x-amz-signedheaders", "x-amz-security-token"};

// "20130524" from "20130524T000000Z".
std::string_view ScopeDate(std::string_view amz_date) { return amz_date.substr(0, 8); }

// Writes pieces one after another into a buffer sized for them beforehand: a presigned URL's
// ~400 bytes, appended to a std::string piece by piece, cost more than the hashing they feed.
// A piece that would pass the buffer's end is not written, and the cursor is no longer ok():
// a size computed short is then an error, never memory written out of bounds.
class BufferCursor {
 public:
  BufferCursor(char* begin, char* end) : at_(begin), end_(end) {}
  // Always inlined: GCC kept it out of line, where its calls were 5 % of a URL's time (perf),
  // and the sizes of most pieces are known where it is called.
  [[gnu::always_inline]] BufferCursor& operator<<(std::string_view piece) {
    const size_t n = piece.size();
    if (!Fits(n)) return *this;
    const char* from = piece.data();
    // Most pieces are short ("GET", "3600", a host): copied in place by two overlapping moves
    // of a fixed size, which the compiler inlines, rather than by a call to memcpy.
    if (n >= 8 && n <= 16) {
      std::memcpy(at_, from, 8);
      std::memcpy(at_ + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(at_, from, 4);
      std::memcpy(at_ + n - 4, from + n - 4, 4);
    } else if (n > 0) {  // an empty view's data() may be null
      std::memcpy(at_, from, n);
    }
    at_ += n;
    return *this;
  }
  BufferCursor& operator<<(char c) {
    if (Fits(1)) *at_++ = c;
    return *this;
  }
  // Where a function may write up to `n` bytes, to be passed to Skip; null when they would not
  // fit.
  char* Room(size_t n) { return Fits(n) ? at_ : nullptr; }
  // Past what that function wrote, up to `written_end`.
  void Skip(char* written_end) { at_ = written_end; }
  char* at() const { return at_; }
  bool ok() const { return ok_; }

 private:
  // Once false, ok() stays false; a later piece that fits is still written, inside the buffer.
  bool Fits(size_t n) {
    if (static_cast<size_t>(end_ - at_) >= n) [[likely]] {
      return true;
    }
    ok_ = false;
    return false;
  }

  char* at_;
  char* const end_;
  bool ok_ = true;
};

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string AsciiLowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// RFC 9110 token characters, the only ones a header name may hold.
bool IsTokenChar(unsigned char c) {
  return IsS3UriUnreserved(c) ||
         std::string_view("!#$%&'*+^`|").find(static_cast<char>(c)) != std::string_view::npos;
}

bool IsValidToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return IsTokenChar(static_cast<unsigned char>(c));
  });
}

// Visible ASCII without '/': what may sit in a host or a credential scope field.
bool IsScopeField(std::string_view s) {
  // A table, not three comparisons a byte: the host is checked per presigned URL.
  static constexpr std::array<bool, 256> kAllowed = [] {
    std::array<bool, 256> allowed{};
    for (int c = '!'; c < 0x7F; ++c) allowed[c] = c != '/';
    return allowed;
  }();
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return kAllowed[static_cast<unsigned char>(c)]; });
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// AWS's Trimall: no leading or trailing white space, and each inner run of it becomes one
// space. White space here is what HTTP allows in a field value: space and tab.
std::string TrimAll(std::string_view value) {
  // Almost always there is nothing to trim (a host name).
  if (value.find_first_of(" \t") == std::string_view::npos) return std::string(value);
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

Status ValidateHeaderValue(std::string_view name, std::string_view value) {
  for (char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      return Status::InvalidArgument("header " + QuoteForMessage(name) +
                                     " has a control character in its value");
    }
  }
  return Status::Ok();
}

// Checks what any canonical request needs apart from the payload hash; the Sign methods add
// their own checks.
Status ValidateRequestExceptPayload(const SigningRequest& request) {
  if (request.method.empty() || !std::all_of(request.method.begin(), request.method.end(),
                                             [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Status::InvalidArgument("method must be uppercase letters, got " +
                                   QuoteForMessage(request.method));
  }
  if (!IsScopeField(request.host)) {
    return Status::InvalidArgument("host must be non-empty visible ASCII without '/', got " +
                                   QuoteForMessage(request.host));
  }
  if (!request.path.empty() && request.path[0] != '/') {
    return Status::InvalidArgument("path must start with '/', got " +
                                   QuoteForMessage(request.path));
  }
  // S3 keys are UTF-8; anything else would be signed but then refused or misread by S3.
  if (!IsValidUtf8(request.path)) return Status::InvalidArgument("path is not valid UTF-8");
  for (const auto& [key, value] : request.query) {
    if (!IsValidUtf8(key) || !IsValidUtf8(value)) {
      return Status::InvalidArgument("query parameter " + QuoteForMessage(key) +
                                     " is not valid UTF-8");
    }
  }
  for (const auto& [name, value] : request.headers) {
    if (!IsValidToken(name)) {
      return Status::InvalidArgument("invalid header name " + QuoteForMessage(name));
    }
    if (AsciiLowercase(name) == "host") {
      return Status::InvalidArgument("the host header comes from SigningRequest::host");
    }
    SWHA_RETURN_IF_ERROR(ValidateHeaderValue(name, value));
  }
  return Status::Ok();
}

Status ValidateRequest(const SigningRequest& request) {
  SWHA_RETURN_IF_ERROR(ValidateRequestExceptPayload(request));
  if (request.payload_sha256_hex != kUnsignedPayload && !IsLowerHex64(request.payload_sha256_hex)) {
    return Status::InvalidArgument(
        "payload_sha256_hex must be 64 lowercase hex digits or UNSIGNED-PAYLOAD, got " +
        QuoteForMessage(request.payload_sha256_hex));
  }
  return Status::Ok();
}

Status RejectReservedHeaders(const SigningRequest& request) {
  for (const auto& [name, value] : request.headers) {
    const std::string lower = AsciiLowercase(name);
    for (std::string_view reserved : kReservedHeaders) {
      if (lower == reserved) {
        return Status::InvalidArgument("header " + QuoteForMessage(name) + " is set by the signer");
      }
    }
  }
  return Status::Ok();
}

Status ValidateConfig(const AwsCredentials& credentials, std::string_view region,
                      std::string_view service) {
  if (!IsScopeField(credentials.access_key_id)) {
    return Status::InvalidArgument("AWS access key id must be non-empty visible ASCII without '/'");
  }
  if (credentials.secret_access_key.empty()) {
    return Status::InvalidArgument("AWS secret access key is empty");
  }
  if (!ValidateHeaderValue("x-amz-security-token", credentials.session_token).ok()) {
    return Status::InvalidArgument("AWS session token has a control character");
  }
  if (!IsScopeField(region)) {
    return Status::InvalidArgument("AWS region must be non-empty visible ASCII without '/', got " +
                                   QuoteForMessage(region));
  }
  if (!IsScopeField(service)) {
    return Status::InvalidArgument("AWS service must be non-empty visible ASCII without '/', got " +
                                   QuoteForMessage(service));
  }
  return Status::Ok();
}

// Canonical headers ("name:value\n" each) and the signed-header list ("a;b;c"). Repeated
// names are merged into one line, their values joined by ',' in the order given.
std::pair<std::string, std::string> CanonicalHeaders(const SigningRequest& request) {
  std::map<std::string, std::string> merged;
  merged.emplace("host", TrimAll(request.host));
  for (const auto& [name, value] : request.headers) {
    auto [it, inserted] = merged.try_emplace(AsciiLowercase(name), TrimAll(value));
    if (!inserted) {
      it->second += ',';
      it->second += TrimAll(value);
    }
  }
  std::string canonical;
  std::string signed_headers;
  for (const auto& [name, value] : merged) {
    canonical += name;
    canonical += ':';
    canonical += value;
    canonical += '\n';
    if (!signed_headers.empty()) signed_headers += ';';
    signed_headers += name;
  }
  return {std::move(canonical), std::move(signed_headers)};
}

// The canonical request from its parts, each already canonical.
std::string JoinCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                 std::string_view canonical_query,
                                 std::string_view canonical_headers,
                                 std::string_view signed_headers, std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() +
              canonical_headers.size() + signed_headers.size() + payload_hash.size() + 5);
  for (std::string_view part :
       {method, canonical_uri, canonical_query, canonical_headers, signed_headers}) {
    out += part;
    out += '\n';
  }
  out += payload_hash;
  return out;
}

// REQUIRES: ValidateRequest(request).ok()
std::string BuildCanonicalRequest(const SigningRequest& request) {
  const auto [canonical_headers, signed_headers] = CanonicalHeaders(request);
  return JoinCanonicalRequest(request.method, S3CanonicalUri(request.path),
                              S3CanonicalQueryString(request.query), canonical_headers,
                              signed_headers, request.payload_sha256_hex);
}

}  // namespace

std::string S3CanonicalQueryString(const KeyValueList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [key, value] : query) {
    encoded.emplace_back(S3UriEncode(key, false), S3UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());  // by encoded key, then encoded value
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

namespace {

using AmzDate = std::array<char, 16>;  // "20130524T000000Z"

Status FormatAmzDateTo(int64_t unix_seconds, AmzDate* out) {
  constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z
  if (unix_seconds < 0 || unix_seconds >= kYear10000) {
    return Status::InvalidArgument("signing time must be in years 1970..9999, got " +
                                   std::to_string(unix_seconds));
  }
  const std::chrono::sys_seconds time{std::chrono::seconds{unix_seconds}};
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{time - day};
  // Digits written by hand: snprintf would cost more than the rest of a presigned URL's text.
  constexpr std::string_view kZero = "00000000T000000Z";
  std::copy(kZero.begin(), kZero.end(), out->begin());
  auto put = [out](size_t end, unsigned value) {
    for (size_t i = end; value > 0; value /= 10) (*out)[--i] = static_cast<char>('0' + value % 10);
  };
  put(4, static_cast<unsigned>(static_cast<int>(ymd.year())));
  put(6, static_cast<unsigned>(ymd.month()));
  put(8, static_cast<unsigned>(ymd.day()));
  put(11, static_cast<unsigned>(hms.hours().count()));
  put(13, static_cast<unsigned>(hms.minutes().count()));
  put(15, static_cast<unsigned>(hms.seconds().count()));
  return Status::Ok();
}

}  // namespace

Result<std::string> FormatAmzDate(int64_t unix_seconds) {
  AmzDate date;
  SWHA_RETURN_IF_ERROR(FormatAmzDateTo(unix_seconds, &date));
  return std::string(date.data(), date.size());
}

SigV4Signer::SigV4Signer(AwsCredentials credentials, std::string region, std::string service)
    : credentials_(std::move(credentials)),
      region_(std::move(region)),
      service_(std::move(service)),
      config_status_(ValidateConfig(credentials_, region_, service_)),
      id_(NextProcessUniqueId()) {
  // The part of every presigned query that changes neither with the URL nor with the second.
  if (!credentials_.session_token.empty()) {
    query_security_token_ = "&X-Amz-Security-Token=";
    S3UriEncodeAppend(credentials_.session_token, false, &query_security_token_);
  }
}

Result<std::string> SigV4Signer::CanonicalRequest(const SigningRequest& request) {
  SWHA_RETURN_IF_ERROR(ValidateRequest(request));
  return BuildCanonicalRequest(request);
}

std::string SigV4Signer::CredentialScope(std::string_view date) const {
  std::string scope(date);
  scope += '/';
  scope += region_;
  scope += '/';
  scope += service_;
  scope += '/';
  scope += kTerminator;
  return scope;
}

std::string SigV4Signer::StringToSignHead(std::string_view amz_date) const {
  std::string head(kAlgorithm);
  head += '\n';
  head += amz_date;
  head += '\n';
  head += CredentialScope(ScopeDate(amz_date));
  head += '\n';
  return head;
}

std::string SigV4Signer::StringToSign(std::string_view amz_date,
                                      std::string_view canonical_request) const {
  return StringToSignHead(amz_date) + crypto::HexEncode(crypto::Sha256(canonical_request));
}

std::string SigV4Signer::SigningKey(std::string_view date) const {
  const crypto::Digest256 key = CachedSigningKey(date).raw;
  return {reinterpret_cast<const char*>(key.data()), key.size()};
}

SigV4Signer::DatedKey SigV4Signer::CachedSigningKey(std::string_view date) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = key_cache_.find(date); it != key_cache_.end()) return it->second;
  }
  // Derived outside the lock: four HMACs are cheap, and a race only computes the same key twice.
  std::string key = crypto::HmacSha256("AWS4" + credentials_.secret_access_key, date);
  key = crypto::HmacSha256(key, region_);
  key = crypto::HmacSha256(key, service_);
  const crypto::Digest256 raw = crypto::HmacSha256Of(key, {kTerminator});
  DatedKey derived{raw,
                   crypto::HmacSha256Key({reinterpret_cast<const char*>(raw.data()), raw.size()})};
  std::lock_guard<std::mutex> lock(mu_);
  key_cache_.emplace(date, derived);
  // Keys are dates, so the first entries are the oldest.
  while (key_cache_.size() > kMaxCachedKeys) key_cache_.erase(key_cache_.begin());
  return derived;
}

size_t SigV4Signer::CachedSigningKeyCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return key_cache_.size();
}

Result<SignatureTrace> SigV4Signer::Sign(const SigningRequest& request,
                                         const std::string& amz_date) const {
  SignatureTrace trace;
  SWHA_ASSIGN_OR_RETURN(trace.canonical_request, CanonicalRequest(request));
  trace.string_to_sign = StringToSign(amz_date, trace.canonical_request);
  char hex[64];
  crypto::HexEncodeTo(CachedSigningKey(ScopeDate(amz_date)).mac.Mac({trace.string_to_sign}), hex);
  trace.signature.assign(hex, sizeof(hex));
  return trace;
}

Result<KeyValueList> SigV4Signer::SignHeaders(const SigningRequest& request, int64_t now_unix,
                                              SignatureTrace* trace) const {
  SWHA_RETURN_IF_ERROR(config_status_);
  SWHA_RETURN_IF_ERROR(RejectReservedHeaders(request));
  SWHA_ASSIGN_OR_RETURN(const std::string amz_date, FormatAmzDate(now_unix));

  KeyValueList added = {{"x-amz-content-sha256", request.payload_sha256_hex},
                        {"x-amz-date", amz_date}};
  if (!credentials_.session_token.empty()) {
    added.emplace_back("x-amz-security-token", credentials_.session_token);
  }
  SigningRequest signed_request = request;
  signed_request.headers.insert(signed_request.headers.end(), added.begin(), added.end());
  SWHA_ASSIGN_OR_RETURN(SignatureTrace result, Sign(signed_request, amz_date));

  const std::string signed_headers = CanonicalHeaders(signed_request).second;
  std::string authorization(kAlgorithm);
  authorization +=
      " Credential=" + credentials_.access_key_id + '/' + CredentialScope(ScopeDate(amz_date));
  authorization += ", SignedHeaders=" + signed_headers;
  authorization += ", Signature=" + result.signature;

  KeyValueList headers;
  headers.emplace_back("Authorization", std::move(authorization));
  headers.insert(headers.end(), added.begin(), added.end());
  if (trace != nullptr) *trace = std::move(result);
  return headers;
}

Result<const SigV4Signer::SecondOfUrls*> SigV4Signer::ThisSecond(int64_t now_unix) const {
  thread_local SecondOfUrls second;
  if (second.signer_id == id_ && second.unix_seconds == now_unix) return &second;
  AmzDate amz_date_chars;
  SWHA_RETURN_IF_ERROR(FormatAmzDateTo(now_unix, &amz_date_chars));
  const std::string_view amz_date(amz_date_chars.data(), amz_date_chars.size());
  const std::string_view date = ScopeDate(amz_date);
  // The signer's own parameters in their canonical order, up to the expiry's value.
  std::string query_head = "X-Amz-Algorithm=" + std::string(kAlgorithm) + "&X-Amz-Credential=";
  S3UriEncodeAppend(credentials_.access_key_id + '/' + CredentialScope(date), false, &query_head);
  query_head += "&X-Amz-Date=";
  query_head += amz_date;
  query_head += "&X-Amz-Expires=";
  second.string_to_sign_key.emplace(
      CachedSigningKey(date).mac.WithPrefix(StringToSignHead(amz_date)));
  second.query_head = std::move(query_head);
  second.amz_date = amz_date_chars;
  second.unix_seconds = now_unix;
  second.signer_id = id_;
  return &second;
}

Result<std::string> SigV4Signer::PresignQuery(const SigningRequest& request, int64_t now_unix,
                                              int64_t expires_seconds,
                                              SignatureTrace* trace) const {
  return Presign(request, now_unix, expires_seconds, trace, std::nullopt);
}

Result<std::string> SigV4Signer::PresignUrl(const SigningRequest& request,
                                            std::string_view url_base, int64_t now_unix,
                                            int64_t expires_seconds) const {
  return Presign(request, now_unix, expires_seconds, nullptr, url_base);
}

Result<std::string> SigV4Signer::Presign(const SigningRequest& request, int64_t now_unix,
                                         int64_t expires_seconds, SignatureTrace* trace,
                                         std::optional<std::string_view> url_base) const {
  // Not SWHA_RETURN_IF_ERROR, which would copy the OK status for every URL.
  if (!config_status_.ok()) return config_status_;
  if (expires_seconds < 1 || expires_seconds > kMaxPresignExpirySeconds) {
    return Status::InvalidArgument("presigned URL expiry must be between 1 and " +
                                   std::to_string(kMaxPresignExpirySeconds) +
                                   " seconds (7 days), got " + std::to_string(expires_seconds));
  }
  if (!request.payload_sha256_hex.empty() && request.payload_sha256_hex != kUnsignedPayload) {
    return Status::InvalidArgument("a presigned URL cannot sign a payload hash; leave it empty");
  }
  SWHA_RETURN_IF_ERROR(RejectReservedHeaders(request));
  for (const auto& [key, value] : request.query) {
    const std::string lower = AsciiLowercase(key);
    for (std::string_view reserved : kReservedQueryKeys) {
      if (lower == reserved) {
        return Status::InvalidArgument("query parameter " + QuoteForMessage(key) +
                                       " is set by the signer");
      }
    }
  }
  // Presigned URLs are shared and stored, so a key repeated with two values (which is
  // ambiguous to most URL parsers) is refused rather than signed.
  {
    std::vector<std::string_view> keys;
    keys.reserve(request.query.size());
    for (const auto& kv : request.query) keys.push_back(kv.first);
    std::sort(keys.begin(), keys.end());
    if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) {
      return Status::InvalidArgument("a presigned URL cannot repeat a query parameter");
    }
  }
  SWHA_RETURN_IF_ERROR(ValidateRequestExceptPayload(request));
  SWHA_ASSIGN_OR_RETURN(const SecondOfUrls* second, ThisSecond(now_unix));
  const std::string_view amz_date(second->amz_date.data(), second->amz_date.size());
  const std::string_view date = ScopeDate(amz_date);

  // Written out rather than through Sign(): a presigned URL is often made per segment per
  // request. The canonical request is written whole, into a buffer each thread reuses and
  // sized beforehand, then hashed in one call (in seven pieces, OpenSSL compresses a block at a
  // time). The URL is cut from it, since its path and query are the canonical request's (see
  // docs/performance.md). The botocore oracle and AWS's worked example check it like the header
  // path.
  std::string canonical_headers;  // written in place when it is the host alone
  std::string signed_headers = "host";
  if (!request.headers.empty()) {
    std::tie(canonical_headers, signed_headers) = CanonicalHeaders(request);
  }
  std::string callers_query;  // the whole canonical query, when the caller has parameters too
  if (!request.query.empty()) {
    KeyValueList all = request.query;
    all.emplace_back("X-Amz-Algorithm", kAlgorithm);
    all.emplace_back("X-Amz-Credential", credentials_.access_key_id + '/' + CredentialScope(date));
    all.emplace_back("X-Amz-Date", amz_date);
    all.emplace_back("X-Amz-Expires", std::to_string(expires_seconds));
    if (!credentials_.session_token.empty()) {
      all.emplace_back("X-Amz-Security-Token", credentials_.session_token);
    }
    all.emplace_back("X-Amz-SignedHeaders", signed_headers);
    callers_query = S3CanonicalQueryString(all);
  }
  std::array<char, 20> expires_digits{};
  char* const expires_end =
      std::to_chars(expires_digits.data(), expires_digits.data() + expires_digits.size(),
                    expires_seconds)
          .ptr;
  const std::string_view expires(expires_digits.data(),
                                 static_cast<size_t>(expires_end - expires_digits.data()));
  constexpr std::string_view kSignedHeadersParam = "&X-Amz-SignedHeaders=";
  constexpr std::string_view kSignatureParam = "&X-Amz-Signature=";

  // With no headers of the caller's, the host alone is signed: "&X-Amz-SignedHeaders=host"
  // ends the query and "\nhost:<host>\n\nhost\nUNSIGNED-PAYLOAD" the request, written in
  // three pieces rather than eight.
  const bool host_only = request.headers.empty();
  constexpr std::string_view kHostOnlySignedHeaders = "&X-Amz-SignedHeaders=host";
  constexpr std::string_view kHostOnlyHeaderHead = "\nhost:";
  constexpr std::string_view kHostOnlyTail = "\n\nhost\nUNSIGNED-PAYLOAD";
  static_assert(kHostOnlyTail.ends_with(kUnsignedPayload));
  thread_local std::string canonical;  // never shrunk, so never cleared again when it grows
  const size_t most =
      request.method.size() + 1 + S3CanonicalUriMaxBytes(request.path.size()) + 1 +
      (request.query.empty()
           ? second->query_head.size() + expires.size() + query_security_token_.size() +
                 kSignedHeadersParam.size() + signed_headers.size() * kMostEncodedBytesPerByte
           : callers_query.size()) +
      (host_only ? kHostOnlyHeaderHead.size() + request.host.size() + kHostOnlyTail.size()
                 : 1 + canonical_headers.size() + 1 + signed_headers.size() + 1 +
                       kUnsignedPayload.size());
  if (canonical.size() < most) canonical.resize(most);
  BufferCursor put(canonical.data(), canonical.data() + most);
  put << request.method << '\n';
  const char* const uri = put.at();
  if (char* room = put.Room(S3CanonicalUriMaxBytes(request.path.size()))) {
    put.Skip(S3CanonicalUriTo(request.path, room));
  }
  const size_t uri_size = static_cast<size_t>(put.at() - uri);
  put << '\n';
  const char* const query = put.at();
  if (!request.query.empty()) {
    put << callers_query;
  } else {
    // Only the signer's own parameters, whose canonical order is the order below.
    put << second->query_head << expires << query_security_token_;
    if (host_only) {
      put << kHostOnlySignedHeaders;
    } else {
      put << kSignedHeadersParam;
      if (char* room = put.Room(signed_headers.size() * kMostEncodedBytesPerByte)) {
        put.Skip(S3UriEncodeTo(signed_headers, /*keep_slash=*/false, room));
      }
    }
  }
  const size_t query_size = static_cast<size_t>(put.at() - query);
  if (host_only) {
    put << kHostOnlyHeaderHead << request.host << kHostOnlyTail;
  } else {
    put << '\n' << canonical_headers << '\n' << signed_headers << '\n' << kUnsignedPayload;
  }
  if (!put.ok()) return Status::Internal("presigning: the canonical request outgrew its buffer");
  const std::string_view canonical_request(canonical.data(),
                                           static_cast<size_t>(put.at() - canonical.data()));

  char request_hex[64];
  crypto::HexEncodeTo(crypto::Sha256Of({canonical_request}), request_hex);
  // The string to sign: its head (algorithm, time, scope) is in the key already, then the
  // request hash.
  const crypto::Digest256 signature =
      second->string_to_sign_key->Mac({{request_hex, sizeof(request_hex)}});
  char signature_hex[64];
  crypto::HexEncodeTo(signature, signature_hex);
  if (trace != nullptr) {
    trace->canonical_request = canonical_request;
    trace->string_to_sign = StringToSign(amz_date, canonical_request);
    trace->signature.assign(signature_hex, sizeof(signature_hex));
  }

  std::string out((url_base ? url_base->size() + uri_size + 1 : 0) + query_size +
                      kSignatureParam.size() + sizeof(signature_hex),
                  '\0');
  BufferCursor url(out.data(), out.data() + out.size());
  if (url_base) url << *url_base << std::string_view(uri, uri_size) << '?';
  url << std::string_view(query, query_size) << kSignatureParam
      << std::string_view(signature_hex, sizeof(signature_hex));
  if (!url.ok()) return Status::Internal("presigning: the URL outgrew its buffer");
  return out;
}

}  // namespace swha::storage
