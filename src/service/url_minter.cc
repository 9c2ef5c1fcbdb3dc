#include "service/url_minter.h"

#include <algorithm>

#include "storage/limits.h"

namespace swha::service {

Result<int64_t> ResolveUrlExpiry(std::optional<int64_t> requested, int64_t default_seconds) {
  if (!requested || *requested == 0) return default_seconds;
  if (*requested < 1 || *requested > storage::kMaxUrlExpirySeconds) {
    return Status::InvalidField("presigned_url_expiry",
                                "must be between 1 and " +
                                    std::to_string(storage::kMaxUrlExpirySeconds) +
                                    " seconds (7 days)");
  }
  return *requested;
}

void UrlMinter::Mint(const std::string& session_id, int64_t expiry_seconds,
                     std::vector<Segment>* segments, std::vector<std::string>* warnings,
                     storage::UrlUse use) const {
  const int64_t local_expiry = clock_->NowUnixSeconds() + expiry_seconds;
  for (Segment& seg : *segments) {
    const storage::StoredSegment& stored = seg.stored;
    seg.local_url.reset();
    seg.presigned_url.reset();
    seg.expires_at.reset();
    seg.marks_url.reset();
    if (storage::HasLocalCopy(stored.location)) {
      seg.local_url = storage_->signer->SignedUrl(session_id, stored.filename, local_expiry);
      seg.expires_at = local_expiry;
      if (stored.marks_filename) {
        seg.marks_url =
            storage_->signer->SignedUrl(session_id, *stored.marks_filename, local_expiry);
      }
    }
    if (!storage::InS3(stored.location) || !stored.s3_key) continue;
    Result<MintedUrl> minted = MintS3(*stored.s3_key, expiry_seconds, stored.s3_target, use);
    if (!minted.ok()) {
      warnings->push_back(stored.filename +
                          (storage_->s3 == nullptr
                               ? ": in S3, but S3 is not configured now"
                               : ": not presigned (" + minted.status().message() + ")") +
                          (seg.local_url ? "; served locally" : ""));
      continue;
    }
    seg.presigned_url = std::move(minted->url);
    seg.expires_at = minted->expires_at;
    if (std::optional<std::string> marks_key = stored.MarksS3Key()) {
      Result<MintedUrl> marks = MintS3(*marks_key, expiry_seconds, stored.s3_target, use);
      if (!marks.ok()) {
        warnings->push_back(*stored.marks_filename + ": not presigned (" +
                            marks.status().message() + ")" +
                            (seg.marks_url ? "; served locally" : ""));
        continue;
      }
      seg.marks_url = std::move(marks->url);
      // Either URL may come from the presign cache, signed at another moment: the segment's
      // expiry is the sooner of the two.
      seg.expires_at = std::min(*seg.expires_at, marks->expires_at);
    }
  }
}

Result<MintedUrl> UrlMinter::MintS3(std::string_view key, int64_t expiry_seconds,
                                    std::string_view target, storage::UrlUse use) const {
  if (storage_->s3 == nullptr) return Status::Unavailable("S3 is not configured now");
  MintedUrl minted;
  SWHA_ASSIGN_OR_RETURN(
      minted.url, storage_->s3->Presign(key, expiry_seconds, &minted.expires_at, target, use));
  return minted;
}

}  // namespace swha::service
