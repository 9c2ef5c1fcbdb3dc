// The fields of the speech endpoints (/api/v1/tts/generate, ...): read by their handlers,
// documented by tts_docs.cc (see http/fields.h).
#pragma once

#include "http/fields.h"

namespace swha::http::tts_fields {

// generate, generate-simple and marks.
extern const Field kText;
extern const Field kVoice;
extern const Field kLanguageCode;
extern const Field kSpeed;
extern const Field kSplitPattern;
extern const Field kFormat;
extern const Field kUseS3;
extern const Field kMarks;
extern const Field kStream;
extern const Field kUrlExpiry;
// cleanup
extern const Field kDaysOld;
extern const Field kCleanupS3;
}  // namespace swha::http::tts_fields
