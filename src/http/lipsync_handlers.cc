// /api/v1/lipsync/*: the original's endpoints with its field names and defaults, plus session
// audio, listing pages and the provider's webhook.
#include <cstdint>

#include "http/api.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/lipsync_fields.h"
#include "http/params.h"
#include "lipsync/provider.h"

namespace swha::http {
namespace {

using nlohmann::json;
namespace fields = lipsync_fields;

double UnixSeconds(int64_t ms) { return static_cast<double>(ms) / 1000.0; }

json OptionalSeconds(const std::optional<int64_t>& ms) {
  return ms ? json(UnixSeconds(*ms)) : json(nullptr);
}

// The provider reports no progress figure; this one follows from the status.
json ProgressOf(const std::string& status) {
  if (catalog::IsFinalLipsyncStatus(status)) return 100;
  return status == "PROCESSING" ? 50 : 0;
}

// Clients know the provider's statuses only: a job whose create sync.so has not acknowledged
// yet is PENDING to them (with no provider_job_id).
std::string_view PublicStatus(const std::string& status) {
  return status == catalog::kLipsyncSubmitting ? "PENDING" : std::string_view{status};
}

json StatusJson(const catalog::LipsyncJob& job) {
  json processing_time = nullptr;
  if (job.completed_at_ms) processing_time = UnixSeconds(*job.completed_at_ms - job.created_at_ms);
  return {{"job_id", job.job_id},
          {"status", PublicStatus(job.status)},
          {"output_url", OptionalJson(job.output_url)},
          {"output_duration", OptionalJson(job.output_duration)},
          {"progress", ProgressOf(job.status)},
          {"error_message", OptionalJson(job.error_message)},
          {"error_code", OptionalJson(job.error_code)},
          {"created_at", UnixSeconds(job.created_at_ms)},
          {"updated_at", UnixSeconds(job.updated_at_ms)},
          {"completed_at", OptionalSeconds(job.completed_at_ms)},
          {"processing_time", processing_time},
          {"video_url", job.video_url},
          {"audio_url", job.audio_url},
          {"audio_url_type", job.audio_url_type},
          {"model", job.model},
          {"sync_mode", job.sync_mode},
          {"output_filename", OptionalJson(job.output_filename)},
          {"provider_job_id", OptionalJson(job.provider_job_id)}};
}

json CreatedJson(const catalog::LipsyncJob& job, std::string_view message) {
  json out = StatusJson(job);
  out["message"] = message;
  out["submitted_at"] = UnixSeconds(job.created_at_ms);
  return out;
}

// A service error about `audio_url` is reported under the name the route uses for it.
Response CreateError(const Status& s, std::string_view location, std::string_view audio_field) {
  if (s.code() == StatusCode::kInvalidArgument && s.field() == "audio_url") {
    return ValidationError(location, audio_field, s.message());
  }
  return ErrorFromStatus(s, location);
}

Response Create(const ApiContext& ctx, const service::Principal& caller,
                const service::LipsyncCreateRequest& in, FieldErrors* errors,
                std::string_view location, std::string_view audio_field, std::string_view message) {
  for (const Status& e : ctx.lipsync->Validate(in)) {
    if (e.field() == "audio_url") {
      errors->Add(audio_field, e.message());
    } else {
      errors->Add(e);
    }
  }
  if (!errors->empty()) return errors->ToResponse();
  auto job = ctx.lipsync->Create(caller, in);
  if (!job.ok()) return CreateError(job.status(), location, audio_field);
  return Response::Json(200, CreatedJson(*job, message));
}

// In a query string, "name=" is the original's way of leaving an optional text out.
std::optional<std::string> NonEmpty(std::optional<std::string> v) {
  if (v && v->empty()) return std::nullopt;
  return v;
}

// A query value that is text: empty reads as absent.
std::optional<std::string> QueryText(const Request& req, const Field& field) {
  FieldErrors none("query");  // a query string's text is always a string
  return NonEmpty(FieldReader(req.query, &none).String(field));
}

}  // namespace

Response HandleLipsyncCreate(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  service::LipsyncCreateRequest in;
  FieldErrors errors("body");
  FieldReader reader(body, &errors);
  reader.Read(fields::kVideoUrl, &in.video_url);
  reader.Read(fields::kAudioUrl, &in.audio_url);
  reader.Read(fields::kSessionId, &in.session_id);
  if (auto index = reader.Int(fields::kSegmentIndex)) {
    if (*index < 0 || *index > INT32_MAX) {
      errors.Add(fields::kSegmentIndex.name, fields::kSegmentIndex.type_message, "type_error");
    } else {
      in.segment_index = static_cast<int>(*index);
    }
  }
  reader.Read(fields::kApiKey, &in.api_key);
  in.model = std::string(lipsync::kDefaultModel);
  reader.Read(fields::kModel, &in.model);
  in.sync_mode = std::string(lipsync::kDefaultSyncMode);
  reader.Read(fields::kSyncMode, &in.sync_mode);
  reader.Read(fields::kOutputFilename, &in.output_filename);
  reader.Read(fields::kTemperature, &in.temperature);
  reader.Read(fields::kActiveSpeakerDetection, &in.active_speaker_detection);
  reader.Read(fields::kOcclusionDetection, &in.occlusion_detection_enabled);
  if (!errors.empty()) return errors.ToResponse();
  return Create(ctx, *caller, in, &errors, "body", "audio_url", "Lipsync job created successfully");
}

Response HandleLipsyncCreateFromTts(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  service::LipsyncCreateRequest in;
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  reader.Read(fields::kVideoUrl, &in.video_url);
  reader.Read(fields::kTtsAudioUrl, &in.audio_url);
  in.session_id = NonEmpty(reader.String(fields::kSessionId));
  // Checked even where it means nothing (no session_id): a bad value is never silently taken.
  if (auto index = reader.Int(fields::kTtsSegmentIndex);
      index && (*index < 0 || *index > INT32_MAX)) {
    errors.Add(fields::kTtsSegmentIndex.name, "must be a non-negative integer");
  } else if (index && in.session_id) {
    in.segment_index = static_cast<int>(*index);
  }
  in.api_key = NonEmpty(reader.String(fields::kApiKey));
  in.model = NonEmpty(reader.String(fields::kModel)).value_or(std::string(lipsync::kDefaultModel));
  in.sync_mode =
      NonEmpty(reader.String(fields::kSyncMode)).value_or(std::string(lipsync::kDefaultSyncMode));
  in.output_filename = NonEmpty(reader.String(fields::kOutputFilename));
  reader.Read(fields::kTemperature, &in.temperature);
  if (!errors.empty()) return errors.ToResponse();
  return Create(ctx, *caller, in, &errors, "query", "tts_audio_url",
                "Lipsync job created from TTS audio");
}

Response HandleLipsyncStatus(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto job = ctx.lipsync->Get(*caller, req.path_params.at(fields::kJobId.name),
                              QueryText(req, fields::kStatusApiKey));
  if (!job.ok()) return ErrorFromStatus(job.status(), "path");
  return Response::Json(200, StatusJson(*job));
}

Response HandleLipsyncDebugStatus(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto job = ctx.lipsync->Get(*caller, req.path_params.at(fields::kJobId.name),
                              QueryText(req, fields::kStatusApiKey));
  if (!job.ok()) return ErrorFromStatus(job.status(), "path");
  const json raw = StatusJson(*job);
  json types = json::object();
  for (const auto& [name, value] : raw.items()) types[name] = value.type_name();
  return Response::Json(200, {{"message", "Lipsync job status, as stored"},
                              {"job_id", job->job_id},
                              {"raw_result", raw},
                              {"data_types", types}});
}

Response HandleLipsyncWait(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  const int64_t timeout =
      reader.Int(fields::kTimeout).value_or(service::kDefaultLipsyncWaitSeconds);
  const int64_t interval =
      reader.Int(fields::kPollInterval).value_or(service::kDefaultLipsyncPollIntervalSeconds);
  if (!errors.empty()) return errors.ToResponse();
  auto waited = ctx.lipsync->Wait(*caller, req.path_params.at(fields::kJobId.name), timeout,
                                  interval, QueryText(req, fields::kStatusApiKey));
  if (!waited.ok()) {
    return ErrorFromStatus(waited.status(), waited.status().field().empty() ? "path" : "query");
  }
  json out = StatusJson(waited->job);
  out["timed_out"] = waited->timed_out;
  return Response::Json(200, out);
}

Response HandleLipsyncJobs(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  FieldErrors errors("query");
  const int64_t limit = FieldReader(req.query, &errors)
                            .Int(fields::kLimit)
                            .value_or(service::kDefaultLipsyncPageSize);
  if (!errors.empty()) return errors.ToResponse();
  // Out of int's range is out of the service's too, which says what is allowed.
  const int as_int = limit < 0 || limit > INT32_MAX ? 0 : static_cast<int>(limit);
  auto page = ctx.lipsync->List(*caller, as_int, QueryText(req, fields::kCursor));
  if (!page.ok()) return ErrorFromStatus(page.status(), "query");
  json jobs = json::array();
  for (const catalog::LipsyncJob& job : page->jobs) {
    json item = StatusJson(job);
    item["submitted_at"] = UnixSeconds(job.created_at_ms);
    item["user_id"] = caller->user_id.value_or(0);
    jobs.push_back(std::move(item));
  }
  return Response::Json(200, {{"jobs", jobs},
                              {"total_count", page->total},
                              {"next_cursor", OptionalJson(page->next_cursor)}});
}

Response HandleLipsyncModels(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  return Response::Json(200, fields::ChoicesJson(lipsync::Models(), "models"));
}

Response HandleLipsyncSyncModes(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  return Response::Json(200, fields::ChoicesJson(lipsync::SyncModes(), "sync_modes"));
}

Response HandleLipsyncCleanup(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  FieldErrors errors("query");
  const int64_t hours = FieldReader(req.query, &errors)
                            .Int(fields::kHoursOld)
                            .value_or(service::kDefaultLipsyncCleanupHours);
  if (!errors.empty()) return errors.ToResponse();
  auto cleaned = ctx.lipsync->Cleanup(*caller, hours);
  if (!cleaned.ok()) return ErrorFromStatus(cleaned.status(), "query");
  return Response::Json(
      200, {{"message", "Cleaned up finished jobs older than " + std::to_string(hours) + " hours"},
            {"cleaned_jobs", *cleaned}});
}

Response HandleLipsyncWebhook(const ApiContext& ctx, const Request& req) {
  FieldErrors none("header");  // headers, like a query string's values, are always strings
  const std::string signature =
      FieldReader(req.headers, &none).String(fields::kSyncSignature).value_or("");
  auto applied =
      ctx.lipsync->ApplyWebhook(signature, req.body, QueryText(req, fields::kWebhookJobId));
  // An unknown job is a 404, so the provider delivers again: the create's answer may not be
  // recorded yet.
  if (!applied.ok()) return ErrorResponse(applied.status());
  return Response::Json(200, {{"received", true}, {"status", PublicStatus(applied->status)}});
}

nlohmann::json lipsync_fields::ChoicesJson(const std::vector<lipsync::NamedChoice>& choices,
                                           const char* list_name) {
  json names = json::array();
  json descriptions = json::object();
  for (const auto& c : choices) {
    names.push_back(c.name);
    descriptions[std::string(c.name)] = c.description;
  }
  return {{list_name, names},
          {"total_count", choices.size()},
          {"descriptions", descriptions},
          {"default", choices.front().name}};
}

}  // namespace swha::http
