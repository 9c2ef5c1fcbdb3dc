// An engine that has an OpenAI-compatible server speak (Kokoro-FastAPI for neural voices, OpenAI
// itself, or any server with the same /v1/audio/speech): each segment is one
// POST {base_url}/v1/audio/speech with response_format "pcm" (24 kHz, 16-bit little-endian
// mono). Everything else stays ours: segmentation, phonemes (a local espeak-ng, or the
// upstream's /dev/phonemize when configured), and the timing events marks are made from (the
// local engine's, moved onto the upstream's audio by AlignEvents).
//
// Requests in flight are bounded by max_concurrency: callers beyond it wait their turn, in the
// order they came, for at most the timeout (then Unavailable: the upstream is busy). A text's
// segments are sent that many at once (SegmentsInParallel). 429s, 5xx answers, timeouts and
// lost connections are retried with the project's back-off. What is
// left is one BadGateway naming the upstream and what it answered, so the HTTP layer's 502
// tells an operator where to look. Every upstream answer becomes a Status here and nowhere else.
#pragma once

#include <memory>
#include <vector>

#include "storage/http_transport.h"
#include "tts/engine.h"
#include "tts/limits.h"
#include "util/retry.h"

namespace swha::tts {

// The sample rate of OpenAI's "pcm" format, which every compatible server answers with.
inline constexpr int kUpstreamSampleRate = 24000;
// The most audio one answer may carry (about 23 minutes at 24 kHz): more is not a segment's.
inline constexpr size_t kMaxUpstreamAudioBytes = 64u << 20;

// `local` phonemizes and times; `transport` carries the requests. Thread-safe.
Result<std::unique_ptr<Engine>> CreateUpstreamEngine(
    const UpstreamConfig& config, std::unique_ptr<Engine> local,
    std::shared_ptr<storage::HttpTransport> transport, const RetryPolicy& retry = {});

// The name the upstream knows `voice` by: the Kokoro name as it is, or for an OpenAI upstream
// the OpenAI name aliasing it (tts/voice_catalog.h) when every OpenAI model has that voice, else
// "nova" for a female voice and "onyx" for a male one.
std::string UpstreamVoiceName(const VoiceSelection& voice, UpstreamVoiceNames names);

// The events of `timed` (audio of the same text from another engine) moved onto `target`'s
// time line: the span from its first to its last audible sample is stretched linearly over
// target's. An approximation — two voices do not pace a sentence alike — that keeps marks in
// order, inside the audio, and starting and ending where its speech does.
std::vector<SynthesisEvent> AlignEvents(const PcmAudio& timed, const PcmAudio& target);

}  // namespace swha::tts
