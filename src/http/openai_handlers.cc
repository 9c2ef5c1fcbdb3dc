// The OpenAI-compatible endpoints: POST /v1/audio/speech, GET /v1/models[/{model}] and
// GET /v1/audio/voices (Kokoro-FastAPI's list, which OpenAI has not). Requests and errors are
// OpenAI's shape exactly, so its SDKs and the tools built on them work unchanged.
#include <spdlog/fmt/fmt.h>
#include <spdlog/spdlog.h>

#include <memory>

#include "audio/format.h"
#include "http/api.h"
#include "http/errors.h"
#include "http/fields.h"
#include "http/openai_fields.h"
#include "tts/voice_catalog.h"
#include "util/crypto.h"

namespace swha::http {
namespace {

using json = nlohmann::json;

// When the model list says they were made: a fixed time (2024-01-01), not the server's start.
constexpr int64_t kModelsCreated = 1704067200;
constexpr std::string_view kInvalidRequest = "invalid_request_error";

json ModelJson(std::string_view id) {
  return {{"id", id}, {"object", "model"}, {"created", kModelsCreated}, {"owned_by", "swha-tts"}};
}

// The caller, or the 401 OpenAI sends: "invalid_api_key" for a wrong key, no code for none.
std::optional<Response> Authenticate(const ApiContext& ctx, const Request& req,
                                     service::Principal* principal) {
  auto caller = Caller(ctx, req, /*require_user=*/false);
  if (caller.ok()) {
    *principal = *caller;
    return std::nullopt;
  }
  // An inactive account is refused as OpenAI refuses a disabled key: a 401.
  if (caller.status().code() == StatusCode::kBadRequest) {
    return OpenAiError(401, caller.status().message(), kInvalidRequest, "", "invalid_api_key");
  }
  if (caller.status().code() != StatusCode::kUnauthenticated) {
    return OpenAiErrorFromStatus(caller.status());
  }
  if (!req.Header("authorization")) {
    return OpenAiError(401,
                       "You didn't provide an API key. You need to provide your API key in an "
                       "Authorization header using Bearer auth (i.e. Authorization: Bearer "
                       "YOUR_KEY).",
                       kInvalidRequest);
  }
  return OpenAiError(401, "Incorrect API key provided: " + caller.status().message(),
                     kInvalidRequest, "", "invalid_api_key");
}

// A request field of the wrong JSON type, as OpenAI words it.
Response TypeError(std::string_view field, std::string_view expected) {
  return OpenAiError(
      400, "Invalid type for '" + std::string(field) + "': expected " + std::string(expected) + ".",
      kInvalidRequest, field, "invalid_type");
}

namespace fields = openai_fields;

// Reads one field at a time, so that the answer is OpenAI's: its first mistake only.
class SpeechFieldReader {
 public:
  explicit SpeechFieldReader(const json& body) : body_(body) {}

  // Assigns a present, well-typed value to *out; else the 400 OpenAI sends for a missing
  // required parameter or a value of the wrong type.
  template <typename T>
  std::optional<Response> Read(const Field& field, T* out) const {
    FieldErrors errors("body");
    FieldReader(body_, &errors).Read(field, out);
    if (errors.empty()) return std::nullopt;
    if (errors.front().type == "missing") {
      return OpenAiError(400, "Missing required parameter: '" + field.name + "'.", kInvalidRequest,
                         field.name, "missing_required_parameter");
    }
    return TypeError(field.name, field.TypeNoun());
  }

