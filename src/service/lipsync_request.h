// A lipsync create request, checked and resolved: the caller's fields validated against the
// provider's vocabulary, the audio URL classified (ours in S3, ours on local disk, or someone
// else's) or minted from a session, and the exact JSON body the provider will be sent.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "service/session_service.h"
#include "service/storage_backends.h"
#include "util/status.h"

namespace swha::service {

// The longest video or audio URL accepted (presigned URLs run to about 1.5 KB).
inline constexpr size_t kMaxLipsyncUrlLength = 8192;
// sync.so's temperature range.
inline constexpr double kMinLipsyncTemperature = 0.0;
inline constexpr double kMaxLipsyncTemperature = 1.0;
// LIPSYNC_AUDIO_URL_EXPIRY's default: long enough for the provider's queue.
inline constexpr int64_t kDefaultLipsyncAudioUrlExpirySeconds = 86400;

struct LipsyncCreateRequest {
  std::string video_url;
  // The audio: a URL, or a segment of one of the caller's sessions (exactly one of the two).
  std::optional<std::string> audio_url;
  std::optional<std::string> session_id;
  int segment_index = 0;
  std::optional<std::string> api_key;  // the caller's sync.so key; else SYNC_API_KEY
  std::string model = "lipsync-2";
  std::string sync_mode = "cut_off";
  std::optional<double> temperature;  // 0..1
  std::optional<bool> active_speaker_detection;
  std::optional<bool> occlusion_detection_enabled;
  std::optional<std::string> output_filename;
};

// What the service needs to know to resolve a request.
struct LipsyncRequestContext {
  const StorageBackends* storage = nullptr;
  const SessionService* sessions = nullptr;
  catalog::Catalog* catalog = nullptr;
  std::string public_base_url;  // PUBLIC_BASE_URL, "" when unset
  int64_t audio_url_expiry_seconds = kDefaultLipsyncAudioUrlExpirySeconds;
  // Set (with public_base_url) when webhooks can be checked: jobs then carry a webhookUrl.
  bool webhooks_enabled = false;
};

struct ResolvedLipsyncRequest {
  std::string audio_url;       // absolute
  std::string audio_url_type;  // "presigned_s3", "local_static" or "external"
  std::string body;            // JSON for POST /v2/generate
};

// Every field error of `request` (an InvalidField each, naming the field and what is allowed);
// empty when it is valid. Checks only what needs no lookup.
std::vector<Status> ValidateLipsyncRequest(const LipsyncCreateRequest& request);

// Resolves a valid request for `principal`: the audio URL made absolute and classified, or
// minted for the session's segment (NotFound for another user's session); audio known to be
// longer than the provider accepts refused (InvalidField). `job_id` goes into the webhookUrl, so
// a delivery can be matched before the provider's job id is known. REQUIRES:
// ValidateLipsyncRequest found nothing.
Result<ResolvedLipsyncRequest> ResolveLipsyncRequest(const LipsyncRequestContext& context,
                                                     const Principal& principal,
                                                     const LipsyncCreateRequest& request,
                                                     std::string_view job_id);

}  // namespace swha::service
