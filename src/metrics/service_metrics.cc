#include "metrics/service_metrics.h"

namespace swha::metrics {

ServiceMetrics::ServiceMetrics(Registry* registry)
    : synthesis_seconds(&registry
                             ->AddCounter("swha_synthesis_seconds_total",
                                          "Seconds the speech engine spent synthesizing.", {}, 1e-9)
                             ->CounterFor({})),
      audio_seconds(
          &registry->AddCounter("swha_audio_seconds_total", "Seconds of audio produced.", {}, 1e-9)
               ->CounterFor({})),
      presigned_urls(registry->AddCounter(
          "swha_presigned_urls_total",
          "S3 presigned URLs handed out, by whether the presign cache had them.", {"cache"})),
      segments_stored(registry->AddCounter(
          "swha_segments_stored_total",
          "Generated segments by where they are stored (local includes S3 fallbacks).",
          {"backend"})),
      s3_fallback_segments(&registry
                                ->AddCounter("swha_s3_fallback_segments_total",
                                             "Segments meant for S3 that stayed local.", {})
                                ->CounterFor({})),
      stored_bytes(registry->AddCounter("swha_stored_bytes_total",
                                        "Bytes of audio written, by backend.", {"backend"})),
      s3_operations(registry->AddCounter(
          "swha_s3_operations_total",
          "S3 calls by operation and outcome (success, retried then succeeded, failed).",
          {"operation", "outcome"})),
      s3_duration(registry->AddHistogram("swha_s3_operation_duration_seconds",
                                         "Time each S3 call took, retries included.",
                                         {"operation"})),
      catalog_duration(registry->AddHistogram("swha_catalog_query_duration_seconds",
                                              "Time each catalog call took, by operation.",
                                              {"operation"})),
      credential_refreshes(registry->AddCounter(
          "swha_aws_credential_refreshes_total",
          "Fetches of temporary AWS credentials after the first, by source and outcome.",
          {"source", "outcome"})),
      outbox_uploads(registry->AddCounter(
          "swha_upload_outbox_uploads_total",
          "Attempts of the upload outbox at segments that fell back to local storage, by outcome.",
          {"outcome"})) {}

}  // namespace swha::metrics