 private:
  const json& body_;
};

// The speech request in `body`, or the 400 for its first mistake. Only the shape is checked
// here; values are the service's (SpeechService::Prepare).
std::optional<Response> ReadSpeechRequest(const json& body, service::SpeechRequest* out, bool* sse,
                                          bool* store) {
  const SpeechFieldReader reader(body);
  if (auto bad = reader.Read(fields::kModel, &out->model)) return bad;
  if (!service::SpeechService::IsKnownModel(out->model)) {
    return OpenAiError(
        404, "The model `" + out->model + "` does not exist or you do not have access to it.",
        kInvalidRequest, "", "model_not_found");
  }
  if (auto bad = reader.Read(fields::kInput, &out->input)) return bad;
  // The voice: a name, or {"id": name} as OpenAI's custom voices are given.
  auto voice = body.find(fields::kVoice.name);
  if (voice != body.end() && voice->is_object()) {
    auto id = voice->find("id");
    if (id == voice->end() || !id->is_string()) return TypeError("voice.id", "a string");
    out->voice = id->get<std::string>();
  } else if (auto bad = reader.Read(fields::kVoice, &out->voice)) {
    return bad;
  }
  std::optional<std::string> format;
  if (auto bad = reader.Read(fields::kResponseFormat, &format)) return bad;
  if (format) {
    auto parsed = audio::ParseAudioFormat(*format);
    if (!parsed.ok()) {
      return OpenAiError(400, parsed.status().message(), kInvalidRequest,
                         fields::kResponseFormat.name);
    }
    out->format = *parsed;
  }
  if (auto bad = reader.Read(fields::kSpeed, &out->speed)) return bad;
  if (auto bad = reader.Read(fields::kInstructions, &out->instructions)) return bad;
  std::string stream_format = fields::kStreamFormat.default_value.get<std::string>();
  if (auto bad = reader.Read(fields::kStreamFormat, &stream_format)) return bad;
  if (stream_format != "audio" && stream_format != "sse") {
    return OpenAiError(400, "stream_format must be 'audio' or 'sse'", kInvalidRequest,
                       fields::kStreamFormat.name);
  }
  *sse = stream_format == "sse";
  // Kokoro-FastAPI's "stream": false asks for the whole file at once (with its lengths filled
  // in); events are always sent as the audio is made.
  std::optional<bool> stream;
  if (auto bad = reader.Read(fields::kStream, &stream)) return bad;
  if (stream) out->whole_file = !*stream && !*sse;
  // Ours, beyond OpenAI's: keep the audio as a session. It is stored before it is sent, so
  // the answer is the whole file (its URL goes in a header, which precedes the body).
  if (auto bad = reader.Read(fields::kStore, store)) return bad;
  if (*store && *sse) {
    return OpenAiError(400, "store cannot be combined with stream_format 'sse'", kInvalidRequest,
                       fields::kStore.name);
  }
  if (*store) out->whole_file = true;
  return std::nullopt;
}

std::string SseEvent(const json& event) { return "data: " + event.dump() + "\n\n"; }

}  // namespace

Response HandleOpenAiSpeech(const ApiContext& ctx, const Request& req) {
  service::Principal principal;
  if (auto denied = Authenticate(ctx, req, &principal)) return *denied;
  json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return OpenAiError(400,
                       "We could not parse the JSON body of your request. The body must be a JSON "
                       "object.",
                       kInvalidRequest);
  }
  auto request = std::make_shared<service::SpeechRequest>();
  bool sse = false;
  bool store = false;
  if (auto bad = ReadSpeechRequest(body, request.get(), &sse, &store)) return *bad;
  auto plan = ctx.speech->Prepare(*request);
  if (!plan.ok()) return OpenAiErrorFromStatus(plan.status());
  // Each synthesis holds an HTTP worker while it lasts: past the limit, the client retries
  // (OpenAI's SDKs do by themselves on a 503).
  auto started = ctx.speech->StartSpeech(principal);
  if (started.status().code() == StatusCode::kUnavailable) {
    Response busy = OpenAiError(503, started.status().message(), "server_error", "", "server_busy");
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }
  if (!started.ok()) return OpenAiErrorFromStatus(started.status());
  std::shared_ptr<service::SpeechService::StreamSlot> slot = std::move(started).value();

