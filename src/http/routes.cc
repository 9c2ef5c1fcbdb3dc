#include "http/api.h"

namespace swha::http {

std::vector<Route> BuildRouteTable(const ApiContext& ctx) {
  auto bind = [&ctx](Response (*handler)(const ApiContext&, const Request&)) {
    return [&ctx, handler](const Request& req) { return handler(ctx, req); };
  };
  return {
      {"GET", "/", bind(&HandleHome)},
      {"GET", "/ui/{file}", bind(&HandleWebAsset)},
      {"GET", "/health", bind(&HandleHealth)},
      {"GET", "/metrics", bind(&HandleMetrics)},
      {"POST", "/api/v1/tts/generate", bind(&HandleGenerate)},
      {"POST", "/api/v1/tts/generate-simple", bind(&HandleGenerateSimple)},
      {"POST", "/api/v1/tts/marks", bind(&HandleMarks)},
      {"GET", "/api/v1/tts/s3-info", bind(&HandleS3Info)},
      {"POST", "/api/v1/tts/cleanup", bind(&HandleCleanup)},
      {"GET", "/api/v1/tts/voices", bind(&HandleVoices)},
      {"GET", "/api/v1/tts/languages", bind(&HandleLanguages)},
      {"GET", "/api/v1/tts/formats", bind(&HandleFormats)},
      {"GET", "/api/v1/tts/sessions", bind(&HandleListSessions)},
      {"GET", "/api/v1/tts/sessions/{session_id}", bind(&HandleGetSession)},
      {"DELETE", "/api/v1/tts/sessions/{session_id}", bind(&HandleDeleteSession)},
      {"POST", "/api/v1/tts/presign", bind(&HandlePresign)},
      {"GET", "/api/v1/admin/usage", bind(&HandleAdminUsage)},
      {"POST", "/api/v1/auth/register", bind(&HandleRegister)},
      {"POST", "/api/v1/auth/login", bind(&HandleLoginForm)},
      {"POST", "/api/v1/auth/login-json", bind(&HandleLoginJson)},
      {"POST", "/api/v1/auth/api-keys", bind(&HandleCreateApiKey)},
      {"GET", "/api/v1/auth/api-keys", bind(&HandleListApiKeys)},
      {"DELETE", "/api/v1/auth/api-keys/{key_id}", bind(&HandleRevokeApiKey)},
      {"GET", "/api/v1/users/me", bind(&HandleGetMe)},
      {"PUT", "/api/v1/users/me", bind(&HandleUpdateMe)},
      {"POST", "/api/v1/users/me/password", bind(&HandleChangePassword)},
      {"GET", "/api/v1/users", bind(&HandleListUsers)},
      {"GET", "/api/v1/users/{user_id}", bind(&HandleGetUser)},
      {"DELETE", "/api/v1/users/{user_id}", bind(&HandleDeleteUser)},
      {"PATCH", "/api/v1/users/{user_id}", bind(&HandlePatchUser)},
      {"POST", "/api/v1/lipsync/create", bind(&HandleLipsyncCreate)},
      {"POST", "/api/v1/lipsync/create-from-tts", bind(&HandleLipsyncCreateFromTts)},
      {"GET", "/api/v1/lipsync/status/{job_id}", bind(&HandleLipsyncStatus)},
      {"GET", "/api/v1/lipsync/debug/status/{job_id}", bind(&HandleLipsyncDebugStatus)},
      {"POST", "/api/v1/lipsync/wait/{job_id}", bind(&HandleLipsyncWait)},
      {"GET", "/api/v1/lipsync/jobs/my", bind(&HandleLipsyncJobs)},
      {"GET", "/api/v1/lipsync/models", bind(&HandleLipsyncModels)},
      {"GET", "/api/v1/lipsync/sync-modes", bind(&HandleLipsyncSyncModes)},
      {"POST", "/api/v1/lipsync/cleanup", bind(&HandleLipsyncCleanup)},
      {"POST", "/api/v1/lipsync/webhook", bind(&HandleLipsyncWebhook)},
      {"GET", "/static/audio/{session_id}/{filename}", bind(&HandleStaticAudio)},
      {"POST", "/v1/audio/speech", bind(&HandleOpenAiSpeech)},
      {"GET", "/v1/audio/voices", bind(&HandleOpenAiVoices)},
      {"GET", "/v1/models", bind(&HandleOpenAiModels)},
      {"GET", "/v1/models/{model}", bind(&HandleOpenAiModel)},
  };
}

}  // namespace swha::http
