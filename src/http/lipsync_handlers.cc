// /api/v1/lipsync/*: the original's endpoints with its field names and defaults, plus session
// audio, listing pages and the provider's webhook.
#include <cstdint>

#include "http/api.h"
#include "http/errors.h"
#include "http/params.h"
#include "lipsync/provider.h"

namespace swha::http {
namespace {

using nlohmann::json;

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

json ChoicesJson(const std::vector<lipsync::NamedChoice>& choices, const char* list_name) {
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

// An integer query value, or a 422 naming it.
std::optional<int64_t> IntQuery(const Request& req, const char* name, int64_t fallback,
                                FieldErrors* errors) {
  auto v = req.Query(name);
  if (!v || v->empty()) return fallback;
  auto n = ParseInt(*v);
  if (!n) errors->Add(name, "must be an integer", "type_error");
  return n;
}

std::optional<std::string> NonEmptyQuery(const Request& req, const char* name) {
  auto v = req.Query(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

}  // namespace

Response HandleLipsyncCreate(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  json body;
  if (auto bad = ParseObject(req, &body)) return *bad;
  service::LipsyncCreateRequest in;
  FieldErrors errors("body");
  auto string_field = [&](const char* name) -> std::optional<std::string> {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) {
      errors.Add(name, "must be a string", "type_error");
      return std::nullopt;
    }
    return it->get<std::string>();
  };
  auto bool_field = [&](const char* name) -> std::optional<bool> {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) errors.Add(name, "must be a boolean", "type_error");
    return it->is_boolean() ? std::optional<bool>(it->get<bool>()) : std::nullopt;
  };
  auto video = string_field("video_url");
  if (!video && !body.contains("video_url")) errors.Add("video_url", "field required", "missing");
  in.video_url = video.value_or("");
  in.audio_url = string_field("audio_url");
  in.session_id = string_field("session_id");
  if (auto it = body.find("segment_index"); it != body.end() && !it->is_null()) {
    if (it->is_number_integer() && it->get<int64_t>() >= 0 && it->get<int64_t>() <= INT32_MAX) {
      in.segment_index = it->get<int>();
    } else {
      errors.Add("segment_index", "must be a non-negative integer", "type_error");
    }
  }
  in.api_key = string_field("api_key");
  in.model = string_field("model").value_or(std::string(lipsync::kDefaultModel));
  in.sync_mode = string_field("sync_mode").value_or(std::string(lipsync::kDefaultSyncMode));
  in.output_filename = string_field("output_filename");
  if (auto it = body.find("temperature"); it != body.end() && !it->is_null()) {
    if (it->is_number()) {
      in.temperature = it->get<double>();
    } else {
      errors.Add("temperature", "must be a number", "type_error");
    }
  }
  in.active_speaker_detection = bool_field("active_speaker_detection");
  in.occlusion_detection_enabled = bool_field("occlusion_detection_enabled");
  if (!errors.empty()) return errors.ToResponse();
  return Create(ctx, *caller, in, &errors, "body", "audio_url", "Lipsync job created successfully");
}

Response HandleLipsyncCreateFromTts(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  service::LipsyncCreateRequest in;
  FieldErrors errors("query");
  auto video = req.Query("video_url");
  if (!video) errors.Add("video_url", "field required", "missing");
  in.video_url = video.value_or("");
  in.audio_url = req.Query("tts_audio_url");
  in.session_id = NonEmptyQuery(req, "session_id");
  if (in.session_id) {
    auto index = IntQuery(req, "segment_index", 0, &errors);
    if (index && (*index < 0 || *index > INT32_MAX)) {
      errors.Add("segment_index", "must be a non-negative integer");
    } else if (index) {
      in.segment_index = static_cast<int>(*index);
    }
  }
  in.api_key = NonEmptyQuery(req, "api_key");
  in.model = NonEmptyQuery(req, "model").value_or(std::string(lipsync::kDefaultModel));
  in.sync_mode = NonEmptyQuery(req, "sync_mode").value_or(std::string(lipsync::kDefaultSyncMode));
  in.output_filename = NonEmptyQuery(req, "output_filename");
  if (auto t = NonEmptyQuery(req, "temperature")) {
    in.temperature = ParseDouble(*t);
    if (!in.temperature) errors.Add("temperature", "must be a number", "type_error");
  }
  if (!errors.empty()) return errors.ToResponse();
  return Create(ctx, *caller, in, &errors, "query", "tts_audio_url",
                "Lipsync job created from TTS audio");
}

Response HandleLipsyncStatus(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto job = ctx.lipsync->Get(*caller, req.path_params.at("job_id"), NonEmptyQuery(req, "api_key"));
  if (!job.ok()) return ErrorFromStatus(job.status(), "path");
  return Response::Json(200, StatusJson(*job));
}

Response HandleLipsyncDebugStatus(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto job = ctx.lipsync->Get(*caller, req.path_params.at("job_id"), NonEmptyQuery(req, "api_key"));
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
  auto timeout = IntQuery(req, "timeout", 300, &errors);
  auto interval = IntQuery(req, "poll_interval", 10, &errors);
  if (!errors.empty()) return errors.ToResponse();
  auto waited = ctx.lipsync->Wait(*caller, req.path_params.at("job_id"), *timeout, *interval,
                                  NonEmptyQuery(req, "api_key"));
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
  auto limit = IntQuery(req, "limit", service::kDefaultLipsyncPageSize, &errors);
  if (!errors.empty()) return errors.ToResponse();
  // Out of int's range is out of the service's too, which says what is allowed.
  const int as_int = *limit < 0 || *limit > INT32_MAX ? 0 : static_cast<int>(*limit);
  auto page = ctx.lipsync->List(*caller, as_int, NonEmptyQuery(req, "cursor"));
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
  return Response::Json(200, ChoicesJson(lipsync::Models(), "models"));
}

Response HandleLipsyncSyncModes(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  return Response::Json(200, ChoicesJson(lipsync::SyncModes(), "sync_modes"));
}

Response HandleLipsyncCleanup(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  FieldErrors errors("query");
  auto hours = IntQuery(req, "hours_old", 24, &errors);
  if (!errors.empty()) return errors.ToResponse();
  auto cleaned = ctx.lipsync->Cleanup(*caller, *hours);
  if (!cleaned.ok()) return ErrorFromStatus(cleaned.status(), "query");
  return Response::Json(
      200, {{"message", "Cleaned up finished jobs older than " + std::to_string(*hours) + " hours"},
            {"cleaned_jobs", *cleaned}});
}

Response HandleLipsyncWebhook(const ApiContext& ctx, const Request& req) {
  auto applied = ctx.lipsync->ApplyWebhook(req.Header("sync-signature").value_or(""), req.body,
                                           NonEmptyQuery(req, "job_id"));
  // An unknown job is a 404, so the provider delivers again: the create's answer may not be
  // recorded yet.
  if (!applied.ok()) return ErrorResponse(applied.status());
  return Response::Json(200, {{"received", true}, {"status", PublicStatus(applied->status)}});
}

}  // namespace swha::http
