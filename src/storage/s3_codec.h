// Encodings the S3 wire format needs beyond SigV4: the two date formats S3 answers with, and
// XML text escaping. Pure functions, thread-safe.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/clock.h"

namespace swha::storage {

// ISO 8601 as S3 writes it in XML: "2026-11-24T05:02:33.000Z" (fraction optional), or with an
// offset, "+00:00" or any "±HH:MM" (as credential_process output may be). Returns unix seconds,
// the fraction dropped; nullopt when malformed or without a zone.
std::optional<int64_t> ParseIso8601Utc(std::string_view text);

// The reverse is ::swha::FormatIso8601Utc (util/clock.h).
using ::swha::FormatIso8601Utc;

// RFC 7231 IMF-fixdate, as in Last-Modified: "Wed, 12 Oct 2009 17:50:00 GMT".
std::optional<int64_t> ParseHttpDate(std::string_view text);

// Seconds since the epoch for a proleptic Gregorian UTC date and time; no range checks.
int64_t UnixSecondsFromCivil(int64_t year, int month, int day, int hour, int minute, int second);

// Escapes & < > " ' for XML text and attribute values.
std::string XmlEscape(std::string_view text);

}  // namespace swha::storage
