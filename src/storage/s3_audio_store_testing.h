// For tests of what stores audio in S3: an S3AudioStore over a test transport (MemoryS3, a
// FakeTransport), with one bucket and no waiting between retries.
#pragma once

#include <memory>

#include "storage/audio_store.h"
#include "storage/http_transport.h"
#include "storage/s3_audio_store.h"
#include "storage/s3_client.h"
#include "util/clock.h"

namespace swha::storage {

// An S3AudioStore of bucket "audio-bucket" at an address nothing listens on, every request of
// it going to `transport`; its probe tries once. Null if a client could not be made.
inline std::unique_ptr<S3AudioStore> MakeTestS3AudioStore(HttpTransport* transport,
                                                          AudioStore* local, const Clock* clock,
                                                          S3AudioStoreOptions options = {}) {
  S3ClientConfig config;
  config.endpoint_url = "http://127.0.0.1:9";
  config.bucket = "audio-bucket";
  config.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  RetryPolicy retry;
  retry.sleep = [](double) {};
  retry.random = [] { return 0.0; };
  auto client = S3Client::Create(config, transport, clock, retry);
  retry.max_attempts = 1;
  auto probe = S3Client::Create(config, transport, clock, retry);
  if (!client.ok() || !probe.ok()) return nullptr;
  return std::make_unique<S3AudioStore>(std::move(*client), std::move(*probe), local, clock,
                                        options);
}

}  // namespace swha::storage
