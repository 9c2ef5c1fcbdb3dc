// The response schemas several operations share. Responses carry more fields in time; each
// schema lists the fields a client may rely on, and the example tests validate every
// documented answer against it.
#include "http/openapi.h"

namespace swha::http {

using nlohmann::json;

namespace {

json Nullable(const char* type) { return {{"type", {type, "null"}}}; }
json Type(const char* type) { return {{"type", type}}; }
json ExpiresAt() {
  return {{"type", {"integer", "null"}},
          {"description", "Unix time (seconds) when the URL stops working; null: never."}};
}
json ArrayOf(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }

json Object(json properties, const std::vector<std::string>& required,
            std::string description = "") {
  json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  schema["required"] = required;
  if (!description.empty()) schema["description"] = std::move(description);
  return schema;
}

json ErrorSchema() {
  return Object({{"detail", {{"type", "string"}, {"description", "What went wrong, in words."}}}},
                {"detail"}, "FastAPI's error shape.");
}

json ValidationErrorSchema() {
  json item = Object({{"loc",
                       {{"type", "array"},
                        {"items", {{"type", "string"}}},
                        {"description", "Where: [\"body\" | \"query\" | \"path\", field]."}}},
                      {"msg", Type("string")},
                      {"type", Type("string")}},
                     {"loc", "msg", "type"});
  return Object({{"detail", ArrayOf(item)}}, {"detail"},
                "FastAPI's 422: every field error of the request at once.");
}

json OpenAiErrorSchema() {
  return Object({{"error", Object({{"message", Type("string")},
                                   {"type", Type("string")},
                                   {"param", Nullable("string")},
                                   {"code", Nullable("string")}},
                                  {"message", "type", "param", "code"})}},
                {"error"}, "OpenAI's error shape.");
}

json OpenAiModelSchema() {
  return Object({{"id", Type("string")},
                 {"object", {{"type", "string"}, {"enum", {"model"}}}},
                 {"created", {{"type", "integer"}, {"description", "Unix time (seconds)."}}},
                 {"owned_by", Type("string")}},
                {"id", "object", "created", "owned_by"}, "A model, as OpenAI lists it.");
}

json SpeechMarkSchema() {
  return Object({{"time", {{"type", "integer"}, {"description", "ms from the segment's start"}}},
                 {"type", {{"type", "string"}, {"enum", {"sentence", "word", "viseme"}}}},
                 {"start", {{"type", "integer"}, {"description", "byte offset into the text"}}},
                 {"end", Type("integer")},
                 {"value", Type("string")}},
                {"time", "type", "value"}, "A speech mark, as Amazon Polly writes them.");
}

json SegmentSchema() {
  return Object(
      {{"index", Type("integer")},
       {"graphemes", {{"type", "string"}, {"description", "The segment's text."}}},
       {"phonemes", Type("string")},
       {"filename", Type("string")},
       {"local_url", {{"type", {"string", "null"}}, {"description", "A signed local URL."}}},
       {"presigned_url", {{"type", {"string", "null"}}, {"description", "An S3 presigned URL."}}},
       {"s3_key", Nullable("string")},
       {"expires_at", ExpiresAt()},
       {"storage_type", {{"type", "string"}, {"enum", {"local", "s3"}}}},
       {"duration", {{"type", "number"}, {"description", "Seconds."}}},
       {"size_bytes", Type("integer")},
       {"sha256", Type("string")},
       {"marks_url", Type("string")},
       {"marks", ArrayOf(SchemaRef("SpeechMark"))}},
      {"index", "graphemes", "phonemes", "filename", "storage_type", "duration", "size_bytes"});
}

json SessionSchema() {
  return Object(
      {{"message", Type("string")},
       {"audio_files",
        {{"type", "array"},
         {"items", Nullable("string")},
         {"description", "Each segment's URL (presigned when in S3), in order."}}},
       {"audio_segments", ArrayOf(SchemaRef("Segment"))},
       {"total_segments", Type("integer")},
       {"processing_time", Type("number")},
       {"storage_type",
        {{"type", "string"},
         {"enum", {"local", "s3"}},
         {"description", "\"s3\" when every segment is in S3."}}},
       {"session_id", Type("string")},
       {"created_at", {{"type", "string"}, {"format", "date-time"}}},
       {"voice", Type("string")},
       {"language_code", Type("string")},
       {"speed", Type("number")},
       {"expires_at", ExpiresAt()},
       {"warnings", ArrayOf(Type("string"))}},
      {"message", "audio_files", "audio_segments", "total_segments", "storage_type", "session_id"});
}

json DateTime() { return {{"type", "string"}, {"format", "date-time"}}; }
json NullableDateTime() { return {{"type", {"string", "null"}}, {"format", "date-time"}}; }

json MessageSchema() {
  return Object({{"message", {{"type", "string"}, {"description", "What was done, in words."}}}},
                {"message"});
}

json UserSchema() {
  return Object({{"id", Type("integer")},
                 {"username", Type("string")},
                 {"email", Type("string")},
                 {"full_name", Nullable("string")},
                 {"bio", Nullable("string")},
                 {"is_active", Type("boolean")},
                 {"is_superuser", Type("boolean")},
                 {"profile_image",
                  {{"type", {"string", "null"}}, {"description", "The original's; always null."}}},
                 {"created_at", DateTime()},
                 {"updated_at", NullableDateTime()}},
                {"id", "username", "email", "full_name", "bio", "is_active", "is_superuser",
                 "profile_image", "created_at", "updated_at"});
}

json TokenSchema() {
  return Object({{"access_token", Type("string")},
                 {"token_type", {{"type", "string"}, {"enum", {"bearer"}}}},
                 {"expires_in", {{"type", "integer"}, {"description", "Seconds."}}}},
                {"access_token", "token_type", "expires_in"});
}

json ApiKeySchema() {
  return Object({{"id", Type("integer")},
                 {"name", Type("string")},
                 {"prefix", {{"type", "string"}, {"description", "The key's first characters."}}},
                 {"created_at", DateTime()},
                 {"expires_at", NullableDateTime()},
                 {"last_used_at", NullableDateTime()}},
                {"id", "name", "prefix", "created_at", "expires_at", "last_used_at"},
                "An API key; only its hash is kept.");
}

json CreatedApiKeySchema() {
  return {
      {"allOf",
       {SchemaRef("ApiKey"), Object({{"key",
                                      {{"type", "string"},
                                       {"description",
                                        "The key itself, shown this once: send it as the bearer "
                                        "token."}}}},
                                    {"key"})}}};
}

json UnixSeconds(const char* description) {
  return {{"type", "number"}, {"description", description}};
}

json LipsyncJobSchema() {
  return Object(
      {{"job_id",
        {{"type", "string"}, {"description", "Ours; the provider's is provider_job_id."}}},
       {"status",
        {{"type", "string"},
         {"description",
          "sync.so's: PENDING, PROCESSING, then COMPLETED, FAILED, REJECTED, CANCELED or "
          "TIMED_OUT (final)."}}},
       {"output_url", {{"type", {"string", "null"}}, {"description", "The video, once made."}}},
       {"output_duration", {{"type", {"number", "null"}}, {"description", "Seconds."}}},
       {"progress", {{"type", "integer"}, {"description", "0, 50 or 100, from the status."}}},
       {"error_message", Nullable("string")},
       {"error_code", Nullable("string")},
       {"created_at", UnixSeconds("Unix time, seconds.")},
       {"updated_at", UnixSeconds("Unix time, seconds.")},
       {"completed_at",
        {{"type", {"number", "null"}}, {"description", "Unix time a final status was recorded."}}},
       {"processing_time", {{"type", {"number", "null"}}, {"description", "Seconds, once final."}}},
       {"video_url", Type("string")},
       {"audio_url", Type("string")},
       {"audio_url_type",
        {{"type", "string"}, {"enum", {"presigned_s3", "local_static", "external"}}}},
       {"model", Type("string")},
       {"sync_mode", Type("string")},
       {"output_filename", Nullable("string")},
       {"provider_job_id",
        {{"type", {"string", "null"}},
         {"description", "null until sync.so has acknowledged the job."}}}},
      {"job_id", "status", "output_url", "output_duration", "progress", "error_message",
       "error_code", "created_at", "updated_at", "completed_at", "processing_time", "video_url",
       "audio_url", "audio_url_type", "model", "sync_mode", "output_filename", "provider_job_id"},
      "A lipsync job, as its status endpoint answers.");
}

json LipsyncCreatedSchema() {
  return {{"allOf",
           {SchemaRef("LipsyncJob"),
            Object({{"message", Type("string")},
                    {"submitted_at", UnixSeconds("Unix time, seconds: created_at.")}},
                   {"message", "submitted_at"})}}};
}

json LipsyncChoicesSchema(const char* list_name) {
  return Object({{list_name, ArrayOf(Type("string"))},
                 {"total_count", Type("integer")},
                 {"descriptions",
                  {{"type", "object"},
                   {"additionalProperties", Type("string")},
                   {"description", "name → what it does"}}},
                 {"default", Type("string")}},
                {list_name, "total_count", "descriptions", "default"});
}

}  // namespace

json ComponentSchemas() {
  return {{"Error", ErrorSchema()},
          {"ValidationError", ValidationErrorSchema()},
          {"OpenAiError", OpenAiErrorSchema()},
          {"OpenAiModel", OpenAiModelSchema()},
          {"SpeechMark", SpeechMarkSchema()},
          {"Segment", SegmentSchema()},
          {"Session", SessionSchema()},
          {"Message", MessageSchema()},
          {"User", UserSchema()},
          {"Token", TokenSchema()},
          {"ApiKey", ApiKeySchema()},
          {"CreatedApiKey", CreatedApiKeySchema()},
          {"LipsyncJob", LipsyncJobSchema()},
          {"LipsyncCreated", LipsyncCreatedSchema()},
          {"LipsyncModels", LipsyncChoicesSchema("models")},
          {"LipsyncSyncModes", LipsyncChoicesSchema("sync_modes")}};
}

}  // namespace swha::http
