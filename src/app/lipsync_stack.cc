#include "app/lipsync_stack.h"

#include <spdlog/spdlog.h>

#include "lipsync/sync_client.h"
#include "util/crypto.h"

namespace swha::app {

Result<SyncConnection> ConnectSync(const config::Settings& settings) {
  SyncConnection sync;
  sync.config.base_url = settings.sync_api_base_url;
  SWHA_RETURN_IF_ERROR(sync.config.Validate());
  sync.transport = storage::CreateCurlTransport(
      {.connect_timeout_ms = 5000, .total_timeout_ms = settings.sync_api_timeout_ms});
  sync.provider = lipsync::NewSyncClient(sync.config, sync.transport.get());
  return sync;
}

Result<std::unique_ptr<LipsyncStack>> LipsyncStack::Create(const config::Settings& settings,
                                                           catalog::Catalog* catalog,
                                                           const service::StorageBackends* storage,
                                                           const service::SessionService* sessions,
                                                           const Clock* clock) {
  if (settings.secret_key.empty()) return Status::Internal("SECRET_KEY is not set");
  auto stack = std::unique_ptr<LipsyncStack>(new LipsyncStack());
  SWHA_ASSIGN_OR_RETURN(stack->sync_, ConnectSync(settings));
  stack->sealer_ = std::make_unique<lipsync::KeySealer>(settings.secret_key);

  service::LipsyncConfig config;
  config.server_api_key = settings.sync_api_key;
  config.webhook_secret = settings.sync_webhook_secret;
  config.public_base_url = settings.public_base_url;
  SWHA_RETURN_IF_ERROR(config.Validate());
  service::LipsyncRequestContext context{
      .storage = storage,
      .sessions = sessions,
      .catalog = catalog,
      .audio_url_expiry_seconds = settings.lipsync_audio_url_expiry};
  spdlog::info("lipsync: sync.so at {}, {}", stack->sync_.config.base_url, config.ToString());
  stack->service_ = std::make_unique<service::LipsyncService>(
      std::move(config), catalog, stack->sync_.provider.get(), stack->sealer_.get(),
      std::move(context), clock, crypto::RandomHex(8));
  return stack;
}

}  // namespace swha::app
