#include "app/service.h"

#include "util/clock.h"
#include "util/file_system.h"

namespace swha::app {

Result<std::unique_ptr<Service>> Service::Create(const config::Settings& settings) {
  if (settings.secret_key.empty()) return Status::Internal("SECRET_KEY is not set");
  auto service = std::unique_ptr<Service>(new Service());
  service->settings_ = settings;
  const config::Settings& s = service->settings_;

  FileSystem* fs = FileSystem::Default();
  SWHA_RETURN_IF_ERROR(fs->CreateDirs(s.audio_dir).WithContext("AUDIO_DIR"));
  SWHA_ASSIGN_OR_RETURN(service->engine_, tts::CreateEspeakEngine({.threads = s.engine_threads}));
  service->synthesizer_ = std::make_unique<tts::Synthesizer>(service->engine_.get());
  service->signer_ = std::make_unique<storage::LocalUrlSigner>(s.secret_key, s.public_base_url);
  service->store_ =
      std::make_unique<storage::AudioStore>(fs, Clock::Real(), service->signer_.get(), s.audio_dir);
  service->context_ = http::ApiContext{&s, service->synthesizer_.get(), service->store_.get(),
                                       service->signer_.get(), Clock::Real()};
  auto router = std::make_shared<const http::Router>(http::BuildRouteTable(service->context_));
  service->server_ = std::make_unique<http::HttpServer>(
      http::ServerConfig{s.host, s.port, s.http_threads, s.max_request_bytes}, router);
  return service;
}

}  // namespace swha::app
