#include "app/s3_commands.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <utility>
#include <vector>

#include "aws/s3_credentials.h"
#include "storage/limits.h"
#include "storage/s3_audio_store.h"
#include "storage/s3_codec.h"
#include "tts/wav.h"
#include "util/crypto.h"

namespace swha::app {
namespace {

using storage::S3Client;

constexpr int64_t kCheckUrlExpirySeconds = 300;
constexpr char kCheckContentType[] = "audio/wav";

// The steps of `s3 check`, in order.
constexpr std::string_view kConfig = "configuration";
constexpr std::string_view kBucket = "bucket access";
constexpr std::string_view kUpload = "upload with metadata";
constexpr std::string_view kPresign = "presigned URL";
constexpr std::string_view kInfo = "file info";
constexpr std::string_view kCleanup = "cleanup";
constexpr std::string_view kAccelerate = "transfer acceleration";

struct Client {
  aws::CredentialTransports transports;  // before what uses them
  std::shared_ptr<aws::RefreshingCredentials> credentials;
  std::unique_ptr<S3Client> client;
  std::string credentials_source;  // the kind and expiry: never a secret or a path
  std::string region;              // as resolved (the profile's when none is set)
};

Result<Client> MakeClient(const config::S3Settings& settings, const S3ToolEnv& env) {
  Client made;
  made.transports = aws::CreateCredentialTransports(settings);
  storage::HttpTransport* const via = env.credentials_transport;
  aws::ResolvedS3Config resolved;
  // A tool lives for seconds: no refresh thread.
  SWHA_ASSIGN_OR_RETURN(
      resolved,
      aws::ResolveS3Config(
          settings, {.fs = env.fs,
                     .sts_transport = via != nullptr ? via : made.transports.sts.get(),
                     .metadata_transport = via != nullptr ? via : made.transports.metadata.get(),
                     .clock = env.clock,
                     .metrics = nullptr,
                     .refresh = {.background = false}}));
  SWHA_ASSIGN_OR_RETURN(made.client,
                        S3Client::Create(resolved.config, env.transport, env.clock, env.retry));
  made.credentials = std::move(resolved.credentials);
  made.region = resolved.config.region;
  made.credentials_source = resolved.credentials_kind;
  if (auto expires = made.client->CredentialsExpireAt()) {
    made.credentials_source += ", expiring " + FormatIso8601Utc(*expires);
  }
  return made;
}

int Fail(const S3ToolEnv& env, const Status& status) {
  *env.err << "swha-tts: " << status.message() << '\n';
  return 1;
}

std::string Seconds(const Stopwatch& watch) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s", watch.ElapsedSeconds());
  return buf;
}

// 0.1 s of a 440 Hz tone: a small file any player accepts.
std::string CheckWav() {
  constexpr int kRate = 22050;
  std::vector<int16_t> samples(kRate / 10);
  for (size_t i = 0; i < samples.size(); ++i) {
    samples[i] = static_cast<int16_t>(
        8000 * std::sin(2 * std::numbers::pi * 440 * static_cast<double>(i) / kRate));
  }
  return tts::EncodeWav(samples, kRate);
}

// Prints the step lines of `s3 check` and remembers whether all passed.
class StepPrinter {
 public:
  explicit StepPrinter(std::ostream* out) : out_(out) {}
  bool Pass(std::string_view step, std::string_view detail) {
    *out_ << "PASS " << step << ": " << detail << '\n';
    out_->flush();
    return true;
  }
  bool Fail(std::string_view step, std::string_view reason) {
    *out_ << "FAIL " << step << ": " << reason << '\n';
    out_->flush();
    all_passed_ = false;
    return false;
  }
  bool Skip(std::string_view step, std::string_view failed_step) {
    return Fail(step, "skipped: " + std::string(failed_step) + " failed");
  }
  bool all_passed() const { return all_passed_; }

