// swha_bench instructions-baseline: the in-process baselines of bench/instructions.sh, meant to
// run under `valgrind --tool=callgrind`. After a warm-up it zeroes the counts, makes --requests
// calls, and dumps the counts (of every thread, the engine's included) as one part:
//
//   synthesize   Synthesizer::Synthesize of one sentence (synthesis + phonemes), 1 engine
//                thread: the least a generate request must execute
//   presign-1000 1000 presigned GET URLs (S3Client::PresignGet), and floor-1000 the SHA-256 +
//                HMAC those URLs cannot do without
//   put          one signed S3Client::PutObject of that sentence's WAV to the gateway (the
//                S3_* variables): the least an upload must execute, on the client side
//
// Outside valgrind the client requests are no-ops, so it also runs (uselessly) without it.
#include <spdlog/fmt/fmt.h>
#include <unistd.h>
#include <valgrind/callgrind.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "audio/encoder.h"
#include "bench/bench_common.h"
#include "bench/bench_server.h"
#include "storage/http_transport.h"
#include "storage/s3_client.h"
#include "tts/engine.h"
#include "tts/synthesizer.h"

namespace swha::bench {

int RunInstructionsBaseline(const Args& args) {
  const int calls = OrDefault(args.requests, 50);
  const std::string text = args.text.empty() ? kBenchSentence : args.text;
  auto engine = Must(tts::CreateEngine({.threads = 1}), "espeak engine");
  const tts::Synthesizer synthesizer(engine.get());
  tts::SynthesisRequest request;
  request.text = text;
  auto synthesize = [&] {
    auto segments = Must(synthesizer.Synthesize(request), "synthesizer");
    if (segments.size() != 1) Die("the text must be one segment");
    return segments;
  };
  for (int i = 0; i < 5; ++i) synthesize();
  CALLGRIND_ZERO_STATS;
  for (int i = 0; i < calls; ++i) synthesize();
  CALLGRIND_DUMP_STATS_AT("synthesize");

  // Presigning, per 1000 URLs, against its floor.
  constexpr int kUrls = 1000;
  const PresignSubject presign;
  for (int i = 0; i < 100; ++i) presign.Presign();
  CALLGRIND_ZERO_STATS;
  for (int i = 0; i < kUrls; ++i) presign.Presign();
  CALLGRIND_DUMP_STATS_AT("presign-1000");
  CALLGRIND_ZERO_STATS;
  for (int i = 0; i < kUrls; ++i) presign.Floor();
  CALLGRIND_DUMP_STATS_AT("floor-1000");

  if (std::getenv("S3_ENDPOINT_URL") == nullptr) return 0;
  const auto segments = synthesize();
  const std::string wav = Must(audio::EncodeAudio(audio::AudioFormat::kWav, segments[0].pcm.samples,
                                                  segments[0].pcm.sample_rate),
                               "WAV");
  auto transport = storage::CreateCurlTransport();
  const auto s3 = GatewayClient(transport.get());
  const std::string prefix = fmt::format("bench-instructions/{}/", getpid());
  auto put = [&](int i) {
    if (Status s = s3->PutObject(prefix + std::to_string(i) + ".wav", wav, "audio/wav"); !s.ok()) {
      Die("PUT: " + s.ToString());
    }
  };
  for (int i = 0; i < 3; ++i) put(i);
  CALLGRIND_ZERO_STATS;
  for (int i = 0; i < calls; ++i) put(i);
  CALLGRIND_DUMP_STATS_AT("put");
  DeleteUnder(*s3, prefix);
  return 0;
}

}  // namespace swha::bench
