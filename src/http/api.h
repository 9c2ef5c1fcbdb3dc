// The API's handlers and the one route table that binds them to paths.
#pragma once

#include <vector>

#include "config/settings.h"
#include "http/router.h"
#include "service/account_service.h"
#include "service/generation_service.h"
#include "service/lipsync_service.h"
#include "service/rate_limiter.h"
#include "service/readiness_service.h"
#include "service/session_service.h"
#include "service/speech_service.h"
#include "service/storage_backends.h"
#include "service/usage_service.h"
#include "util/clock.h"

namespace swha::http {

// What the handlers reach; every pointer is borrowed and outlives the server. Handlers parse,
// call a service and format; only the signed-audio download reads storage itself.
struct ApiContext {
  const config::Settings* settings = nullptr;
  const service::GenerationService* generation = nullptr;
  const service::SpeechService* speech = nullptr;
  const service::SessionService* sessions = nullptr;
  const service::UsageService* usage = nullptr;
  const service::AccountService* accounts = nullptr;
  service::LipsyncService* lipsync = nullptr;
  service::ReadinessService* readiness = nullptr;
  service::RequestRateLimiter* rate_limiter = nullptr;  // nullptr: no rate limits
  const metrics::Registry* metrics = nullptr;
  // For /static/audio: the signer checks the URL, the local store serves the file.
  const service::StorageBackends* storage = nullptr;
  const Clock* clock = nullptr;
};

// Who is calling: the principal the Authorization header names (anonymous without one), then
// admitted: Unauthenticated "Not authenticated" for anonymous callers when `require_user` or
// when ALLOW_ANONYMOUS is off; RateLimited past a user's RATE_LIMIT_PER_MINUTE
// (account_handlers.cc).
Result<service::Principal> Caller(const ApiContext& ctx, const Request& req, bool require_user);
// The router's gate: RateLimited past an address's RATE_LIMIT_PER_MINUTE (routes.cc).
RequestGate AddressRateLimitGate(const ApiContext& ctx);

// Every route of the service, in one table (routes.cc).
std::vector<Route> BuildRouteTable(const ApiContext& ctx);

// Handlers (tts_handlers.cc, static_handler.cc).
Response HandleGenerate(const ApiContext& ctx, const Request& req);
Response HandleGenerateSimple(const ApiContext& ctx, const Request& req);
// POST /api/v1/tts/marks: generate's fields → Polly-style speech marks, one JSON per line.
Response HandleMarks(const ApiContext& ctx, const Request& req);
Response HandleS3Info(const ApiContext& ctx, const Request& req);
Response HandleCleanup(const ApiContext& ctx, const Request& req);
Response HandleVoices(const ApiContext& ctx, const Request& req);
Response HandleLanguages(const ApiContext& ctx, const Request& req);
// GET /api/v1/tts/formats: the names generate's "format" accepts, with their media types.
Response HandleFormats(const ApiContext& ctx, const Request& req);
Response HandleHealth(const ApiContext& ctx, const Request& req);
Response HandleReady(const ApiContext& ctx, const Request& req);
Response HandleRoot(const ApiContext& ctx, const Request& req);
// GET /metrics: the Prometheus exposition (metrics_handler.cc); with METRICS_TOKEN set, only
// for `Authorization: Bearer <token>`.
Response HandleMetrics(const ApiContext& ctx, const Request& req);
Response HandleStaticAudio(const ApiContext& ctx, const Request& req);
// GET /openapi.json (docs_handlers.cc).
Response HandleOpenApi(const ApiContext& ctx, const Request& req);
// Sessions (session_handlers.cc).
Response HandleListSessions(const ApiContext& ctx, const Request& req);
Response HandleGetSession(const ApiContext& ctx, const Request& req);
Response HandleDeleteSession(const ApiContext& ctx, const Request& req);
// POST /api/v1/tts/presign: {"session_ids": [...]} or {"s3_keys": [...]}, the caller's own.
Response HandlePresign(const ApiContext& ctx, const Request& req);
// GET /api/v1/admin/usage?by_user=&scan=: superusers only.
Response HandleAdminUsage(const ApiContext& ctx, const Request& req);
// Accounts (account_handlers.cc).
Response HandleRegister(const ApiContext& ctx, const Request& req);
Response HandleLoginForm(const ApiContext& ctx, const Request& req);
Response HandleLoginJson(const ApiContext& ctx, const Request& req);
Response HandleGetMe(const ApiContext& ctx, const Request& req);
Response HandleUpdateMe(const ApiContext& ctx, const Request& req);
Response HandleChangePassword(const ApiContext& ctx, const Request& req);
Response HandleCreateApiKey(const ApiContext& ctx, const Request& req);
Response HandleListApiKeys(const ApiContext& ctx, const Request& req);
Response HandleRevokeApiKey(const ApiContext& ctx, const Request& req);
Response HandleListUsers(const ApiContext& ctx, const Request& req);
Response HandleGetUser(const ApiContext& ctx, const Request& req);
Response HandleDeleteUser(const ApiContext& ctx, const Request& req);
Response HandlePatchUser(const ApiContext& ctx, const Request& req);
// Lipsync (lipsync_handlers.cc).
Response HandleLipsyncCreate(const ApiContext& ctx, const Request& req);
Response HandleLipsyncCreateFromTts(const ApiContext& ctx, const Request& req);
Response HandleLipsyncStatus(const ApiContext& ctx, const Request& req);
Response HandleLipsyncDebugStatus(const ApiContext& ctx, const Request& req);
Response HandleLipsyncWait(const ApiContext& ctx, const Request& req);
Response HandleLipsyncJobs(const ApiContext& ctx, const Request& req);
Response HandleLipsyncModels(const ApiContext& ctx, const Request& req);
Response HandleLipsyncSyncModes(const ApiContext& ctx, const Request& req);
Response HandleLipsyncCleanup(const ApiContext& ctx, const Request& req);
// Signed by the provider, not by a user: the signature is its authentication.
Response HandleLipsyncWebhook(const ApiContext& ctx, const Request& req);
// The web page (web_handlers.cc): GET / answers a browser (Accept ranking text/html above
// JSON) with the page and everyone else with HandleRoot's JSON; GET /ui/{file} serves the
// page's files. Both are compiled into the binary (src/web/assets.h) and revalidated by ETag.
Response HandleHome(const ApiContext& ctx, const Request& req);
Response HandleWebAsset(const ApiContext& ctx, const Request& req);
// GET /docs: Swagger UI on /openapi.json; GET /docs/{file}: Swagger UI's files.
Response HandleApiDocs(const ApiContext& ctx, const Request& req);
Response HandleApiDocsAsset(const ApiContext& ctx, const Request& req);
// OpenAI-compatible (openai_handlers.cc): errors in OpenAI's shape.
Response HandleOpenAiSpeech(const ApiContext& ctx, const Request& req);
Response HandleOpenAiModels(const ApiContext& ctx, const Request& req);
Response HandleOpenAiModel(const ApiContext& ctx, const Request& req);
Response HandleOpenAiVoices(const ApiContext& ctx, const Request& req);

}  // namespace swha::http
