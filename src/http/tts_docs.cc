// The fields and documentation of the speech endpoints under /api/v1/tts (generate, marks,
// voices, ...), the service's own pages (/, /health, /metrics) and /static/audio.
#include <algorithm>

#include "audio/format.h"
#include "http/docs.h"
#include "http/tts_fields.h"
#include "service/generation_service.h"
#include "service/session_service.h"
#include "storage/limits.h"
#include "tts/synthesizer.h"
#include "tts/voice_catalog.h"

namespace swha::http {

using nlohmann::json;

namespace {

std::vector<std::string> LanguageCodes() {
  std::vector<std::string> codes;
  for (const tts::Language& l : tts::AllLanguages()) codes.emplace_back(1, l.code);
  return codes;
}

}  // namespace

namespace tts_fields {

const Field kText{.name = "text",
                  .description =
                      "The text to speak. Longer texts are cut into segments (see "
                      "split_pattern), each stored as its own audio file.",
                  .required = true,
                  .example = "Hello there.\nHow are you today?",
                  .nullable = false};
const Field kVoice{.name = "voice",
                   .description = "A voice from GET /api/v1/tts/voices.",
                   .default_value = tts::SynthesisRequest{}.voice,
                   .example = "af_heart"};
const Field kLanguageCode{.name = "language_code",
                          .description = "A language from GET /api/v1/tts/languages.",
                          .default_value = tts::SynthesisRequest{}.language_code,
                          .enum_values = LanguageCodes()};
const Field kSpeed{.name = "speed",
                   .type = FieldType::kNumber,
                   .description = "1.0 is the voice's own pace.",
                   .default_value = tts::SynthesisRequest{}.speed,
                   .minimum = tts::kOriginalSpeedRange.min,
                   .maximum = tts::kOriginalSpeedRange.max};
const Field kSplitPattern{.name = "split_pattern",
                          .description =
                              "A regular expression the text is split at into "
                              "segments.",
                          .default_value = tts::kDefaultSplitPattern};
const Field kFormat{.name = "format",
                    .description = "The stored audio's format.",
                    .default_value = audio::InfoOf(service::GenerationRequest{}.format).name,
                    .enum_values = audio::AllFormatNames()};
const Field kUseS3{.name = "use_s3",
                   .type = FieldType::kBoolean,
                   .description = "Store in S3 when the server has S3 storage on; local otherwise.",
                   .default_value = service::GenerationRequest{}.use_s3};
const Field kMarks{.name = "marks",
                   .type = FieldType::kBoolean,
                   .description =
                       "Add each segment's timing marks (sentences, words, visemes) "
                       "and store them beside its audio.",
                   .default_value = service::GenerationRequest{}.marks};
const Field kStream{.name = "stream",
                    .type = FieldType::kBoolean,
                    .description =
                        "Answer application/x-ndjson: a line per segment as it is "
                        "stored, then the whole answer.",
                    .default_value = false};
const Field kUrlExpiry{.name = "presigned_url_expiry",
                       .type = FieldType::kInteger,
                       .description =
                           "Seconds the URLs handed back live; 0 or absent: the "
                           "server's S3_PRESIGNED_URL_EXPIRY.",
                       .minimum = 0,
                       .maximum = static_cast<double>(storage::kMaxUrlExpirySeconds),
                       .type_message = "must be an integer number of seconds",
                       .empty_is_absent = true};
const Field kDaysOld{
    .name = "days_old",
    .type = FieldType::kInteger,
    .description = "Remove the caller's sessions older than this many days.",
    .default_value = service::CleanupRequest{}.days_old,
    .minimum = 0,
    .maximum = static_cast<double>(service::kMaxCleanupDays),
    .type_message = "must be an integer from 0 to " + std::to_string(service::kMaxCleanupDays)};
const Field kCleanupS3{.name = "cleanup_s3",
                       .type = FieldType::kBoolean,
                       .description = "Remove their S3 objects too.",
                       .default_value = service::CleanupRequest{}.cleanup_s3};

}  // namespace tts_fields

namespace {

using tts_fields::kText;

// A real answer's shape, shortened: what Swagger UI shows beside the schema.
json SessionExample() {
  const json segment = {{"index", 0},
                        {"graphemes", "Hello there."},
                        {"phonemes", "həlˈoʊ ðˈɛɹ."},
                        {"filename", "segment_000.wav"},
                        {"local_url",
                         "http://127.0.0.1:8000/static/audio/2b1f0c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f/"
                         "segment_000.wav?expires=1767225600&signature=3f6a..."},
                        {"presigned_url", nullptr},
                        {"s3_key", nullptr},
                        {"expires_at", 1767225600},
                        {"storage_type", "local"},
                        {"duration", 0.92},
                        {"size_bytes", 44204},
                        {"sha256", "9c1185a5c5e9fc54612808977ee8f548b2258d31..."}};
  return {{"message", "Speech generated successfully"},
          {"audio_files", {segment["local_url"]}},
          {"audio_segments", {segment}},
          {"total_segments", 1},
          {"processing_time", 0.031},
          {"storage_type", "local"},
          {"session_id", "2b1f0c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f"},
          {"created_at", "2026-12-01T12:00:00Z"},
          {"voice", "af_heart"},
          {"language_code", "a"},
          {"speed", 1.0},
          {"expires_at", 1767225600},
          {"warnings", json::array()}};
}

// The synthesis fields generate and marks share; `text` limited to MAX_TEXT_LENGTH.
std::vector<Field> SynthesisFields(const DocContext& ctx) {
  Field text = kText;
  text.max_length = static_cast<int64_t>(ctx.settings->max_text_length);
  return {text, tts_fields::kVoice, tts_fields::kLanguageCode, tts_fields::kSpeed,
          tts_fields::kSplitPattern};
}

// The body fields generate reads (ReadGenerateBody); marks reads the same but "stream".
std::vector<Field> GenerateBodyFields(const DocContext& ctx, bool stream) {
  std::vector<Field> fields = SynthesisFields(ctx);
  for (const Field* f : {&tts_fields::kFormat, &tts_fields::kUseS3, &tts_fields::kMarks,
                         &tts_fields::kStream, &tts_fields::kUrlExpiry}) {
    if (f != &tts_fields::kStream || stream) fields.push_back(*f);
  }
  return fields;
}

ResponseDoc TextTooLong(const DocContext& ctx) {
  return {.status = 413,
          .description = "text is longer than MAX_TEXT_LENGTH (" +
                         std::to_string(ctx.settings->max_text_length) + " characters here).",
          .schema = SchemaRef("Error")};
}

}  // namespace

OperationDoc RootDoc(const DocContext&) {
  return {.tag = "service",
          .summary = "What this service is, and where its documentation lives",
          .description =
              "JSON for API clients; a browser (Accept ranking text/html above JSON) "
              "gets the web page.",
          .responses = {{.status = 200,
                         .description = "Links to the rest.",
                         .schema = {{"type", "object"},
                                    {"properties",
                                     {{"message", {{"type", "string"}}},
                                      {"version", {{"type", "string"}}},
                                      {"docs", {{"type", "string"}}},
                                      {"health", {{"type", "string"}}}}},
                                    {"required", {"message", "version"}}},
                         .examples = {{"default", {.summary = "API clients"}}}},
                        {.status = 200,
                         .description = "The web page, for an Accept that ranks text/html above "
                                        "JSON.",
                         .content_type = "text/html",
                         .schema = {{"type", "string"}}}}};
}

OperationDoc FormatsDoc(const DocContext&) {
  return {.tag = "tts",
          .summary = "The audio formats generate can store",
          .responses = {
              {.status = 200,
               .description = "Each format's name (generate's \"format\"), file "
                              "extension and content type, and the default.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"formats",
                             {{"type", "array"},
                              {"items",
                               {{"type", "object"},
                                {"properties",
                                 {{"name", {{"type", "string"}}},
                                  {"extension", {{"type", "string"}}},
                                  {"content_type", {{"type", "string"}}}}},
                                {"required", {"name", "extension", "content_type"}}}}}},
                            {"default", {{"type", "string"}}},
                            {"total_count", {{"type", "integer"}}}}},
                          {"required", {"formats", "default", "total_count"}}},
               .examples = {
                   {"default",
                    {.value = {
                         {"formats",
                          {{{"name", "wav"}, {"extension", "wav"}, {"content_type", "audio/wav"}}}},
                         {"default", "wav"},
                         {"total_count", 1}}}}}}}};
}