 private:
  std::ostream* out_;
  bool all_passed_ = true;
};

// What differs between the object S3 describes and the one uploaded; "" when nothing does.
std::string CompareInfo(const storage::ObjectInfo& info, size_t size,
                        const std::map<std::string, std::string>& metadata) {
  std::string diff;
  auto add = [&diff](const std::string& what) { diff += (diff.empty() ? "" : "; ") + what; };
  if (info.size != size) {
    add("size " + std::to_string(info.size) + ", uploaded " + std::to_string(size));
  }
  if (info.content_type != kCheckContentType) {
    add("content type \"" + info.content_type + "\", uploaded " + kCheckContentType);
  }
  for (const auto& [name, value] : metadata) {
    auto it = info.metadata.find(name);
    if (it == info.metadata.end()) {
      add("metadata " + name + " missing");
    } else if (it->second != value) {
      std::string what = "metadata " + name;
      what += " \"" + it->second + "\", uploaded \"";
      what += value + "\"";
      add(what);
    }
  }
  return diff;
}

// GetBucketAccelerateConfiguration. Only a failure with S3_USE_ACCELERATE_ENDPOINT=true
// fails the check: without it, a bucket (or an S3-compatible server) without acceleration is
// simply reported.
void CheckAcceleration(const S3Client& s3, const config::S3Settings& settings, StepPrinter* steps) {
  const bool in_use = settings.use_accelerate_endpoint;
  const std::string use = in_use ? "; S3_USE_ACCELERATE_ENDPOINT=true" : "";
  Result<std::string> status = s3.GetBucketAccelerateStatus();
  if (!status.ok()) {
    if (in_use) {
      steps->Fail(kAccelerate, status.status().message());
    } else {
      steps->Pass(kAccelerate, "not available here (" + status.status().message() + ")");
    }
    return;
  }
  if (*status == "Enabled") {
    steps->Pass(kAccelerate, "Enabled on the bucket" + use);
  } else if (in_use) {
    steps->Fail(kAccelerate, (status->empty() ? "never configured" : *status) +
                                 " on the bucket, but S3_USE_ACCELERATE_ENDPOINT=true");
  } else {
    steps->Pass(kAccelerate, (status->empty() ? "not configured" : *status) + " on the bucket");
  }
}

}  // namespace

Result<std::unique_ptr<S3Client>> CreateToolClient(const config::S3Settings& settings,
                                                   const S3ToolEnv& env) {
  SWHA_ASSIGN_OR_RETURN(Client made, MakeClient(settings, env));
  return std::move(made.client);
}

storage::RetryPolicy ToolRetryPolicy() {
  storage::RetryPolicy retry;
  retry.max_attempts = 2;
  retry.base_delay_seconds = 0.2;
  retry.max_delay_seconds = 0.5;
  return retry;
}

std::unique_ptr<storage::HttpTransport> CreateToolTransport(const config::S3Settings& settings) {
  storage::CurlOptions options;
  options.connect_timeout_ms = settings.connect_timeout_ms;
  options.total_timeout_ms = settings.request_timeout_ms;
  options.max_idle_handles = 1;
  return storage::CreateCurlTransport(options);
}

int ReportS3CheckConfigurationError(const Status& error, std::ostream* out) {
  StepPrinter steps(out);
  steps.Fail(kConfig, error.message());
  for (std::string_view step : {kBucket, kUpload, kPresign, kInfo, kCleanup, kAccelerate}) {
    steps.Skip(step, kConfig);
  }
  return 1;
}

