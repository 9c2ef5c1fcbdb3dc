// What S3 and the AWS credential services answer, through the code that reads it: S3's XML
// (ListObjectsV2 pages, DeleteObjects results, error bodies, the accelerate status, lifecycle
// configurations) through S3Client over a scripted transport, STS's XML, and the JSON of IMDS,
// the container endpoint and credential_process. Any answer is read or refused without a
// crash, and credentials read from one are complete.
#include <spdlog/spdlog.h>

#include <string>

#include "aws/credential_providers.h"
#include "aws/sts_client.h"
#include "fuzz/fuzz_input.h"
#include "storage/http_transport_testing.h"
#include "storage/s3_client.h"
#include "storage/s3_lifecycle.h"
#include "util/clock.h"
#include "util/strings.h"

namespace {

using swha::storage::FakeTransport;
using swha::storage::Reply;

// An answer's status: mostly 200, else one of the errors S3 sends.
int StatusOf(uint8_t selector) {
  static constexpr int kStatuses[] = {200, 200, 200, 200, 206, 301, 400, 403, 404, 409, 503};
  return kStatuses[selector % std::size(kStatuses)];
}

// The input's lines as "name: value" headers, as the transport hands them over: names
// lowercased, values trimmed.
swha::storage::HttpHeaders HeaderLines(std::string_view text) {
  swha::storage::HttpHeaders headers;
  for (auto& [name, value] : swha::fuzz::SplitPairs(text, '\n', ':')) {
    headers.emplace_back(swha::ToLower(name), std::string(swha::TrimWhitespace(value)));
  }
  return headers;
}

void CheckCredentials(const swha::Result<swha::storage::CredentialsSnapshot>& read) {
  if (!read.ok()) return;
  FUZZ_CHECK(!read->credentials.access_key_id.empty());
  FUZZ_CHECK(!read->credentials.secret_access_key.empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const uint8_t operation = input.TakeByte();
  const int status = StatusOf(input.TakeByte());
  const std::string body(input.Rest());
  switch (operation % 9) {
    case 6: {
      constexpr std::string_view kActions[] = {"AssumeRole", "AssumeRoleWithWebIdentity"};
      CheckCredentials(
          swha::aws::ParseStsResponse(kActions[(operation >> 4) & 1], Reply(status, body)));
      return 0;
    }
    case 7:
      CheckCredentials(swha::aws::ParseJsonCredentials(
          "fuzz", body, (operation & 16) != 0 ? "Token" : "SessionToken"));
      return 0;
    case 8: (void)swha::storage::ParseLifecycleConfiguration(body); return 0;
    default: break;
  }
  static const swha::ManualClock clock(1'800'000'000'000);
  static const bool quiet = [] {
    spdlog::set_level(spdlog::level::off);  // S3 errors are logged; the run would drown in them
    return true;
  }();
  (void)quiet;
  FakeTransport transport;
  if (operation % 9 == 3) {
    // HeadObject reads headers only: the input's lines as "name: value".
    transport.Push(Reply(status, "", HeaderLines(body)));
  } else {
    transport.Push(Reply(status, body, {{"content-type", "application/xml"}}));
  }
  swha::storage::S3ClientConfig config{
      .endpoint_url = "http://127.0.0.1:9",
      .bucket = "fuzz-bucket",
      .credentials = {.access_key_id = "AKIDFUZZ", .secret_access_key = "fuzz-secret"}};
  auto client = swha::storage::S3Client::Create(config, &transport, &clock, {.max_attempts = 1});
  FUZZ_CHECK(client.ok());
  switch (operation % 9) {
    case 0: {
      auto listed = (*client)->ListObjectsV2("audio/");
      if (listed.ok()) {
        for (const auto& object : *listed) FUZZ_CHECK(!object.key.empty());
      }
      break;
    }
    case 1: (void)(*client)->DeleteObjects({"audio/a.wav", "audio/b.wav"}); break;
    case 2: (void)(*client)->PutObject("audio/a.wav", "RIFF", "audio/wav"); break;
    case 3: (void)(*client)->HeadObject("audio/a.wav"); break;
    case 4: (void)(*client)->GetBucketAccelerateStatus(); break;
    default:
      (void)(*client)->GetBucketConfiguration("GetBucketLifecycleConfiguration", "lifecycle",
                                              "NoSuchLifecycleConfiguration");
      break;
  }
  return 0;
}
