// The S3 command-line tools: `s3 check` (the seed's "Quick S3 Test": configuration, bucket,
// upload with metadata, presigned URL, file info, cleanup), `s3 ls`, `s3 info`, `s3 rm` and
// `presign`. They need only a bucket and credentials, whatever USE_S3_STORAGE says.
//
// Every function writes results to `out` and one-line errors to `err`, and returns the process
// exit code: 0 success, 1 failure, 2 bad usage. Nothing written ever contains the secret key,
// the session token or a presigned URL's signature (except `presign`'s own URL on `out`).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "config/settings.h"
#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "util/clock.h"
#include "util/file_system.h"

namespace swha::app {

// The side effects the tools use. Pointers are not owned and must outlive the call.
struct S3ToolEnv {
  storage::HttpTransport* transport = nullptr;  // S3 requests and the presigned-URL GET
  const Clock* clock = nullptr;
  FileSystem* fs = nullptr;  // reads the shared credentials file
  storage::RetryPolicy retry;
  // STS and the metadata endpoints, when credentials come from a role; null: libcurl
  // transports with the SDKs' timeouts.
  storage::HttpTransport* credentials_transport = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

// Few attempts and short waits: a tool should report a dead endpoint within seconds, not retry
// for a minute the way the service may.
storage::RetryPolicy ToolRetryPolicy();

// A libcurl transport with the S3 timeouts from `settings`.
std::unique_ptr<storage::HttpTransport> CreateToolTransport(const config::S3Settings& settings);

// A client for the bucket in `settings`, with credentials resolved as the service does.
Result<std::unique_ptr<storage::S3Client>> CreateToolClient(const config::S3Settings& settings,
                                                            const S3ToolEnv& env);

// One line per step, "PASS <step>: <detail>" or "FAIL <step>: <reason>", in this order:
// configuration, bucket access, upload with metadata, presigned URL, file info, cleanup.
// Uploads a small WAV under audio/_swha-check/<random hex>/ and deletes it again (cleanup runs
// whenever the upload succeeded). Returns 0 only when every step passed, else 1.
int RunS3Check(const config::S3Settings& settings, const S3ToolEnv& env);
// The same report when the settings themselves could not be loaded: FAIL configuration with
// `error`, every other step skipped. Returns 1.
int ReportS3CheckConfigurationError(const Status& error, std::ostream* out);

// Every object under `prefix` (all pages): "<ISO-8601 UTC> <size> <key>" per object, then
// "<n> object(s), <bytes> byte(s)".
int RunS3List(const config::S3Settings& settings, std::string_view prefix, const S3ToolEnv& env);

// Size, content type, last modified, ETag and x-amz-meta-* of one object.
int RunS3Info(const config::S3Settings& settings, std::string_view key, const S3ToolEnv& env);

// Deletes one object; an absent key is an error (S3 itself would say nothing).
int RunS3Remove(const config::S3Settings& settings, std::string_view key, const S3ToolEnv& env);

// Prints only a presigned GET URL for `key` on `out`. `expires` is the --expires text as typed
// (nullopt: S3_PRESIGNED_URL_EXPIRY); anything but an integer from 1 to 604800 returns 2.
int RunPresign(const config::S3Settings& settings, std::string_view key,
               const std::optional<std::string>& expires, const S3ToolEnv& env);

}  // namespace swha::app
