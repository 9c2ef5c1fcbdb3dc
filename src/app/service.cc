#include "app/service.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "catalog/pg_catalog.h"
#include "catalog/timed_catalog.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/file_system.h"

namespace swha::app {

Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const config::Settings& settings) {
  // The catalog benchmark's baseline, deliberately not a setting: a server that remembers
  // nothing is no configuration anyone should run.
  if (const char* bench = std::getenv("SWHA_BENCH_NULL_CATALOG"); bench && *bench == '1') {
    spdlog::warn("catalog: none (SWHA_BENCH_NULL_CATALOG=1, a benchmark baseline)");
    return catalog::NewNullCatalog();
  }
  const std::string& url = settings.database_url;
  if (config::IsPostgresUrl(url)) {
    const catalog::PgPoolConfig config{.url = url, .max_connections = settings.database_pool_size};
    auto catalog = catalog::OpenPostgresCatalog(config);
    if (!catalog.ok()) return catalog.status().WithContext("catalog (DATABASE_URL)");
    spdlog::info("catalog: PostgreSQL, {}", config.ToString());
    return catalog;
  }
  const std::string path = SqliteCatalogPath(settings);
  // The file's own directory, which DATA_DIR is unless DATABASE_URL names another.
  const std::string dir =
      path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  SWHA_RETURN_IF_ERROR(
      FileSystem::Default()->CreateDirs(dir.empty() ? "/" : dir).WithContext("catalog directory"));
  auto catalog = catalog::OpenSqliteCatalog(path);
  if (!catalog.ok()) return catalog.status().WithContext("catalog");
  spdlog::info("catalog: SQLite at {}", path);
  return catalog;
}

std::string SqliteCatalogPath(const config::Settings& settings) {
  // sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
  if (settings.database_url.starts_with(config::kSqliteUrlScheme)) {
    return settings.database_url.substr(config::kSqliteUrlScheme.size());
  }
  return JoinPath(settings.data_dir, "swha.db");
}

tts::EngineConfig EngineConfigOf(const config::Settings& settings) {
  const config::EngineSettings& t = settings.tts;
  tts::EngineConfig config{
      .type = t.upstream() ? tts::EngineType::kOpenAiUpstream : tts::EngineType::kEspeakNg,
      .threads = settings.engine_threads};
  config.upstream = tts::UpstreamConfig{.base_url = t.upstream_url,
                                        .api_key = t.upstream_api_key,
                                        .model = t.upstream_model,
                                        .max_concurrency = t.upstream_max_concurrency,
                                        .timeout_ms = t.upstream_timeout_ms,
                                        .phonemize_upstream = t.upstream_phonemize == "upstream",
                                        .voice_names = t.upstream_voice_names == "openai"
                                                           ? tts::UpstreamVoiceNames::kOpenAi
                                                           : tts::UpstreamVoiceNames::kKokoro};
  return config;
}

