// Wires the concrete parts of the service together: the only place that knows them all.
#pragma once

#include <memory>

#include "config/settings.h"
#include "http/api.h"
#include "http/server.h"
#include "storage/audio_store.h"
#include "storage/local_url_signer.h"
#include "tts/engine.h"
#include "tts/synthesizer.h"

namespace swha::app {

class Service {
 public:
  // REQUIRES: settings validated and secret_key set (config::EnsureSecretKey).
  static Result<std::unique_ptr<Service>> Create(const config::Settings& settings);

  Result<int> Bind() { return server_->Bind(); }
  Status Serve() { return server_->Serve(); }
  void Stop() { server_->Stop(); }

 private:
  Service() = default;

  config::Settings settings_;
  std::unique_ptr<tts::Engine> engine_;
  std::unique_ptr<tts::Synthesizer> synthesizer_;
  std::unique_ptr<storage::LocalUrlSigner> signer_;
  std::unique_ptr<storage::AudioStore> store_;
  http::ApiContext context_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace swha::app
