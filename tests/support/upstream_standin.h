// An in-process stand-in for an upstream TTS server that answers as Kokoro-FastAPI does, so the
// upstream engine (TTS_ENGINE=openai) can be tested over real HTTP without a neural model.
//
// Wire behaviour (what a client sees):
// - POST /v1/audio/speech, JSON {model, input, voice, response_format, speed, lang_code?}:
//   model one of kokoro, tts-1, tts-1-hd; voice one of Kokoro's 54 names; response_format
//   "pcm" only (the one format the engine asks for); speed 0.25..4.0. The answer is
//   `Content-Type: audio/pcm`, 24 kHz 16-bit little-endian mono: kSilenceMs of silence, then a
//   sine tone of ToneHz(voice) lasting kToneMsPerCharacter per code point of input divided by
//   speed, then kSilenceMs of silence. So a test can tell which voice spoke, and how fast.
// - POST /dev/phonemize, JSON {text, language} → {"phonemes": "/<text>/", "tokens": [...]}.
// - GET /v1/audio/voices → {"voices": [...]}.
// - Mistakes are 400 in Kokoro-FastAPI's shape {"detail": {"error", "message", "type"}}.
// - With an API key, requests without `Authorization: Bearer <key>` get 401.
// - Told to, the next requests fail (5xx in the same shape), stall (answer after a delay), or
//   return garbage (an HTML page with 200, an odd number of bytes, or no bytes).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha::testing {

class UpstreamStandin {
 public:
  static constexpr int kSampleRate = 24000;
  static constexpr int kSilenceMs = 100;
  static constexpr int kToneMsPerCharacter = 60;
  static constexpr int kAmplitude = 10000;

  // Listens on 127.0.0.1 on a port the kernel picks. An empty `api_key` accepts any request.
  static Result<std::unique_ptr<UpstreamStandin>> Start(std::string api_key = "");
  // Cuts stalls short and stops the server.
  ~UpstreamStandin();
  UpstreamStandin(const UpstreamStandin&) = delete;
  UpstreamStandin& operator=(const UpstreamStandin&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:<port>"

  // The tone the stand-in speaks `voice` with: a distinct frequency per Kokoro voice.
  static double ToneHz(std::string_view voice);

  enum class Garbage { kHtmlPage, kOddBytes, kNoBytes };
  // The next `count` requests to /v1/audio/speech or /dev/phonemize answer `status`.
  void FailNext(int count, int status);
  // Every speech request whose input contains `needle` answers `status` ("" stops it).
  void FailInputsContaining(std::string needle, int status);
  // The next `count` such requests answer only after `delay`.
  void StallNext(int count, std::chrono::milliseconds delay);
  // The next `count` speech requests answer 200 with `kind` of garbage.
  void GarbageNext(int count, Garbage kind);
  // Every speech answer waits this long first (default 0), so that requests overlap.
  void SetResponseDelay(std::chrono::milliseconds delay);
  // Ends every stall and delay in progress now (their clients may have given up long ago).
  void ReleaseStalled();

  int speech_requests() const;     // every POST /v1/audio/speech, whatever its answer
  int phonemize_requests() const;  // every POST /dev/phonemize
  int in_flight() const;           // requests being handled now
  int max_in_flight() const;       // the most handled at once since the last reset
  void ResetMaxInFlight();         // to in_flight()
  // The last speech request's JSON body and Authorization header ("" if none).
  nlohmann::json last_speech_request() const;
  // The "input" of every speech request so far, in arrival order.
  std::vector<std::string> speech_inputs() const;
  std::string last_authorization() const;

 private:
  struct Impl;
  explicit UpstreamStandin(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace swha::testing
