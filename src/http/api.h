// The API's handlers and the one route table that binds them to paths.
#pragma once

#include <vector>

#include "config/settings.h"
#include "http/router.h"
#include "service/generation_service.h"
#include "service/session_service.h"
#include "service/storage_backends.h"
#include "util/clock.h"

namespace swha::http {

// What the handlers reach; every pointer is borrowed and outlives the server. Handlers parse,
// call a service and format; only the signed-audio download reads storage itself.
struct ApiContext {
  const config::Settings* settings = nullptr;
  const service::GenerationService* generation = nullptr;
  const service::SessionService* sessions = nullptr;
  // For /static/audio: the signer checks the URL, the local store serves the file.
  const service::StorageBackends* storage = nullptr;
  const Clock* clock = nullptr;
};

// Every route of the service, in one table (routes.cc).
std::vector<Route> BuildRouteTable(const ApiContext& ctx);

// Handlers (tts_handlers.cc, static_handler.cc).
Response HandleGenerate(const ApiContext& ctx, const Request& req);
Response HandleGenerateSimple(const ApiContext& ctx, const Request& req);
Response HandleS3Info(const ApiContext& ctx, const Request& req);
Response HandleCleanup(const ApiContext& ctx, const Request& req);
Response HandleVoices(const ApiContext& ctx, const Request& req);
Response HandleLanguages(const ApiContext& ctx, const Request& req);
Response HandleHealth(const ApiContext& ctx, const Request& req);
Response HandleRoot(const ApiContext& ctx, const Request& req);
Response HandleStaticAudio(const ApiContext& ctx, const Request& req);

}  // namespace swha::http
