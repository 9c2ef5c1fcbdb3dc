// The fields of /api/v1/lipsync/*: read by lipsync_handlers.cc, documented by lipsync_docs.cc
// (see http/fields.h).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "http/fields.h"
#include "lipsync/provider.h"

namespace swha::http::lipsync_fields {

// POST /create (a JSON body); create-from-tts reads the same from its query string, but for
// the audio URL's name and segment_index's type message.
extern const Field kVideoUrl;
extern const Field kAudioUrl;
extern const Field kSessionId;
extern const Field kSegmentIndex;
extern const Field kApiKey;
extern const Field kModel;
extern const Field kSyncMode;
extern const Field kOutputFilename;
extern const Field kTemperature;
extern const Field kActiveSpeakerDetection;
extern const Field kOcclusionDetection;
extern const Field kTtsAudioUrl;
extern const Field kTtsSegmentIndex;
// status, wait, jobs, cleanup
extern const Field kJobId;         // path
extern const Field kStatusApiKey;  // query
extern const Field kTimeout;
extern const Field kPollInterval;
extern const Field kLimit;
extern const Field kCursor;
extern const Field kHoursOld;
// webhook
extern const Field kWebhookJobId;   // query
extern const Field kSyncSignature;  // header

// GET /lipsync/models and /sync-modes' answer, {list_name: [...], total_count, descriptions,
// default}: also their documented example (lipsync_handlers.cc).
nlohmann::json ChoicesJson(const std::vector<lipsync::NamedChoice>& choices, const char* list_name);

}  // namespace swha::http::lipsync_fields
