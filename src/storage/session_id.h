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
// The media type a stored segment is served and uploaded with, by its extension (audio/wav for
// a name without a known one).
std::string_view ContentTypeOf(std::string_view segment_filename);

}  // namespace swha::storage
