#include "service/lipsync_request.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "audio/format.h"
#include "lipsync/provider.h"
#include "storage/local_url_signer.h"

namespace swha::service {
namespace {

using Json = nlohmann::json;

bool IsKnown(const std::vector<lipsync::NamedChoice>& choices, std::string_view name) {
  return std::any_of(choices.begin(), choices.end(),
                     [&](const lipsync::NamedChoice& c) { return c.name == name; });
}

std::string Names(const std::vector<lipsync::NamedChoice>& choices) {
  std::string out;
  for (const auto& c : choices) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

// An absolute http(s) URL with a host and nothing a URL may not hold.
bool IsAbsoluteHttpUrl(std::string_view url) {
  size_t rest = 0;
  if (url.starts_with("https://")) {
    rest = 8;
  } else if (url.starts_with("http://")) {
    rest = 7;
  } else {
    return false;
  }
  if (rest >= url.size() || url[rest] == '/' || url[rest] == '?') return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>';
  });
}

Status CheckUrl(std::string_view field, std::string_view url) {
  if (url.empty()) return Status::InvalidField(std::string(field), "is required");
  if (url.size() > kMaxLipsyncUrlLength) {
    return Status::InvalidField(
        std::string(field),
        "must be at most " + std::to_string(kMaxLipsyncUrlLength) + " characters");
  }
  return Status::Ok();
}

Status NotAbsolute(std::string_view field) {
  return Status::InvalidField(std::string(field), "must be an absolute http:// or https:// URL");
}

// The session and file a URL of ours names: "<session>/<file>" after /static/audio/ or in an
// S3 key.
struct SegmentRef {
  std::string session_id;
  std::string filename;
};

std::optional<SegmentRef> RefOfLocalPath(std::string_view path_and_query) {
  const size_t at = path_and_query.find(storage::kLocalAudioPrefix);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = path_and_query.substr(at + storage::kLocalAudioPrefix.size());
  rest = rest.substr(0, rest.find('?'));
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  return SegmentRef{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
}

// Refuses audio of the caller's own that the catalog knows is longer than the provider accepts;
// says nothing of audio it does not know or that is someone else's (whose length is not the
// caller's to learn), nor of a session already deleted.
Status CheckKnownDuration(catalog::Catalog* catalog, const Principal& principal,
                          const std::optional<SegmentRef>& ref, std::string_view field) {
  if (!ref || catalog == nullptr) return Status::Ok();
  auto session = catalog->GetSession(ref->session_id);
  if (!session.ok() || session->owner != principal.OwnerTag()) return Status::Ok();
  for (const catalog::SegmentRecord& seg : session->segments) {
    if (seg.filename == ref->filename && seg.duration_seconds > lipsync::kMaxAudioSeconds) {
      return Status::InvalidField(std::string(field),
                                  "the audio lasts " + std::to_string(seg.duration_seconds) +
                                      " s; sync.so accepts at most " +
                                      std::to_string(static_cast<int>(lipsync::kMaxAudioSeconds)) +
                                      " s");
    }
  }
  return Status::Ok();
}

Result<ResolvedLipsyncRequest> ResolveAudioUrl(const LipsyncRequestContext& context,
                                               const Principal& principal, std::string url) {
  ResolvedLipsyncRequest out;
  std::optional<SegmentRef> ref;
  if (url.starts_with(storage::kLocalAudioPrefix)) {
    if (context.public_base_url.empty()) {
      return Status::InvalidField(
          "audio_url",
          "is a relative URL of this server, which sync.so could never fetch; set "
          "PUBLIC_BASE_URL to this server's public address, or store the audio in S3");
    }
    url = context.public_base_url + url;
  }
  if (!IsAbsoluteHttpUrl(url)) return NotAbsolute("audio_url");
  if (!context.public_base_url.empty() &&
      url.starts_with(context.public_base_url + std::string(storage::kLocalAudioPrefix))) {
    out.audio_url_type = "local_static";
    ref = RefOfLocalPath(std::string_view{url}.substr(context.public_base_url.size()));
  } else if (context.storage != nullptr && context.storage->s3 != nullptr) {
    if (auto key = context.storage->s3->KeyOfPresignedUrl(url)) {
      out.audio_url_type = "presigned_s3";
      const std::string session = storage::S3AudioStore::SessionOfKey(*key);
      if (!session.empty()) ref = SegmentRef{session, key->substr(key->rfind('/') + 1)};
    }
  }
  if (out.audio_url_type.empty()) out.audio_url_type = "external";
  SWHA_RETURN_IF_ERROR(CheckKnownDuration(context.catalog, principal, ref, "audio_url"));
  out.audio_url = std::move(url);
  return out;
}

Result<ResolvedLipsyncRequest> ResolveSessionAudio(const LipsyncRequestContext& context,
                                                   const Principal& principal,
                                                   const LipsyncCreateRequest& request) {
  // The provider fetches from its own addresses: no URL bound to CLOUDFRONT_ALLOWED_IP.
  SWHA_ASSIGN_OR_RETURN(Session session, context.sessions->Get(principal, *request.session_id,
                                                               context.audio_url_expiry_seconds,
                                                               storage::UrlUse::kProvider));
  if (request.segment_index < 0 ||
      request.segment_index >= static_cast<int>(session.segments.size())) {
    return Status::InvalidField("segment_index", "the session has " +
                                                     std::to_string(session.segments.size()) +
                                                     " segments, numbered from 0");
  }
  const Segment& seg = session.segments[static_cast<size_t>(request.segment_index)];
  if (seg.duration_seconds > lipsync::kMaxAudioSeconds) {
    return Status::InvalidField("segment_index",
                                "the segment lasts more than the " +
                                    std::to_string(static_cast<int>(lipsync::kMaxAudioSeconds)) +
                                    " s sync.so accepts");
  }
  // Raw PCM has no header to say its rate: no provider can play it.
  if (audio::FormatOfFileName(seg.stored.filename) == audio::AudioFormat::kPcm) {
    return Status::InvalidField("segment_index",
                                "the segment is raw PCM, which sync.so cannot read; generate it "
                                "as wav or mp3");
  }
  ResolvedLipsyncRequest out;
  if (seg.presigned_url) {
    out.audio_url = *seg.presigned_url;
    out.audio_url_type = "presigned_s3";
  } else if (seg.local_url) {
    if (!IsAbsoluteHttpUrl(*seg.local_url)) {
      return Status::InvalidField(
          "session_id",
          "the segment is stored only on this server's disk and PUBLIC_BASE_URL is unset, so "
          "sync.so could never fetch it; set PUBLIC_BASE_URL or store the audio in S3");
    }
    out.audio_url = *seg.local_url;
    out.audio_url_type = "local_static";
  } else {
    return Status::Unavailable(
        "the segment's audio cannot be given a URL now (" +
        (session.warnings.empty() ? std::string("no stored copy") : session.warnings.front()) +
        ")");
  }
  return out;
}

}  // namespace

std::vector<Status> ValidateLipsyncRequest(const LipsyncCreateRequest& r) {
  std::vector<Status> errors;
  if (Status s = CheckUrl("video_url", r.video_url); !s.ok()) {
    errors.push_back(s);
  } else if (!IsAbsoluteHttpUrl(r.video_url)) {
    errors.push_back(NotAbsolute("video_url"));
  }
  if (r.audio_url.has_value() == r.session_id.has_value()) {
    errors.push_back(Status::InvalidField(
        "audio_url", "give exactly one of an audio URL and a session_id (with segment_index)"));
  } else if (r.audio_url) {
    if (Status s = CheckUrl("audio_url", *r.audio_url); !s.ok()) errors.push_back(s);
  }
  if (!IsKnown(lipsync::Models(), r.model)) {
    errors.push_back(Status::InvalidField("model", "must be one of " + Names(lipsync::Models())));
  }
  if (!IsKnown(lipsync::SyncModes(), r.sync_mode)) {
    errors.push_back(
        Status::InvalidField("sync_mode", "must be one of " + Names(lipsync::SyncModes())));
  }
  if (r.temperature &&
      !(*r.temperature >= kMinLipsyncTemperature && *r.temperature <= kMaxLipsyncTemperature)) {
    errors.push_back(Status::InvalidField("temperature", "must be between 0 and 1"));
  }
  if (r.output_filename) {
    const std::string& name = *r.output_filename;
    const bool ok = !name.empty() && name.size() <= lipsync::kMaxOutputFileNameLength &&
                    std::all_of(name.begin(), name.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                    });
    if (!ok) {
      errors.push_back(Status::InvalidField(
          "output_filename", "must be 1 to " + std::to_string(lipsync::kMaxOutputFileNameLength) +
                                 " letters, digits, '_' or '-', without an extension"));
    }
  }
  // It becomes a header value: no control characters, no spaces.
  if (r.api_key &&
      (r.api_key->empty() || std::any_of(r.api_key->begin(), r.api_key->end(), [](char c) {
         const auto u = static_cast<unsigned char>(c);
         return u <= 0x20 || u == 0x7f;
       }))) {
    errors.push_back(Status::InvalidField("api_key", "is not a usable API key"));
  }
  return errors;
}