  Response response;
  response.content_type =
      sse ? "text/event-stream" : std::string(audio::InfoOf(request->format).content_type);
  response.headers.emplace_back("Cache-Control", "no-cache");
  if (request->whole_file) {
    // Not streamed: everything is made before the status line, so a fault is still a 500, and
    // the length of the audio the encoder was given can be told in a header.
    std::string file;
    auto usage = ctx.speech->Speak(*request, *plan, [&file](std::string_view bytes) {
      file += bytes;
      return true;
    });
    if (!usage.ok()) return OpenAiErrorFromStatus(usage.status());
    response.headers.emplace_back("X-Audio-Duration", fmt::format("{:.3f}", usage->AudioSeconds()));
    if (store) {
      auto session = ctx.generation->RecordAudio(
          principal, {.text = request->input,
                      .voice = plan->voice.kokoro_voice,
                      .language_code = std::string(1, plan->voice.language_code),
                      .speed = request->speed,
                      .format = request->format,
                      .bytes = file,
                      .duration_seconds = usage->AudioSeconds(),
                      .phonemes = plan->Phonemes()});
      if (!session.ok()) return OpenAiErrorFromStatus(session.status());
      response.headers.emplace_back("X-Session-Id", session->session_id);
      if (const auto& url = session->segments.front().PreferredUrl()) {
        response.headers.emplace_back("X-Audio-URL", *url);
      }
      // Where it went ("local" after an S3 fallback); the reasons are in the session's warnings.
      response.headers.emplace_back("X-Storage-Type", session->StorageType());
    }
    response.body = std::move(file);
    return response;
  }
  auto first = ctx.speech->RenderFirst(*plan);
  if (!first.ok()) return OpenAiErrorFromStatus(first.status());
  auto shared_first = std::make_shared<tts::PcmAudio>(std::move(first).value());
  auto shared_plan = std::make_shared<tts::SynthesisPlan>(std::move(plan).value());
  const service::SpeechService* speech = ctx.speech;
  response.stream = [speech, request, shared_plan, shared_first, sse,
                     slot](const BodyWriter& write) {
    const service::AudioSink sink = [&](std::string_view bytes) {
      if (!sse) return write(bytes);
      return write(
          SseEvent({{"type", "speech.audio.delta"}, {"audio", crypto::Base64Encode(bytes)}}));
    };
    auto usage = speech->Speak(*request, *shared_plan, sink, shared_first.get());
    if (!usage.ok()) {
      // The status line is long gone: the only honest signal left is to cut the stream.
      if (usage.status().code() != StatusCode::kCancelled) {
        spdlog::error("speech stream failed: {}", usage.status().ToString());
      }
      return false;
    }
    if (!sse) return true;
    const int64_t input_tokens = usage->InputTokens();
    const int64_t output_tokens = usage->OutputTokens();
    return write(SseEvent({{"type", "speech.audio.done"},
                           {"usage",
                            {{"input_tokens", input_tokens},
                             {"output_tokens", output_tokens},
                             {"total_tokens", input_tokens + output_tokens}}}}));
  };
  return response;
}

Response HandleOpenAiModels(const ApiContext& ctx, const Request& req) {
  service::Principal principal;
  if (auto denied = Authenticate(ctx, req, &principal)) return *denied;
  json data = json::array();
  for (std::string_view id : service::SpeechService::Models()) data.push_back(ModelJson(id));
  return Response::Json(200, {{"object", "list"}, {"data", data}});
}

Response HandleOpenAiModel(const ApiContext& ctx, const Request& req) {
  service::Principal principal;
  if (auto denied = Authenticate(ctx, req, &principal)) return *denied;
  const std::string& id = req.path_params.at(fields::kModelId.name);
  if (!service::SpeechService::IsKnownModel(id)) {
    return OpenAiError(404, "The model '" + id + "' does not exist", kInvalidRequest, "",
                       "model_not_found");
  }
  return Response::Json(200, ModelJson(id));
}

Response HandleOpenAiVoices(const ApiContext& ctx, const Request& req) {
  service::Principal principal;
  if (auto denied = Authenticate(ctx, req, &principal)) return *denied;
  json voices = json::array();
  for (const tts::Voice& v : tts::AllVoices()) {
    voices.push_back({{"id", v.name},
                      {"name", v.name},
                      {"language_code", std::string(1, v.language_code)},
                      {"gender", v.gender == tts::Gender::kFemale ? "female" : "male"}});
  }
  json aliases = json::array();
  for (const tts::VoiceAlias& a : tts::OpenAiVoiceAliases()) {
    aliases.push_back({{"id", a.openai_name}, {"voice", a.kokoro_name}});
  }
  return Response::Json(200, {{"voices", voices}, {"openai_voices", aliases}});
}

}  // namespace swha::http
