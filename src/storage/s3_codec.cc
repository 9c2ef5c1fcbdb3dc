#include "storage/s3_codec.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace swha::storage {

int64_t UnixSecondsFromCivil(int64_t year, int month, int day, int hour, int minute, int second) {
  // Howard Hinnant's days_from_civil: exact for any Gregorian date, no timegm/TZ involved.
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t yoe = year - era * 400;
  const int64_t mp = (month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return days * 86400 + hour * 3600 + minute * 60 + second;
}

namespace {

// Reads exactly `width` digits at `*pos`.
bool ReadDigits(std::string_view text, size_t* pos, size_t width, int* value) {
  if (*pos + width > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += width;
  *value = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, std::string_view literal) {
  if (text.substr(*pos, literal.size()) != literal) return false;
  *pos += literal.size();
  return true;
}

// UTC offsets run from -12:00 to +14:00; 23 bounds any "HH" a writer could mean.
constexpr int kMaxOffsetHours = 23;
constexpr int kMaxMinute = 59;
constexpr int64_t kSecondsPerHour = 3600;
constexpr int64_t kSecondsPerMinute = 60;

bool ValidFields(int month, int day, int hour, int minute, int second) {
  // Second 60 is a leap second, which S3 never writes; reject it with the rest.
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= kMaxMinute &&
         second <= 59;
}

}  // namespace

std::optional<int64_t> ParseIso8601Utc(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, "-") ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, "-") ||
      !ReadDigits(text, &pos, 2, &day) || !Expect(text, &pos, "T") ||
      !ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ":") ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ":") ||
      !ReadDigits(text, &pos, 2, &second)) {
    return std::nullopt;
  }
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    if (pos == start) return std::nullopt;
  }
  // "Z", or an offset "+HH:MM" / "-HH:MM" (a credential_process may write local time).
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int offset_hours = 0, offset_minutes = 0;
    if (!ReadDigits(text, &pos, 2, &offset_hours) || !Expect(text, &pos, ":") ||
        !ReadDigits(text, &pos, 2, &offset_minutes) || offset_hours > kMaxOffsetHours ||
        offset_minutes > kMaxMinute || pos != text.size()) {
      return std::nullopt;
    }
    offset_seconds = sign * (offset_hours * kSecondsPerHour + offset_minutes * kSecondsPerMinute);
  } else if (text.substr(pos) != "Z") {
    return std::nullopt;
  }
  if (!ValidFields(month, day, hour, minute, second)) return std::nullopt;
  // Local time minus its offset is UTC.
  return UnixSecondsFromCivil(year, month, day, hour, minute, second) - offset_seconds;
}

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Wed, 12 Oct 2009 17:50:00 GMT": skip the day name, which adds nothing.
  size_t pos = text.find(", ");
  if (pos == std::string_view::npos) return std::nullopt;
  pos += 2;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 2, &day) || !Expect(text, &pos, " ")) return std::nullopt;
  const std::string_view month_name = text.substr(pos, 3);
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == month_name) month = static_cast<int>(i) + 1;
  }
  pos += 3;
  if (month == 0 || !Expect(text, &pos, " ") || !ReadDigits(text, &pos, 4, &year) ||
      !Expect(text, &pos, " ") || !ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ":") ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ":") ||
      !ReadDigits(text, &pos, 2, &second) || text.substr(pos) != " GMT" ||
      !ValidFields(month, day, hour, minute, second)) {
    return std::nullopt;
  }
  return UnixSecondsFromCivil(year, month, day, hour, minute, second);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      // As references, or an XML parser would normalise them (\r\n to \n) inside a key.
      case '\t': out += "&#9;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace swha::storage
