// The fields and documentation of /api/v1/lipsync/*: jobs at sync.so made from a video and
// speech (a URL, or a segment of one of the caller's sessions), their status, waits, listings,
// and the provider's signed webhook.
#include "http/docs.h"
#include "http/lipsync_fields.h"
#include "lipsync/provider.h"
#include "service/lipsync_request.h"
#include "service/lipsync_service.h"

namespace swha::http {

using nlohmann::json;

namespace {

std::vector<std::string> ChoiceNames(const std::vector<lipsync::NamedChoice>& choices) {
  std::vector<std::string> names;
  names.reserve(choices.size());
  for (const lipsync::NamedChoice& c : choices) names.emplace_back(c.name);
  return names;
}

std::string Str(int64_t n) { return std::to_string(n); }

}  // namespace

namespace lipsync_fields {

const Field kVideoUrl{.name = "video_url",
                      .description =
                          "The video of a face: an absolute http:// or https:// URL "
                          "sync.so can fetch.",
                      .required = true,
                      .max_length = service::kMaxLipsyncUrlLength,
                      .example = "https://example.com/face.mp4",
                      .nullable = false};
const Field kAudioUrl{.name = "audio_url",
                      .description =
                          "The speech: any URL sync.so can fetch, one of this server's "
                          "audio URLs included. Give exactly one of audio_url and "
                          "session_id.",
                      .max_length = service::kMaxLipsyncUrlLength};
const Field kSessionId{.name = "session_id",
                       .description =
                           "One of the caller's sessions: the server mints a URL for "
                           "its segment_index's audio."};
const Field kSegmentIndex{.name = "segment_index",
                          .type = FieldType::kInteger,
                          .description = "With session_id: which segment, from 0.",
                          .default_value = service::LipsyncCreateRequest{}.segment_index,
                          .minimum = 0,
                          .type_message = "must be a non-negative integer"};
const Field kApiKey{.name = "api_key",
                    .description =
                        "A sync.so API key of the caller's own; absent: the server's "
                        "SYNC_API_KEY. Kept sealed for the job's later reads."};
const Field kModel{.name = "model",
                   .description = "A model of GET /api/v1/lipsync/models.",
                   .default_value = std::string(lipsync::kDefaultModel),
                   .enum_values = ChoiceNames(lipsync::Models())};
const Field kSyncMode{.name = "sync_mode",
                      .description =
                          "What to do when the audio and the video differ in length "
                          "(GET /api/v1/lipsync/sync-modes).",
                      .default_value = std::string(lipsync::kDefaultSyncMode),
                      .enum_values = ChoiceNames(lipsync::SyncModes())};
const Field kOutputFilename{.name = "output_filename",
                            .description =
                                "The video's name at sync.so: letters, digits, '_' or "
                                "'-', without an extension.",
                            .max_length = lipsync::kMaxOutputFileNameLength};
const Field kTemperature{.name = "temperature",
                         .type = FieldType::kNumber,
                         .description = "How expressive the motion is, from 0 to 1.",
                         .minimum = service::kMinLipsyncTemperature,
                         .maximum = service::kMaxLipsyncTemperature,
                         .empty_is_absent = true};
const Field kActiveSpeakerDetection{.name = "active_speaker_detection",
                                    .type = FieldType::kBoolean,
                                    .description = "Find who speaks when several faces show."};
const Field kOcclusionDetection{.name = "occlusion_detection_enabled",
                                .type = FieldType::kBoolean,
                                .description = "Handle hands or objects in front of the face."};
const Field kTtsAudioUrl{.name = "tts_audio_url",
                         .description =
                             "The speech's URL (as audio_url of POST create). Give "
                             "exactly one of tts_audio_url and session_id.",
                         .max_length = service::kMaxLipsyncUrlLength};
const Field kTtsSegmentIndex{.name = "segment_index",
                             .type = FieldType::kInteger,
                             .description = "With session_id: which segment, from 0.",
                             .default_value = service::LipsyncCreateRequest{}.segment_index,
                             .minimum = 0,
                             .empty_is_absent = true};
const Field kJobId{.name = "job_id",
                   .description = "The job_id a create answered with.",
                   .required = true,
                   .example = "9f2c4e1a7b3d5f60718293a4b5c6d7e8",
                   .nullable = false};
const Field kStatusApiKey{.name = "api_key",
                          .description =
                              "A sync.so key to ask with this time; absent: the one "
                              "the job was made with."};
const Field kTimeout{.name = "timeout",
                     .type = FieldType::kInteger,
                     .description = "Seconds to wait at most; the answer then has timed_out: true.",
                     .default_value = service::kDefaultLipsyncWaitSeconds,
                     .minimum = 0,
                     .maximum = static_cast<double>(service::kMaxLipsyncWaitSeconds),
                     .empty_is_absent = true};
const Field kPollInterval{
    .name = "poll_interval",
    .type = FieldType::kInteger,
    .description = "Seconds between looks at sync.so (a webhook ends the wait sooner).",
    .default_value = service::kDefaultLipsyncPollIntervalSeconds,
    .minimum = static_cast<double>(service::kMinLipsyncPollIntervalSeconds),
    .maximum = static_cast<double>(service::kMaxLipsyncPollIntervalSeconds),
    .empty_is_absent = true};
const Field kLimit{.name = "limit",
                   .type = FieldType::kInteger,
                   .description = "Jobs per page, newest first.",
                   .default_value = service::kDefaultLipsyncPageSize,
                   .minimum = 1,
                   .maximum = service::kMaxLipsyncPageSize,
                   .empty_is_absent = true};
const Field kCursor{.name = "cursor", .description = "The next_cursor of the page before."};
const Field kHoursOld{.name = "hours_old",
                      .type = FieldType::kInteger,
                      .description = "Forget the caller's finished jobs last updated longer ago.",
                      .default_value = service::kDefaultLipsyncCleanupHours,
                      .minimum = 0,
                      .maximum = static_cast<double>(service::kMaxLipsyncCleanupHours),
                      .empty_is_absent = true};
const Field kWebhookJobId{.name = "job_id",
                          .description =
                              "Ours, put in the webhookUrl: matches a delivery that "
                              "comes before the create's answer is recorded."};
const Field kSyncSignature{.name = "sync-signature",
                           .description =
                               "sync.so's signature of the body: t=<unix time>,v1=<HMAC-"
                               "SHA256 hex> with SYNC_WEBHOOK_SECRET."};

}  // namespace lipsync_fields

namespace {

namespace fields = lipsync_fields;

constexpr const char* kExampleJobId = "9f2c4e1a7b3d5f60718293a4b5c6d7e8";

json JobExample(const std::string& status) {
  const bool done = status == "COMPLETED";
  return {{"job_id", kExampleJobId},
          {"status", status},
          {"output_url", done ? json("https://example.com/out/face-synced.mp4") : json(nullptr)},
          {"output_duration", done ? json(2.4) : json(nullptr)},
          {"progress", done ? 100 : 0},
          {"error_message", nullptr},
          {"error_code", nullptr},
          {"created_at", 1764590400.0},
          {"updated_at", done ? 1764590431.5 : 1764590400.0},
          {"completed_at", done ? json(1764590431.5) : json(nullptr)},
          {"processing_time", done ? json(31.5) : json(nullptr)},
          {"video_url", "https://example.com/face.mp4"},
          {"audio_url",
           "http://127.0.0.1:8000/static/audio/2b1f0c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f/"
           "segment_000.wav?expires=1767225600&signature=3f6a..."},
          {"audio_url_type", "external"},
          {"model", std::string(lipsync::kDefaultModel)},
          {"sync_mode", std::string(lipsync::kDefaultSyncMode)},
          {"output_filename", nullptr},
          {"provider_job_id", "6a1f3c2e-8b4d-4e5f-9a0b-1c2d3e4f5a6b"}};
}

json CreatedExample(const std::string& message) {
  json out = JobExample("PENDING");
  out["message"] = message;
  out["submitted_at"] = out["created_at"];
  return out;
}

json FieldError(const std::string& location, const std::string& field, const std::string& msg,
                const std::string& type = "value_error") {
  return {{"detail", {{{"loc", {location, field}}, {"msg", msg}, {"type", type}}}}};
}

ResponseDoc Invalid(std::map<std::string, ExampleDoc> examples) {
  return {.status = 422,
          .description = "A field is missing, of the wrong type or out of range.",
          .schema = SchemaRef("ValidationError"),
          .examples = std::move(examples)};
}

ResponseDoc NotFound(std::map<std::string, ExampleDoc> examples = {}) {
  return {.status = 404,
          .description = "No job of the caller's has this id.",
          .schema = SchemaRef("Error"),
          .examples = std::move(examples)};
}

// What sync.so's refusals become (the job is then recorded as FAILED).
std::vector<ResponseDoc> ProviderAnswers() {
  return {{.status = 402,
           .description = "sync.so: the account's credits are spent.",
           .schema = SchemaRef("Error")},
          {.status = 429,
           .description = "sync.so: too many requests (Retry-After says when).",
           .schema = SchemaRef("Error")},
          {.status = 502,
           .description = "sync.so answered with something we cannot read.",
           .schema = SchemaRef("Error")},
          {.status = 503,
           .description = "sync.so could not be heard; the job is sent again later.",
           .schema = SchemaRef("Error")}};
}

// The {job_id} path parameter with examples of these names, each the job_id fixture.
ParameterDoc JobIdParameter(const std::vector<std::string>& names, bool with_unknown) {
  ParameterDoc p{.in = "path", .field = fields::kJobId};
  for (const std::string& name : names) {
    p.examples[name] = {.summary = "One of the caller's jobs",
                        .value = kExampleJobId,
                        .fixtures = {{"", "job_id"}}};
  }
  if (with_unknown) {
    p.examples["unknown"] = {.summary = "No job of the caller's",
                             .value = "00000000000000000000000000000000"};
  }
  return p;
}

json NotFoundExample() { return {{"detail", "Lipsync job not found"}}; }

}  // namespace

OperationDoc LipsyncCreateDoc(const DocContext&) {
  std::vector<ResponseDoc> responses = {
      {.status = 200,
       .description = "The job, as recorded and submitted.",
       .schema = SchemaRef("LipsyncCreated"),
       .examples = {{"from_url", {.value = CreatedExample("Lipsync job created successfully")}}}},
      Invalid({{"missing_video",
                {.value = FieldError("body", "video_url", "field required", "missing")}}}),
      {.status = 401,
       .description = "Not authenticated; or sync.so refused the API key.",
       .schema = SchemaRef("Error")},
      NotFound()};
  responses.back().description = "session_id names no session of the caller's.";
  for (ResponseDoc& r : ProviderAnswers()) responses.push_back(std::move(r));
  return {
      .tag = "lipsync",
      .summary = "Make a lipsync job at sync.so",
      .description =
          "The speech is a URL, or a segment of one of the caller's sessions (the "
          "server mints its URL). The job is recorded before it is sent, so a lost "
          "answer makes no second job.",
      .access = Access::kUser,
      .body = BodyDoc{.fields = {fields::kVideoUrl, fields::kAudioUrl, fields::kSessionId,
                                 fields::kSegmentIndex, fields::kApiKey, fields::kModel,
                                 fields::kSyncMode, fields::kOutputFilename, fields::kTemperature,
                                 fields::kActiveSpeakerDetection, fields::kOcclusionDetection},
                      .examples = {{"from_url",
                                    {.summary = "A video and a segment's audio URL",
                                     .value = {{"video_url", "https://example.com/face.mp4"},
                                               {"audio_url",
                                                "http://127.0.0.1:8000/static/audio/"
                                                "2b1f0c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f/"
                                                "segment_000.wav?expires=1767225600&signature="
                                                "3f6a"},
                                               {"model", std::string(lipsync::kDefaultModel)}},
                                     .fixtures = {{"/audio_url", "audio_url"}}}},
                                   {"missing_video",
                                    {.summary = "No video_url",
                                     .value = {{"audio_url", "https://example.com/speech.wav"}}}}}},
      .responses = std::move(responses)};
}

OperationDoc LipsyncCreateFromTtsDoc(const DocContext&) {
  const ExampleDoc audio{.summary = "A segment's audio URL",
                         .value =
                             "http://127.0.0.1:8000/static/audio/"
                             "2b1f0c1e-5d4a-4e7b-9c6d-1a2b3c4d5e6f/segment_000.wav?expires="
                             "1767225600&signature=3f6a",
                         .fixtures = {{"", "audio_url"}}};
  const ExampleDoc video{.value = "https://example.com/face.mp4"};
  std::vector<ResponseDoc> responses = {
      {.status = 200,
       .description = "The job, as recorded and submitted.",
       .schema = SchemaRef("LipsyncCreated"),
       .examples = {{"from_tts", {.value = CreatedExample("Lipsync job created from TTS audio")}}}},
      Invalid({{"no_audio",
                {.value = FieldError("query", "tts_audio_url",
                                     "give exactly one of an audio URL and a session_id (with "
                                     "segment_index)")}}}),
      {.status = 401,
       .description = "Not authenticated; or sync.so refused the API key.",
       .schema = SchemaRef("Error")},
      NotFound()};
  responses.back().description = "session_id names no session of the caller's.";
  for (ResponseDoc& r : ProviderAnswers()) responses.push_back(std::move(r));
  return {.tag = "lipsync",
          .summary = "create, with its fields in the query string",
          .description = "The original's form of POST create; an empty value is left out.",
          .access = Access::kUser,
          .parameters = {{.in = "query",
                          .field = fields::kVideoUrl,
                          .examples = {{"from_tts", video}, {"no_audio", video}}},
                         {.in = "query",
                          .field = fields::kTtsAudioUrl,
                          .examples = {{"from_tts", audio}}},
                         {.in = "query", .field = fields::kSessionId},
                         {.in = "query", .field = fields::kTtsSegmentIndex},
                         {.in = "query", .field = fields::kApiKey},
                         {.in = "query", .field = fields::kModel},
                         {.in = "query", .field = fields::kSyncMode},
                         {.in = "query", .field = fields::kOutputFilename},
                         {.in = "query", .field = fields::kTemperature}},
          .responses = std::move(responses)};
}

OperationDoc LipsyncStatusDoc(const DocContext&) {
  return {.tag = "lipsync",
          .summary = "A job's status",
          .description =
              "Asked of sync.so first when the job is not final and was last heard of "
              "a few seconds ago or more.",
          .access = Access::kUser,
          .parameters = {JobIdParameter({"mine"}, true),
                         {.in = "query", .field = fields::kStatusApiKey}},
          .responses = {{.status = 200,
                         .description = "The job.",
                         .schema = SchemaRef("LipsyncJob"),
                         .examples = {{"mine", {.value = JobExample("COMPLETED")}}}},
                        NotFound({{"unknown", {.value = NotFoundExample()}}})}};
}

OperationDoc LipsyncDebugStatusDoc(const DocContext&) {
  const json job = JobExample("COMPLETED");
  json types = json::object();
  for (const auto& [name, value] : job.items()) types[name] = value.type_name();
  return {
      .tag = "lipsync",
      .summary = "A job's status, with each field's JSON type",
      .access = Access::kUser,
      .parameters = {JobIdParameter({"mine"}, true),
                     {.in = "query", .field = fields::kStatusApiKey}},
      .responses = {
          {.status = 200,
           .description = "The job as status answers it, and the type of each field.",
           .schema = {{"type", "object"},
                      {"properties",
                       {{"message", {{"type", "string"}}},
                        {"job_id", {{"type", "string"}}},
                        {"raw_result", SchemaRef("LipsyncJob")},
                        {"data_types",
                         {{"type", "object"}, {"additionalProperties", {{"type", "string"}}}}}}},
                      {"required", {"message", "job_id", "raw_result", "data_types"}}},
           .examples = {{"mine",
                         {.value = {{"message", "Lipsync job status, as stored"},
                                    {"job_id", kExampleJobId},
                                    {"raw_result", job},
                                    {"data_types", types}}}}}},
          NotFound({{"unknown", {.value = NotFoundExample()}}})}};
}

OperationDoc LipsyncWaitDoc(const DocContext&) {
  json waited = JobExample("COMPLETED");
  waited["timed_out"] = false;
  return {
      .tag = "lipsync",
      .summary = "Wait for a job to end",
      .description =
          "Answers as soon as the job is final, or after timeout with timed_out: true. "
          "The wait holds no worker that generate needs.",
      .access = Access::kUser,
      .parameters = {JobIdParameter({"until_done", "bad_interval"}, true),
                     {.in = "query",
                      .field = fields::kTimeout,
                      .examples = {{"until_done", {.value = 60}}}},
                     {.in = "query",
                      .field = fields::kPollInterval,
                      .examples = {{"until_done", {.value = 1}},
                                   {"bad_interval", {.summary = "Below 1 second", .value = 0}}}},
                     {.in = "query", .field = fields::kStatusApiKey}},
      .responses = {
          {.status = 200,
           .description = "The job, final unless timed_out.",
           .schema = {{"allOf",
                       {SchemaRef("LipsyncJob"),
                        {{"type", "object"},
                         {"properties", {{"timed_out", {{"type", "boolean"}}}}},
                         {"required", {"timed_out"}}}}}},
           .examples = {{"until_done", {.value = waited}}}},
          Invalid(
              {{"bad_interval",
                {.value = FieldError(
                     "query", "poll_interval",
                     "must be between " + Str(service::kMinLipsyncPollIntervalSeconds) + " and " +
                         Str(service::kMaxLipsyncPollIntervalSeconds) + " seconds")}}}),
          NotFound({{"unknown", {.value = NotFoundExample()}}}),
          {.status = 503,
           .description = "The server is shutting down.",
           .schema = SchemaRef("Error")}}};
}

OperationDoc LipsyncJobsDoc(const DocContext&) {
  json item = JobExample("COMPLETED");
  item["submitted_at"] = item["created_at"];
  item["user_id"] = 1;
  return {.tag = "lipsync",
          .summary = "The caller's jobs, a page at a time",
          .access = Access::kUser,
          .parameters = {{.in = "query",
                          .field = fields::kLimit,
                          .examples = {{"first_page", {.value = 10}},
                                       {"too_many",
                                        {.summary = "Past the page limit",
                                         .value = service::kMaxLipsyncPageSize + 1}}}},
                         {.in = "query", .field = fields::kCursor}},
          .responses = {
              {.status = 200,
               .description = "A page of jobs, newest first.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"jobs",
                             {{"type", "array"},
                              {"items",
                               {{"allOf",
                                 {SchemaRef("LipsyncJob"),
                                  {{"type", "object"},
                                   {"properties",
                                    {{"submitted_at", {{"type", "number"}}},
                                     {"user_id", {{"type", "integer"}}}}},
                                   {"required", {"submitted_at", "user_id"}}}}}}}}},
                            {"total_count",
                             {{"type", "integer"}, {"description", "All of the caller's."}}},
                            {"next_cursor",
                             {{"type", {"string", "null"}},
                              {"description", "The next page's cursor; null: no more."}}}}},
                          {"required", {"jobs", "total_count", "next_cursor"}}},
               .examples =
                   {{"first_page",
                     {.value = {{"jobs", {item}}, {"total_count", 1}, {"next_cursor", nullptr}}}}}},
              Invalid({{"too_many",
                        {.value = FieldError(
                             "query", "limit",
                             "must be between 1 and " + Str(service::kMaxLipsyncPageSize))}}})}};
}