OperationDoc HealthDoc(const DocContext&) {
  return {.tag = "service",
          .summary = "Liveness: the process answers",
          .responses = {{.status = 200,
                         .description = "Always, while the process runs.",
                         .schema = {{"type", "object"},
                                    {"properties",
                                     {{"status", {{"type", "string"}, {"enum", {"healthy"}}}},
                                      {"version", {{"type", "string"}}},
                                      {"environment", {{"type", "string"}}},
                                      {"engine", {{"type", "string"}}}}},
                                    {"required", {"status", "version", "environment"}}},
                         .examples = {{"default",
                                       {.value = {{"status", "healthy"},
                                                  {"version", SWHA_VERSION},
                                                  {"environment", "development"},
                                                  {"engine", "espeak-ng"}}}}}}}};
}

namespace {

// GET /ready's body, for 200 and 503 alike.
json ReadinessSchema() {
  const json check = {{"type", "object"},
                      {"properties",
                       {{"status", {{"type", "string"}, {"enum", {"ok", "failing"}}}},
                        {"detail", {{"type", "string"}}}}},
                      {"required", {"status"}}};
  return {
      {"type", "object"},
      {"properties",
       {{"status", {{"type", "string"}, {"enum", {"ready", "degraded", "not_ready", "stopping"}}}},
        {"checks",
         {{"type", "object"},
          {"description",
           "One entry per check: `catalog` (the database answers a query), `audio_dir` "
           "(a file can be written to AUDIO_DIR) and, with USE_S3_STORAGE, `s3` (S3 is set "
           "up and its primary bucket answers). Empty while stopping."},
          {"additionalProperties", check}}}}},
      {"required", {"status", "checks"}}};
}

}  // namespace

