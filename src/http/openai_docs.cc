// The fields and documentation of the OpenAI-compatible endpoints under /v1: speech, models,
// and Kokoro-FastAPI's voice list. Their errors are OpenAI's shape (OperationDoc.openai_errors).
#include <algorithm>

#include "audio/format.h"
#include "http/docs.h"
#include "http/openai_fields.h"
#include "service/speech_service.h"
#include "tts/synthesizer.h"
#include "tts/voice_catalog.h"

namespace swha::http {

using nlohmann::json;

namespace {

std::string ModelList() {
  std::string list;
  for (std::string_view m : service::SpeechService::Models()) {
    list += (list.empty() ? "" : ", ") + std::string(m);
  }
  return list;
}

}  // namespace

namespace openai_fields {

const Field kModel{.name = "model",
                   .description = "One of " + ModelList() +
                                  ", or OpenAI's dated snapshot of one (tts-1-2025-12-15). Every "
                                  "model is this server's one engine; an unknown one is a 404.",
                   .required = true,
                   .example = "tts-1",
                   .nullable = false};
const Field kInput{.name = "input",
                   .description = "The text to speak.",
                   .required = true,
                   .example = "Hello there. How are you today?",
                   .nullable = false};
const Field kVoice{.name = "voice",
                   .description =
                       "A voice of GET /v1/audio/voices: an OpenAI name (alloy, ...) or "
                       "a Kokoro name (af_heart, ...). {\"id\": name}, as OpenAI's "
                       "custom voices are given, is accepted too.",
                   .required = true,
                   .example = "alloy",
                   .nullable = false};
const Field kResponseFormat{
    .name = "response_format",
    .description = "The audio's format; pcm is raw 16-bit little-endian mono samples at " +
                   std::to_string(service::kSpeechSampleRate) + " Hz.",
    .default_value = std::string(audio::InfoOf(service::SpeechRequest{}.format).name),
    .enum_values = audio::AllFormatNames()};
const Field kSpeed{.name = "speed",
                   .type = FieldType::kNumber,
                   .description = "1.0 is the voice's own pace.",
                   .default_value = service::SpeechRequest{}.speed,
                   .minimum = tts::kOpenAiSpeedRange.min,
                   .maximum = tts::kOpenAiSpeedRange.max};
const Field kInstructions{.name = "instructions",
                          .description =
                              "How to speak; passed to an upstream model that reads "
                              "them, else only logged (their length).",
                          .max_length = service::kMaxInstructionsChars};
const Field kStreamFormat{.name = "stream_format",
                          .description =
                              "audio: the bytes as they are encoded; sse: Server-Sent "
                              "Events, speech.audio.delta (base64 audio) then "
                              "speech.audio.done (usage).",
                          .default_value = "audio",
                          .enum_values = {"audio", "sse"}};
const Field kStream{.name = "stream",
                    .type = FieldType::kBoolean,
                    .description =
                        "Kokoro-FastAPI's: false sends the whole file at once, its "
                        "lengths filled in (with an X-Audio-Duration header).",
                    .default_value = !service::SpeechRequest{}.whole_file};
const Field kStore{.name = "store",
                   .type = FieldType::kBoolean,
                   .description =
                       "Ours: keep the audio as a session too (X-Session-Id and "
                       "X-Audio-URL headers). Sends the whole file; not with sse.",
                   .default_value = false};
const Field kModelId{.name = "model",
                     .description = "A model's id.",
                     .required = true,
                     .example = "tts-1",
                     .nullable = false};

}  // namespace openai_fields

namespace {

namespace fields = openai_fields;

json OpenAiErrorExample(const std::string& message, json param, json code) {
  return {{"error",
           {{"message", message},
            {"type", "invalid_request_error"},
            {"param", std::move(param)},
            {"code", std::move(code)}}}};
}

ResponseDoc OpenAiErrorAnswer(int status, std::string description,
                              std::map<std::string, ExampleDoc> examples = {}) {
  return {.status = status,
          .description = std::move(description),
          .schema = SchemaRef("OpenAiError"),
          .examples = std::move(examples)};
}

json ModelExample(const std::string& id) {
  return {{"id", id}, {"object", "model"}, {"created", 1704067200}, {"owned_by", "swha-tts"}};
}

}  // namespace

OperationDoc OpenAiSpeechDoc(const DocContext& ctx) {
  Field input = fields::kInput;
  input.max_length = static_cast<int64_t>(
      std::min(service::kMaxSpeechInputChars, static_cast<size_t>(ctx.settings->max_text_length)));
  const std::map<std::string, std::string> audio_headers = {
      {"X-Audio-Duration", "Seconds of audio, with stream: false or store: true."},
      {"X-Session-Id", "With store: true, the session the audio is kept in."},
      {"X-Audio-URL", "With store: true, the stored audio's URL."},
      {"X-Storage-Type", "With store: true, where it went: local or s3."}};
  // One answer per format: the media type is the format's.
  std::vector<ResponseDoc> responses;
  for (const audio::FormatInfo& f : audio::AllFormats()) {
    ResponseDoc r{.status = 200,
                  .description =
                      "The audio, streamed as it is made unless stream is false or "
                      "store is true.",
                  .content_type = std::string(f.content_type),
                  .schema = {{"type", "string"}, {"format", "binary"}},
                  .headers = audio_headers};
    if (f.name == "mp3") {
      r.examples = {{"mp3", {.summary = "MP3 (the default), streamed"}}};
    } else if (f.name == "wav") {
      r.examples = {{"stored_wav", {.summary = "A whole WAV file, kept as a session"}}};
    }
    responses.push_back(std::move(r));
  }
  responses.push_back(
      {.status = 200,
       .description = "With stream_format sse: one `data: <json>` event per chunk of audio, "
                      "then the usage.",
       .content_type = "text/event-stream",
       .schema = {{"type", "string"}},
       .examples = {{"sse",
                     {.summary = "Deltas, then done",
                      .value = "data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAABAP7/...\"}"
                               "\n\ndata: {\"type\":\"speech.audio.done\",\"usage\":"
                               "{\"input_tokens\":12,\"output_tokens\":40,\"total_tokens\":52}}"
                               "\n\n"}}}});
  responses.push_back(OpenAiErrorAnswer(
      400,
      "The body is not a JSON object, a parameter is missing, of the wrong type or out of "
      "range; `param` names it.",
      {{"missing_input",
        {.value = OpenAiErrorExample("Missing required parameter: 'input'.", "input",
                                     "missing_required_parameter")}},
       {"too_fast",
        {.value = OpenAiErrorExample("must be between 0.25 and 4.0", "speed", nullptr)}}}));
  responses.push_back(OpenAiErrorAnswer(
      404, "The model is not one of this server's.",
      {{"unknown_model",
        {.value =
             OpenAiErrorExample("The model `tts-9` does not exist or you do not have access to it.",
                                nullptr, "model_not_found")}}}));
  responses.push_back(OpenAiErrorAnswer(503,
                                        "Too many speech requests at once; retry shortly "
                                        "(Retry-After says when)."));
  return {.tag = "openai",
          .summary = "Speak a text, as OpenAI's POST /v1/audio/speech",
          .description =
              "OpenAI's request and errors exactly, so its SDKs work unchanged; the "
              "answer is the audio itself.",
          .access = Access::kOptionalUser,
          .body = BodyDoc{.fields = {fields::kModel, input, fields::kVoice, fields::kResponseFormat,
                                     fields::kSpeed, fields::kInstructions, fields::kStreamFormat,
                                     fields::kStream, fields::kStore},
                          .examples = {{"mp3",
                                        {.summary = "OpenAI's usual request",
                                         .value = {{"model", "tts-1"},
                                                   {"input", "Hello there. How are you today?"},
                                                   {"voice", "alloy"}}}},
                                       {"stored_wav",
                                        {.summary = "A WAV file, kept as a session",
                                         .value = {{"model", "tts-1"},
                                                   {"input", "Keep this one."},
                                                   {"voice", "af_heart"},
                                                   {"response_format", "wav"},
                                                   {"store", true}}}},
                                       {"sse",
                                        {.summary = "Server-Sent Events",
                                         .value = {{"model", "gpt-4o-mini-tts"},
                                                   {"input", "Streamed as events."},
                                                   {"voice", "nova"},
                                                   {"response_format", "pcm"},
                                                   {"stream_format", "sse"}}}},
                                       {"missing_input",
                                        {.summary = "No input",
                                         .value = {{"model", "tts-1"}, {"voice", "alloy"}}}},
                                       {"too_fast",
                                        {.summary = "A speed out of range",
                                         .value = {{"model", "tts-1"},
                                                   {"input", "Too fast."},
                                                   {"voice", "alloy"},
                                                   {"speed", 4.5}}}},
                                       {"unknown_model",
                                        {.summary = "A model this server has not",
                                         .value = {{"model", "tts-9"},
                                                   {"input", "Hello."},
                                                   {"voice", "alloy"}}}}}},
          .responses = std::move(responses),
          .openai_errors = true};
}

OperationDoc OpenAiVoicesDoc(const DocContext&) {
  json voice = {{"type", "object"},
                {"properties",
                 {{"id", {{"type", "string"}}},
                  {"name", {{"type", "string"}}},
                  {"language_code", {{"type", "string"}}},
                  {"gender", {{"type", "string"}, {"enum", {"female", "male"}}}}}},
                {"required", {"id", "name", "language_code", "gender"}}};
  json alias = {{"type", "object"},
                {"properties",
                 {{"id", {{"type", "string"}, {"description", "OpenAI's name."}}},
                  {"voice", {{"type", "string"}, {"description", "The voice it speaks with."}}}}},
                {"required", {"id", "voice"}}};
  json aliases = json::array();
  for (const tts::VoiceAlias& a : tts::OpenAiVoiceAliases()) {
    if (aliases.size() < 2) aliases.push_back({{"id", a.openai_name}, {"voice", a.kokoro_name}});
  }
  return {.tag = "openai",
          .summary = "The voices, as Kokoro-FastAPI lists them",
          .description = "OpenAI has no such list; Kokoro-FastAPI's clients read this one.",
          .access = Access::kOptionalUser,
          .responses = {{.status = 200,
                         .description = "Every voice, and the OpenAI names that map onto them.",
                         .schema = {{"type", "object"},
                                    {"properties",
                                     {{"voices", {{"type", "array"}, {"items", voice}}},
                                      {"openai_voices", {{"type", "array"}, {"items", alias}}}}},
                                    {"required", {"voices", "openai_voices"}}},
                         .examples = {{"default",
                                       {.summary = "Shortened here",
                                        .value = {{"voices",
                                                   {{{"id", "af_heart"},
                                                     {"name", "af_heart"},
                                                     {"language_code", "a"},
                                                     {"gender", "female"}}}},
                                                  {"openai_voices", aliases}}}}}}},
          .openai_errors = true};
}

OperationDoc OpenAiModelsDoc(const DocContext&) {
  json data = json::array();
  for (std::string_view id : service::SpeechService::Models()) {
    data.push_back(ModelExample(std::string(id)));
  }
  return {.tag = "openai",
          .summary = "The models, as OpenAI's GET /v1/models",
          .access = Access::kOptionalUser,
          .responses =
              {{.status = 200,
                .description = "Every model; all of them are this server's one engine.",
                .schema = {{"type", "object"},
                           {"properties",
                            {{"object", {{"type", "string"}, {"enum", {"list"}}}},
                             {"data", {{"type", "array"}, {"items", SchemaRef("OpenAiModel")}}}}},
                           {"required", {"object", "data"}}},
                .examples = {{"default", {.value = {{"object", "list"}, {"data", data}}}}}}},
          .openai_errors = true};
}

OperationDoc OpenAiModelDoc(const DocContext&) {
  return {.tag = "openai",
          .summary = "One model, as OpenAI's GET /v1/models/{model}",
          .access = Access::kOptionalUser,
          .parameters = {{.in = "path",
                          .field = fields::kModelId,
                          .examples = {{"tts-1", {.value = "tts-1"}},
                                       {"unknown", {.summary = "Not a model", .value = "tts-9"}}}}},
          .responses = {{.status = 200,
                         .description = "The model.",
                         .schema = SchemaRef("OpenAiModel"),
                         .examples = {{"tts-1", {.value = ModelExample("tts-1")}}}},
                        OpenAiErrorAnswer(
                            404, "No model has this id.",
                            {{"unknown",
                              {.value = OpenAiErrorExample("The model 'tts-9' does not exist",
                                                           nullptr, "model_not_found")}}})},
          .openai_errors = true};
}

}  // namespace swha::http
