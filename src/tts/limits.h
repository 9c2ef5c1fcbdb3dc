// Limits of speech engines that several modules check (settings, the engines): one constant each.
#pragma once

namespace swha::tts {

// The most requests an upstream engine may have in flight (TTS_UPSTREAM_MAX_CONCURRENCY).
inline constexpr int kMaxUpstreamConcurrency = 64;

}  // namespace swha::tts