int RunS3Check(const config::S3Settings& settings, const S3ToolEnv& env) {
  Result<Client> made = MakeClient(settings, env);
  if (!made.ok()) return ReportS3CheckConfigurationError(made.status(), env.out);
  StepPrinter steps(env.out);
  const S3Client& s3 = *made->client;
  steps.Pass(kConfig,
             "bucket " + settings.bucket_name + ", region " + made->region + ", endpoint " +
                 (settings.endpoint_url.empty() ? "AWS (" + s3.host() + ")"
                                                : storage::RedactUrl(settings.endpoint_url)) +
                 ", " + (s3.virtual_hosted() ? "virtual-hosted" : "path") +
                 "-style addressing (S3_ADDRESSING_STYLE=" + settings.addressing_style +
                 "), credentials from " + made->credentials_source);

  Stopwatch watch;
  const Status bucket = s3.HeadBucket();
  const bool bucket_ok =
      bucket.ok()
          ? steps.Pass(kBucket, "HeadBucket " + settings.bucket_name + " OK in " + Seconds(watch))
          : steps.Fail(kBucket, bucket.message());

  const std::string session_id = crypto::RandomHex(16);
  const std::string key = "audio/_swha-check/" + session_id + "/check.wav";
  const std::string wav = CheckWav();
  // The service's own metadata, so the check exercises exactly what uploads send.
  const std::map<std::string, std::string> metadata = storage::SegmentMetadata(
      {"swha-check", session_id, "af_heart", "a", 1.0, {"swha-tts S3 check"}}, "check.wav", 0,
      env.clock->NowUnixSeconds());
  bool uploaded = false;
  if (!bucket_ok) {
    steps.Skip(kUpload, kBucket);
  } else {
    watch = Stopwatch();
    const Status put = s3.PutObject(key, wav, kCheckContentType, metadata);
    uploaded = put.ok()
                   ? steps.Pass(kUpload, "PutObject " + key + ", " + std::to_string(wav.size()) +
                                             " bytes, " + std::to_string(metadata.size()) +
                                             " metadata fields, in " + Seconds(watch))
                   : steps.Fail(kUpload, put.message());
  }

  if (!uploaded) {
    steps.Skip(kPresign, kUpload);
  } else {
    watch = Stopwatch();
    Result<std::string> url = s3.PresignGet(key, kCheckUrlExpirySeconds);
    if (!url.ok()) {
      steps.Fail(kPresign, url.status().message());
    } else {
      // A plain GET with no credentials, as a browser or the lipsync provider would send it.
      Result<storage::HttpResponse> got = env.transport->Send({.method = "GET", .url = *url});
      if (!got.ok()) {
        steps.Fail(kPresign, "unsigned GET: " + got.status().message());
      } else if (got->status != 200) {
        steps.Fail(kPresign, "unsigned GET: " +
                                 storage::S3ErrorStatus("GET presigned URL", key, *got).message());
      } else if (got->body != wav) {
        steps.Fail(kPresign, "unsigned GET returned " + std::to_string(got->body.size()) +
                                 " bytes that differ from the " + std::to_string(wav.size()) +
                                 " uploaded");
      } else {
        steps.Pass(kPresign, "unsigned GET of a " + std::to_string(kCheckUrlExpirySeconds) +
                                 " s URL returned the " + std::to_string(wav.size()) +
                                 " bytes uploaded, in " + Seconds(watch));
      }
    }
  }

  if (!uploaded) {
    steps.Skip(kInfo, kUpload);
  } else {
    Result<storage::ObjectInfo> info = s3.HeadObject(key);
    if (!info.ok()) {
      steps.Fail(kInfo, info.status().message());
    } else if (std::string diff = CompareInfo(*info, wav.size(), metadata); !diff.empty()) {
      steps.Fail(kInfo, "HeadObject differs from the upload: " + diff);
    } else {
      steps.Pass(kInfo, "HeadObject: " + std::to_string(info->size) + " bytes, " +
                            info->content_type + ", all " + std::to_string(metadata.size()) +
                            " metadata values match");
    }
  }

  if (!uploaded) {
    steps.Skip(kCleanup, kUpload);
  } else if (Status deleted = s3.DeleteObject(key); !deleted.ok()) {
    steps.Fail(kCleanup, deleted.message());
  } else {
    Result<storage::ObjectInfo> after = s3.HeadObject(key);
    if (after.ok()) {
      steps.Fail(kCleanup, "DeleteObject " + key + " succeeded but the object still exists");
    } else if (after.status().code() != StatusCode::kNotFound) {
      steps.Fail(kCleanup, "HeadObject after DeleteObject: " + after.status().message());
    } else {
      steps.Pass(kCleanup, "DeleteObject " + key + ", then HeadObject says NotFound");
    }
  }
  if (!bucket_ok) {
    steps.Skip(kAccelerate, kBucket);
  } else {
    CheckAcceleration(s3, settings, &steps);
  }
  return steps.all_passed() ? 0 : 1;
}

