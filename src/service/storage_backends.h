// The storage the services write to and read from, as wired at start-up (app/service.cc).
#pragma once

#include <string>

#include "storage/audio_store.h"
#include "storage/local_url_signer.h"
#include "storage/s3_audio_store.h"

namespace swha::service {

// Every pointer is borrowed and outlives the services that hold this.
struct StorageBackends {
  storage::AudioStore* local = nullptr;
  const storage::LocalUrlSigner* signer = nullptr;
  bool use_s3_storage = false;  // USE_S3_STORAGE
  // Set when use_s3_storage and S3 could be configured (it may still be unreachable).
  storage::S3AudioStore* s3 = nullptr;
  // When use_s3_storage but s3 is null: why (e.g. no credentials). Never a secret.
  std::string s3_setup_error;
  // Where the S3 credentials came from, as a kind ("environment", "assume-role", ...).
  std::string s3_credentials_source;
  // The credentials in force (for their expiry); set with `s3`.
  const storage::CredentialsSource* s3_credentials = nullptr;
  // The primary bucket's region as resolved (AWS_REGION, else the profile's); set with `s3`.
  std::string s3_region;
};

}  // namespace swha::service