OperationDoc ReadyDoc(const DocContext&) {
  return {.tag = "service",
          .summary = "Readiness: the database and the storage answer",
          .description =
              "For load balancers and orchestrators; GET /health is the liveness probe. "
              "One answer serves every caller for a second. From SIGTERM on, `stopping`.",
          .responses = {
              {.status = 200,
               .description = "Ready: every check passed; or `degraded`: only the S3 bucket does "
                              "not answer, and audio goes to local storage and the upload outbox "
                              "(taking every instance out of rotation would turn an S3 outage into "
                              "an outage of the service).",
               .schema = ReadinessSchema(),
               .examples = {{"default",
                             {.value = {{"status", "ready"},
                                        {"checks",
                                         {{"catalog", {{"status", "ok"}}},
                                          {"audio_dir", {{"status", "ok"}}}}}}}}}},
              {.status = 503,
               .description = "Not ready: a check failed (`status` `not_ready`, and the failing "
                              "check says why, e.g. `{\"catalog\": {\"status\": \"failing\", "
                              "\"detail\": \"the database does not answer\"}}`), or `stopping`.",
               .schema = ReadinessSchema()}}};
}

OperationDoc MetricsDoc(const DocContext&) {
  return {.tag = "service",
          .summary = "Prometheus metrics",
          .description =
              "The text exposition format. With METRICS_TOKEN set, only for "
              "`Authorization: Bearer <METRICS_TOKEN>`.",
          .access = Access::kMetricsToken,
          .responses = {{.status = 200,
                         .description = "The metrics.",
                         .content_type = "text/plain",
                         .schema = {{"type", "string"}},
                         .examples = {{"default", {.summary = "Every metric family"}}}},
                        {.status = 401,
                         .description = "METRICS_TOKEN is set and was not given.",
                         .schema = SchemaRef("Error")}}};
}

