// /api/v1/tts/*: the original's endpoints, with its field names and types.
#include <optional>

#include "audio/format.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/params.h"
#include "http/tts_fields.h"
#include "tts/marks.h"
#include "tts/voice_catalog.h"
#include "util/strings.h"

namespace swha::http {
namespace {

using nlohmann::json;

// Validates `in` (after its fields parsed with the right types) and creates the session:
// field errors as one 422, other failures through the error catalogue.
Result<service::Session> ValidateAndCreate(const ApiContext& ctx, const service::Principal& caller,
                                           const service::GenerationRequest& in,
                                           FieldErrors* errors) {
  for (const Status& e : ctx.generation->Validate(in)) errors->Add(e);
  if (!errors->empty()) return Status::InvalidArgument("invalid fields");
  return ctx.generation->Create(caller, in);
}

}  // namespace

// One of audio_segments.
json SegmentJson(const service::Segment& seg) {
  json j = {{"index", seg.index},
            {"graphemes", seg.graphemes},
            {"phonemes", seg.phonemes},
            {"filename", seg.stored.filename},
            {"local_url", OptionalJson(seg.local_url)},
            {"presigned_url", OptionalJson(seg.presigned_url)},
            {"s3_key", OptionalJson(seg.stored.s3_key)},
            {"expires_at", OptionalJson(seg.expires_at)},
            {"storage_type", storage::StorageTypeName(seg.stored.location)},
            {"duration", seg.duration_seconds},
            {"size_bytes", seg.byte_size},
            {"sha256", seg.sha256_hex}};
  if (seg.marks_url) j["marks_url"] = *seg.marks_url;
  if (seg.marks) {
    json marks = json::array();
    for (const tts::SpeechMark& mark : *seg.marks) marks.push_back(tts::MarkToJson(mark));
    j["marks"] = std::move(marks);
  }
  return j;
}

// The fields both generate endpoints return.
json SessionJson(const service::Session& session) {
  json audio_files = json::array();
  json segments = json::array();
  for (const service::Segment& seg : session.segments) {
    audio_files.push_back(OptionalJson(seg.PreferredUrl()));
    segments.push_back(SegmentJson(seg));
  }
  return {{"message", "Speech generated successfully"},
          {"audio_files", audio_files},
          {"audio_segments", segments},
          {"total_segments", session.segments.size()},
          {"processing_time", session.processing_time},
          {"storage_type", session.StorageType()},
          {"session_id", session.session_id},
          {"created_at", FormatIso8601Utc(session.created_at_ms / 1000)},
          {"voice", session.voice},
          {"language_code", session.language_code},
          {"speed", session.speed},
          {"expires_at", OptionalJson(session.EarliestExpiry())},
          {"warnings", session.warnings}};
}

namespace {

// The stored files' "format": one of audio::AllFormats()' names, else a field error.
void ReadFormat(std::string_view name, FieldErrors* errors, audio::AudioFormat* out) {
  auto format = audio::ParseAudioFormat(name);
  if (format.ok()) {
    *out = *format;
  } else {
    errors->Add("format", format.status().message());
  }
}

// The JSON body of generate (and of marks, which takes its synthesis fields): field errors go
// to `errors`; a text over MAX_TEXT_LENGTH is the 413 returned, checked before anything else.
std::optional<Response> ReadGenerateBody(const ApiContext& ctx, const json& body,
                                         FieldErrors* errors, service::GenerationRequest* in,
                                         bool* stream) {
  namespace f = tts_fields;
  FieldReader reader(body, errors);
  auto& s = in->synthesis;
  reader.Read(f::kText, &s.text);
  if (Status length = ctx.generation->CheckTextLength(s.text); !length.ok()) {
    return ErrorResponse(length);
  }
  reader.Read(f::kVoice, &s.voice);
  reader.Read(f::kLanguageCode, &s.language_code);
  reader.Read(f::kSplitPattern, &s.split_pattern);
  // "" means the default, as it always has.
  if (auto format = reader.String(f::kFormat); format && !format->empty()) {
    ReadFormat(*format, errors, &in->format);
  }
  reader.Read(f::kSpeed, &s.speed);
  reader.Read(f::kUseS3, &in->use_s3);
  reader.Read(f::kMarks, &in->marks);
  if (stream != nullptr) reader.Read(f::kStream, stream);
  reader.Read(f::kUrlExpiry, &in->url_expiry_seconds);
  return std::nullopt;
}

// The request's JSON body read into `in` and checked: the 400, 413 or 422 to answer, or nullopt.
// `stream` (generate's "stream") may be null where the field means nothing.
std::optional<Response> ReadValidGenerateBody(const ApiContext& ctx, const Request& req,
                                              service::GenerationRequest* in, bool* stream) {
  json body;
  if (auto bad = ParseObject(req, &body)) return bad;
  FieldErrors errors("body");
  if (auto too_long = ReadGenerateBody(ctx, body, &errors, in, stream)) return too_long;
  if (!errors.empty()) return errors.ToResponse();
  for (const Status& e : ctx.generation->Validate(*in)) errors.Add(e);
  if (!errors.empty()) return errors.ToResponse();
  return std::nullopt;
}

}  // namespace

namespace {

// generate with "stream": true. Everything that can be refused is refused before the status
// line; then one JSON line per segment as it is stored ({"type":"segment"}), and a last line
// that is either the whole answer ({"type":"done"} with SessionJson's fields) or the error the
// plain request would have answered ({"type":"error","status","detail"}), after which nothing
// of the session is left.
Response StreamGenerate(const ApiContext& ctx, const service::Principal& caller,
                        const service::GenerationRequest& in) {
  auto started = ctx.generation->StartStreaming(caller, in);
  if (!started.ok()) return ErrorFromStatus(started.status(), "body");
  auto start = std::make_shared<service::StreamStart>(std::move(started).value());
  Response response;
  response.content_type = "application/x-ndjson";
  response.headers.emplace_back("Cache-Control", "no-cache");
  const service::GenerationService* generation = ctx.generation;
  response.stream = [generation, caller, in, start](const BodyWriter& write) {
    const auto line = [&write](const json& j) { return write(j.dump() + "\n"); };
    auto session = generation->CreateStreaming(
        caller, in, std::move(*start),
        [&](const service::Segment& seg, const std::vector<std::string>& warnings) {
          return line({{"type", "segment"}, {"segment", SegmentJson(seg)}, {"warnings", warnings}});
        });
    if (session.ok()) {
      json done = SessionJson(*session);
      done["type"] = "done";
      return line(done);
    }
    if (session.status().code() == StatusCode::kCancelled) return false;
    // The body the plain request would have had, as one line.
    const Response error = ErrorFromStatus(session.status(), "body");
    json line_json = json::parse(error.body, nullptr, /*allow_exceptions=*/false);
    if (!line_json.is_object()) line_json = json::object();
    line_json["type"] = "error";
    line_json["status"] = error.status;
    return line(line_json);
  };
  return response;
}

}  // namespace

Response HandleGenerate(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/false);
  if (!caller.ok()) return ErrorResponse(caller.status());
  service::GenerationRequest in;
  bool stream = false;
  if (auto refused = ReadValidGenerateBody(ctx, req, &in, &stream)) return *refused;
  if (stream) return StreamGenerate(ctx, *caller, in);
  auto session = ctx.generation->Create(*caller, in);
  if (!session.ok()) return ErrorFromStatus(session.status(), "body");
  return Response::Json(200, SessionJson(*session));
}

