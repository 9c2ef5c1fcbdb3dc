#include "app/service.h"

#include <spdlog/spdlog.h>

#include <cstdlib>

#include "catalog/pg_catalog.h"
#include "storage/aws_credentials.h"
#include "util/clock.h"
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
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    const catalog::PgPoolConfig config{.url = url, .max_connections = settings.database_pool_size};
    auto catalog = catalog::OpenPostgresCatalog(config);
    if (!catalog.ok()) return catalog.status().WithContext("catalog (DATABASE_URL)");
    spdlog::info("catalog: PostgreSQL, {}", config.ToString());
    return catalog;
  }
  // sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them.
  constexpr std::string_view kSqliteScheme = "sqlite:///";
  std::string path = JoinPath(settings.data_dir, "swha.db");
  if (url.starts_with(kSqliteScheme)) path = url.substr(kSqliteScheme.size());
  if (path.empty()) return Status::InvalidArgument("DATABASE_URL: sqlite:/// names no file");
  SWHA_RETURN_IF_ERROR(
      FileSystem::Default()->CreateDirs(settings.data_dir).WithContext("DATA_DIR"));
  auto catalog = catalog::OpenSqliteCatalog(path);
  if (!catalog.ok()) return catalog.status().WithContext("catalog");
  spdlog::info("catalog: SQLite at {}", path);
  return catalog;
}

Result<std::unique_ptr<Service>> Service::Create(const config::Settings& settings) {
  if (settings.secret_key.empty()) return Status::Internal("SECRET_KEY is not set");
  auto service = std::unique_ptr<Service>(new Service());
  service->settings_ = settings;
  const config::Settings& s = service->settings_;

  FileSystem* fs = FileSystem::Default();
  SWHA_ASSIGN_OR_RETURN(service->engine_, tts::CreateEngine({.type = tts::EngineType::kEspeakNg,
                                                             .threads = s.engine_threads}));
  service->synthesizer_ = std::make_unique<tts::Synthesizer>(service->engine_.get());
  SWHA_ASSIGN_OR_RETURN(service->storage_, StorageStack::Create(s, fs));

  SWHA_ASSIGN_OR_RETURN(service->catalog_, OpenCatalog(s));
  catalog::Catalog* catalog = service->catalog_.get();

  const Clock* clock = Clock::Real();
  service->minter_ = std::make_unique<service::UrlMinter>(service->storage_->backends(), clock);
  service->generation_ = std::make_unique<service::GenerationService>(
      service::GenerationLimits{.max_text_length = s.max_text_length,
                                .default_url_expiry_seconds = s.s3.presigned_url_expiry},
      service->synthesizer_.get(), service->storage_->backends(), catalog, service->minter_.get(),
      clock);
  service->sessions_ = std::make_unique<service::SessionService>(service->storage_->backends(),
                                                                 catalog, service->minter_.get(),
                                                                 clock, s.s3.presigned_url_expiry);
  service->accounts_ = std::make_unique<service::AccountService>(
      service::AccountConfig{.token_key = service::DeriveTokenKey(s.secret_key),
                             .token_lifetime_seconds = int64_t{s.access_token_expire_minutes} * 60,
                             .allow_anonymous = s.allow_anonymous},
      catalog, clock);
  service->context_ = http::ApiContext{.settings = &s,
                                       .generation = service->generation_.get(),
                                       .sessions = service->sessions_.get(),
                                       .accounts = service->accounts_.get(),
                                       .storage = service->storage_->backends(),
                                       .clock = clock};
  auto router = std::make_shared<const http::Router>(http::BuildRouteTable(service->context_));
  service->server_ = std::make_unique<http::HttpServer>(
      http::ServerConfig{s.host, s.port, s.http_threads, s.max_request_bytes}, router);
  return service;
}

}  // namespace swha::app