namespace {}  // namespace

OperationDoc LipsyncModelsDoc(const DocContext&) {
  return {
      .tag = "lipsync",
      .summary = "sync.so's models",
      .access = Access::kUser,
      .responses = {{.status = 200,
                     .description = "The models, the default first.",
                     .schema = SchemaRef("LipsyncModels"),
                     .examples = {{"default",
                                   {.value = fields::ChoicesJson(lipsync::Models(), "models")}}}}}};
}

OperationDoc LipsyncSyncModesDoc(const DocContext&) {
  return {
      .tag = "lipsync",
      .summary = "sync.so's sync modes",
      .description = "What to do when the audio and the video differ in length.",
      .access = Access::kUser,
      .responses = {
          {.status = 200,
           .description = "The sync modes, the default first.",
           .schema = SchemaRef("LipsyncSyncModes"),
           .examples = {
               {"default", {.value = fields::ChoicesJson(lipsync::SyncModes(), "sync_modes")}}}}}};
}

OperationDoc LipsyncCleanupDoc(const DocContext&) {
  return {.tag = "lipsync",
          .summary = "Forget the caller's finished jobs",
          .description = "Only jobs in a final status; the videos at sync.so stay.",
          .access = Access::kUser,
          .parameters = {{.in = "query",
                          .field = fields::kHoursOld,
                          .examples = {{"day_old", {.value = service::kDefaultLipsyncCleanupHours}},
                                       {"negative", {.summary = "Below 0", .value = -1}}}}},
          .responses = {
              {.status = 200,
               .description = "How many jobs were forgotten.",
               .schema = {{"type", "object"},
                          {"properties",
                           {{"message", {{"type", "string"}}},
                            {"cleaned_jobs", {{"type", "integer"}}}}},
                          {"required", {"message", "cleaned_jobs"}}},
               .examples = {{"day_old",
                             {.value = {{"message", "Cleaned up finished jobs older than " +
                                                        Str(service::kDefaultLipsyncCleanupHours) +
                                                        " hours"},
                                        {"cleaned_jobs", 0}}}}}},
              Invalid({{"negative",
                        {.value = FieldError("query", "hours_old",
                                             "must be between 0 and " +
                                                 Str(service::kMaxLipsyncCleanupHours))}}})}};
}

