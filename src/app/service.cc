#include "app/service.h"

#include <spdlog/spdlog.h>

#include "catalog/pg_catalog.h"
#include "storage/aws_credentials.h"
#include "util/clock.h"
#include "util/file_system.h"

namespace swha::app {

Result<std::unique_ptr<catalog::Catalog>> OpenCatalog(const config::Settings& settings) {
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
  SWHA_RETURN_IF_ERROR(fs->CreateDirs(s.audio_dir).WithContext("AUDIO_DIR"));
  SWHA_ASSIGN_OR_RETURN(service->engine_, tts::CreateEngine({.type = tts::EngineType::kEspeakNg,
                                                             .threads = s.engine_threads}));
  service->synthesizer_ = std::make_unique<tts::Synthesizer>(service->engine_.get());
  service->signer_ = std::make_unique<storage::LocalUrlSigner>(s.secret_key, s.public_base_url);
  service->store_ = std::make_unique<storage::AudioStore>(fs, s.audio_dir);
  service->storage_.local = service->store_.get();
  service->storage_.signer = service->signer_.get();
  service->storage_.use_s3_storage = s.s3.use_s3_storage;
  if (s.s3.use_s3_storage) service->SetUpS3();

  SWHA_ASSIGN_OR_RETURN(service->catalog_, OpenCatalog(s));
  catalog::Catalog* catalog = service->catalog_.get();

  const Clock* clock = Clock::Real();
  service->minter_ = std::make_unique<service::UrlMinter>(&service->storage_, clock);
  service->generation_ = std::make_unique<service::GenerationService>(
      service::GenerationLimits{.max_text_length = s.max_text_length,
                                .default_url_expiry_seconds = s.s3.presigned_url_expiry},
      service->synthesizer_.get(), &service->storage_, catalog, service->minter_.get(), clock);
  service->sessions_ = std::make_unique<service::SessionService>(
      &service->storage_, catalog, service->minter_.get(), clock, s.s3.presigned_url_expiry);
  service->accounts_ = std::make_unique<service::AccountService>(
      service::AccountConfig{.token_key = service::DeriveTokenKey(s.secret_key),
                             .token_lifetime_seconds = int64_t{s.access_token_expire_minutes} * 60,
                             .allow_anonymous = s.allow_anonymous},
      catalog, clock);
  service->context_ = http::ApiContext{.settings = &s,
                                       .generation = service->generation_.get(),
                                       .sessions = service->sessions_.get(),
                                       .accounts = service->accounts_.get(),
                                       .storage = &service->storage_,
                                       .clock = clock};
  auto router = std::make_shared<const http::Router>(http::BuildRouteTable(service->context_));
  service->server_ = std::make_unique<http::HttpServer>(
      http::ServerConfig{s.host, s.port, s.http_threads, s.max_request_bytes}, router);
  return service;
}

void Service::SetUpS3() {
  const config::S3Settings& s3 = settings_.s3;
  auto resolved = storage::ResolveS3Config(s3, FileSystem::Default());
  if (!resolved.ok()) {
    // The detail names files and OS errors: the log gets it, callers get what to do.
    spdlog::error("S3 storage is off: {}", resolved.status().message());
    storage_.s3_setup_error =
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or put the "
        "AWS_PROFILE section in the shared credentials file (details in the server log)";
    return;
  }
  s3_transport_ = storage::CreateCurlTransport({.connect_timeout_ms = s3.connect_timeout_ms,
                                                .total_timeout_ms = s3.request_timeout_ms,
                                                .max_idle_handles = 64});
  auto client = storage::S3Client::Create(resolved->config, s3_transport_.get(), Clock::Real());
  auto probe = storage::S3Client::Create(resolved->config, s3_transport_.get(), Clock::Real(),
                                         {.max_attempts = 1});
  if (!client.ok() || !probe.ok()) {
    storage_.s3_setup_error = (client.ok() ? probe : client).status().message();
    spdlog::error("S3 storage is off: {}", storage_.s3_setup_error);
    return;
  }
  s3_store_ = std::make_unique<storage::S3AudioStore>(
      std::move(*client), std::move(*probe), store_.get(), Clock::Real(),
      storage::S3AudioStoreOptions{
          .max_concurrent_uploads = static_cast<size_t>(s3.max_concurrent_uploads),
          .recheck_after_seconds = static_cast<double>(s3.recheck_seconds),
          .keep_local_copy = settings_.keep_local_copy});
  storage_.s3 = s3_store_.get();
  storage_.s3_credentials_source = resolved->credentials_kind;
  spdlog::info("S3: {}; credentials from {}", resolved->config.ToString(),
               resolved->credentials_source);
  // Only logged: availability is re-checked by every request, never decided here.
  if (Status reachable = s3_store_->CheckReachable(); reachable.ok()) {
    spdlog::info("S3 bucket {} is reachable", s3.bucket_name);
  } else {
    spdlog::warn("S3 is not reachable now ({}); audio stays local until it is",
                 reachable.message());
  }
}

std::string Service::StorageSummary() const {
  std::string local = "local at " + settings_.audio_dir;
  if (!settings_.s3.use_s3_storage) return local;
  if (s3_store_ == nullptr) return local + " (S3 is off: " + storage_.s3_setup_error + ")";
  return "S3 bucket " + settings_.s3.bucket_name + " at " +
         (settings_.s3.endpoint_url.empty() ? "AWS " + settings_.s3.region
                                            : settings_.s3.endpoint_url) +
         ", written to " + local + " first";
}

}  // namespace swha::app
