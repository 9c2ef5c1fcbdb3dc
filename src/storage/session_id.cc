#include "storage/session_id.h"

#include <cctype>
#include <cstdio>

#include "util/crypto.h"

namespace swha::storage {
namespace {

bool AllOf(std::string_view s, int (*pred)(int)) {
  for (char c : s) {
    if (!pred(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

int IsLowerHex(int c) { return std::isdigit(c) || (c >= 'a' && c <= 'f'); }
int IsOwnerChar(int c) { return std::isalnum(c) || c == '-'; }

}  // namespace

std::string NewSessionId(const Clock& clock, std::string_view owner) {
  return std::to_string(clock.NowUnixMillis()) + "_" + std::string(owner) + "_" +
         crypto::RandomHex(16);
}

bool IsValidSessionId(std::string_view id) {
  const size_t first = id.find('_');
  const size_t last = id.rfind('_');
  if (first == std::string_view::npos || first == last) return false;
  const std::string_view millis = id.substr(0, first);
  const std::string_view owner = id.substr(first + 1, last - first - 1);
  const std::string_view random = id.substr(last + 1);
  return !millis.empty() && millis.size() <= 16 && AllOf(millis, &isdigit) && !owner.empty() &&
         owner.size() <= 64 && AllOf(owner, &IsOwnerChar) && random.size() == 32 &&
         AllOf(random, &IsLowerHex);
}

std::string_view SessionOwner(std::string_view id) {
  if (!IsValidSessionId(id)) return {};
  const size_t first = id.find('_');
  return id.substr(first + 1, id.rfind('_') - first - 1);
}

namespace {

constexpr std::string_view kSegmentPrefix = "segment_";
constexpr std::string_view kMarksSuffix = ".marks.json";

// "segment_" and three to five digits, then `suffix`.
bool IsSegmentName(std::string_view name, std::string_view suffix) {
  if (!name.starts_with(kSegmentPrefix) || !name.ends_with(suffix)) return false;
  if (name.size() < kSegmentPrefix.size() + suffix.size()) return false;
  const std::string_view digits =
      name.substr(kSegmentPrefix.size(), name.size() - kSegmentPrefix.size() - suffix.size());
  return digits.size() >= 3 && digits.size() <= 5 && AllOf(digits, &isdigit);
}

}  // namespace

bool IsValidSegmentFilename(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || !audio::FormatOfFileName(name).has_value()) return false;
  return IsSegmentName(name, name.substr(dot));
}

std::string MarksFilename(std::string_view segment_filename) {
  return std::string(segment_filename.substr(0, segment_filename.rfind('.'))) +
         std::string(kMarksSuffix);
}

bool IsValidMarksFilename(std::string_view name) { return IsSegmentName(name, kMarksSuffix); }

bool IsValidStoredFilename(std::string_view name) {
  return IsValidSegmentFilename(name) || IsValidMarksFilename(name);
}

std::string_view ContentTypeOf(std::string_view filename) {
  if (IsValidMarksFilename(filename)) return "application/json";
  return audio::InfoOf(audio::FormatOfFileName(filename).value_or(audio::AudioFormat::kWav))
      .content_type;
}

std::string SegmentFilename(int index, audio::AudioFormat format) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "segment_%03d.", index);
  return buf + std::string(audio::InfoOf(format).extension);
}

}  // namespace swha::storage
