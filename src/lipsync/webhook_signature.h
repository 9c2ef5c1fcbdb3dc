// sync.so's webhook signature: `Sync-Signature: t=<unix seconds>,v1=<hex>`, where v1 is the
// HMAC-SHA256 of "<t>.<raw body>" keyed with the webhook secret's UTF-8 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace swha::lipsync {

// A signature older (or further in the future) than this is refused, so that a captured
// delivery cannot be replayed later.
inline constexpr int64_t kWebhookToleranceSeconds = 300;

// The header value for `body` signed at `timestamp` (for tests and tools).
std::string SignWebhook(std::string_view secret, int64_t timestamp, std::string_view body);

// Ok when `header` carries a timestamp within kWebhookToleranceSeconds of `now_unix` and a v1
// signature of `body` under `secret` (any of several v1 values may match, as when a secret is
// rotated). Compared in constant time. BadRequest saying which check failed, never what was
// expected.
Status VerifyWebhookSignature(std::string_view header, std::string_view body,
                              std::string_view secret, int64_t now_unix);

}  // namespace swha::lipsync
