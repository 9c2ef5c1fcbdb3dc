// The API's handlers and the one route table that binds them to paths.
#pragma once

#include <vector>

#include "config/settings.h"
#include "http/router.h"
#include "storage/audio_store.h"
#include "storage/local_url_signer.h"
#include "storage/s3_audio_store.h"
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
  // Set when USE_S3_STORAGE is true and S3 could be configured (it may still be unreachable).
  storage::S3AudioStore* s3 = nullptr;
  // When USE_S3_STORAGE is true but s3 is null: why (e.g. no credentials). Never a secret.
  std::string s3_setup_error;
  std::string s3_credentials_source;  // "environment" or "shared credentials file ..."
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
