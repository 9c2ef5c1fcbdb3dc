#include <spdlog/spdlog.h>

#include "storage/http_transport.h"
#include "tts/engine.h"
#include "tts/upstream_engine.h"

namespace swha::tts {

std::string_view EngineTypeName(EngineType type) {
  switch (type) {
    case EngineType::kEspeakNg: return "espeak-ng";
    case EngineType::kOpenAiUpstream: return "openai";
  }
  return "unknown";
}

Result<std::unique_ptr<Engine>> CreateEngine(const EngineConfig& config) {
  switch (config.type) {
    case EngineType::kEspeakNg: return CreateEspeakEngine(config);
    case EngineType::kOpenAiUpstream: {
      SWHA_RETURN_IF_ERROR(config.upstream.Validate());
      // The local engine phonemizes and times what the upstream speaks.
      std::unique_ptr<Engine> local;
      SWHA_ASSIGN_OR_RETURN(local, CreateEspeakEngine(config));
      std::shared_ptr<storage::HttpTransport> transport = storage::CreateCurlTransport(
          {.connect_timeout_ms = config.upstream.connect_timeout_ms,
           .total_timeout_ms = config.upstream.timeout_ms,
           .max_idle_handles = static_cast<size_t>(config.upstream.max_concurrency),
           .max_response_bytes = kMaxUpstreamAudioBytes});
      spdlog::info("engine: upstream, {}", config.upstream.ToString());
      return CreateUpstreamEngine(config.upstream, std::move(local), std::move(transport));
    }
  }
  return Status::Internal("unknown engine type");
}

}  // namespace swha::tts
