// Wires the concrete parts of the service together: the only place that knows them all.
#pragma once

#include <memory>

#include "app/lipsync_stack.h"
#include "app/storage_stack.h"
#include "catalog/catalog.h"
#include "config/settings.h"
#include "http/api.h"
#include "http/server.h"
#include "metrics/registry.h"
#include "metrics/service_metrics.h"
#include "service/account_service.h"
#include "service/generation_service.h"
#include "service/rate_limiter.h"
#include "service/readiness_service.h"
#include "service/session_service.h"
#include "service/speech_service.h"
#include "service/storage_backends.h"
#include "service/synthesis_permits.h"
#include "service/upload_outbox.h"
#include "service/url_minter.h"
#include "service/usage_service.h"
#include "storage/audio_store.h"
#include "storage/http_transport.h"
#include "storage/local_url_signer.h"
#include "storage/s3_audio_store.h"
#include "tts/engine.h"
#include "tts/synthesizer.h"

namespace swha::app {

// The catalog the settings name: DATABASE_URL, else SQLite at $DATA_DIR/swha.db.
Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const config::Settings& settings);
// Where the SQLite catalog is (whether or not DATABASE_URL names PostgreSQL).
std::string SqliteCatalogPath(const config::Settings& settings);
// The engine TTS_ENGINE and its settings name.
tts::EngineConfig EngineConfigOf(const config::Settings& settings);

// What a Service is made for: the server starts the background work (the lipsync poller, the
// S3 lifecycle rule); a one-shot command only uses the use cases.
enum class ServiceRole { kServer, kCommand };

class Service {
 public:
  // REQUIRES: settings validated and secret_key set (config::EnsureSecretKey).
  static Result<std::unique_ptr<Service>> Create(const config::Settings& settings,
                                                 ServiceRole role = ServiceRole::kServer);

  Result<int> Bind() { return server_->Bind(); }
  Status Serve() { return server_->Serve(); }
  // Starts a drain: GET /ready says "stopping"; waiting requests are ended, so the server's
  // workers finish; no new connection is accepted; Serve() returns once what is in flight has
  // been answered.
  void Stop() {
    readiness_->MarkStopping();
    if (outbox_ != nullptr) outbox_->Stop();
    sessions_->remover()->Stop();
    lipsync_->service()->Shutdown();
    server_->Stop();
  }

  // One line for the start-up log: where audio goes ("local at DIR", "S3 bucket B at E (...)").
  std::string StorageSummary() const { return storage_->Summary(); }

  // The use cases, for the command line (which runs them as the HTTP API does).
  const service::GenerationService* generation() const { return generation_.get(); }
  const service::AccountService* accounts() const { return accounts_.get(); }

 private:
  Service() = default;
  config::Settings settings_;
  metrics::Registry metrics_;
  std::unique_ptr<metrics::ServiceMetrics> service_metrics_;
  std::unique_ptr<tts::Engine> engine_;
  std::unique_ptr<tts::Synthesizer> synthesizer_;
  std::unique_ptr<StorageStack> storage_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::unique_ptr<catalog::Catalog> timed_catalog_;  // wraps catalog_; what the services use
  std::unique_ptr<service::UrlMinter> minter_;
  std::unique_ptr<service::GenerationService> generation_;
  std::unique_ptr<service::SynthesisPermits> permits_;  // before the services that borrow it
  std::unique_ptr<service::SpeechService> speech_;
  std::unique_ptr<service::SessionService> sessions_;
  std::unique_ptr<service::UsageService> usage_;
  std::unique_ptr<service::StoredTotalsCache> stored_totals_;  // behind the swha_storage_* gauges
  std::unique_ptr<service::AccountService> accounts_;
  std::unique_ptr<LipsyncStack> lipsync_;
  std::unique_ptr<service::ReadinessService> readiness_;
  std::unique_ptr<service::RequestRateLimiter> rate_limiter_;  // with RATE_LIMIT_PER_MINUTE only
  std::unique_ptr<service::UploadOutbox> outbox_;              // with S3 only
  http::ApiContext context_;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace swha::app
