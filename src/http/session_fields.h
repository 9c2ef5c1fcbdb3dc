// The fields of /api/v1/tts/sessions, /api/v1/tts/presign, /api/v1/admin/usage and
// /static/audio: read by their handlers, documented by session_docs.cc (see http/fields.h).
#pragma once

#include "http/fields.h"

namespace swha::http::session_fields {

extern const Field kSessionId;  // the path's {session_id}
extern const Field kListLimit;
extern const Field kListCursor;
extern const Field kSessionIds;
extern const Field kS3Keys;
extern const Field kByUser;
extern const Field kScan;
// /static/audio's signed URL
extern const Field kAudioFilename;
extern const Field kExpires;
extern const Field kSignature;

}  // namespace swha::http::session_fields