OperationDoc GenerateDoc(const DocContext& ctx) {
  std::vector<Field> fields = GenerateBodyFields(ctx, /*stream=*/true);
  return {
      .tag = "tts",
      .summary = "Speak a text; store each segment and hand back its URL",
      .description =
          "Each segment (the text split at split_pattern) becomes one audio file, "
          "stored in S3 when the server has S3 storage on and use_s3 is true (a "
          "segment S3 cannot take stays local, and warnings say so), else on the "
          "server's disk behind a signed URL.",
      .access = Access::kOptionalUser,
      .body = BodyDoc{.fields = std::move(fields),
                      .examples = {{"two_segments",
                                    {.summary = "Two lines, two segments, with timing marks",
                                     .value = {{"text", "Hello there.\nHow are you today?"},
                                               {"voice", "af_heart"},
                                               {"language_code", "a"},
                                               {"speed", 1.0},
                                               {"marks", true}}}},
                                   {"mp3",
                                    {.summary = "MP3 instead of WAV",
                                     .value = {{"text", "A short sentence."}, {"format", "mp3"}}}},
                                   {"bad_speed",
                                    {.summary = "A speed out of range",
                                     .value = {{"text", "Too fast."}, {"speed", 9}}}},
                                   {"missing_text",
                                    {.summary = "No text", .value = {{"voice", "af_heart"}}}}}},
      .responses = {{.status = 200,
                     .description = "The session: its segments, their URLs and when they expire "
                                    "(with stream: true, application/x-ndjson lines instead).",
                     .schema = SchemaRef("Session"),
                     .examples = {{"two_segments", {.value = SessionExample()}},
                                  {"mp3", {.summary = "segment_000.mp3"}}}},
                    {.status = 422,
                     .description = "A field is missing, of the wrong type or out of range.",
                     .schema = SchemaRef("ValidationError"),
                     .examples = {{"bad_speed",
                                   {.value = {{"detail",
                                               {{{"loc", {"body", "speed"}},
                                                 {"msg", "must be between 0.5 and 2.0"},
                                                 {"type", "value_error"}}}}}}},
                                  {"missing_text",
                                   {.value = {{"detail",
                                               {{{"loc", {"body", "text"}},
                                                 {"msg", "field required"},
                                                 {"type", "missing"}}}}}}}}},
                    {.status = 200,
                     .description = "With stream: true, one line per segment as it is stored "
                                    "({\"type\": \"segment\"}), then the session ({\"type\": "
                                    "\"done\"}) or the error the plain request would have had "
                                    "({\"type\": \"error\", \"status\"}).",
                     .content_type = "application/x-ndjson",
                     .schema = {{"type", "string"}}},
                    TextTooLong(ctx),
                    {.status = 503,
                     .description = "Synthesis is at capacity (an upstream engine's slots).",
                     .schema = SchemaRef("Error")}}};
}

OperationDoc GenerateSimpleDoc(const DocContext& ctx) {
  std::vector<ParameterDoc> params;
  for (Field& f : SynthesisFields(ctx)) {
    ParameterDoc p{.in = "query", .field = std::move(f)};
    if (p.field.name == "text") {
      p.examples = {{"hello", {.value = "Hello from a query string."}},
                    {"missing_text", {.summary = "No text"}}};
    }
    params.push_back(std::move(p));
  }
  for (const Field* f : {&tts_fields::kFormat, &tts_fields::kUseS3, &tts_fields::kUrlExpiry}) {
    params.push_back({.in = "query", .field = *f});
  }
  return {.tag = "tts",
          .summary = "generate, with its fields in the query string",
          .description = "As POST /api/v1/tts/generate; the answer also has first_audio_url.",
          .access = Access::kOptionalUser,
          .parameters = std::move(params),
          .responses = {
              {.status = 200,
               .description = "The session, and the first segment's URL.",
               .schema = {{"allOf",
                           {SchemaRef("Session"),
                            {{"type", "object"},
                             {"properties", {{"first_audio_url", {{"type", {"string", "null"}}}}}},
                             {"required", {"first_audio_url"}}}}}},
               .examples = {{"hello", {.summary = "One segment"}}}},
              {.status = 422,
               .description = "A field is missing, of the wrong type or out of range.",
               .schema = SchemaRef("ValidationError"),
               .examples = {{"missing_text", {.summary = "text is required"}}}},
              TextTooLong(ctx)}};
}

OperationDoc MarksDoc(const DocContext& ctx) {
  return {.tag = "tts",
          .summary = "Timing marks for a text, without storing audio",
          .description =
              "Amazon Polly's speech-marks stream: one JSON object per line, `time` in "
              "ms from the start of the whole text, `segment` its segment's index.",
          .access = Access::kOptionalUser,
          .body = BodyDoc{.fields = GenerateBodyFields(ctx, /*stream=*/false),
                          .examples = {{"sentence",
                                        {.summary = "One sentence",
                                         .value = {{"text", "Mark my words."}}}}}},
          .responses = {{.status = 200,
                         .description = "One speech mark per line.",
                         .content_type = "application/x-json-stream",
                         .schema = {{"type", "string"}},
                         .examples = {{"sentence",
                                       {.value = "{\"time\":0,\"type\":\"sentence\",\"start\":0,"
                                                 "\"end\":14,\"value\":\"Mark my words.\","
                                                 "\"segment\":0}\n"}}}},
                        TextTooLong(ctx)}};
}