Result<std::unique_ptr<Service>> Service::Create(const config::Settings& settings,
                                                 ServiceRole role) {
  if (settings.secret_key.empty()) return Status::Internal("SECRET_KEY is not set");
  auto service = std::unique_ptr<Service>(new Service());
  service->settings_ = settings;
  const config::Settings& s = service->settings_;

  FileSystem* fs = FileSystem::Default();
  SWHA_ASSIGN_OR_RETURN(service->engine_, tts::CreateEngine(EngineConfigOf(s)));
  service->synthesizer_ = std::make_unique<tts::Synthesizer>(service->engine_.get());
  service->service_metrics_ = std::make_unique<metrics::ServiceMetrics>(&service->metrics_);
  const metrics::ServiceMetrics* counted = service->service_metrics_.get();
  SWHA_ASSIGN_OR_RETURN(service->storage_, StorageStack::Create(s, fs, counted));
  if (role == ServiceRole::kServer) service->storage_->ApplyLifecycleSetting();

  SWHA_ASSIGN_OR_RETURN(service->catalog_, OpenCatalog(s));
  service->timed_catalog_ =
      std::make_unique<catalog::TimedCatalog>(service->catalog_.get(), counted);
  catalog::Catalog* catalog = service->timed_catalog_.get();

  const Clock* clock = Clock::Real();
  service->minter_ = std::make_unique<service::UrlMinter>(service->storage_->backends(), clock);
  service->permits_ = std::make_unique<service::SynthesisPermits>(s.max_syntheses_per_user);
  service->generation_ = std::make_unique<service::GenerationService>(
      service::GenerationLimits{.max_text_length = s.max_text_length,
                                .default_url_expiry_seconds = s.s3.presigned_url_expiry},
      service->synthesizer_.get(), service->storage_->backends(), catalog, service->minter_.get(),
      clock, counted, service->permits_.get());
  service->speech_ = std::make_unique<service::SpeechService>(
      service::SpeechLimits{
          .max_input_chars = std::min(service::kMaxSpeechInputChars, s.max_text_length),
          .max_concurrent_streams = std::max(1, s.http_threads / 2)},
      service->synthesizer_.get(), counted, service->permits_.get());
  // Both reconcilers (session removal here, the upload outbox below) keep one schedule.
  const int64_t reconcile_poll_ms = int64_t{s.s3.outbox_poll_seconds} * 1000;
  const service::SessionRemovalConfig removal{
      .retry_interval_ms = reconcile_poll_ms,
      .claim_ms = service::ReconcilerLeaseMs(reconcile_poll_ms)};
  SWHA_RETURN_IF_ERROR(removal.Validate());
  service->sessions_ = std::make_unique<service::SessionService>(
      service->storage_->backends(), catalog, service->minter_.get(), clock,
      s.s3.presigned_url_expiry, removal);
  service->usage_ = std::make_unique<service::UsageService>(service->storage_->backends(), catalog,
                                                            s.s3.price_per_gb_month);
  service->accounts_ = std::make_unique<service::AccountService>(
      service::AccountConfig{.token_key = service::DeriveTokenKey(s.secret_key),
                             .token_lifetime_seconds = int64_t{s.access_token_expire_minutes} * 60,
                             .allow_anonymous = s.allow_anonymous,
                             .login_failure_limit = s.login_failure_limit},
      catalog, clock);
  SWHA_ASSIGN_OR_RETURN(service->lipsync_,
                        LipsyncStack::Create(s, catalog, service->storage_->backends(),
                                             service->sessions_.get(), clock));
  // A command must not lease the server's due jobs under an instance id that is gone a moment
  // later.
  if (role == ServiceRole::kServer) service->lipsync_->service()->StartPoller();
  if (role == ServiceRole::kServer) {
    // Removals that storage held up are finished by whichever instance is running.
    service->sessions_->remover()->Start();
    spdlog::info("session removal: {}", removal.ToString());
  }
  if (role == ServiceRole::kServer && service->storage_->backends()->s3 != nullptr) {
    const service::UploadOutboxConfig outbox{
        .poll_interval_ms = reconcile_poll_ms,
        .lease_ms = service::ReconcilerLeaseMs(reconcile_poll_ms),
        .keep_local_copy = s.keep_local_copy};
    SWHA_RETURN_IF_ERROR(outbox.Validate());
    service->outbox_ = std::make_unique<service::UploadOutbox>(
        outbox, catalog, service->storage_->backends(), clock, crypto::RandomHex(8), counted);
    service->outbox_->Start();
    spdlog::info("upload outbox: {}", outbox.ToString());
  }
  service->readiness_ =
      std::make_unique<service::ReadinessService>(catalog, service->storage_->backends(), clock);
  if (s.rate_limit_per_minute > 0) {
    service->rate_limiter_ = std::make_unique<service::RequestRateLimiter>(
        service::RateLimitConfig{.requests_per_minute = s.rate_limit_per_minute}, clock);
  }
  service->context_ = http::ApiContext{.settings = &s,
                                       .generation = service->generation_.get(),
                                       .speech = service->speech_.get(),
                                       .sessions = service->sessions_.get(),
                                       .usage = service->usage_.get(),
                                       .accounts = service->accounts_.get(),
                                       .lipsync = service->lipsync_->service(),
                                       .readiness = service->readiness_.get(),
                                       .rate_limiter = service->rate_limiter_.get(),
                                       .metrics = &service->metrics_,
                                       .storage = service->storage_->backends(),
                                       .clock = clock};
  if (storage::S3AudioStore* s3 = service->storage_->backends()->s3) {
    service->metrics_.AddGauge(
        "swha_s3_available",
        "1 while uploads go to S3, 0 while S3 is skipped after a failure (S3_RECHECK_SECONDS).",
        [s3] { return s3->availability().available ? 1.0 : 0.0; });
  }
  // A queue in the catalog, read at each scrape: every instance reports the same shared queue.
  // When the catalog does not answer, the series are absent rather than a reassuring 0.
  // `read` gives its depth and the time (unix ms) its oldest entry was queued.
  const auto add_queue_gauges = [&service, clock](std::string_view prefix, std::string_view what,
                                                  std::string_view age_help, auto read) {
    const auto sample = [read, clock](bool age) {
      metrics::Registry::GaugeSamples samples;
      Result<std::pair<int64_t, std::optional<int64_t>>> q = read();
      if (!q.ok()) return samples;
      double value = static_cast<double>(q->first);
      if (age) {
        value = q->second ? static_cast<double>(clock->NowUnixMillis() - *q->second) / 1000.0 : 0.0;
      }
      samples.push_back({{}, value});
      return samples;
    };
    service->metrics_.AddGaugeFamily(std::string(prefix) + "_depth", std::string(what), {},
                                     [sample] { return sample(false); });
    service->metrics_.AddGaugeFamily(std::string(prefix) + "_oldest_age_seconds",
                                     std::string(age_help), {}, [sample] { return sample(true); });
  };
  if (service->outbox_ != nullptr) {
    add_queue_gauges(
        "swha_upload_outbox",
        "Segments kept locally because S3 did not take them, waiting for the upload outbox.",
        "How long the oldest segment in the upload outbox has waited.",
        [catalog]() -> Result<std::pair<int64_t, std::optional<int64_t>>> {
          catalog::UploadQueueStats q;
          SWHA_ASSIGN_OR_RETURN(q, catalog->UploadQueue());
          return std::pair(q.depth, q.oldest_queued_at_ms);
        });
  }
  add_queue_gauges(
      "swha_session_removals",
      "Deleted sessions whose audio storage has not let go of yet, retried in the background.",
      "How long ago the oldest of those sessions was deleted.",
      [catalog]() -> Result<std::pair<int64_t, std::optional<int64_t>>> {
        catalog::RemovalQueueStats q;
        SWHA_ASSIGN_OR_RETURN(q, catalog->RemovalQueue());
        return std::pair(q.depth, q.oldest_started_ms);
      });
  service->stored_totals_ =
      std::make_unique<service::StoredTotalsCache>(service->usage_.get(), clock);
  const auto stored = [totals = service->stored_totals_.get()](bool bytes) {
    metrics::Registry::GaugeSamples samples;
    if (std::optional<service::UsageLine> t = totals->Get()) {
      samples.push_back({{"s3"}, static_cast<double>(bytes ? t->s3_bytes : t->s3_objects)});
      samples.push_back(
          {{"local"},
           static_cast<double>(bytes ? t->local_bytes.value_or(0) : t->local_files.value_or(0))});
    }
    return samples;
  };
  service->metrics_.AddGaugeFamily(
      "swha_storage_used_bytes",
      "Bytes of audio the catalog knows stored, by backend (a segment in both counts in both).",
      {"backend"}, [stored] { return stored(true); });
  service->metrics_.AddGaugeFamily("swha_storage_objects",
                                   "Audio files the catalog knows stored, by backend.", {"backend"},
                                   [stored] { return stored(false); });
  auto router = std::make_shared<const http::Router>(
      http::BuildRouteTable(service->context_),
      http::RouterOptions{.metrics = &service->metrics_,
                          .gate = http::AddressRateLimitGate(service->context_),
                          .cors_origins = s.cors_origins});
  service->server_ = std::make_unique<http::HttpServer>(
      http::ServerConfig{
          .host = s.host,
          .port = s.port,
          .threads = s.http_threads,
          .max_request_bytes = s.max_request_bytes,
          .max_connections = s.max_connections,
          .head_timeout_seconds = s.request_header_timeout_seconds,
          .body_timeout_seconds = s.request_body_timeout_seconds,
          .refused_connections = &service->metrics_
                                      .AddCounter("swha_http_refused_connections_total",
                                                  "Connections answered 503 because "
                                                  "MAX_CONNECTIONS were open.",
                                                  {})
                                      ->CounterFor({})},
      router);
  http::HttpServer* server = service->server_.get();
  service->metrics_.AddGauge("swha_http_open_connections",
                             "HTTP connections open now (MAX_CONNECTIONS caps them).",
                             [server] { return static_cast<double>(server->open_connections()); });
  return service;
}

}  // namespace swha::app
