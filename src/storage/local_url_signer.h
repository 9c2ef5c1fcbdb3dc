// Signed local URLs: the local counterpart of an S3 presigned URL. Every URL that yields audio
// from local disk carries an expiry and an HMAC-SHA256 over the path and that expiry, keyed by
// SECRET_KEY; the original served /static/audio to anyone who could guess a path.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::storage {

constexpr std::string_view kLocalAudioPrefix = "/static/audio/";

// Immutable; thread-safe.
class LocalUrlSigner {
 public:
  // `public_base_url` ("" or "https://tts.example.com") prefixes every URL handed out.
  LocalUrlSigner(std::string_view secret_key, std::string public_base_url);

  // "<base>/static/audio/<session>/<file>?expires=<unix>&signature=<hex>"
  std::string SignedUrl(std::string_view session_id, std::string_view filename,
                        int64_t expires_unix) const;

  // Checks a request for /static/audio/<session>/<file> carrying `expires` and `signature`
  // query values. PermissionDenied says which check failed (never what was expected).
  Status Verify(std::string_view session_id, std::string_view filename, std::string_view expires,
                std::string_view signature, int64_t now_unix) const;

  // The hex signature; exposed for tests and for tools that mint URLs.
  std::string Signature(std::string_view session_id, std::string_view filename,
                        int64_t expires_unix) const;

 private:
  std::string key_;  // derived from SECRET_KEY, so the raw secret is used for nothing else
  std::string public_base_url_;
};

}  // namespace swha::storage
