// The lipsync parts as the settings configure them: the sync.so client on its own libcurl
// transport, the key sealer, and the service. Shared by the server and the CLI.
#pragma once

#include <memory>

#include "config/settings.h"
#include "lipsync/key_sealer.h"
#include "lipsync/provider.h"
#include "service/lipsync_service.h"
#include "storage/http_transport.h"

namespace swha::app {

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
  std::unique_ptr<storage::HttpTransport> transport_;
  std::unique_ptr<lipsync::LipsyncProvider> provider_;
  std::unique_ptr<lipsync::KeySealer> sealer_;
  std::unique_ptr<service::LipsyncService> service_;
};

}  // namespace swha::app