Response HandleMarks(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/false);
  if (!caller.ok()) return ErrorResponse(caller.status());
  service::GenerationRequest in;
  if (auto refused = ReadValidGenerateBody(ctx, req, &in, nullptr)) return *refused;
  auto segments = ctx.generation->Marks(*caller, in.synthesis);
  if (!segments.ok()) return ErrorFromStatus(segments.status(), "body");
  // Polly's speech-marks stream: one JSON object per line, time from the segment's start.
  Response res;
  res.content_type = "application/x-json-stream";
  for (const service::SegmentMarks& segment : *segments) {
    res.body += tts::MarksToJsonLines(segment.marks, segment.index);
  }
  return res;
}

Response HandleGenerateSimple(const ApiContext& ctx, const Request& req) {
  auto caller = Caller(ctx, req, /*require_user=*/false);
  if (!caller.ok()) return ErrorResponse(caller.status());
  namespace f = tts_fields;
  service::GenerationRequest in;
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  auto& s = in.synthesis;
  auto text = reader.String(f::kText);
  if (!text) return errors.ToResponse();
  if (!IsValidUtf8(*text)) {
    errors.Add("text", "must be valid UTF-8");
    return errors.ToResponse();
  }
  s.text = *text;
  if (Status length = ctx.generation->CheckTextLength(s.text); !length.ok()) {
    return ErrorResponse(length);
  }
  reader.Read(f::kVoice, &s.voice);
  reader.Read(f::kLanguageCode, &s.language_code);
  reader.Read(f::kSpeed, &s.speed);
  reader.Read(f::kSplitPattern, &s.split_pattern);
  if (auto format = reader.String(f::kFormat)) ReadFormat(*format, &errors, &in.format);
  reader.Read(f::kUseS3, &in.use_s3);
  reader.Read(f::kUrlExpiry, &in.url_expiry_seconds);
  if (!errors.empty()) return errors.ToResponse();
  auto session = ValidateAndCreate(ctx, *caller, in, &errors);
  if (!errors.empty()) return errors.ToResponse();
  if (!session.ok()) return ErrorFromStatus(session.status(), "query");
  json out = SessionJson(*session);
  out["first_audio_url"] = out["audio_files"].empty() ? json(nullptr) : out["audio_files"][0];
  return Response::Json(200, out);
}

