// /api/v1/tts/*: the original's endpoints, with its field names and types.
#include <spdlog/spdlog.h>

#include <charconv>
#include <cmath>
#include <optional>

#include "http/api.h"
#include "http/errors.h"
#include "storage/session_id.h"
#include "tts/voice_catalog.h"
#include "util/regex.h"
#include "util/strings.h"

namespace swha::http {
namespace {

using nlohmann::json;

constexpr int64_t kMaxUrlExpirySeconds = 604800;  // S3's limit for presigned URLs: 7 days
constexpr int64_t kMaxCleanupDays = 36500;

// Collects every field error of a request, as FastAPI does, for one 422 response.
class FieldErrors {
 public:
  explicit FieldErrors(std::string location) : location_(std::move(location)) {}
  void Add(std::string_view field, std::string_view msg, std::string_view type = "value_error") {
    items_.push_back({{"loc", {location_, field}}, {"msg", msg}, {"type", type}});
  }
  bool empty() const { return items_.empty(); }
  Response ToResponse() const { return Response::Json(422, {{"detail", items_}}); }

 private:
  std::string location_;
  json items_ = json::array();
};

// What a generate call asks for, after parsing and validation.
struct GenerationInput {
  tts::SynthesisRequest synthesis;
  bool use_s3 = true;
  int64_t url_expiry_seconds = 0;
};

struct Generation {
  std::string session_id;
  std::vector<tts::SynthesizedSegment> segments;
  storage::StoredSession stored;
  double processing_time = 0;
};

std::optional<bool> ParseBool(std::string_view s) {
  const std::string v = ToLower(s);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return std::nullopt;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// Checks the fields whose rules do not depend on their source (JSON body or query string).
void ValidateCommon(const ApiContext& ctx, GenerationInput* in, FieldErrors* errors,
                    std::optional<int64_t> expiry) {
  auto& s = in->synthesis;
  if (TrimWhitespace(s.text).empty()) errors->Add("text", "must not be empty");
  if (auto v = tts::FindVoice(s.voice); !v.ok()) errors->Add("voice", v.status().message());
  if (auto l = tts::FindLanguage(s.language_code); !l.ok()) {
    errors->Add("language_code", l.status().message());
  }
  if (Status sp = tts::ValidateSpeed(s.speed); !sp.ok()) {
    errors->Add("speed", "must be between 0.5 and 2.0");
  }
  if (auto r = Regex::Compile(s.split_pattern); !r.ok()) {
    errors->Add("split_pattern", r.status().message());
  }
  // null or 0 means "the configured default", as in the original.
  const int64_t fallback = ctx.settings->s3.presigned_url_expiry;
  if (!expiry.has_value() || *expiry == 0) {
    in->url_expiry_seconds = fallback;
  } else if (*expiry < 1 || *expiry > kMaxUrlExpirySeconds) {
    errors->Add("presigned_url_expiry", "must be between 1 and 604800 seconds (7 days)");
  } else {
    in->url_expiry_seconds = *expiry;
  }
}

// The text limit is a size limit (413), checked before any other work.
std::optional<Response> CheckTextLength(const ApiContext& ctx, std::string_view text) {
  const size_t chars = Utf8Length(text);
  if (chars > ctx.settings->max_text_length) {
    return ErrorResponse(413, "text is " + std::to_string(chars) +
                                  " characters long; the limit is " +
                                  std::to_string(ctx.settings->max_text_length));
  }
  return std::nullopt;
}

// Whose audio this is: the user id once requests are authenticated; "anonymous" until then.
constexpr std::string_view kOwner = "anonymous";

Result<Generation> Generate(const ApiContext& ctx, const GenerationInput& in) {
  Stopwatch watch;
  Generation g;
  SWHA_ASSIGN_OR_RETURN(g.segments, ctx.synthesizer->Synthesize(in.synthesis));
  g.session_id = storage::NewSessionId(*ctx.clock, kOwner);
  std::vector<storage::SegmentFile> files;
  files.reserve(g.segments.size());
  for (const auto& seg : g.segments) {
    files.push_back({storage::SegmentFilename(seg.index), seg.wav});
  }
  SWHA_ASSIGN_OR_RETURN(g.stored, ctx.store->Publish(g.session_id, files, in.url_expiry_seconds));
  if (in.use_s3 && ctx.settings->s3.use_s3_storage) {
    if (ctx.s3 == nullptr) {
      g.stored.warnings.push_back("S3 storage is off (" + ctx.s3_setup_error +
                                  "); audio stored locally");
    } else {
      storage::SessionDescription description{std::string(kOwner), g.session_id,
                                              in.synthesis.voice,  in.synthesis.language_code,
                                              in.synthesis.speed,  {}};
      for (const auto& seg : g.segments) description.graphemes.push_back(seg.graphemes);
      ctx.s3->Upload(description, files, in.url_expiry_seconds, &g.stored);
    }
  }
  g.processing_time = watch.ElapsedSeconds();
  return g;
}

json OptionalJson(const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); }
json OptionalJson(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// The fields both generate endpoints return.
json CommonResponse(const Generation& g) {
  json audio_files = json::array();
  json segments = json::array();
  std::optional<double> earliest_expiry;
  for (size_t i = 0; i < g.segments.size(); ++i) {
    const auto& synth = g.segments[i];
    const auto& stored = g.stored.segments[i];
    audio_files.push_back(stored.presigned_url ? *stored.presigned_url : *stored.local_url);
    segments.push_back({{"index", synth.index},
                        {"graphemes", synth.graphemes},
                        {"phonemes", synth.phonemes},
                        {"filename", stored.filename},
                        {"local_url", OptionalJson(stored.local_url)},
                        {"presigned_url", OptionalJson(stored.presigned_url)},
                        {"s3_key", OptionalJson(stored.s3_key)},
                        {"expires_at", OptionalJson(stored.expires_at)},
                        {"storage_type", stored.storage_type},
                        {"duration", synth.duration_seconds}});
    if (stored.expires_at && (!earliest_expiry || *stored.expires_at < *earliest_expiry)) {
      earliest_expiry = stored.expires_at;
    }
  }
  return {{"message", "Speech generated successfully"},
          {"audio_files", audio_files},
          {"audio_segments", segments},
          {"total_segments", g.segments.size()},
          {"processing_time", g.processing_time},
          {"storage_type", g.stored.storage_type},
          {"session_id", g.session_id},
          {"expires_at", OptionalJson(earliest_expiry)},
          {"warnings", g.stored.warnings}};
}

}  // namespace

Response HandleGenerate(const ApiContext& ctx, const Request& req) {
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return ErrorResponse(400, "Malformed JSON in request body");
  if (!body.is_object()) return ValidationError("body", "body", "must be a JSON object");

  GenerationInput in;
  FieldErrors errors("body");
  auto& s = in.synthesis;
  auto string_field = [&](const char* name, std::string* out, bool required) {
    auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
      if (required) errors.Add(name, "field required", "missing");
      return;
    }
    if (!it->is_string()) return errors.Add(name, "must be a string", "type_error");
    *out = it->get<std::string>();
  };
  string_field("text", &s.text, /*required=*/true);
  if (auto too_long = CheckTextLength(ctx, s.text)) return *too_long;
  string_field("voice", &s.voice, false);
  string_field("language_code", &s.language_code, false);
  string_field("split_pattern", &s.split_pattern, false);
  if (auto it = body.find("speed"); it != body.end() && !it->is_null()) {
    if (it->is_number()) {
      s.speed = it->get<double>();
    } else {
      errors.Add("speed", "must be a number", "type_error");
    }
  }
  if (auto it = body.find("use_s3"); it != body.end() && !it->is_null()) {
    if (it->is_boolean()) {
      in.use_s3 = it->get<bool>();
    } else {
      errors.Add("use_s3", "must be a boolean", "type_error");
    }
  }
  std::optional<int64_t> expiry;
  if (auto it = body.find("presigned_url_expiry"); it != body.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      expiry = it->get<int64_t>();
    } else {
      errors.Add("presigned_url_expiry", "must be an integer number of seconds", "type_error");
    }
  }
  if (errors.empty()) ValidateCommon(ctx, &in, &errors, expiry);
  if (!errors.empty()) return errors.ToResponse();

