// What the service layer hands out: a session of synthesized segments, each with where its
// audio is kept and the URLs minted for it. Knows no HTTP and no storage backend.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog.h"
#include "storage/audio_store.h"
#include "tts/marks.h"

namespace swha::service {

// Who is asking. Until accounts exist every caller is anonymous.
struct Principal {
  std::optional<int64_t> user_id;  // nullopt: anonymous
  bool is_superuser = false;
  // Where the request came from (the client's IP; empty at the command line): what per-caller
  // limits count anonymous callers by.
  std::string address;

  static Principal Anonymous() { return {}; }
  // The operator at the command line: every superuser right, no account of its own.
  static Principal Operator() { return {.user_id = std::nullopt, .is_superuser = true}; }
  // Neither a user nor the operator.
  bool anonymous() const { return !user_id.has_value() && !is_superuser; }
  // The owner part of session ids and S3 keys: the user id, or "anonymous".
  std::string OwnerTag() const;
};

struct Segment {
  int index = 0;
  std::string graphemes;
  std::string phonemes;
  double duration_seconds = 0;
  int64_t byte_size = 0;
  std::string sha256_hex;         // of the stored file
  storage::StoredSegment stored;  // filename, location, s3_key
  // Minted when handed out (UrlMinter), never stored.
  std::optional<std::string> local_url;
  std::optional<std::string> presigned_url;
  std::optional<int64_t> expires_at;  // of the URL a client should fetch (PreferredUrl)
  // Where its stored marks (stored.marks_filename) are fetched: presigned beside the S3 audio,
  // else a signed local URL; minted with the audio's, and valid at least until expires_at.
  std::optional<std::string> marks_url;
  // Speech marks of the segment's audio, when they were asked for (never stored in the catalog).
  std::optional<std::vector<tts::SpeechMark>> marks;

  // The URL a client should fetch: the presigned one when the segment is in S3, else local.
  const std::optional<std::string>& PreferredUrl() const {
    return presigned_url ? presigned_url : local_url;
  }
};

struct Session {
  std::string session_id;
  std::string owner;  // Principal::OwnerTag() of its creator
  int64_t created_at_ms = 0;
  std::string voice;
  std::string language_code;
  double speed = 1.0;
  std::string split_pattern;
  size_t text_length = 0;  // characters; the text itself is never kept
  // Set once a bucket lifecycle rule is known to have expired its S3-only audio: the session
  // then has no audio to hand out.
  std::optional<int64_t> audio_expired_at;
  std::vector<Segment> segments;
  std::vector<std::string> warnings;
  double processing_time = 0;

  // The original's session-wide storage_type: "s3" only when every segment is in S3.
  std::string_view StorageType() const;
  // The earliest expiry among the segments' URLs; nullopt when none has a URL.
  std::optional<int64_t> EarliestExpiry() const;
};

// The catalog's form of a session and back (URLs, warnings and timing are not kept).
catalog::SessionRecord ToRecord(const Session& session);
Session FromRecord(catalog::SessionRecord record);

}  // namespace swha::service