Result<ResolvedLipsyncRequest> ResolveLipsyncRequest(const LipsyncRequestContext& context,
                                                     const Principal& principal,
                                                     const LipsyncCreateRequest& request,
                                                     std::string_view job_id) {
  ResolvedLipsyncRequest out;
  if (request.session_id) {
    SWHA_ASSIGN_OR_RETURN(out, ResolveSessionAudio(context, principal, request));
  } else {
    SWHA_ASSIGN_OR_RETURN(out, ResolveAudioUrl(context, principal, *request.audio_url));
  }
  Json options = {{"sync_mode", request.sync_mode}};
  if (request.temperature) options["temperature"] = *request.temperature;
  if (request.active_speaker_detection) {
    options["active_speaker_detection"] = *request.active_speaker_detection;
  }
  if (request.occlusion_detection_enabled) {
    options["occlusion_detection_enabled"] = *request.occlusion_detection_enabled;
  }
  Json body = {{"model", request.model},
               {"input", Json::array({{{"type", "video"}, {"url", request.video_url}},
                                      {{"type", "audio"}, {"url", out.audio_url}}})},
               {"options", options}};
  if (context.webhooks_enabled) {
    body["webhookUrl"] =
        context.public_base_url + "/api/v1/lipsync/webhook?job_id=" + std::string(job_id);
  }
  if (request.output_filename) body["outputFileName"] = *request.output_filename;
  out.body = body.dump();
  return out;
}

}  // namespace swha::service
