// The storage the service and the operator's commands work on, as the settings configure it:
// local audio (with its URL signer) and, when USE_S3_STORAGE is true, S3.
#pragma once

#include <memory>
#include <string>

#include "aws/s3_credentials.h"
#include "config/settings.h"
#include "metrics/service_metrics.h"
#include "service/storage_backends.h"
#include "storage/audio_store.h"
#include "storage/cloudfront_signer.h"
#include "storage/http_transport.h"
#include "storage/local_url_signer.h"
#include "storage/s3_audio_store.h"
#include "util/file_system.h"

namespace swha::app {

class StorageStack {
 public:
  // Creates AUDIO_DIR if needed. With CLOUDFRONT_* set, a CloudFront private key that cannot
  // be read is an error (one line naming CLOUDFRONT_PRIVATE_KEY_FILE). An S3 set-up failure is not
  // an error: it is kept in backends()->s3_setup_error and logged, and audio stays local. Without
  // settings.secret_key there is no signer (commands that mint no URLs need none). `metrics`
  // (borrowed, may be null) is handed to the S3 client and store.
  static Result<std::unique_ptr<StorageStack>> Create(
      const config::Settings& settings, FileSystem* fs,
      const metrics::ServiceMetrics* metrics = nullptr);

  // Stable for the stack's lifetime; services keep the pointer.
  service::StorageBackends* backends() { return &storage_; }
  // With S3_LIFECYCLE_DAYS set and S3 up: the bucket gets our expiration rule for
  // S3_LIFECYCLE_PREFIX when it lacks it or says otherwise (other rules are kept). For the
  // service at start-up; a failure is logged, not fatal (S3 may be down for now).
  void ApplyLifecycleSetting();
  // One line for the start-up log: where audio goes ("local at DIR", "S3 bucket B at E (...)").
  std::string Summary() const;

 private:
  StorageStack() = default;
  // Sets up S3 when USE_S3_STORAGE is true; a failure is kept in storage_.s3_setup_error and
  // reported with every request, never fatal, so the service still serves from local storage.
  void SetUpS3();

  config::Settings settings_;
  const metrics::ServiceMetrics* metrics_ = nullptr;
  std::unique_ptr<storage::LocalUrlSigner> signer_;
  std::unique_ptr<storage::AudioStore> store_;
  std::unique_ptr<storage::CloudFrontSigner> cdn_;
  aws::CredentialTransports credential_transports_;
  std::unique_ptr<storage::HttpTransport> s3_transport_;
  // Refreshed in the background while the stack lives; the S3 clients sign with it.
  std::shared_ptr<aws::RefreshingCredentials> s3_credentials_;
  std::unique_ptr<storage::S3AudioStore> s3_store_;
  service::StorageBackends storage_;
};

}  // namespace swha::app
