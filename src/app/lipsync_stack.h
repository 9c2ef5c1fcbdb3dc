// The lipsync parts as the settings configure them: the sync.so client on its own libcurl
// transport, the key sealer, and the service. Shared by the server and the CLI.
#pragma once

#include <memory>

#include "config/settings.h"
#include "lipsync/key_sealer.h"
#include "lipsync/provider.h"
#include "lipsync/sync_client.h"
#include "service/lipsync_service.h"
#include "storage/http_transport.h"

namespace swha::app {

// The sync.so client as the settings configure it (SYNC_API_BASE_URL, SYNC_API_TIMEOUT_MS), on
// a libcurl transport of its own. Shared by LipsyncStack and `doctor`.
struct SyncConnection {
  lipsync::SyncClientConfig config;
  std::unique_ptr<storage::HttpTransport> transport;
  std::unique_ptr<lipsync::LipsyncProvider> provider;  // uses transport; destroyed before it
};
Result<SyncConnection> ConnectSync(const config::Settings& settings);

class LipsyncStack {
 public:
  // Borrowed pointers must outlive the stack. REQUIRES: settings.secret_key set.
  static Result<std::unique_ptr<LipsyncStack>> Create(const config::Settings& settings,
                                                      catalog::Catalog* catalog,
                                                      const service::StorageBackends* storage,
                                                      const service::SessionService* sessions,
                                                      const Clock* clock);
  service::LipsyncService* service() { return service_.get(); }

 private:
  LipsyncStack() = default;
  SyncConnection sync_;
  std::unique_ptr<lipsync::KeySealer> sealer_;
  std::unique_ptr<service::LipsyncService> service_;
};

}  // namespace swha::app
