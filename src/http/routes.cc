#include "http/api.h"
#include "http/docs.h"

namespace swha::http {

RequestGate AddressRateLimitGate(const ApiContext& ctx) {
  if (ctx.rate_limiter == nullptr) return nullptr;
  return [limiter = ctx.rate_limiter](const Request& req) {
    return limiter->AdmitAddress(req.remote_address);
  };
}

std::vector<Route> BuildRouteTable(const ApiContext& ctx) {
  auto bind = [&ctx](Response (*handler)(const ApiContext&, const Request&)) {
    return [&ctx, handler](const Request& req) { return handler(ctx, req); };
  };
  constexpr RateLimit kExempt = RateLimit::kNone;
  return {
      {"GET", "/", bind(&HandleHome), &RootDoc, kExempt},
      {"GET", "/ui/{file}", bind(&HandleWebAsset), &WebAssetDoc, kExempt},
      {"GET", "/health", bind(&HandleHealth), &HealthDoc, kExempt},
      {"GET", "/ready", bind(&HandleReady), &ReadyDoc, kExempt},
      {"GET", "/metrics", bind(&HandleMetrics), &MetricsDoc, kExempt},
      {"GET", "/openapi.json", bind(&HandleOpenApi), &OpenApiDoc, kExempt},
      {"GET", "/docs", bind(&HandleApiDocs), &ApiDocsDoc, kExempt},
      {"GET", "/docs/{file}", bind(&HandleApiDocsAsset), &ApiDocsAssetDoc, kExempt},
      {"POST", "/api/v1/tts/generate", bind(&HandleGenerate), &GenerateDoc},
      {"POST", "/api/v1/tts/generate-simple", bind(&HandleGenerateSimple), &GenerateSimpleDoc},
      {"POST", "/api/v1/tts/marks", bind(&HandleMarks), &MarksDoc},
      {"GET", "/api/v1/tts/s3-info", bind(&HandleS3Info), &S3InfoDoc},
      {"POST", "/api/v1/tts/cleanup", bind(&HandleCleanup), &CleanupDoc},
      {"GET", "/api/v1/tts/voices", bind(&HandleVoices), &VoicesDoc},
      {"GET", "/api/v1/tts/languages", bind(&HandleLanguages), &LanguagesDoc},
      {"GET", "/api/v1/tts/formats", bind(&HandleFormats), &FormatsDoc},
      {"GET", "/api/v1/tts/sessions", bind(&HandleListSessions), &ListSessionsDoc},
      {"GET", "/api/v1/tts/sessions/{session_id}", bind(&HandleGetSession), &GetSessionDoc},
      {"DELETE", "/api/v1/tts/sessions/{session_id}", bind(&HandleDeleteSession),
       &DeleteSessionDoc},
      {"POST", "/api/v1/tts/presign", bind(&HandlePresign), &PresignDoc},
      {"GET", "/api/v1/admin/usage", bind(&HandleAdminUsage), &AdminUsageDoc},
      {"POST", "/api/v1/auth/register", bind(&HandleRegister), &RegisterDoc},
      {"POST", "/api/v1/auth/login", bind(&HandleLoginForm), &LoginFormDoc},
      {"POST", "/api/v1/auth/login-json", bind(&HandleLoginJson), &LoginJsonDoc},
      {"POST", "/api/v1/auth/api-keys", bind(&HandleCreateApiKey), &CreateApiKeyDoc},
      {"GET", "/api/v1/auth/api-keys", bind(&HandleListApiKeys), &ListApiKeysDoc},
      {"DELETE", "/api/v1/auth/api-keys/{key_id}", bind(&HandleRevokeApiKey), &RevokeApiKeyDoc},
      {"GET", "/api/v1/users/me", bind(&HandleGetMe), &GetMeDoc},
      {"PUT", "/api/v1/users/me", bind(&HandleUpdateMe), &UpdateMeDoc},
      {"POST", "/api/v1/users/me/password", bind(&HandleChangePassword), &ChangePasswordDoc},
      {"GET", "/api/v1/users", bind(&HandleListUsers), &ListUsersDoc},
      {"GET", "/api/v1/users/{user_id}", bind(&HandleGetUser), &GetUserDoc},
      {"DELETE", "/api/v1/users/{user_id}", bind(&HandleDeleteUser), &DeleteUserDoc},
      {"PATCH", "/api/v1/users/{user_id}", bind(&HandlePatchUser), &PatchUserDoc},
      {"POST", "/api/v1/lipsync/create", bind(&HandleLipsyncCreate), &LipsyncCreateDoc},
      {"POST", "/api/v1/lipsync/create-from-tts", bind(&HandleLipsyncCreateFromTts),
       &LipsyncCreateFromTtsDoc},
      {"GET", "/api/v1/lipsync/status/{job_id}", bind(&HandleLipsyncStatus), &LipsyncStatusDoc},
      {"GET", "/api/v1/lipsync/debug/status/{job_id}", bind(&HandleLipsyncDebugStatus),
       &LipsyncDebugStatusDoc},
      {"POST", "/api/v1/lipsync/wait/{job_id}", bind(&HandleLipsyncWait), &LipsyncWaitDoc},
      {"GET", "/api/v1/lipsync/jobs/my", bind(&HandleLipsyncJobs), &LipsyncJobsDoc},
      {"GET", "/api/v1/lipsync/models", bind(&HandleLipsyncModels), &LipsyncModelsDoc},
      {"GET", "/api/v1/lipsync/sync-modes", bind(&HandleLipsyncSyncModes), &LipsyncSyncModesDoc},
      {"POST", "/api/v1/lipsync/cleanup", bind(&HandleLipsyncCleanup), &LipsyncCleanupDoc},
      {"POST", "/api/v1/lipsync/webhook", bind(&HandleLipsyncWebhook), &LipsyncWebhookDoc, kExempt},
      {"GET", "/static/audio/{session_id}/{filename}", bind(&HandleStaticAudio), &StaticAudioDoc,
       kExempt},
      {"POST", "/v1/audio/speech", bind(&HandleOpenAiSpeech), &OpenAiSpeechDoc},
      {"GET", "/v1/audio/voices", bind(&HandleOpenAiVoices), &OpenAiVoicesDoc},
      {"GET", "/v1/models", bind(&HandleOpenAiModels), &OpenAiModelsDoc},
      {"GET", "/v1/models/{model}", bind(&HandleOpenAiModel), &OpenAiModelDoc},
  };
}

}  // namespace swha::http
