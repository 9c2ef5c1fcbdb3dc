// The API's handlers and the one route table that binds them to paths.
#pragma once

#include <vector>

#include "config/settings.h"
#include "http/router.h"
#include "storage/audio_store.h"
#include "storage/local_url_signer.h"
#include "tts/synthesizer.h"
#include "util/clock.h"

namespace swha::http {

// What the handlers reach; every pointer is borrowed and outlives the server.
struct ApiContext {
  const config::Settings* settings = nullptr;
  const tts::Synthesizer* synthesizer = nullptr;
  storage::AudioStore* store = nullptr;
  const storage::LocalUrlSigner* signer = nullptr;
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
Response HandleStaticAudio(const ApiContext& ctx, const Request& req);

}  // namespace swha::http