Response HandleS3Info(const ApiContext& ctx, const Request& req) {
  if (auto caller = Caller(ctx, req, /*require_user=*/false); !caller.ok()) {
    return ErrorResponse(caller.status());
  }
  const auto& s3 = ctx.settings->s3;
  const service::S3Check check = ctx.sessions->CheckS3();
  // As the original: bucket and region are null while S3 storage is off.
  const auto when_on = [&s3](const std::string& v) {
    return s3.use_s3_storage ? json(v) : json(nullptr);
  };
  json out = {{"use_s3_storage", s3.use_s3_storage},
              {"bucket_name", when_on(s3.bucket_name)},
              {"region", when_on(check.region.empty() ? s3.region : check.region)},
              {"endpoint_url", s3.endpoint_url.empty() ? json(nullptr) : json(s3.endpoint_url)},
              {"addressing_style", s3.addressing_style},
              {"default_expiry", s3.presigned_url_expiry},
              {"keep_local_copy", ctx.settings->keep_local_copy},
              {"s3_enabled", check.reachable},
              {"reachable", check.configured ? json(check.reachable) : json(nullptr)},
              {"error", OptionalJson(check.error)}};
  const auto& cloudfront = ctx.settings->cloudfront;
  out["cloudfront_domain"] = cloudfront.enabled() ? json(cloudfront.domain) : json(nullptr);
  if (check.configured) {
    out["credentials_source"] = check.credentials_source;
    out["credentials_expire_at"] = OptionalJson(check.credentials_expire_at);
    out["credentials_error"] = OptionalJson(check.credentials_error);
    out["check_ms"] = check.check_ms;
    json targets = json::array();
    for (const service::S3TargetCheck& t : check.targets) {
      targets.push_back({{"name", t.name},
                         {"endpoint", t.endpoint},
                         {"primary", targets.empty()},
                         {"reachable", t.reachable},
                         {"error", OptionalJson(t.error)},
                         {"accepting_uploads", t.accepting_uploads},
                         {"retry_at", OptionalJson(t.retry_at)}});
    }
    out["targets"] = std::move(targets);
  }
  return Response::Json(200, out);
}

