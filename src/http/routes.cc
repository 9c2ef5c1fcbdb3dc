#include "http/api.h"

namespace swha::http {

std::vector<Route> BuildRouteTable(const ApiContext& ctx) {
  auto bind = [&ctx](Response (*handler)(const ApiContext&, const Request&)) {
    return [&ctx, handler](const Request& req) { return handler(ctx, req); };
  };
  return {
      {"GET", "/", bind(&HandleRoot)},
      {"GET", "/health", bind(&HandleHealth)},
      {"POST", "/api/v1/tts/generate", bind(&HandleGenerate)},
      {"POST", "/api/v1/tts/generate-simple", bind(&HandleGenerateSimple)},
      {"GET", "/api/v1/tts/s3-info", bind(&HandleS3Info)},
      {"POST", "/api/v1/tts/cleanup", bind(&HandleCleanup)},
      {"GET", "/api/v1/tts/voices", bind(&HandleVoices)},
      {"GET", "/api/v1/tts/languages", bind(&HandleLanguages)},
      {"GET", "/static/audio/{session_id}/{filename}", bind(&HandleStaticAudio)},
  };
}

}  // namespace swha::http
