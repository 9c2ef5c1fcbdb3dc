#include "service/session.h"

#include <algorithm>

namespace swha::service {

std::string Principal::OwnerTag() const {
  return user_id ? std::to_string(*user_id) : std::string("anonymous");
}

std::string_view Session::StorageType() const {
  const bool all_in_s3 =
      !segments.empty() && std::all_of(segments.begin(), segments.end(), [](const Segment& s) {
        return storage::InS3(s.stored.location);
      });
  return all_in_s3 ? "s3" : "local";
}

std::optional<int64_t> Session::EarliestExpiry() const {
  std::optional<int64_t> earliest;
  for (const Segment& s : segments) {
    if (s.expires_at && (!earliest || *s.expires_at < *earliest)) earliest = s.expires_at;
  }
  return earliest;
}

catalog::SessionRecord ToRecord(const Session& s) {
  catalog::SessionRecord r;
  r.session_id = s.session_id;
  r.owner = s.owner;
  r.created_at_ms = s.created_at_ms;
  r.voice = s.voice;
  r.language_code = s.language_code;
  r.speed = s.speed;
  r.split_pattern = s.split_pattern;
  r.text_length = static_cast<int64_t>(s.text_length);
  r.audio_expired_at = s.audio_expired_at;
  for (const Segment& seg : s.segments) {
    r.segments.push_back(
        {seg.index, seg.stored.filename, seg.graphemes, seg.phonemes, seg.duration_seconds,
         seg.byte_size, seg.sha256_hex, seg.stored.location, seg.stored.s3_key,
         seg.stored.s3_target.empty() ? std::nullopt
                                      : std::optional<std::string>(seg.stored.s3_target),
         seg.stored.marks_filename, seg.stored.upload_pending});
  }
  return r;
}

Session FromRecord(catalog::SessionRecord r) {
  Session s;
  s.session_id = std::move(r.session_id);
  s.owner = std::move(r.owner);
  s.created_at_ms = r.created_at_ms;
  s.voice = std::move(r.voice);
  s.language_code = std::move(r.language_code);
  s.speed = r.speed;
  s.split_pattern = std::move(r.split_pattern);
  s.text_length = static_cast<size_t>(r.text_length);
  s.audio_expired_at = r.audio_expired_at;
  for (catalog::SegmentRecord& seg : r.segments) {
    Segment out;
    out.index = seg.index;
    out.graphemes = std::move(seg.graphemes);
    out.phonemes = std::move(seg.phonemes);
    out.duration_seconds = seg.duration_seconds;
    out.byte_size = seg.byte_size;
    out.sha256_hex = std::move(seg.sha256_hex);
    out.stored = {std::move(seg.filename), seg.location, std::move(seg.s3_key),
                  std::move(seg.s3_target).value_or(""), std::move(seg.marks_filename)};
    s.segments.push_back(std::move(out));
  }
  return s;
}

}  // namespace swha::service