OperationDoc S3InfoDoc(const DocContext&) {
  return {
      .tag = "tts",
      .summary = "S3 storage: configured, reachable, where",
      .access = Access::kOptionalUser,
      .responses = {
          {.status = 200,
           .description = "The original's fields, and each bucket's state.",
           .schema = {{"type", "object"},
                      {"properties",
                       {{"s3_enabled", {{"type", "boolean"}}},
                        {"use_s3_storage", {{"type", "boolean"}}},
                        {"bucket_name", {{"type", {"string", "null"}}}},
                        {"region", {{"type", {"string", "null"}}}},
                        {"default_expiry", {{"type", "integer"}}},
                        {"reachable", {{"type", {"boolean", "null"}}}},
                        {"error", {{"type", {"string", "null"}}}},
                        {"credentials_source",
                         {{"type", "string"},
                          {"enum",
                           {"environment", "assume-role", "web-identity", "shared-credentials-file",
                            "process", "config-file", "container", "instance-metadata"}},
                          {"description",
                           "Where the S3 credentials come from (when S3 is "
                           "configured)."}}},
                        {"credentials_expire_at",
                         {{"type", {"integer", "null"}},
                          {"description",
                           "When the temporary credentials in force expire (unix "
                           "seconds; they are refreshed before); null for "
                           "long-term keys."}}},
                        {"credentials_error",
                         {{"type", {"string", "null"}},
                          {"description",
                           "Set while fetching newer credentials fails (they are retried with "
                           "back-off)."}}}}},
                      {"required",
                       {"s3_enabled", "use_s3_storage", "bucket_name", "region",
                        "default_expiry"}}},
           .examples = {{"default", {.summary = "The server's S3 state"}}}}}};
}

OperationDoc CleanupDoc(const DocContext&) {
  return {.tag = "tts",
          .summary = "Remove the caller's old sessions",
          .access = Access::kUser,
          .parameters = {{.in = "query",
                          .field = tts_fields::kDaysOld,
                          .examples = {{"month_old", {.value = 30}}, {"negative", {.value = -1}}}},
                         {.in = "query", .field = tts_fields::kCleanupS3}},
          .responses = {
              {.status = 200,
               .description = "What was removed.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"message", {{"type", "string"}}},
                            {"local_files_cleaned", {{"type", "integer"}}},
                            {"local_sessions_removed", {{"type", "integer"}}},
                            {"s3_files_cleaned", {{"type", "integer"}}}}},
                          {"required", {"message", "local_files_cleaned", "s3_files_cleaned"}}},
               .examples = {{"month_old", {.summary = "Sessions over 30 days old"}}}},
              {.status = 422,
               .description = "days_old is not an integer from 0 to " +
                              std::to_string(service::kMaxCleanupDays) + ".",
               .schema = SchemaRef("ValidationError"),
               .examples = {{"negative", {.summary = "days_old below 0"}}}}}};
}

OperationDoc VoicesDoc(const DocContext&) {
  json example_names = json::array();
  for (const tts::Voice& v : tts::AllVoices()) {
    if (example_names.size() < 3) example_names.push_back(v.name);
  }
  return {.tag = "tts",
          .summary = "The voices",
          .responses = {
              {.status = 200,
               .description = "Names, and each voice's language and gender.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"voices", {{"type", "array"}, {"items", {{"type", "string"}}}}},
                            {"total_count", {{"type", "integer"}}},
                            {"details",
                             {{"type", "array"},
                              {"items",
                               {{"type", "object"},
                                {"properties",
                                 {{"name", {{"type", "string"}}},
                                  {"language_code", {{"type", "string"}}},
                                  {"gender", {{"type", "string"}, {"enum", {"female", "male"}}}}}},
                                {"required", {"name", "language_code", "gender"}}}}}}}},
                          {"required", {"voices", "total_count"}}},
               .examples = {{"default",
                             {.summary = "Every voice (shortened here)",
                              .value = {{"voices", example_names},
                                        {"total_count", example_names.size()}}}}}}}};
}

OperationDoc LanguagesDoc(const DocContext&) {
  return {.tag = "tts",
          .summary = "The languages, by code",
          .responses = {
              {.status = 200,
               .description = "{code: name}, as the original nests it.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"languages",
                             {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}},
                            {"total_count", {{"type", "integer"}}}}},
                          {"required", {"languages", "total_count"}}},
               .examples = {{"default",
                             {.value = {{"languages", {{"a", "American English"}}},
                                        {"total_count", 1}}}}}}}};
}

}  // namespace swha::http