OperationDoc LipsyncWebhookDoc(const DocContext&) {
  return {.tag = "lipsync",
          .summary = "sync.so's webhook: a job moved",
          .description =
              "Called by sync.so, not by users: the Sync-Signature header is the "
              "authentication, checked with SYNC_WEBHOOK_SECRET (webhooks are refused "
              "without one). A stale or late delivery changes nothing.",
          .access = Access::kSignedRequest,
          .parameters = {{.in = "query", .field = fields::kWebhookJobId},
                         {.in = "header", .field = fields::kSyncSignature}},
          .body = BodyDoc{.examples = {{"unsigned",
                                        {.summary = "A delivery without a signature",
                                         .value = {{"id", "6a1f3c2e-8b4d-4e5f-9a0b-1c2d3e4f5a6b"},
                                                   {"status", "COMPLETED"},
                                                   {"outputUrl",
                                                    "https://example.com/out/face-synced.mp4"}},
                                         .anonymous = true}}}},
          .responses = {{.status = 200,
                         .description = "Recorded (or already known): the job's status now.",
                         .schema = {{"type", "object"},
                                    {"properties",
                                     {{"received", {{"type", "boolean"}, {"enum", {true}}}},
                                      {"status", {{"type", "string"}}}}},
                                    {"required", {"received", "status"}}}},
                        {.status = 400,
                         .description = "The body is not a sync.so job, the signature is missing, "
                                        "wrong or stale, or SYNC_WEBHOOK_SECRET is not set.",
                         .schema = SchemaRef("Error"),
                         .examples = {{"unsigned", {.summary = "Refused; nothing changes"}}}},
                        {.status = 404,
                         .description = "No job of ours matches: sync.so delivers again later.",
                         .schema = SchemaRef("Error")}}};
}

}  // namespace swha::http
