// Session ids keep the original's shape, "<unix-ms>_<user id or anonymous>", and add 128 random
// bits so that no one can guess another user's session (the original's were enumerable).
#pragma once

#include <string>
#include <string_view>

#include "audio/format.h"
#include "util/clock.h"

namespace swha::storage {

// `owner` is a user id ("123") or "anonymous".
std::string NewSessionId(const Clock& clock, std::string_view owner);

// Only ids of exactly that shape (digits, owner of [A-Za-z0-9-], 32 hex digits) are accepted
// anywhere a path is built from one.
bool IsValidSessionId(std::string_view id);
// The owner part of a valid id ("anonymous", "123"); "" for an invalid one.
std::string_view SessionOwner(std::string_view id);
// "segment_000.wav" .. "segment_99999.flac": three to five digits, the extension of an
// audio::AudioFormat.
bool IsValidSegmentFilename(std::string_view name);
std::string SegmentFilename(int index, audio::AudioFormat format = audio::AudioFormat::kWav);
// A segment's speech marks are stored beside its audio: "segment_000.mp3" has
// "segment_000.marks.json". REQUIRES: IsValidSegmentFilename(segment_filename).
std::string MarksFilename(std::string_view segment_filename);
// "segment_000.marks.json" .. "segment_99999.marks.json".
bool IsValidMarksFilename(std::string_view name);
// Any file this service writes into a session: a segment's audio or its marks.
bool IsValidStoredFilename(std::string_view name);
// The media type a stored file is served and uploaded with, by its extension: application/json
// for marks, audio/wav for a name without a known one.
std::string_view ContentTypeOf(std::string_view filename);

}  // namespace swha::storage
