// Differential test: signs thousands of awkward S3 requests here and with botocore
// (tests/oracles/botocore_sigv4.py, one python3 run) and requires the same signatures. It
// fails, never skips, when python3 or botocore is missing: it is the check that our encoding
// agrees with what AWS's own SDK sends.
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "storage/sigv4.h"
#include "tests/support/python_oracle.h"
#include "util/crypto.h"
#include "util/strings.h"

namespace swha::storage {
namespace {

constexpr int kKeyCount = 1200;

// Object keys that have broken S3 signers: every reserved character, percent signs that look
// encoded already, dot segments and doubled slashes that must not be normalised, non-ASCII,
// and S3's maximum length.
std::vector<std::string> MakeKeys(std::mt19937& rng) {
  std::vector<std::string> keys = {"test.txt",
                                   "my file.txt",
                                   "a+b",
                                   "100%",
                                   "%2F",
                                   "already%20encoded",
                                   "~tilde~",
                                   "a=b",
                                   "a&b=c",
                                   "test$file.text",
                                   "!*'()",
                                   "é",
                                   "caf\u00e9.wav",
                                   "日本/音声.wav",
                                   "😀",
                                   "a//b",
                                   "./a",
                                   "a/./b",
                                   "../x",
                                   "a/../b",
                                   "dir/",
                                   "/leading",
                                   "//",
                                   "./",
                                   " ",
                                   "+",
                                   "a b  c",
                                   "#hash?query",
                                   ":@,;[]",
                                   "\"<>\\^`{|}",
                                   "tab\there",
                                   "del\x7f",
                                   "segment_000.wav",
                                   "1703123456789_anonymous_0123456789abcdef/segment_001.wav"};
  // 1,000-byte names: ASCII, two-, three- and four-byte UTF-8, and a mix ending in '/'.
  keys.push_back(std::string(1000, 'k'));
  std::string s;
  while (s.size() < 1000) s += "é";
  keys.push_back(s);
  s = "a";
  while (s.size() < 1000) s += "日";
  keys.push_back(s);
  s.clear();
  while (s.size() < 1000) s += "😀";
  keys.push_back(s);
  s.clear();
  while (s.size() < 999) s += "a b+c/é=~";
  s.resize(999);
  keys.push_back(s + "/");

  const std::vector<std::string> fragments = {
      "a",   "Z",   "0",    "-",    "_",    ".",        "~",     " ",     "  ", "+",     "%", "%20",
      "%2F", "=",   "&",    "$",    "!",    "*",        "'",     "(",     ")",  "!*'()", "/", "//",
      "./",  "../", ",",    ";",    ":",    "@",        "?",     "#",     "[",  "]",     "{", "}",
      "\\",  "^",   "`",    "|",    "<",    ">",        "\"",    "\t",    "é",  "日本",  "😀", "ü",
      "ß",   "€",   "名前", "file", ".wav", "segment_", "audio", "\u00a0"};
  std::uniform_int_distribution<size_t> pick(0, fragments.size() - 1);
  std::uniform_int_distribution<int> length(1, 12);
  while (keys.size() < static_cast<size_t>(kKeyCount)) {
    std::string key;
    for (int n = length(rng); n > 0; --n) key += fragments[pick(rng)];
    keys.push_back(std::move(key));
  }
  return keys;
}

std::string RandomFrom(std::mt19937& rng, std::string_view alphabet, size_t min, size_t max) {
  std::uniform_int_distribution<size_t> len(min, max);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (size_t n = len(rng); n > 0; --n) out += alphabet[pick(rng)];
  return out;
}

template <typename T>
T OneOf(std::mt19937& rng, const std::vector<T>& items) {
  return items[std::uniform_int_distribution<size_t>(0, items.size() - 1)(rng)];
}

struct Case {
  bool presign = false;
  AwsCredentials credentials;
  std::string region;
  SigningRequest request;
  int64_t timestamp = 0;
  int64_t expires = 0;
  std::string body;  // header mode: the oracle hashes it unless `payload_given`
  bool payload_given = false;
  nlohmann::json json;
};

Case MakeCase(std::mt19937& rng, const std::string& key, bool presign, bool virtual_host,
              bool with_token) {
  constexpr std::string_view kBase64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  Case c;
  c.presign = presign;
  c.credentials.access_key_id =
      "AKIA" + RandomFrom(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16);
  c.credentials.secret_access_key = RandomFrom(rng, kBase64, 40, 40);
  if (with_token) c.credentials.session_token = RandomFrom(rng, kBase64, 16, 600);
  c.region = OneOf<std::string>(rng, {"us-east-1", "eu-west-3", "ap-northeast-1", "auto"});

  SigningRequest& r = c.request;
  r.method = presign ? OneOf<std::string>(rng, {"GET", "PUT"})
                     : OneOf<std::string>(rng, {"GET", "PUT", "HEAD", "DELETE", "POST"});
  const std::string bucket = OneOf<std::string>(rng, {"examplebucket", "swha-audio", "b-1"});
  if (virtual_host) {
    r.host = bucket + ".s3." + c.region + ".amazonaws.com";
    r.path = "/" + key;
  } else {
    r.host = OneOf<std::string>(
        rng, {"s3." + c.region + ".amazonaws.com", "localhost:9000", "minio.internal:9000",
              "127.0.0.1:9000", "acct.r2.cloudflarestorage.com"});
    r.path = "/" + OneOf<std::string>(rng, {bucket, "bucket.with.dots"}) + "/" + key;
  }

  const std::vector<std::pair<std::string, std::string>> query_pool = {
      {"list-type", "2"},
      {"prefix", key.substr(0, Utf8SafePrefix(key, 40))},
      {"max-keys", "1000"},
      {"uploads", ""},
      {"versionId", "3/L4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo"},
      {"response-content-disposition", "attachment; filename=\"a b é.wav\""},
      {"response-content-type", "audio/wav"},
      {"a b", "c d"},
      {"k+ey", "v+al"},
      {"x=y", "1&2"},
      {"日本", "語"},
      {"", "empty-key"},
      {"tilde~", "~"}};
  std::vector<std::pair<std::string, std::string>> query;
  for (int n = std::uniform_int_distribution<int>(0, 3)(rng); n > 0; --n) {
    auto kv = OneOf(rng, query_pool);
    bool repeated = false;
    for (const auto& q : query) repeated |= q.first == kv.first;
    if (repeated && presign) continue;  // a presigned URL cannot repeat a key
    query.push_back(std::move(kv));
  }
  r.query = query;

  const std::vector<std::pair<std::string, std::string>> header_pool = {
      {"Range", "bytes=0-9"},
      {"Content-Type", "audio/wav"},
      {"content-type", "text/plain; charset=utf-8"},
      {"X-Amz-Meta-Title", "  two   spaces\tand\t tabs  "},
      {"x-amz-meta-title", "second value"},
      {"x-amz-meta-name", "caf\u00e9 日本 😀"},
      {"X-Amz-Storage-Class", "REDUCED_REDUNDANCY"},
      {"x-amz-acl", "private"},
      {"Cache-Control", "no-cache"},
      {"x-amz-meta-empty", ""},
      {"Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg=="}};
  std::vector<std::pair<std::string, std::string>> headers;
  for (int n = std::uniform_int_distribution<int>(0, 3)(rng); n > 0; --n) {
    headers.push_back(OneOf(rng, header_pool));
  }
  r.headers = headers;

  // Any second from 1970 to 2100, with a share near midnight where the scope date turns.
  if (std::uniform_int_distribution<int>(0, 3)(rng) == 0) {
    c.timestamp = std::uniform_int_distribution<int64_t>(0, 47000)(rng) * 86400 - 1 +
                  std::uniform_int_distribution<int64_t>(0, 2)(rng);
    if (c.timestamp < 0) c.timestamp = 0;
  } else {
    c.timestamp = std::uniform_int_distribution<int64_t>(0, 4102444800)(rng);
  }
  c.expires = OneOf<int64_t>(
      rng, {1, 60, 3600, 86400, 604800, std::uniform_int_distribution<int64_t>(1, 604800)(rng)});

  switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
    case 0:
      c.payload_given = true;
      r.payload_sha256_hex = std::string(kUnsignedPayload);
      break;
    case 1:
      c.payload_given = true;
      r.payload_sha256_hex = crypto::HexEncode(crypto::Sha256(RandomFrom(rng, kBase64, 1, 64)));
      break;
    default:
      c.body = OneOf<std::string>(rng, {"", "Welcome to Amazon S3.", "é日本😀\n\r\t", key});
      r.payload_sha256_hex = crypto::HexEncode(crypto::Sha256(c.body));
  }
  if (presign) r.payload_sha256_hex.clear();

