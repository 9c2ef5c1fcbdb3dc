// The fields of POST /v1/audio/speech and GET /v1/models/{model}: read by openai_handlers.cc,
// documented by openai_docs.cc (see http/fields.h). Errors about them are OpenAI's shape.
#pragma once

#include "http/fields.h"

namespace swha::http::openai_fields {

extern const Field kModel;
extern const Field kInput;
extern const Field kVoice;  // a name, or {"id": name}
extern const Field kResponseFormat;
extern const Field kSpeed;
extern const Field kInstructions;
extern const Field kStreamFormat;
extern const Field kStream;
extern const Field kStore;
extern const Field kModelId;  // path

}  // namespace swha::http::openai_fields
