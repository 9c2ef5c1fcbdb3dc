// An in-process stand-in for sync.so's lipsync API, so the lipsync client can be tested over
// real HTTP without the provider: POST /v2/generate, GET /v2/generate/{id}, signed webhooks,
// and the provider's error shapes. Jobs run in background threads and really fetch the audio
// URL they are given, so a test proves the service hands out a URL the provider can read.
//
// Wire behaviour (what a client sees):
// - Every /v2 request needs `x-api-key: <api_key>`, else 401 {statusCode, message:"Unauthorized"}.
// - Errors are {statusCode, errorCode, message}: 400 validation_error, 409
//   idempotency_key_conflict, 429 rate_limit_exceeded (+ Retry-After), 402 payment_required,
//   5xx internal_error. An unknown job is 404 {statusCode, message}.
// - Create answers 201 with the job (PENDING). A repeated Idempotency-Key with an equal JSON
//   body answers 200 with the same job; with another body, 409.
// - Lifecycle, one step delay per transition: the audio is fetched at once (no redirects
//   followed); then an unfetchable or invalid WAV, or one over 300 s, FAILS; a video URL
//   containing "reject" is REJECTED; otherwise PROCESSING, then (while not held) a video URL
//   containing "fail" FAILS and any other COMPLETES with outputUrl
//   <base_url>/outputs/<id>.mp4 (served, no key needed) and outputDuration = audio seconds.
// - With webhookUrl, each status change after creation is POSTed there with
//   `Sync-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//
// Thread-safety: every public method may be called from any thread at any time; the state is
// behind one mutex, and no network I/O happens while it is held.
//
// Teardown order does not matter: it answers one request per connection and sends
// `Connection: close` on its own requests, so neither it nor a test's server is left waiting
// out an idle keep-alive connection (httplib's stop() would wait 5 s for each).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "util/status.h"

namespace swha::testing {

class SyncStandin {
 public:
  // Listens on 127.0.0.1 on a port the kernel picks and serves from its own thread until
  // destroyed. `webhook_secret` signs the webhooks (its UTF-8 bytes are the HMAC key).
  static Result<std::unique_ptr<SyncStandin>> Start(std::string api_key,
                                                    std::string webhook_secret);
  // Stops the server, cuts short step delays and held jobs, and joins every thread. A fetch or
  // webhook in flight is allowed to finish (bounded by the transport's timeouts).
  ~SyncStandin();
  SyncStandin(const SyncStandin&) = delete;
  SyncStandin& operator=(const SyncStandin&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"
  int port() const;

  // Delay before each job transition (default 200 ms); applies to waits that start later.
  void SetStepDelay(std::chrono::milliseconds delay);
  // While true, jobs that reach PROCESSING stay there; false releases them at once.
  void HoldJobs(bool hold);

  // The next `count` authenticated POST /v2/generate answer `status` without creating a job:
  // 429 → rate_limit_exceeded with `Retry-After: retry_after_seconds`; 402 → payment_required;
  // 5xx → internal_error. Their Idempotency-Key is still recorded (clients retry with it).
  void RejectNextGenerates(int count, int status, int retry_after_seconds);
  // The next successful create makes the job, then waits `delay` before answering, so a
  // client with a shorter timeout loses the answer but the job exists.
  void DelayNextGenerateResponse(std::chrono::milliseconds delay);

  // Every POST /v2/generate received, whatever its answer.
  int generate_requests() const;
  int jobs_created() const;
  // Every GET /v2/generate/{id} received, whatever its answer.
  int status_requests() const;
  std::vector<std::string> job_ids() const;  // in creation order
  // The body the job's audio fetch got with HTTP 200 (even if it is not a WAV); nullopt for
  // an unknown job, a fetch not done yet, or one that did not return 200.
  std::optional<std::string> fetched_audio(const std::string& job_id) const;
  // The job's status-response JSON, as GET /v2/generate/{id} would answer; nullopt if unknown.
  std::optional<nlohmann::json> job(const std::string& id) const;
  // The Idempotency-Key of each POST /v2/generate that carried one (authenticated), in order.
  std::vector<std::string> idempotency_keys_seen() const;
  // The HTTP status of each webhook delivery in order; -1 where none came back (no connection,
  // timeout).
  std::vector<int> webhook_delivery_statuses() const;

  // POSTs `body` to `url` signed as the stand-in signs webhooks, but with the given timestamp
  // and secret (for tests of bad signatures and replays). The receiver's HTTP status, or
  // Unavailable when it could not be reached.
  Result<int> SendWebhook(const std::string& url, const std::string& body, int64_t timestamp,
                          const std::string& secret);
  // The job's current status-response JSON text; "" for an unknown id.
  std::string StatusBody(const std::string& id) const;

 private:
  class Impl;
  explicit SyncStandin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swha::testing
