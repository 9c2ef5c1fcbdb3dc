#include "app/storage_stack.h"

#include <spdlog/spdlog.h>

#include "util/clock.h"

namespace swha::app {

Result<std::unique_ptr<StorageStack>> StorageStack::Create(const config::Settings& settings,
                                                           FileSystem* fs,
                                                           const metrics::ServiceMetrics* metrics) {
  SWHA_RETURN_IF_ERROR(fs->CreateDirs(settings.audio_dir).WithContext("AUDIO_DIR"));
  auto stack = std::unique_ptr<StorageStack>(new StorageStack());
  stack->settings_ = settings;
  stack->metrics_ = metrics;
  if (!settings.secret_key.empty()) {
    stack->signer_ =
        std::make_unique<storage::LocalUrlSigner>(settings.secret_key, settings.public_base_url);
  }
  stack->store_ = std::make_unique<storage::AudioStore>(fs, settings.audio_dir);
  stack->storage_.local = stack->store_.get();
  stack->storage_.signer = stack->signer_.get();
  stack->storage_.use_s3_storage = settings.s3.use_s3_storage;
  if (settings.cloudfront.enabled()) {
    SWHA_ASSIGN_OR_RETURN(stack->cdn_, storage::CloudFrontSigner::Create(settings.cloudfront, fs));
  }
  if (settings.s3.use_s3_storage) stack->SetUpS3();
  return stack;
}

void StorageStack::SetUpS3() {
  const config::S3Settings& s3 = settings_.s3;
  credential_transports_ = aws::CreateCredentialTransports(s3);
  auto resolved =
      aws::ResolveS3Config(s3, {.fs = FileSystem::Default(),
                                .sts_transport = credential_transports_.sts.get(),
                                .metadata_transport = credential_transports_.metadata.get(),
                                .clock = Clock::Real(),
                                .metrics = metrics_,
                                .refresh = {.start_without_credentials = true}});
  if (!resolved.ok()) {
    // The detail names files and OS errors: the log gets it, callers get what to do.
    spdlog::error("S3 storage is off: {}", resolved.status().message());
    storage_.s3_setup_error =
        "no usable AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
        "configure a profile, a role or the platform's credentials (details in the server log)";
    return;
  }
  s3_credentials_ = resolved->credentials;
  s3_transport_ = storage::CreateCurlTransport({.connect_timeout_ms = s3.connect_timeout_ms,
                                                .total_timeout_ms = s3.request_timeout_ms,
                                                .max_idle_handles = 64});
  // The primary, then each replica: the same credentials and options, its own bucket, region
  // and endpoint (AWS when it names none).
  std::vector<storage::S3ClientConfig> configs = {resolved->config};
  for (const config::S3Replica& replica : s3.replicas) {
    storage::S3ClientConfig c = resolved->config;
    c.bucket = replica.bucket;
    c.region = replica.region;
    c.endpoint_url = replica.endpoint_url;
    c.use_accelerate_endpoint = false;
    // Dual-stack names AWS's own hosts: not for a replica on an endpoint of its own.
    c.use_dualstack_endpoint = c.use_dualstack_endpoint && replica.endpoint_url.empty();
    configs.push_back(std::move(c));
  }
  std::vector<storage::S3TargetClients> targets;
  for (const storage::S3ClientConfig& c : configs) {
    auto client = storage::S3Client::Create(c, s3_transport_.get(), Clock::Real(), {}, metrics_);
    auto probe =
        storage::S3Client::Create(c, s3_transport_.get(), Clock::Real(), {.max_attempts = 1});
    if (!client.ok() || !probe.ok()) {
      storage_.s3_setup_error = (client.ok() ? probe : client).status().message();
      spdlog::error("S3 storage is off: {}", storage_.s3_setup_error);
      return;
    }
    targets.push_back({std::move(*client), std::move(*probe)});
  }
  s3_store_ = std::make_unique<storage::S3AudioStore>(
      std::move(targets), store_.get(), Clock::Real(),
      storage::S3AudioStoreOptions{
          .max_concurrent_uploads = static_cast<size_t>(s3.max_concurrent_uploads),
          .recheck_after_seconds = static_cast<double>(s3.recheck_seconds),
          .keep_local_copy = settings_.keep_local_copy,
          .metrics = metrics_,
          .cdn = cdn_.get(),
          .lifecycle_day_seconds = s3.lifecycle_day_seconds});
  storage_.s3 = s3_store_.get();
  storage_.s3_credentials_source = resolved->credentials_kind;
  storage_.s3_credentials = s3_credentials_.get();
  storage_.s3_region = resolved->config.region;
  spdlog::info("S3: {}; credentials from {}", resolved->config.ToString(),
               resolved->credentials_description);
  for (size_t i = 1; i < configs.size(); ++i) {
    spdlog::info("S3 replica {}: {}", i, configs[i].ToString());
  }
  if (cdn_ != nullptr) {
    spdlog::info("audio URLs are CloudFront signed URLs for https://{}/ (key pair {}, {} policy)",
                 cdn_->domain(), cdn_->key_pair_id(),
                 cdn_->allowed_ip().empty() ? "canned" : "custom, from " + cdn_->allowed_ip());
  }
  // Only logged: availability is re-checked by every request, never decided here.
  for (const std::string& name : s3_store_->TargetNames()) {
    if (Status reachable = s3_store_->CheckReachable(name); reachable.ok()) {
      spdlog::info("S3 bucket {} is reachable", name);
    } else {
      spdlog::warn("S3 bucket {} is not reachable now ({}); it is skipped until it is", name,
                   reachable.message());
    }
  }
}

void StorageStack::ApplyLifecycleSetting() {
  const config::S3Settings& s3 = settings_.s3;
  if (s3.lifecycle_days == 0 || s3_store_ == nullptr) return;
  // Every bucket, replicas included: audio is expired wherever it landed.
  for (const std::string& name : s3_store_->TargetNames()) {
    Result<storage::LifecycleChange> change =
        s3_store_->EnsureExpirationRule(s3.lifecycle_prefix, s3.lifecycle_days, name);
    if (!change.ok()) {
      spdlog::warn("S3_LIFECYCLE_DAYS: the lifecycle rule of {} was not set: {}", name,
                   change.status().message());
      continue;
    }
    spdlog::info("S3 lifecycle rule {} ({} day(s)) on {}: {}",
                 storage::ExpirationRuleId(s3.lifecycle_prefix), s3.lifecycle_days, name,
                 storage::LifecycleChangeName(*change));
  }
}

std::string StorageStack::Summary() const {
  std::string local = "local at " + settings_.audio_dir;
  if (!settings_.s3.use_s3_storage) return local;
  if (s3_store_ == nullptr) return local + " (S3 is off: " + storage_.s3_setup_error + ")";
  return "S3 bucket " + settings_.s3.bucket_name + " at " +
         (settings_.s3.endpoint_url.empty() ? "AWS " + settings_.s3.region
                                            : settings_.s3.endpoint_url) +
         ", written to " + local + " first" +
         (cdn_ != nullptr ? "; URLs through CloudFront " + cdn_->domain() : "");
}

}  // namespace swha::app
