// The service's own metrics, registered in one place (app/service.cc) and handed, borrowed, to
// the parts that count: generation, the S3 store and the catalog. Requests themselves are
// counted by the router (swha_http_requests_total), which also gives signed local downloads by
// result: route "/static/audio/{session_id}/{filename}", status 200/206/403/404.
#pragma once

#include "metrics/registry.h"

namespace swha::metrics {

struct ServiceMetrics {
  // Registers every family in `registry`, which must outlive this.
  explicit ServiceMetrics(Registry* registry);

  Counter* synthesis_seconds;  // swha_synthesis_seconds_total: engine time spent
  Counter* audio_seconds;      // swha_audio_seconds_total: audio produced
  Family* presigned_urls;      // swha_presigned_urls_total{cache="hit"|"miss"}
  // swha_segments_stored_total{backend="s3"|"local"}: where each generated segment ended up,
  // "local" also for segments that were to go to S3 and fell back.
  Family* segments_stored;
  Counter* s3_fallback_segments;  // swha_s3_fallback_segments_total
  Family* stored_bytes;           // swha_stored_bytes_total{backend}: bytes written
  // swha_s3_operations_total{operation, outcome="success"|"retried"|"failed"}: each S3 call
  // once, "retried" when it succeeded after a retry; and its time, retries included.
  Family* s3_operations;
  Family* s3_duration;       // swha_s3_operation_duration_seconds{operation}
  Family* catalog_duration;  // swha_catalog_query_duration_seconds{operation}
  // swha_aws_credential_refreshes_total{source, outcome="success"|"failed"}: fetches of
  // temporary AWS credentials after the first, by where they come from.
  Family* credential_refreshes;
  // swha_upload_outbox_uploads_total{outcome="uploaded"|"failed"|"dropped"}: attempts of the
  // upload outbox at queued segments ("dropped": the session was deleted first).
  Family* outbox_uploads;
};

}  // namespace swha::metrics
