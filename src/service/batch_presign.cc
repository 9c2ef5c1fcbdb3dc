// SessionService::Presign: URLs for many of a caller's sessions or S3 objects in one call.
#include <algorithm>
#include <unordered_map>

#include "service/session_service.h"

namespace swha::service {
namespace {

constexpr std::string_view kNotFound = "not found";
// The caller's session, whose audio a bucket lifecycle rule removed.
constexpr std::string_view kExpired = "expired";

Status CheckBatchShape(const PresignBatchRequest& request) {
  const bool by_session = !request.session_ids.empty();
  const bool by_key = !request.s3_keys.empty();
  if (by_session && by_key) {
    return Status::InvalidField("s3_keys", "give either session_ids or s3_keys, not both");
  }
  if (!by_session && !by_key) {
    return Status::InvalidField("session_ids", "give a non-empty session_ids or s3_keys list");
  }
  const std::string field = by_session ? "session_ids" : "s3_keys";
  const size_t count = by_session ? request.session_ids.size() : request.s3_keys.size();
  if (count > kMaxPresignBatch) {
    return Status::InvalidField(field,
                                "at most " + std::to_string(kMaxPresignBatch) + " items per call");
  }
  return Status::Ok();
}

}  // namespace

Result<PresignBatch> SessionService::Presign(const Principal& principal,
                                             const PresignBatchRequest& request) const {
  SWHA_RETURN_IF_ERROR(CheckBatchShape(request));
  PresignBatch batch;
  SWHA_ASSIGN_OR_RETURN(batch.expiry_seconds,
                        ResolveUrlExpiry(request.url_expiry_seconds, default_url_expiry_seconds_));
  if (!principal.user_id) return Status::Unauthenticated("Not authenticated");
  batch.by_session = !request.session_ids.empty();

  // Each session is read once however many of its keys are asked for; nullopt: not the caller's
  // (or not there).
  std::unordered_map<std::string, std::optional<Session>> owned;
  auto find = [&](const std::string& session_id) -> Result<const std::optional<Session>*> {
    auto it = owned.find(session_id);
    if (it != owned.end()) return &it->second;
    Result<Session> session = FindOwned(principal, session_id);
    if (!session.ok() && session.status().code() != StatusCode::kNotFound) return session.status();
    if (session.ok()) SWHA_RETURN_IF_ERROR(NoteExpiredAudio(&*session));
    std::optional<Session> value;
    if (session.ok()) value = *std::move(session);
    return &owned.emplace(session_id, std::move(value)).first->second;
  };

  const std::vector<std::string>& names = batch.by_session ? request.session_ids : request.s3_keys;
  // Sessions first, so that their URLs are counted against the limit before any is minted.
  size_t urls = 0;
  for (const std::string& name : names) {
    const std::string session_id =
        batch.by_session ? name : storage::S3AudioStore::SessionOfKey(name);
    if (session_id.empty() || owned.contains(session_id)) continue;
    const std::optional<Session>* session = nullptr;
    SWHA_ASSIGN_OR_RETURN(session, find(session_id));
    if (!batch.by_session || !session->has_value()) continue;
    for (const Segment& seg : (*session)->segments) urls += seg.stored.marks_filename ? 2 : 1;
  }
  if (urls > kMaxPresignBatchUrls) {
    return Status::InvalidField("session_ids",
                                "these sessions need " + std::to_string(urls) +
                                    " URLs (one per segment, one more for its marks); at most " +
                                    std::to_string(kMaxPresignBatchUrls) + " per call");
  }

  std::unordered_map<std::string, size_t> answered;  // name -> its first item
  batch.items.reserve(names.size());
  for (const std::string& name : names) {
    if (auto it = answered.find(name); it != answered.end()) {
      batch.items.push_back(batch.items[it->second]);
      continue;
    }
    answered.emplace(name, batch.items.size());
    PresignedItem item{.name = name};
    const std::string session_id =
        batch.by_session ? name : storage::S3AudioStore::SessionOfKey(name);
    const std::optional<Session>* session = nullptr;
    if (!session_id.empty()) session = &owned.at(session_id);
    if (session == nullptr || !session->has_value()) {
      item.error = kNotFound;
    } else if ((*session)->audio_expired_at.has_value()) {
      item.error = kExpired;
    } else if (batch.by_session) {
      item.session = **session;
      minter_->Mint(item.session->session_id, batch.expiry_seconds, &item.session->segments,
                    &item.session->warnings);
      item.expires_at = item.session->EarliestExpiry();
    } else {
      const std::vector<Segment>& segments = (*session)->segments;
      auto held = std::find_if(segments.begin(), segments.end(), [&](const Segment& seg) {
        // A segment's marks are presigned like its audio.
        return storage::InS3(seg.stored.location) &&
               (seg.stored.s3_key == name || seg.stored.MarksS3Key() == name);
      });
      if (held == segments.end()) {
        item.error = kNotFound;  // the caller's session, but no such object in S3
      } else if (Result<MintedUrl> minted =
                     minter_->MintS3(name, batch.expiry_seconds, held->stored.s3_target);
                 minted.ok()) {
        item.url = std::move(minted->url);
        item.expires_at = minted->expires_at;
      } else {
        item.error = "not presigned: " + minted.status().message();
      }
    }
    batch.items.push_back(std::move(item));
  }
  return batch;
}

}  // namespace swha::service