int RunS3List(const config::S3Settings& settings, std::string_view prefix, const S3ToolEnv& env) {
  Result<Client> made = MakeClient(settings, env);
  if (!made.ok()) return Fail(env, made.status());
  Result<std::vector<storage::ListedObject>> objects = made->client->ListObjectsV2(prefix);
  if (!objects.ok()) return Fail(env, objects.status());
  uint64_t total = 0;
  for (const storage::ListedObject& o : *objects) {
    char size[24];
    std::snprintf(size, sizeof(size), "%12llu", static_cast<unsigned long long>(o.size));
    *env.out << storage::FormatIso8601Utc(o.last_modified) << ' ' << size << ' ' << o.key << '\n';
    total += o.size;
  }
  *env.out << objects->size() << " object(s), " << total << " byte(s)\n";
  return 0;
}

int RunS3Info(const config::S3Settings& settings, std::string_view key, const S3ToolEnv& env) {
  Result<Client> made = MakeClient(settings, env);
  if (!made.ok()) return Fail(env, made.status());
  Result<storage::ObjectInfo> info = made->client->HeadObject(key);
  if (!info.ok()) return Fail(env, info.status());
  std::ostream& out = *env.out;
  out << "key: " << key << '\n'
      << "size: " << info->size << '\n'
      << "content-type: " << info->content_type << '\n'
      << "last-modified: " << storage::FormatIso8601Utc(info->last_modified) << '\n'
      << "etag: " << info->etag << '\n';
  for (const auto& [name, value] : info->metadata) {
    out << "x-amz-meta-" << name << ": " << value << '\n';
  }
  return 0;
}

int RunS3Remove(const config::S3Settings& settings, std::string_view key, const S3ToolEnv& env) {
  Result<Client> made = MakeClient(settings, env);
  if (!made.ok()) return Fail(env, made.status());
  // DeleteObject succeeds on an absent key; a person who mistyped the key wants to know.
  Result<storage::ObjectInfo> info = made->client->HeadObject(key);
  if (!info.ok()) return Fail(env, info.status());
  if (Status s = made->client->DeleteObject(key); !s.ok()) return Fail(env, s);
  *env.out << "deleted " << key << " (" << info->size << " bytes)\n";
  return 0;
}

int RunPresign(const config::S3Settings& settings, std::string_view key,
               const std::optional<std::string>& expires, const S3ToolEnv& env) {
  int64_t seconds = settings.presigned_url_expiry;
  if (expires.has_value()) {
    const char* begin = expires->data();
    const char* end = begin + expires->size();
    auto [ptr, ec] = std::from_chars(begin, end, seconds);
    if (expires->empty() || ec != std::errc() || ptr != end || seconds < 1 ||
        seconds > storage::kMaxUrlExpirySeconds) {
      *env.err << "swha-tts: --expires \"" << *expires
               << "\" is invalid: expected an integer from 1 to " << storage::kMaxUrlExpirySeconds
               << " seconds (7 days, S3's limit)\n";
      return 2;
    }
  }
  Result<Client> made = MakeClient(settings, env);
  if (!made.ok()) return Fail(env, made.status());
  Result<std::string> url = made->client->PresignGet(key, seconds);
  if (!url.ok()) return Fail(env, url.status());
  *env.out << *url << '\n';
  return 0;
}

}  // namespace swha::app
