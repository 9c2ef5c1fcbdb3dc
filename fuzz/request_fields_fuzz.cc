// Request bodies and query strings as the handlers read them: a JSON body (ParseObject), a
// form body (ParseForm) or a query string (as httplib decodes it), then every declared field
// of every endpoint read through FieldReader. No input crashes or throws, and every refusal
// is a JSON answer: 400 for a malformed body, 422 naming the fields for the rest.
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "fuzz/fuzz_input.h"
#include "http/account_fields.h"
#include "http/fields.h"
#include "http/lipsync_fields.h"
#include "http/openai_fields.h"
#include "http/session_fields.h"
#include "http/tts_fields.h"

namespace {

namespace http = swha::http;

const std::vector<const http::Field*>& AllFields() {
  namespace a = http::account_fields;
  namespace l = http::lipsync_fields;
  namespace o = http::openai_fields;
  namespace s = http::session_fields;
  namespace t = http::tts_fields;
  static const std::vector<const http::Field*> fields = {&a::kUsername,
                                                         &a::kEmail,
                                                         &a::kPassword,
                                                         &a::kFullName,
                                                         &a::kBio,
                                                         &a::kLoginUsername,
                                                         &a::kLoginPassword,
                                                         &a::kGrantType,
                                                         &a::kNewUsername,
                                                         &a::kNewEmail,
                                                         &a::kCurrentPassword,
                                                         &a::kNewPassword,
                                                         &a::kApiKeyName,
                                                         &a::kApiKeyExpiresInDays,
                                                         &a::kApiKeyId,
                                                         &a::kSkip,
                                                         &a::kLimit,
                                                         &a::kUserId,
                                                         &a::kIsActive,
                                                         &a::kIsSuperuser,
                                                         &l::kVideoUrl,
                                                         &l::kAudioUrl,
                                                         &l::kSessionId,
                                                         &l::kSegmentIndex,
                                                         &l::kApiKey,
                                                         &l::kModel,
                                                         &l::kSyncMode,
                                                         &l::kOutputFilename,
                                                         &l::kTemperature,
                                                         &l::kActiveSpeakerDetection,
                                                         &l::kOcclusionDetection,
                                                         &l::kTtsAudioUrl,
                                                         &l::kTtsSegmentIndex,
                                                         &l::kJobId,
                                                         &l::kStatusApiKey,
                                                         &l::kTimeout,
                                                         &l::kPollInterval,
                                                         &l::kLimit,
                                                         &l::kCursor,
                                                         &l::kHoursOld,
                                                         &l::kWebhookJobId,
                                                         &l::kSyncSignature,
                                                         &o::kModel,
                                                         &o::kInput,
                                                         &o::kVoice,
                                                         &o::kResponseFormat,
                                                         &o::kSpeed,
                                                         &o::kInstructions,
                                                         &o::kStreamFormat,
                                                         &o::kStream,
                                                         &o::kStore,
                                                         &o::kModelId,
                                                         &s::kSessionId,
                                                         &s::kListLimit,
                                                         &s::kListCursor,
                                                         &s::kSessionIds,
                                                         &s::kS3Keys,
                                                         &s::kByUser,
                                                         &s::kScan,
                                                         &s::kAudioFilename,
                                                         &s::kExpires,
                                                         &s::kSignature,
                                                         &t::kText,
                                                         &t::kVoice,
                                                         &t::kLanguageCode,
                                                         &t::kSpeed,
                                                         &t::kSplitPattern,
                                                         &t::kFormat,
                                                         &t::kUseS3,
                                                         &t::kMarks,
                                                         &t::kStream,
                                                         &t::kUrlExpiry,
                                                         &t::kDaysOld,
                                                         &t::kCleanupS3};
  return fields;
}

// Reads every field as its declared type; the errors, if any, must make a 422 JSON answer.
void ReadAll(http::FieldReader* reader, http::FieldErrors* errors) {
  for (const http::Field* field : AllFields()) {
    switch (field->type) {
      case http::FieldType::kString: (void)reader->String(*field); break;
      case http::FieldType::kInteger: (void)reader->Int(*field); break;
      case http::FieldType::kNumber: {
        const auto number = reader->Number(*field);
        FUZZ_CHECK(!number || std::isfinite(*number));
        break;
      }
      case http::FieldType::kBoolean: (void)reader->Bool(*field); break;
      case http::FieldType::kStringList: (void)reader->StringList(*field); break;
    }
  }
  if (errors->empty()) return;
  const http::Response answer = errors->ToResponse();
  FUZZ_CHECK(answer.status == 422);
  const auto body = nlohmann::json::parse(answer.body, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(body.is_object() && body["detail"].is_array() && !body["detail"].empty());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  swha::fuzz::FuzzInput input(data, size);
  const uint8_t source = input.TakeByte() % 3;
  const std::string text(input.Rest());
  if (source == 0) {
    http::Request request;
    request.method = "POST";
    request.body = text;
    nlohmann::json object;
    if (auto refused = http::ParseObject(request, &object)) {
      FUZZ_CHECK(refused->status == 400 || refused->status == 422);
      FUZZ_CHECK(nlohmann::json::accept(refused->body));
      return 0;
    }
    FUZZ_CHECK(object.is_object());
    http::FieldErrors errors("body");
    http::FieldReader reader(object, &errors);
    ReadAll(&reader, &errors);
  } else if (source == 1) {
    const auto form = http::ParseForm(text);
    if (!form) return 0;
    http::FieldErrors errors("body");
    http::FieldReader reader(*form, &errors);
    ReadAll(&reader, &errors);
  } else {
    httplib::Params params;
    httplib::detail::parse_query_text(text, params);
    const std::multimap<std::string, std::string> query(params.begin(), params.end());
    http::FieldErrors errors("query");
    http::FieldReader reader(query, &errors);
    ReadAll(&reader, &errors);
  }
  return 0;
}