  auto g = Generate(ctx, in);
  if (!g.ok()) return ErrorFromStatus(g.status(), "body");
  json out = CommonResponse(*g);
  out["language_code"] = s.language_code;
  out["voice"] = s.voice;
  return Response::Json(200, out);
}

Response HandleGenerateSimple(const ApiContext& ctx, const Request& req) {
  GenerationInput in;
  FieldErrors errors("query");
  auto& s = in.synthesis;
  auto text = req.Query("text");
  if (!text) {
    errors.Add("text", "field required", "missing");
    return errors.ToResponse();
  }
  if (!IsValidUtf8(*text)) {
    errors.Add("text", "must be valid UTF-8");
    return errors.ToResponse();
  }
  s.text = *text;
  if (auto too_long = CheckTextLength(ctx, s.text)) return *too_long;
  if (auto v = req.Query("voice")) s.voice = *v;
  if (auto l = req.Query("language_code")) s.language_code = *l;
  if (auto v = req.Query("speed")) {
    if (auto d = ParseDouble(*v)) {
      s.speed = *d;
    } else {
      errors.Add("speed", "must be a number", "type_error");
    }
  }
  if (auto v = req.Query("split_pattern")) s.split_pattern = *v;
  if (auto v = req.Query("use_s3")) {
    if (auto b = ParseBool(*v)) {
      in.use_s3 = *b;
    } else {
      errors.Add("use_s3", "must be a boolean", "type_error");
    }
  }
  std::optional<int64_t> expiry;
  if (auto v = req.Query("presigned_url_expiry"); v && !v->empty()) {
    if (auto n = ParseInt(*v)) {
      expiry = *n;
    } else {
      errors.Add("presigned_url_expiry", "must be an integer number of seconds", "type_error");
    }
  }
  if (errors.empty()) ValidateCommon(ctx, &in, &errors, expiry);
  if (!errors.empty()) return errors.ToResponse();

  auto g = Generate(ctx, in);
  if (!g.ok()) return ErrorFromStatus(g.status(), "query");
  json out = CommonResponse(*g);
  out["first_audio_url"] = out["audio_files"].empty() ? json(nullptr) : out["audio_files"][0];
  return Response::Json(200, out);
}

