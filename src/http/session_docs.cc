// The fields and documentation of a user's sessions (/api/v1/tts/sessions, /presign), the
// usage report and the signed local audio URLs.
#include "audio/format.h"
#include "http/docs.h"
#include "http/session_fields.h"
#include "http/tts_fields.h"
#include "service/session_service.h"

namespace swha::http {

using nlohmann::json;

namespace session_fields {

const Field kSessionId{.name = "session_id",
                       .description = "A session's id, as generate returned it.",
                       .required = true,
                       .example = "2b1f0c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f"};
const Field kListLimit{.name = "limit",
                       .type = FieldType::kInteger,
                       .description = "Sessions per page, newest first.",
                       .default_value = service::kDefaultSessionPageSize,
                       .minimum = 1,
                       .maximum = service::kMaxSessionPageSize};
const Field kListCursor{.name = "cursor",
                        .description = "next_cursor of the page before; absent: the first page."};
const Field kSessionIds{.name = "session_ids",
                        .type = FieldType::kStringList,
                        .description = "Sessions of the caller's to mint fresh URLs for.",
                        .max_length = static_cast<int64_t>(service::kMaxPresignBatch)};
const Field kS3Keys{.name = "s3_keys",
                    .type = FieldType::kStringList,
                    .description = "Or: S3 keys of the caller's audio (audio/<user>/...).",
                    .max_length = static_cast<int64_t>(service::kMaxPresignBatch)};
const Field kByUser{.name = "by_user",
                    .type = FieldType::kBoolean,
                    .description = "One line per owner, beside the total.",
                    .default_value = true};
const Field kScan{.name = "scan",
                  .type = FieldType::kBoolean,
                  .description =
                      "Count by listing the bucket (slow, exact) instead of from "
                      "the catalog.",
                  .default_value = false};
const Field kAudioFilename{.name = "filename",
                           .description = "segment_NNN.<format>, or segment_NNN.marks.json.",
                           .required = true,
                           .example = "segment_000.wav"};
const Field kExpires{.name = "expires",
                     .description = "Part of the signed URL (Unix seconds); without it, 403."};
const Field kSignature{.name = "signature",
                       .description = "Part of the signed URL; without it or wrong, 403."};

}  // namespace session_fields

namespace {

namespace f = session_fields;

constexpr const char* kUnknownSessionId = "00000000-0000-4000-8000-000000000000";

ParameterDoc SessionIdParam(std::map<std::string, ExampleDoc> examples) {
  return {.in = "path", .field = f::kSessionId, .examples = std::move(examples)};
}

ExampleDoc TheSession() { return {.value = kUnknownSessionId, .fixtures = {{"", "session_id"}}}; }

ResponseDoc SessionNotFound(const std::string& example) {
  return {.status = 404,
          .description = "No such session of the caller's (another user's is not found either).",
          .schema = SchemaRef("Error"),
          .examples = {{example, {.value = {{"detail", "Session not found"}}}}}};
}

}  // namespace

OperationDoc ListSessionsDoc(const DocContext&) {
  return {
      .tag = "sessions",
      .summary = "The caller's sessions, newest first, without URLs",
      .access = Access::kUser,
      .parameters = {{.in = "query",
                      .field = f::kListLimit,
                      .examples = {{"first_page", {.value = 10}}, {"zero", {.value = 0}}}},
                     {.in = "query", .field = f::kListCursor}},
      .responses = {{.status = 200,
                     .description = "A page; GET a session for fresh URLs.",
                     .schema = {{"type", "object"},
                                {"properties",
                                 {{"sessions",
                                   {{"type", "array"},
                                    {"items",
                                     {{"type", "object"},
                                      {"properties",
                                       {{"session_id", {{"type", "string"}}},
                                        {"audio_segments", {{"type", "array"}}},
                                        {"audio_expired_at",
                                         {{"type", {"string", "null"}}, {"format", "date-time"}}}}},
                                      {"required", {"session_id", "audio_segments"}}}}}},
                                  {"count", {{"type", "integer"}}},
                                  {"next_cursor", {{"type", {"string", "null"}}}}}},
                                {"required", {"sessions", "count", "next_cursor"}}},
                     .examples = {{"first_page", {.summary = "Ten at most"}}}},
                    {.status = 422,
                     .description = "limit out of range, or a cursor this server did not "
                                    "make.",
                     .schema = SchemaRef("ValidationError"),
                     .examples = {{"zero", {.summary = "limit below 1"}}}}}};
}

OperationDoc GetSessionDoc(const DocContext&) {
  return {.tag = "sessions",
          .summary = "One of the caller's sessions, with fresh URLs",
          .access = Access::kUser,
          .parameters = {SessionIdParam(
                             {{"found", TheSession()}, {"unknown", {.value = kUnknownSessionId}}}),
                         {.in = "query", .field = tts_fields::kUrlExpiry}},
          .responses = {{.status = 200,
                         .description = "The session, with URLs minted now.",
                         .schema = SchemaRef("Session"),
                         .examples = {{"found", {.summary = "A session with two segments"}}}},
                        SessionNotFound("unknown"),
                        {.status = 410,
                         .description = "A bucket lifecycle rule has removed its audio.",
                         .schema = SchemaRef("Error")}}};
}

OperationDoc DeleteSessionDoc(const DocContext&) {
  json deleted = {{"type", "object"},
                  {"properties",
                   {{"session_id", {{"type", "string"}}},
                    {"message", {{"type", "string"}}},
                    {"local_files_removed", {{"type", "integer"}}},
                    {"s3_objects_removed", {{"type", "integer"}}},
                    {"local_failures", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                    {"s3_failures", {{"type", "array"}, {"items", {{"type", "string"}}}}}}},
                  {"required", {"session_id", "message"}}};
  return {
      .tag = "sessions",
      .summary = "Delete one of the caller's sessions and its audio",
      .access = Access::kUser,
      .parameters = {SessionIdParam(
          {{"deleted", TheSession()}, {"unknown", {.value = kUnknownSessionId}}})},
      .responses = {{.status = 200,
                     .description = "Everything is gone.",
                     .schema = deleted,
                     .examples = {{"deleted", {.summary = "Audio and row removed"}}}},
                    {.status = 202,
                     .description = "The session is deleted (it is not listed or served from now "
                                    "on), but storage did not let go of some of its audio yet "
                                    "(listed): the service retries until it is gone.",
                     .schema = deleted},
                    SessionNotFound("unknown")}};
}

OperationDoc PresignDoc(const DocContext&) {
  return {.tag = "sessions",
          .summary = "Fresh URLs for many sessions, or many S3 objects, at once",
          .description =
              "Give session_ids or s3_keys, not both. Each item answers for itself: one "
              "that is not the caller's carries an error, the rest their URLs.",
          .access = Access::kUser,
          .body = BodyDoc{.fields = {f::kSessionIds, f::kS3Keys, tts_fields::kUrlExpiry},
                          .examples = {{"by_session",
                                        {.summary = "One known session and one unknown",
                                         .value = {{"session_ids", {"x", kUnknownSessionId}},
                                                   {"presigned_url_expiry", 600}},
                                         .fixtures = {{"/session_ids/0", "session_id"}}}},
                                       {"not_a_list",
                                        {.summary = "session_ids of the wrong type",
                                         .value = {{"session_ids", "not-a-list"}}}}}},
          .responses = {{.status = 200,
                         .description = "Each item with its URLs or its error.",
                         .schema = {{"type", "object"},
                                    {"properties",
                                     {{"presigned_url_expiry", {{"type", "integer"}}},
                                      {"count", {{"type", "integer"}}},
                                      {"presigned", {{"type", "integer"}}},
                                      {"failed", {{"type", "integer"}}},
                                      {"items",
                                       {{"type", "array"},
                                        {"items",
                                         {{"type", "object"},
                                          {"properties",
                                           {{"session_id", {{"type", "string"}}},
                                            {"s3_key", {{"type", "string"}}},
                                            {"error", {{"type", "string"}}},
                                            {"audio_files", {{"type", "array"}}},
                                            {"url", {{"type", {"string", "null"}}}},
                                            {"expires_at", {{"type", {"integer", "null"}}}}}}}}}}}},
                                    {"required", {"count", "presigned", "failed", "items"}}},
                         .examples = {{"by_session", {.summary = "presigned 1, failed 1"}}}},
                        {.status = 422,
                         .description = "Neither or both lists, a list too long, or a wrong type.",
                         .schema = SchemaRef("ValidationError"),
                         .examples = {{"not_a_list", {.summary = "must be a list of strings"}}}}}};
}

OperationDoc AdminUsageDoc(const DocContext&) {
  json line = {{"type", "object"},
               {"properties",
                {{"owner", {{"type", {"string", "null"}}}},
                 {"sessions", {{"type", {"integer", "null"}}}},
                 {"s3_objects", {{"type", "integer"}}},
                 {"s3_bytes", {{"type", "integer"}}},
                 {"estimated_monthly_cost_usd", {{"type", "number"}}},
                 {"local_files", {{"type", {"integer", "null"}}}},
                 {"local_bytes", {{"type", {"integer", "null"}}}}}},
               {"required", {"s3_objects", "s3_bytes", "estimated_monthly_cost_usd"}}};
  return {.tag = "admin",
          .summary = "Storage used, per owner and in total, with S3's monthly cost",
          .access = Access::kSuperuser,
          .parameters = {{.in = "query",
                          .field = f::kByUser,
                          .examples = {{"per_owner", {.value = true}}}},
                         {.in = "query", .field = f::kScan}},
          .responses = {{.status = 200,
                         .description = "The report.",
                         .schema = {{"type", "object"},
                                    {"properties",
                                     {{"source", {{"type", "string"}}},
                                      {"price_per_gb_month_usd", {{"type", "number"}}},
                                      {"owners", {{"type", "array"}, {"items", line}}},
                                      {"total", line}}},
                                    {"required", {"source", "owners", "total"}}},
                         .examples = {{"per_owner", {.summary = "From the catalog"}}}}}};
}

namespace {

// The answers of /static/audio: a whole file or a range of it, in each format a segment may be
// stored in, or its marks (JSON, whole); then `errors`.
std::vector<ResponseDoc> StoredFileAnswers(std::vector<ResponseDoc> errors) {
  std::vector<ResponseDoc> answers;
  for (const audio::FormatInfo& format : audio::AllFormats()) {
    const std::string type(format.content_type);
    ResponseDoc whole{.status = 200,
                      .description = "The whole file, its type the stored format's.",
                      .content_type = type,
                      .schema = {{"type", "string"}, {"contentMediaType", type}}};
    if (format.format == audio::AudioFormat::kWav) {
      whole.examples = {{"signed", {.summary = "A WAV file"}}};
    }
    answers.push_back(std::move(whole));
    answers.push_back({.status = 206,
                       .description = "The bytes a Range header asked for (Content-Range says "
                                      "which); audio only.",
                       .content_type = type,
                       .schema = {{"type", "string"}, {"contentMediaType", type}}});
  }
  answers.push_back({.status = 200,
                     .description = "A segment's marks file: a JSON array of speech marks.",
                     .schema = {{"type", "array"}, {"items", SchemaRef("SpeechMark")}}});
  for (ResponseDoc& e : errors) answers.push_back(std::move(e));
  return answers;
}

}  // namespace

OperationDoc StaticAudioDoc(const DocContext&) {
  return {
      .tag = "audio",
      .summary = "A stored segment, by the signed URL generate handed out",
      .description =
          "Byte ranges are served for audio (players seek); marks files whole. A "
          "URL whose signature is wrong or whose time is up is refused.",
      .access = Access::kSignedRequest,
      .parameters =
          {{.in = "path",
            .field = f::kSessionId,
            .examples = {{"signed", TheSession()}, {"forged", TheSession()}}},
           {.in = "path",
            .field = f::kAudioFilename,
            .examples = {{"signed", {.value = "segment_000.wav"}},
                         {"forged", {.value = "segment_000.wav"}}}},
           {.in = "query",
            .field = f::kExpires,
            .examples = {{"signed", {.value = "1767225600", .fixtures = {{"", "audio_expires"}}}},
                         {"forged", {.value = "1767225600", .fixtures = {{"", "audio_expires"}}}}}},
           {.in = "query",
            .field = f::kSignature,
            .examples = {{"signed", {.value = "3f6a", .fixtures = {{"", "audio_signature"}}}},
                         {"forged", {.value = "00000000000000000000000000000000"}}}}},
      .responses = StoredFileAnswers(
          {{.status = 307,
            .description = "The file went to S3 after this URL was handed out (the upload outbox "
                           "moved it, with KEEP_LOCAL_COPY=false): Location has its S3 copy.",
            .content_type = "",
            .headers = {{"Location",
                         "A presigned URL for the S3 copy, valid no longer than this one"}}},
           {.status = 403,
            .description = "The signature is wrong, or the URL has expired.",
            .schema = SchemaRef("Error"),
            .examples = {{"forged", {.summary = "A signature this server did not make"}}}},
           {.status = 404,
            .description = "No such file (or one not complete yet), here or in S3.",
            .schema = SchemaRef("Error")},
           {.status = 416,
            .description = "The Range is outside the file.",
            .schema = SchemaRef("Error")}})};
}

}  // namespace swha::http