Response HandleCleanup(const ApiContext& ctx, const Request& req) {
  FieldErrors errors("query");
  FieldReader reader(req.query, &errors);
  service::CleanupRequest in;
  if (auto days = reader.Int(tts_fields::kDaysOld)) in.days_old = *days;
  reader.Read(tts_fields::kCleanupS3, &in.cleanup_s3);
  if (!errors.empty()) return errors.ToResponse();
  auto caller = Caller(ctx, req, /*require_user=*/true);
  if (!caller.ok()) return ErrorResponse(caller.status());
  auto report = ctx.sessions->Cleanup(*caller, in);
  if (!report.ok()) return ErrorFromStatus(report.status(), "query");

  const std::string message =
      "Cleanup completed for files older than " + std::to_string(in.days_old) + " days";
  json out = {{"message", report->failed() ? message + " (with errors)" : message},
              {"local_files_cleaned", report->local_files_removed},
              {"local_sessions_removed", report->local_sessions_removed},
              {"s3_files_cleaned", report->s3_objects_deleted}};
  if (report->local_errors > 0) {
    out["local_cleanup_errors"] = report->local_errors;
    out["local_cleanup_error"] = std::to_string(report->local_errors) +
                                 " local file(s) could not be removed (details in the server log)";
  }
  if (report->sessions_kept > 0) out["sessions_kept_for_s3"] = report->sessions_kept;
  if (!report->s3_errors.empty()) {
    out["s3_cleanup_error"] = report->s3_errors.front();
    out["s3_cleanup_errors"] = report->s3_errors.size();
  }
  return Response::Json(200, out);
}

Response HandleVoices(const ApiContext&, const Request&) {
  json names = json::array();
  json details = json::array();
  for (const tts::Voice& v : tts::AllVoices()) {
    names.push_back(v.name);
    details.push_back({{"name", v.name},
                       {"language_code", std::string(1, v.language_code)},
                       {"gender", v.gender == tts::Gender::kFemale ? "female" : "male"}});
  }
  return Response::Json(200,
                        {{"voices", names}, {"total_count", names.size()}, {"details", details}});
}

Response HandleLanguages(const ApiContext&, const Request&) {
  json languages = json::object();
  for (const tts::Language& l : tts::AllLanguages()) languages[std::string(1, l.code)] = l.name;
  return Response::Json(200, {{"languages", languages}, {"total_count", languages.size()}});
}

Response HandleFormats(const ApiContext&, const Request&) {
  json formats = json::array();
  for (const audio::FormatInfo& f : audio::AllFormats()) {
    formats.push_back(
        {{"name", f.name}, {"extension", f.extension}, {"content_type", f.content_type}});
  }
  return Response::Json(200, {{"formats", formats},
                              {"default", audio::InfoOf(service::GenerationRequest{}.format).name},
                              {"total_count", formats.size()}});
}

Response HandleHealth(const ApiContext& ctx, const Request&) {
  return Response::Json(200, {{"status", "healthy"},
                              {"version", SWHA_VERSION},
                              {"environment", ctx.settings->environment},
                              {"engine", "espeak-ng"}});
}

Response HandleReady(const ApiContext& ctx, const Request&) {
  const service::Readiness r = ctx.readiness->Check();
  json checks = json::object();
  for (const service::ReadinessCheck& c : r.checks) {
    checks[c.name] =
        c.ok ? json{{"status", "ok"}} : json{{"status", "failing"}, {"detail", c.detail}};
  }
  const char* status = r.ready      ? (r.degraded ? "degraded" : "ready")
                       : r.stopping ? "stopping"
                                    : "not_ready";
  Response response = Response::Json(r.ready ? 200 : 503, {{"status", status}, {"checks", checks}});
  // A probe's answer is about this moment: no cache between the prober and us may keep it.
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

Response HandleRoot(const ApiContext&, const Request&) {
  return Response::Json(200, {{"message", "swha-tts: text-to-speech API"},
                              {"version", SWHA_VERSION},
                              {"docs", "/docs"},
                              {"health", "/health"}});
}

}  // namespace swha::http
