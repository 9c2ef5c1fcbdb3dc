// The generate use case: text → segments → local files → S3 (when asked and configured) →
// URLs. Shared by the HTTP API and anything else that makes sessions; knows no HTTP.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "audio/format.h"
#include "metrics/service_metrics.h"
#include "service/session.h"
#include "service/storage_backends.h"
#include "service/synthesis_permits.h"
#include "service/url_minter.h"
#include "tts/marks.h"
#include "tts/synthesizer.h"
#include "util/clock.h"
#include "util/status.h"

namespace swha::service {

struct GenerationRequest {
  tts::SynthesisRequest synthesis;
  // The stored files' format: segment_NNN.<extension>, at the engine's own rate.
  audio::AudioFormat format = audio::AudioFormat::kWav;
  bool use_s3 = true;  // honoured only when USE_S3_STORAGE is on
  bool marks = false;  // each segment's speech marks in the answer (tts/marks.h)
  // How long the URLs handed back live; nullopt or 0 mean the configured default (as in the
  // original).
  std::optional<int64_t> url_expiry_seconds;
};

// A streamed generate that may begin (GenerationService::StartStreaming).
struct StreamStart {
  tts::SynthesisPlan plan;
  tts::PcmAudio first;  // the first segment's audio
  double synthesis_seconds = 0;
  // The caller's place among its syntheses (SynthesisPermits), held until the stream ends.
  std::shared_ptr<SynthesisPermits::Permit> permit;
};

// Audio made by another use case (OpenAI's endpoint with "store": true), to be kept as a
// session of one segment.
struct RecordedAudio {
  std::string text;
  std::string voice;          // the Kokoro name it was spoken with
  std::string language_code;  // Kokoro's code of that voice
  double speed = 1.0;
  audio::AudioFormat format = audio::AudioFormat::kMp3;
  std::string bytes;  // the encoded file
  double duration_seconds = 0;
  std::string phonemes;
};

// The speech marks of one segment of a text, without its audio.
struct SegmentMarks {
  int index = 0;
  std::string graphemes;
  double duration_seconds = 0;
  std::vector<tts::SpeechMark> marks;
};

struct GenerationLimits {
  size_t max_text_length = 5000;              // MAX_TEXT_LENGTH, characters
  int64_t default_url_expiry_seconds = 3600;  // S3_PRESIGNED_URL_EXPIRY
};

// Thread-safe.
class GenerationService {
 public:
  // Borrowed pointers must outlive the service.
  // `metrics` (may be null) counts synthesis, audio and where segments are stored; `permits`
  // (may be null: no limit) bounds each caller's syntheses at once.
  GenerationService(GenerationLimits limits, const tts::Synthesizer* synthesizer,
                    const StorageBackends* storage, catalog::Catalog* catalog,
                    const UrlMinter* minter, const Clock* clock,
                    const metrics::ServiceMetrics* metrics = nullptr,
                    SynthesisPermits* permits = nullptr)
      : limits_(limits),
        synthesizer_(synthesizer),
        storage_(storage),
        catalog_(catalog),
        minter_(minter),
        clock_(clock),
        metrics_(metrics),
        permits_(permits) {}

  // TooLarge when `text` is over the limit. A size limit, checked before any other work.
  Status CheckTextLength(std::string_view text) const;
  // Every field error of `request` (an InvalidField each), as FastAPI reports them all; empty
  // when the request is valid.
  std::vector<Status> Validate(const GenerationRequest& request) const;

  // Synthesizes `request` for `principal` and stores it: written locally (all or nothing), then
  // uploaded to S3 segment by segment when asked and configured (a session of several segments
  // bound for S3 uploads each one while the next is synthesized), then recorded in the catalog
  // (a session whose record fails is removed again: no audio without a row); URLs minted for
  // the request's expiry. A caller's mistake is an InvalidField or TooLarge; a fault of the
  // server's own is Internal or IOError and names no field; RateLimited when the caller already
  // runs MAX_SYNTHESES_PER_USER syntheses (as for every synthesis below).
  Result<Session> Create(const Principal& principal, const GenerationRequest& request) const;

  // Receives each segment of a streamed generate once it is stored and its URLs minted, with
  // the warnings about where it is; false when whoever reads them is gone.
  using SegmentObserver =
      std::function<bool(const Segment& segment, const std::vector<std::string>& warnings)>;

  // The first step of a streamed Create, for before its answer has begun: the request checked
  // (as Create checks it), planned and its first segment synthesized, so that what fails at once
  // (an engine that is down) is still an error status. Nothing is stored yet.
  Result<StreamStart> StartStreaming(const Principal& principal,
                                     const GenerationRequest& request) const;
  // Create, segment by segment from `start`: each is synthesized, stored (locally, then in S3
  // when asked) and handed to `observe` before the next is begun; the session is recorded
  // after the last. Whatever stops it (a fault, `observe` returning false: Cancelled, an
  // exception) removes what it stored, so a session is still recorded whole or not at all.
  // The returned session's segments are those observed, URLs included.
  Result<Session> CreateStreaming(const Principal& principal, const GenerationRequest& request,
                                  StreamStart start, const SegmentObserver& observe) const;

