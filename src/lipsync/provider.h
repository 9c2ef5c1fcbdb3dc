// The lipsync provider as the service sees it: create a job, read a job. sync.so implements it
// (sync_client.h); tests substitute one that fails on cue. The provider's vocabulary (models,
// sync modes, statuses) lives here, in one place, for validation and for the listing routes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha::lipsync {

struct NamedChoice {
  std::string_view name;
  std::string_view description;
};

// sync.so's models, the default first.
const std::vector<NamedChoice>& Models();
// sync.so's sync modes (what to do when audio and video lengths differ), the default first.
const std::vector<NamedChoice>& SyncModes();
inline constexpr std::string_view kDefaultModel = "lipsync-2";
inline constexpr std::string_view kDefaultSyncMode = "cut_off";
// The provider refuses longer audio (generation_audio_length_exceeded).
inline constexpr double kMaxAudioSeconds = 300;
// outputFileName: letters, digits, '_' and '-', at most this many, no extension.
inline constexpr size_t kMaxOutputFileNameLength = 255;

// What the provider says of a job (its status response).
struct ProviderJob {
  std::string id;
  std::string status;
  std::optional<std::string> output_url;
  std::optional<double> output_duration;  // seconds
  std::optional<std::string> error;
  std::optional<std::string> error_code;
  std::optional<std::string> created_at;  // ISO 8601, as the provider wrote it
};

// Parses a status response (also a webhook's body). BadGateway when it is not one.
Result<ProviderJob> ParseProviderJob(std::string_view json);

// Error contract: Unauthenticated "sync.so rejected the API key" (401); PaymentRequired (402);
// RateLimited with Retry-After (429, once retries are spent); NotFound (404); InvalidArgument
// with the provider's own words (400, 413); BadGateway for a 5xx or an answer that is not
// JSON; Unavailable when it cannot be reached or did not answer in time. No message ever
// holds the API key. Implementations are thread-safe.
class LipsyncProvider {
 public:
  virtual ~LipsyncProvider() = default;
  // POST /v2/generate with `body` (JSON); the same `idempotency_key` and body yield the same job
  // however often they are sent.
  virtual Result<ProviderJob> Create(std::string_view api_key, std::string_view idempotency_key,
                                     std::string_view body) = 0;
  // GET /v2/generate/{id}.
  virtual Result<ProviderJob> Get(std::string_view api_key, std::string_view provider_job_id) = 0;
};

}  // namespace swha::lipsync