Response HandleS3Info(const ApiContext& ctx, const Request&) {
  const auto& s3 = ctx.settings->s3;
  json out = {{"use_s3_storage", s3.use_s3_storage},
              {"bucket_name", s3.bucket_name},
              {"region", s3.region},
              {"endpoint_url", s3.endpoint_url.empty() ? json(nullptr) : json(s3.endpoint_url)},
              {"addressing_style", s3.addressing_style},
              {"default_expiry", s3.presigned_url_expiry},
              {"keep_local_copy", ctx.settings->keep_local_copy},
              {"s3_enabled", false},
              {"reachable", nullptr},
              {"error", nullptr}};
  if (!s3.use_s3_storage) return Response::Json(200, out);
  if (ctx.s3 == nullptr) {
    out["error"] = ctx.s3_setup_error;
    return Response::Json(200, out);
  }
  out["credentials_source"] = ctx.s3_credentials_source;
  Stopwatch watch;
  const Status reachable = ctx.s3->CheckReachable();  // live, one attempt
  out["check_ms"] = std::round(watch.ElapsedSeconds() * 10000) / 10;
  out["reachable"] = reachable.ok();
  out["s3_enabled"] = reachable.ok();
  if (!reachable.ok()) out["error"] = reachable.message();
  return Response::Json(200, out);
}

Response HandleCleanup(const ApiContext& ctx, const Request& req) {
  FieldErrors errors("query");
  int64_t days_old = 7;
  if (auto v = req.Query("days_old")) {
    auto n = ParseInt(*v);
    if (!n || *n < 0 || *n > kMaxCleanupDays) {
      errors.Add("days_old", "must be an integer from 0 to 36500");
    } else {
      days_old = *n;
    }
  }
  bool cleanup_s3 = true;
  if (auto v = req.Query("cleanup_s3")) {
    if (auto b = ParseBool(*v)) {
      cleanup_s3 = *b;
    } else {
      errors.Add("cleanup_s3", "must be a boolean", "type_error");
    }
  }
  if (!errors.empty()) return errors.ToResponse();

  // Both ages are compared in UTC unix seconds: file mtimes and S3's LastModified alike.
  const int64_t cutoff = ctx.clock->NowUnixSeconds() - days_old * 86400;
  storage::LocalCleanupResult local = ctx.store->RemoveLocalOlderThan(cutoff, kOwner);
  json out = {{"message", "Cleanup completed"},
              {"local_files_cleaned", local.files_removed},
              {"local_sessions_removed", local.sessions_removed},
              {"s3_files_cleaned", 0}};
  bool failed = false;
  if (!local.errors.empty()) {
    failed = true;
    // The errors name server paths: logged, and only counted in the answer.
    for (const std::string& e : local.errors) spdlog::warn("cleanup: {}", e);
    out["local_cleanup_errors"] = local.errors.size();
    out["local_cleanup_error"] = std::to_string(local.errors.size()) +
                                 " local file(s) could not be removed (details in the server log)";
  }
  if (cleanup_s3 && ctx.settings->s3.use_s3_storage) {
    if (ctx.s3 == nullptr) {
      failed = true;
      out["s3_cleanup_error"] = "S3 storage is off: " + ctx.s3_setup_error;
    } else {
      storage::S3CleanupResult s3 =
          ctx.s3->RemoveOlderThan(storage::S3AudioStore::OwnerPrefix(kOwner), cutoff);
      out["s3_files_cleaned"] = s3.objects_deleted;
      out["s3_files_examined"] = s3.objects_listed;
      if (!s3.errors.empty()) {
        failed = true;
        out["s3_cleanup_error"] = s3.errors.front();
        out["s3_cleanup_errors"] = s3.errors.size();
      }
    }
  }
  if (failed) out["message"] = "Cleanup completed with errors";
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
  json out = json::object();
  for (const tts::Language& l : tts::AllLanguages()) out[std::string(1, l.code)] = l.name;
  return Response::Json(200, out);
}

Response HandleHealth(const ApiContext&, const Request&) {
  return Response::Json(200,
                        {{"status", "ok"}, {"version", SWHA_VERSION}, {"engine", "espeak-ng"}});
}

}  // namespace swha::http