  nlohmann::json j = {{"mode", presign ? "presign" : "header"},
                      {"method", r.method},
                      {"host", r.host},
                      {"path", r.path},
                      {"query", r.query},
                      {"headers", r.headers},
                      {"access_key", c.credentials.access_key_id},
                      {"secret_key", c.credentials.secret_access_key},
                      {"region", c.region},
                      {"timestamp", c.timestamp},
                      {"addressing", virtual_host ? "virtual" : "path"}};
  if (with_token) j["session_token"] = c.credentials.session_token;
  if (presign) {
    j["expires"] = c.expires;
  } else if (c.payload_given) {
    j["payload_sha256"] = r.payload_sha256_hex;
  } else {
    j["body"] = c.body;
  }
  c.json = std::move(j);
  return c;
}

std::vector<std::pair<std::string, std::string>> SplitQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    out.emplace_back(std::string(pair.substr(0, eq)),
                     eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

// Compares one case; returns "" when ours equals botocore's, else what differs.
std::string Compare(const Case& c, const nlohmann::json& oracle) {
  if (oracle.contains("error")) return "botocore failed: " + oracle["error"].get<std::string>();
  SigV4Signer signer(c.credentials, c.region);
  SignatureTrace trace;
  std::ostringstream diff;
  if (c.presign) {
    auto ours = signer.PresignQuery(c.request, c.timestamp, c.expires, &trace);
    if (!ours.ok()) return "we refused: " + ours.status().ToString();
    auto our_params = SplitQuery(*ours);
    auto their_params = SplitQuery(oracle["query"].get<std::string>());
    if (our_params.empty() || their_params.empty() ||
        our_params.back().first != "X-Amz-Signature" ||
        their_params.back().first != "X-Amz-Signature") {
      return "X-Amz-Signature is not last in both:\n ours " + *ours + "\n botocore " +
             oracle["query"].get<std::string>();
    }
    if (our_params.back().second != their_params.back().second) {
      diff << "X-Amz-Signature ours " << our_params.back().second << " botocore "
           << their_params.back().second << "\n";
    }
    // botocore orders the URL's parameters differently (operation parameters first); the
    // encoded pairs must be the same, and ours are already sorted.
    our_params.pop_back();
    their_params.pop_back();
    if (!std::is_sorted(our_params.begin(), our_params.end())) diff << "ours is not sorted\n";
    std::sort(their_params.begin(), their_params.end());
    if (our_params != their_params) {
      diff << "parameters differ:\n ours     " << *ours << "\n botocore "
           << oracle["query"].get<std::string>() << "\n";
    }
  } else {
    auto ours = signer.SignHeaders(c.request, c.timestamp, &trace);
    if (!ours.ok()) return "we refused: " + ours.status().ToString();
    std::map<std::string, std::string> got(ours->begin(), ours->end());
    if (got["Authorization"] != oracle["authorization"].get<std::string>()) {
      diff << "Authorization\n ours     " << got["Authorization"] << "\n botocore "
           << oracle["authorization"].get<std::string>() << "\n";
    }
    for (const char* name : {"x-amz-date", "x-amz-content-sha256"}) {
      if (got[name] != oracle[name].get<std::string>()) {
        diff << name << " ours " << got[name] << " botocore " << oracle[name] << "\n";
      }
    }
    const nlohmann::json& token = oracle["x-amz-security-token"];
    if (got.count("x-amz-security-token") != (token.is_null() ? 0u : 1u) ||
        (!token.is_null() && got["x-amz-security-token"] != token.get<std::string>())) {
      diff << "x-amz-security-token differs\n";
    }
  }
  if (!diff.str().empty()) {
    diff << "canonical request ours:\n"
         << trace.canonical_request << "\ncanonical request botocore:\n"
         << oracle.value("canonical_request", std::string("<not logged>")) << "\n";
  }
  return diff.str();
}

TEST(SigV4BotocoreTest, EveryAwkwardKeySignsLikeBotocore) {
  std::mt19937 rng(20130524);
  std::vector<Case> cases;
  for (const std::string& key : MakeKeys(rng)) {
    for (bool presign : {false, true}) {
      for (bool virtual_host : {false, true}) {
        for (bool with_token : {false, true}) {
          cases.push_back(MakeCase(rng, key, presign, virtual_host, with_token));
        }
      }
    }
  }
  std::vector<nlohmann::json> requests;
  requests.reserve(cases.size());
  for (const Case& c : cases) requests.push_back(c.json);
  Result<testing::OracleRun> run = testing::RunPythonOracle("botocore_sigv4.py", {}, requests);
  ASSERT_TRUE(run.ok()) << run.status().message();
  std::cout << run->stderr_text;  // which botocore and Python were compared against

  size_t mismatches = 0;
  size_t presigned = 0;
  for (size_t index = 0; index < cases.size(); ++index) {
    const Case& c = cases[index];
    presigned += c.presign ? 1 : 0;
    const std::string diff = Compare(c, run->answers[index]);
    if (!diff.empty() && ++mismatches <= 10) {
      ADD_FAILURE() << "case " << index << ": " << c.json.dump() << "\n" << diff;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << cases.size() << " cases";
  EXPECT_GE(cases.size(), 8u * kKeyCount);
  EXPECT_EQ(presigned, cases.size() / 2);
}

}  // namespace
}  // namespace swha::storage
