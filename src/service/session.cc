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

}  // namespace swha::service