  // Stores `audio` as a new session of `principal`'s with one segment (segment_000.<ext>):
  // locally, in S3 when USE_S3_STORAGE is on, in the catalog; URLs minted for the default
  // expiry. Faults are Create's.
  Result<Session> RecordAudio(const Principal& principal, RecordedAudio audio) const;

  // The speech marks of every segment of `request`, its audio synthesized and thrown away.
  // REQUIRES: CheckTextLength and Validate passed.
  Result<std::vector<SegmentMarks>> Marks(const Principal& principal,
                                          const tts::SynthesisRequest& request) const;

 private:
  int64_t UrlExpiry(const GenerationRequest& request) const;
  // Whether `request`'s audio goes to S3: asked for, USE_S3_STORAGE on, and S3 set up.
  bool StoresInS3(const GenerationRequest& request) const;
  // What the uploads of `session`'s segments first_index, first_index + 1, ... say of them.
  static storage::SessionDescription Describe(const Session& session,
                                              std::vector<std::string> graphemes,
                                              size_t first_index);
  // The warning that a session has `queued` segments waiting for the upload outbox, if any.
  static void WarnOfQueuedSegments(int64_t queued, std::vector<std::string>* warnings);
  // For a session stored in parts (a segment at a time): the warnings Store says of a whole
  // session's segments kept locally, said once, counting all of them.
  void WarnOfSegmentsKeptLocally(Session* session) const;
  // Create's synthesis and storage for a session of several segments bound for S3: each
  // segment is stored (uploaded) in the background while the next is synthesized, instead of
  // all after the last, so a session costs its synthesis and about one upload rather than the
  // two end to end (on a real S3 an upload is mostly waiting on the network). The last segment
  // is stored on this thread. Fills `session`'s segments and warnings, adds the synthesis time
  // to `*synthesis_seconds`. Whole or nothing, as Create: a failure removes every segment stored.
  Status SynthesizeUploadingAsItGoes(tts::SynthesisPlan plan, const GenerationRequest& request,
                                     Session* session, double* synthesis_seconds) const;
  // Create's synthesis and storage otherwise: every segment synthesized (in parallel), then
  // the session stored whole (Store). Fills and adds as SynthesizeUploadingAsItGoes.
  Status SynthesizeThenStore(tts::SynthesisPlan plan, const GenerationRequest& request,
                             Session* session, double* synthesis_seconds) const;
  // A new session of `principal`'s for `synthesis`, without segments.
  Session NewSession(const Principal& principal, const tts::SynthesisRequest& synthesis) const;
  // Whether Store is given a whole session's files or one part of a session stored a segment
  // at a time (whose warnings of segments kept locally WarnOfSegmentsKeptLocally says at the
  // end, and where one segment refused does not mark a bucket down).
  enum class Storing { kWholeSession, kInParts };
  // Writes `files` (segments first_index, first_index + 1, ...; `graphemes` theirs) locally,
  // then to S3 when the request asks and S3 is on. Into `prepared` when it is not null: the
  // local files made ready for them (PrepareLocally).
  Result<storage::StoredSession> Store(const Session& session, const GenerationRequest& request,
                                       std::span<const storage::SegmentFile> files,
                                       const std::vector<std::string>& graphemes,
                                       size_t first_index, Storing storing,
                                       storage::PreparedSession* prepared) const;
  // The local directory and files of a session of one segment, made while the engine
  // synthesizes it (PendingSynthesis::UnderWay). Not for longer sessions: a file held open per
  // segment through the whole synthesis would cost more than it saves. Each request holds at
  // most two (audio, marks), and only while it holds a work slot, which bounds them.
  Result<std::unique_ptr<storage::PreparedSession>> PrepareLocally(
      const Session& session, const GenerationRequest& request) const;
  // What is stored of one synthesized segment: its file (the audio in the request's format,
  // and its marks as JSON when the request asks for them), and those marks.
  struct EncodedSegment {
    storage::SegmentFile file;
    std::optional<std::vector<tts::SpeechMark>> marks;
  };
  static Result<EncodedSegment> EncodeSegment(const tts::SynthesizedSegment& synthesized,
                                              const GenerationRequest& request);
  static Segment MakeSegment(tts::SynthesizedSegment&& synthesized,
                             const storage::SegmentFile& file, storage::StoredSegment&& stored,
                             std::optional<std::vector<tts::SpeechMark>> marks);
  // Records `session` in the catalog; if that fails, its audio is removed again (no audio
  // without a row) and the error is a 503 (database away) or a 500.
  Status Record(const Session& session) const;
  // Removes every stored copy of an unrecorded session's audio, logging what could not go.
  void Discard(const Session& session) const;
  // Counts a stored session (its synthesis and audio time too unless another use case counted
  // them). REQUIRES: metrics_.
  void Count(const Session& session, bool wanted_s3, std::optional<double> synthesis_seconds) const;

  const GenerationLimits limits_;
  const tts::Synthesizer* synthesizer_;
  const StorageBackends* storage_;
  catalog::Catalog* catalog_;
  const UrlMinter* minter_;
  const Clock* clock_;
  const metrics::ServiceMetrics* metrics_;
  SynthesisPermits* permits_;  // nullptr: no limit
  // A permit for `principal`'s synthesis (an empty one without permits_).
  Result<std::shared_ptr<SynthesisPermits::Permit>> AcquirePermit(const Principal& principal) const;
};

}  // namespace swha::service
