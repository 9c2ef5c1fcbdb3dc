#include "tts/engine.h"

namespace swha::tts {

std::string_view EngineTypeName(EngineType type) {
  switch (type) {
    case EngineType::kEspeakNg: return "espeak-ng";
  }
  return "unknown";
}

Result<std::unique_ptr<Engine>> CreateEngine(const EngineConfig& config) {
  switch (config.type) {
    case EngineType::kEspeakNg: return CreateEspeakEngine(config);
  }
  return Status::Internal("unknown engine type");
}

}  // namespace swha::tts
