// sync.so's HTTP API over the project's HttpTransport (libcurl in production), with the S3
// client's back-off: 429 (waiting at least its Retry-After), 5xx and lost connections are
// retried; a create is retried with the same Idempotency-Key, so it never makes two jobs.
// Every provider answer becomes a Status here and nowhere else.
#pragma once

#include <memory>
#include <string>

#include "lipsync/provider.h"
#include "storage/http_transport.h"
#include "util/retry.h"

namespace swha::lipsync {

struct SyncClientConfig {
  std::string base_url = "https://api.sync.so";  // SYNC_API_BASE_URL, no trailing '/'
  // A Retry-After longer than this is not waited for: the caller gets the 429 and its
  // Retry-After instead of a request that hangs.
  int max_retry_after_seconds = 10;

  Status Validate() const;
  std::string ToString() const;
};

// Thread-safe. `transport` is borrowed and must outlive the client.
std::unique_ptr<LipsyncProvider> NewSyncClient(SyncClientConfig config,
                                               storage::HttpTransport* transport,
                                               const RetryPolicy& retry = {});

}  // namespace swha::lipsync
