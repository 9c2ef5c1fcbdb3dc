// S3 lifecycle rules (the seed's "S3 lifecycle policies for automatic cleanup"): reading a
// bucket's LifecycleConfiguration, adding or replacing swha-tts's expiration rule for one key
// prefix while every other rule is written back exactly as it was read (read, merge, write),
// and what a rule means for one object key.
//
// Our rule per prefix has the ID ExpirationRuleId(prefix): it expires objects `days` after
// their creation and aborts multipart uploads left incomplete for kAbortMultipartDays.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/limits.h"
#include "storage/s3_client.h"
#include "util/status.h"

namespace swha::storage {

// Days after which an unfinished multipart upload is aborted by our rule.
inline constexpr int kAbortMultipartDays = 1;
// S3 allows at most 1,000 rules per bucket. kMaxLifecycleDays and kMaxLifecyclePrefixBytes are
// in storage/limits.h.
inline constexpr size_t kMaxLifecycleRules = 1000;
// The prefix our audio lives under (S3AudioStore::ObjectKey), and so the default rule's.
inline constexpr std::string_view kDefaultLifecyclePrefix = "audio/";

struct LifecycleRule {
  std::string id;
  // Filter/Prefix, And/Prefix, or the legacy Rule/Prefix; "" = the whole bucket.
  std::string prefix;
  // The filter also names tags or object sizes: the rule applies to only some objects under
  // `prefix`, so nothing can be concluded about one key from the rule alone.
  bool narrower_filter = false;
  bool enabled = false;
  std::optional<int> expiration_days;
  std::optional<std::string> expiration_date;  // as written, e.g. 2027-01-01T00:00:00.000Z
  std::optional<int> abort_multipart_days;
  bool has_transitions = false;  // Transition / NoncurrentVersion* actions (not ours)
  // The <Rule> element exactly as read (or as we would write it), written back unchanged.
  std::string xml;
};

// "swha-tts-expire:<prefix>".
std::string ExpirationRuleId(std::string_view prefix);
// Our rule for `prefix`. InvalidArgument when days is outside 1..kMaxLifecycleDays or the
// prefix is longer than kMaxLifecyclePrefixBytes.
Result<LifecycleRule> MakeExpirationRule(std::string_view prefix, int days);

// A LifecycleConfiguration document as S3 returns it. InternalError when it is not one (the
// server's fault, not the caller's).
Result<std::vector<LifecycleRule>> ParseLifecycleConfiguration(std::string_view xml);
// The document PutBucketLifecycleConfiguration takes: every rule's xml, in order.
std::string SerializeLifecycleConfiguration(const std::vector<LifecycleRule>& rules);

// `rules` with our rule for `ours.prefix` replaced by `ours` (appended when there was none);
// every other rule untouched and in its place.
std::vector<LifecycleRule> WithRule(std::vector<LifecycleRule> rules, LifecycleRule ours);
// `rules` without our rule for `prefix`.
std::vector<LifecycleRule> WithoutOurRule(std::vector<LifecycleRule> rules,
                                          std::string_view prefix);
// Our rule for `prefix`, when the bucket has it.
const LifecycleRule* FindOurRule(const std::vector<LifecycleRule>& rules, std::string_view prefix);

// After how many days an object with this key expires: the soonest enabled Days rule whose
// prefix the key starts with and that filters on nothing else; nullopt when none does.
std::optional<int> ExpirationDaysFor(const std::vector<LifecycleRule>& rules, std::string_view key);

// The bucket's rules, by `client` (GetBucketLifecycleConfiguration); none is an empty list.
Result<std::vector<LifecycleRule>> ReadLifecycleRules(const S3Client& client);
// Writes `rules` (PutBucketLifecycleConfiguration), or deletes the configuration when there is
// none left (S3 refuses an empty one).
Status WriteLifecycleRules(const S3Client& client, const std::vector<LifecycleRule>& rules);

// What ApplyExpirationRule did.
enum class LifecycleChange { kUnchanged, kAdded, kReplaced, kRemoved, kAbsent };
std::string_view LifecycleChangeName(LifecycleChange change);

// Read, merge, write: our rule for `prefix` set to `days`; nothing is written when the bucket
// already has exactly that rule (kUnchanged), else kAdded or kReplaced.
Result<LifecycleChange> ApplyExpirationRule(const S3Client& client, std::string_view prefix,
                                            int days);
// Read, merge, write: our rule for `prefix` removed (kRemoved), or kAbsent when there was none.
Result<LifecycleChange> RemoveExpirationRule(const S3Client& client, std::string_view prefix);

}  // namespace swha::storage
