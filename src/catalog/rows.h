// What both SQL implementations share: the column lists they select and how a row becomes a
// record. `Row` is the implementation's row accessor; it provides Int, Double, Bool, Text,
// OptionalText and OptionalInt by 0-based column.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "catalog/schema.h"

namespace swha::catalog {

constexpr std::string_view kUserColumns =
    "id, username, email, full_name, bio, password_hash, is_active, is_superuser, "
    "token_version, created_at, updated_at";

constexpr std::string_view kApiKeyColumns =
    "id, user_id, name, prefix, key_sha256, created_at, expires_at, last_used_at";

// `id` first: listings page on it.
constexpr std::string_view kSessionColumns =
    "id, session_id, owner, created_at_ms, voice, language_code, speed, split_pattern, "
    "text_length";

constexpr int kSessionColumnCount = 9;
static_assert(std::ranges::count(kSessionColumns, ',') + 1 == kSessionColumnCount);

constexpr std::string_view kSegmentColumns =
    "idx, filename, graphemes, phonemes, duration, byte_size, sha256, location, s3_key";

template <typename Row>
User ReadUser(const Row& row) {
  User u;
  u.id = row.Int(0);
  u.username = row.Text(1);
  u.email = row.Text(2);
  u.full_name = row.OptionalText(3);
  u.bio = row.OptionalText(4);
  u.password_hash = row.Text(5);
  u.is_active = row.Bool(6);
  u.is_superuser = row.Bool(7);
  u.token_version = row.Int(8);
  u.created_at = row.Int(9);
  u.updated_at = row.OptionalInt(10);
  return u;
}

template <typename Row>
ApiKey ReadApiKey(const Row& row) {
  ApiKey k;
  k.id = row.Int(0);
  k.user_id = row.Int(1);
  k.name = row.Text(2);
  k.prefix = row.Text(3);
  k.key_sha256 = row.Text(4);
  k.created_at = row.Int(5);
  k.expires_at = row.OptionalInt(6);
  k.last_used_at = row.OptionalInt(7);
  return k;
}

// Without its segments, which come from their own table.
template <typename Row>
SessionRecord ReadSession(const Row& row) {
  SessionRecord r;
  r.session_id = row.Text(1);
  r.owner = row.Text(2);
  r.created_at_ms = row.Int(3);
  r.voice = row.Text(4);
  r.language_code = row.Text(5);
  r.speed = row.Double(6);
  r.split_pattern = row.Text(7);
  r.text_length = row.Int(8);
  return r;
}

template <typename Row>
Result<SegmentRecord> ReadSegment(const Row& row) {
  SegmentRecord seg;
  seg.index = static_cast<int>(row.Int(0));
  seg.filename = row.Text(1);
  seg.graphemes = row.Text(2);
  seg.phonemes = row.Text(3);
  seg.duration_seconds = row.Double(4);
  seg.byte_size = row.Int(5);
  seg.sha256_hex = row.Text(6);
  SWHA_ASSIGN_OR_RETURN(seg.location, ParseLocationName(row.Text(7)));
  seg.s3_key = row.OptionalText(8);
  return seg;
}

}  // namespace swha::catalog
