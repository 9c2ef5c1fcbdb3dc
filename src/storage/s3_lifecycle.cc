#include "storage/s3_lifecycle.h"

#include <algorithm>
#include <charconv>
#include <pugixml.hpp>
#include <sstream>
#include <utility>

#include "storage/s3_codec.h"
#include "util/strings.h"

namespace swha::storage {
namespace {

constexpr std::string_view kGetOp = "GetBucketLifecycleConfiguration";
constexpr std::string_view kPutOp = "PutBucketLifecycleConfiguration";
constexpr std::string_view kDeleteOp = "DeleteBucketLifecycle";
constexpr std::string_view kSubresource = "lifecycle";
constexpr std::string_view kNoConfigurationCode = "NoSuchLifecycleConfiguration";
constexpr std::string_view kRuleIdMarker = "swha-tts-expire:";

std::optional<int> ParseDays(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

std::string RawXml(const pugi::xml_node node) {
  std::ostringstream out;
  node.print(out, "", pugi::format_raw);
  return out.str();
}

Status NotAConfiguration(std::string_view why) {
  return Status::Internal(std::string(kGetOp) + ": the answer is not a LifecycleConfiguration (" +
                          std::string(why) + ")");
}

// The rule's prefix and whether it filters on anything else, from any of S3's three forms.
void ReadFilter(const pugi::xml_node rule, LifecycleRule* out) {
  const pugi::xml_node filter = rule.child("Filter");
  if (!filter) {
    out->prefix = rule.child_value("Prefix");  // the legacy form, before Filter existed
    return;
  }
  const pugi::xml_node conditions = filter.child("And") ? filter.child("And") : filter;
  for (const pugi::xml_node condition : conditions.children()) {
    if (condition.type() != pugi::node_element) continue;
    if (std::string_view(condition.name()) == "Prefix") {
      out->prefix = condition.child_value();
    } else {
      out->narrower_filter = true;  // Tag, ObjectSizeGreaterThan, ObjectSizeLessThan
    }
  }
}

Result<LifecycleRule> ReadRule(const pugi::xml_node rule) {
  LifecycleRule out;
  out.id = rule.child_value("ID");
  ReadFilter(rule, &out);
  out.enabled = std::string_view(rule.child_value("Status")) == "Enabled";
  if (const pugi::xml_node expiration = rule.child("Expiration")) {
    if (expiration.child("Days")) {
      out.expiration_days = ParseDays(expiration.child_value("Days"));
      if (!out.expiration_days.has_value()) {
        return NotAConfiguration("rule " + QuoteForMessage(out.id) + " has a bad Days");
      }
    }
    if (expiration.child("Date")) out.expiration_date = expiration.child_value("Date");
  }
  if (const pugi::xml_node abort = rule.child("AbortIncompleteMultipartUpload")) {
    out.abort_multipart_days = ParseDays(abort.child_value("DaysAfterInitiation"));
  }
  out.has_transitions = rule.child("Transition") || rule.child("NoncurrentVersionTransition") ||
                        rule.child("NoncurrentVersionExpiration");
  out.xml = RawXml(rule);
  return out;
}

bool IsOurs(const LifecycleRule& rule, std::string_view prefix) {
  return rule.id == ExpirationRuleId(prefix);
}

// Whether `existing` already does exactly what `wanted` asks.
bool SameEffect(const LifecycleRule& existing, const LifecycleRule& wanted) {
  return existing.enabled && existing.prefix == wanted.prefix && !existing.narrower_filter &&
         existing.expiration_days == wanted.expiration_days && !existing.expiration_date &&
         existing.abort_multipart_days == wanted.abort_multipart_days && !existing.has_transitions;
}

}  // namespace

std::string ExpirationRuleId(std::string_view prefix) {
  return std::string(kRuleIdMarker) + std::string(prefix);
}

Result<LifecycleRule> MakeExpirationRule(std::string_view prefix, int days) {
  if (days < 1 || days > kMaxLifecycleDays) {
    return Status::InvalidArgument("lifecycle days: must be 1.." +
                                   std::to_string(kMaxLifecycleDays) + ", got " +
                                   std::to_string(days));
  }
  // An empty prefix would expire every object in the bucket, ours or not.
  if (prefix.empty() || prefix.size() > kMaxLifecyclePrefixBytes ||
      std::any_of(prefix.begin(), prefix.end(),
                  [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return Status::InvalidArgument("lifecycle prefix " + QuoteForMessage(prefix) + ": 1 to " +
                                   std::to_string(kMaxLifecyclePrefixBytes) +
                                   " bytes, no control characters");
  }
  LifecycleRule rule;
  rule.id = ExpirationRuleId(prefix);
  rule.prefix = std::string(prefix);
  rule.enabled = true;
  rule.expiration_days = days;
  rule.abort_multipart_days = kAbortMultipartDays;
  rule.xml = "<Rule><ID>" + XmlEscape(rule.id) + "</ID><Filter><Prefix>" + XmlEscape(prefix) +
             "</Prefix></Filter><Status>Enabled</Status><Expiration><Days>" + std::to_string(days) +
             "</Days></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>" +
             std::to_string(kAbortMultipartDays) +
             "</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>";
  return rule;
}

Result<std::vector<LifecycleRule>> ParseLifecycleConfiguration(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return NotAConfiguration("unparsable XML");
  const pugi::xml_node root = doc.child("LifecycleConfiguration");
  if (!root) return NotAConfiguration("no LifecycleConfiguration element");
  std::vector<LifecycleRule> rules;
  for (const pugi::xml_node rule : root.children("Rule")) {
    SWHA_ASSIGN_OR_RETURN(LifecycleRule parsed, ReadRule(rule));
    rules.push_back(std::move(parsed));
  }
  return rules;
}

std::string SerializeLifecycleConfiguration(const std::vector<LifecycleRule>& rules) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const LifecycleRule& rule : rules) xml += rule.xml;
  xml += "</LifecycleConfiguration>";
  return xml;
}

std::vector<LifecycleRule> WithRule(std::vector<LifecycleRule> rules, LifecycleRule ours) {
  const auto it = std::find_if(rules.begin(), rules.end(), [&](const LifecycleRule& rule) {
    return IsOurs(rule, ours.prefix);
  });
  if (it == rules.end()) {
    rules.push_back(std::move(ours));
  } else {
    *it = std::move(ours);
  }
  return rules;
}

std::vector<LifecycleRule> WithoutOurRule(std::vector<LifecycleRule> rules,
                                          std::string_view prefix) {
  std::erase_if(rules, [&](const LifecycleRule& rule) { return IsOurs(rule, prefix); });
  return rules;
}

const LifecycleRule* FindOurRule(const std::vector<LifecycleRule>& rules, std::string_view prefix) {
  const auto it = std::find_if(rules.begin(), rules.end(),
                               [&](const LifecycleRule& rule) { return IsOurs(rule, prefix); });
  return it == rules.end() ? nullptr : &*it;
}

std::optional<int> ExpirationDaysFor(const std::vector<LifecycleRule>& rules,
                                     std::string_view key) {
  std::optional<int> soonest;
  for (const LifecycleRule& rule : rules) {
    if (!rule.enabled || rule.narrower_filter || !rule.expiration_days.has_value() ||
        !key.starts_with(rule.prefix)) {
      continue;
    }
    if (!soonest.has_value() || *rule.expiration_days < *soonest) soonest = rule.expiration_days;
  }
  return soonest;
}

Result<std::vector<LifecycleRule>> ReadLifecycleRules(const S3Client& client) {
  std::optional<std::string> xml;
  SWHA_ASSIGN_OR_RETURN(xml,
                        client.GetBucketConfiguration(kGetOp, kSubresource, kNoConfigurationCode));
  if (!xml.has_value()) return std::vector<LifecycleRule>();
  return ParseLifecycleConfiguration(*xml);
}

Status WriteLifecycleRules(const S3Client& client, const std::vector<LifecycleRule>& rules) {
  if (rules.empty()) return client.DeleteBucketConfiguration(kDeleteOp, kSubresource);
  if (rules.size() > kMaxLifecycleRules) {
    return Status::InvalidArgument("the bucket would have " + std::to_string(rules.size()) +
                                   " lifecycle rules; S3 allows " +
                                   std::to_string(kMaxLifecycleRules));
  }
  return client.PutBucketConfiguration(kPutOp, kSubresource,
                                       SerializeLifecycleConfiguration(rules));
}

std::string_view LifecycleChangeName(LifecycleChange change) {
  switch (change) {
    case LifecycleChange::kUnchanged: return "unchanged";
    case LifecycleChange::kAdded: return "added";
    case LifecycleChange::kReplaced: return "replaced";
    case LifecycleChange::kRemoved: return "removed";
    case LifecycleChange::kAbsent: return "absent";
  }
  return "unknown";
}

Result<LifecycleChange> ApplyExpirationRule(const S3Client& client, std::string_view prefix,
                                            int days) {
  SWHA_ASSIGN_OR_RETURN(LifecycleRule ours, MakeExpirationRule(prefix, days));
  SWHA_ASSIGN_OR_RETURN(std::vector<LifecycleRule> rules, ReadLifecycleRules(client));
  const LifecycleRule* existing = FindOurRule(rules, prefix);
  if (existing != nullptr && SameEffect(*existing, ours)) return LifecycleChange::kUnchanged;
  const LifecycleChange change =
      existing == nullptr ? LifecycleChange::kAdded : LifecycleChange::kReplaced;
  SWHA_RETURN_IF_ERROR(WriteLifecycleRules(client, WithRule(std::move(rules), std::move(ours))));
  return change;
}

Result<LifecycleChange> RemoveExpirationRule(const S3Client& client, std::string_view prefix) {
  SWHA_ASSIGN_OR_RETURN(std::vector<LifecycleRule> rules, ReadLifecycleRules(client));
  if (FindOurRule(rules, prefix) == nullptr) return LifecycleChange::kAbsent;
  SWHA_RETURN_IF_ERROR(WriteLifecycleRules(client, WithoutOurRule(std::move(rules), prefix)));
  return LifecycleChange::kRemoved;
}

}  // namespace swha::storage
