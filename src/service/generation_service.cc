#include "service/generation_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <span>

#include "audio/encoder.h"
#include "service/session_service.h"
#include "storage/limits.h"
#include "storage/session_id.h"
#include "tts/voice_catalog.h"
#include "util/crypto.h"
#include "util/regex.h"
#include "util/strings.h"

namespace swha::service {
namespace {

// A segment's file with its SHA-256, hashed once here: the catalog records it and an S3 upload
// signs it.
storage::SegmentFile SegmentFileOf(std::string filename, std::string bytes) {
  storage::SegmentFile file{.filename = std::move(filename), .bytes = std::move(bytes)};
  file.sha256_hex = crypto::HexEncode(crypto::Sha256(file.bytes));
  return file;
}

}  // namespace

Status GenerationService::CheckTextLength(std::string_view text) const {
  const size_t chars = Utf8Length(text);
  if (chars <= limits_.max_text_length) return Status::Ok();
  return Status::TooLarge("text is " + std::to_string(chars) + " characters long; the limit is " +
                          std::to_string(limits_.max_text_length));
}

std::vector<Status> GenerationService::Validate(const GenerationRequest& request) const {
  std::vector<Status> errors;
  const tts::SynthesisRequest& s = request.synthesis;
  if (TrimWhitespace(s.text).empty())
    errors.push_back(Status::InvalidField("text", "must not be empty"));
  // JSON bodies are UTF-8 by the time they get here; a file from the command line may not be,
  // and the catalog (PostgreSQL) would refuse it only after the audio was stored.
  if (!IsValidUtf8(s.text)) errors.push_back(Status::InvalidField("text", "must be UTF-8"));
  // The text is recorded segment by segment, and a NUL cannot be stored everywhere (libpq).
  if (s.text.find('\0') != std::string::npos) {
    errors.push_back(Status::InvalidField("text", "must not contain NUL characters"));
  }
  if (s.split_pattern.find('\0') != std::string::npos) {
    errors.push_back(Status::InvalidField("split_pattern", "must not contain NUL characters"));
  }
  if (auto v = tts::FindVoice(s.voice); !v.ok()) errors.push_back(v.status().WithField("voice"));
  if (auto l = tts::FindLanguage(s.language_code); !l.ok()) {
    errors.push_back(l.status().WithField("language_code"));
  }
  if (Status speed = tts::ValidateSpeed(s.speed); !speed.ok()) errors.push_back(speed);
  if (auto r = Regex::Compile(s.split_pattern); !r.ok()) {
    errors.push_back(r.status().WithField("split_pattern"));
  }
  if (auto expiry =
          ResolveUrlExpiry(request.url_expiry_seconds, limits_.default_url_expiry_seconds);
      !expiry.ok()) {
    errors.push_back(expiry.status());
  }
  return errors;
}

int64_t GenerationService::UrlExpiry(const GenerationRequest& request) const {
  // REQUIRES: Validate passed, so the expiry is valid.
  return ResolveUrlExpiry(request.url_expiry_seconds, limits_.default_url_expiry_seconds).value();
}

Result<std::shared_ptr<SynthesisPermits::Permit>> GenerationService::AcquirePermit(
    const Principal& principal) const {
  if (permits_ == nullptr) return std::shared_ptr<SynthesisPermits::Permit>();
  return permits_->Acquire(principal);
}

Result<std::vector<SegmentMarks>> GenerationService::Marks(
    const Principal& principal, const tts::SynthesisRequest& request) const {
  std::shared_ptr<SynthesisPermits::Permit> permit;
  SWHA_ASSIGN_OR_RETURN(permit, AcquirePermit(principal));
  tts::SynthesisRequest timed = request;
  timed.want_events = true;
  std::vector<tts::SynthesizedSegment> synthesized;
  SWHA_ASSIGN_OR_RETURN(synthesized, synthesizer_->Synthesize(timed));
  std::vector<SegmentMarks> out;
  out.reserve(synthesized.size());
  for (const tts::SynthesizedSegment& seg : synthesized) {
    out.push_back({seg.index, seg.graphemes, seg.duration_seconds,
                   tts::MarksOfSegment(seg.graphemes, seg.pcm, request.language_code)});
  }
  return out;
}

Session GenerationService::NewSession(const Principal& principal,
                                      const tts::SynthesisRequest& synthesis) const {
  Session session;
  session.owner = principal.OwnerTag();
  session.session_id = storage::NewSessionId(*clock_, session.owner);
  session.created_at_ms = clock_->NowUnixMillis();
  session.voice = synthesis.voice;
  session.language_code = synthesis.language_code;
  session.speed = synthesis.speed;
  session.split_pattern = synthesis.split_pattern;
  session.text_length = Utf8Length(synthesis.text);
  return session;
}

bool GenerationService::StoresInS3(const GenerationRequest& request) const {
  return request.use_s3 && storage_->use_s3_storage && storage_->s3 != nullptr;
}

storage::SessionDescription GenerationService::Describe(const Session& session,
                                                        std::vector<std::string> graphemes,
                                                        size_t first_index) {
  return {session.owner, session.session_id,   session.voice, session.language_code,
          session.speed, std::move(graphemes), first_index};
}

void GenerationService::WarnOfQueuedSegments(int64_t queued, std::vector<std::string>* warnings) {
  if (queued > 0) {
    warnings->push_back(std::to_string(queued) +
                        " segment(s) queued: uploaded to S3 once it takes them");
  }
}

void GenerationService::WarnOfSegmentsKeptLocally(Session* session) const {
  const auto queued = std::ranges::count_if(
      session->segments, [](const Segment& seg) { return seg.stored.upload_pending; });
  if (queued == 0 || storage_->s3 == nullptr) return;
  if (std::optional<std::string> warning =
          storage_->s3->NoBucketTookWarning(static_cast<size_t>(queued))) {
    session->warnings.push_back(std::move(*warning));
  }
  WarnOfQueuedSegments(queued, &session->warnings);
}

Result<storage::StoredSession> GenerationService::Store(const Session& session,
                                                        const GenerationRequest& request,
                                                        std::span<const storage::SegmentFile> files,
                                                        const std::vector<std::string>& graphemes,
                                                        size_t first_index, Storing storing,
                                                        storage::PreparedSession* prepared) const {
  if (StoresInS3(request)) {
    storage::SessionDescription description = Describe(session, graphemes, first_index);
    description.stored_in_parts = storing == Storing::kInParts;
    Result<storage::StoredSession> stored = storage_->s3->Store(description, files);
    if (stored.ok() && storing == Storing::kWholeSession) {
      WarnOfQueuedSegments(
          std::ranges::count_if(stored->segments, &storage::StoredSegment::upload_pending),
          &stored->warnings);
    }
    return stored;
  }
  storage::StoredSession stored;
  SWHA_ASSIGN_OR_RETURN(stored, prepared != nullptr
                                    ? prepared->Publish(files)
                                    : storage_->local->Publish(session.session_id, files));
  if (request.use_s3 && storage_->use_s3_storage) {
    stored.warnings.push_back("S3 storage is off (" + storage_->s3_setup_error +
                              "); audio stored locally");
  }
  return stored;
}

Result<std::unique_ptr<storage::PreparedSession>> GenerationService::PrepareLocally(
    const Session& session, const GenerationRequest& request) const {
  // The names EncodeSegment gives segment 0 and its marks.
  std::vector<std::string> names = {storage::SegmentFilename(0, request.format)};
  if (request.marks) names.push_back(storage::MarksFilename(names[0]));
  return storage_->local->Prepare(session.session_id, names);
}

Result<GenerationService::EncodedSegment> GenerationService::EncodeSegment(
    const tts::SynthesizedSegment& synthesized, const GenerationRequest& request) {
  EncodedSegment out;
  SWHA_ASSIGN_OR_RETURN(
      std::string bytes,
      audio::EncodeAudio(request.format, synthesized.pcm.samples, synthesized.pcm.sample_rate));
  out.file =
      SegmentFileOf(storage::SegmentFilename(synthesized.index, request.format), std::move(bytes));
  if (request.marks) {
    out.marks = tts::MarksOfSegment(synthesized.graphemes, synthesized.pcm,
                                    request.synthesis.language_code);
    out.file.marks_json = tts::MarksToJsonArray(*out.marks);
  }
  return out;
}

Segment GenerationService::MakeSegment(tts::SynthesizedSegment&& synthesized,
                                       const storage::SegmentFile& file,
                                       storage::StoredSegment&& stored,
                                       std::optional<std::vector<tts::SpeechMark>> marks) {
  Segment seg;
  seg.marks = std::move(marks);
  seg.index = synthesized.index;
  seg.graphemes = std::move(synthesized.graphemes);
  seg.phonemes = std::move(synthesized.phonemes);
  seg.duration_seconds = synthesized.duration_seconds;
  seg.byte_size = static_cast<int64_t>(file.bytes.size());
  seg.sha256_hex = file.sha256_hex;
  seg.stored = std::move(stored);
  return seg;
}

Status GenerationService::Record(const Session& session) const {
  Status recorded = catalog_->RecordSession(ToRecord(session));
  if (recorded.ok()) return recorded;
  Discard(session);
  // Nothing the client sent can make a valid request unrecordable (a taken session id is
  // our collision): only "the database is away" (503) is passed on; the rest is ours.
  if (recorded.code() == StatusCode::kUnavailable) return recorded;
  spdlog::error("session {} not recorded: {}", session.session_id, recorded.message());
  return Status::Internal("the session could not be recorded");
}

void GenerationService::Discard(const Session& session) const {
  const DeleteReport removed = RemoveStoredAudio(*storage_, session);
  // What is left has no row, so only this log knows of it (`catalog check` will too).
  for (const std::string& f : removed.local_failures) {
    spdlog::error("session {} not recorded and not removed: {}", session.session_id, f);
  }
  for (const std::string& f : removed.s3_failures) {
    spdlog::error("session {} not recorded and not removed: S3 {}", session.session_id, f);
  }
}

Result<Session> GenerationService::Create(const Principal& principal,
                                          const GenerationRequest& request) const {
  SWHA_RETURN_IF_ERROR(CheckTextLength(request.synthesis.text));
  if (std::vector<Status> errors = Validate(request); !errors.empty()) return errors.front();
  std::shared_ptr<SynthesisPermits::Permit> permit;
  SWHA_ASSIGN_OR_RETURN(permit, AcquirePermit(principal));
  Stopwatch watch;
  tts::SynthesisRequest synthesis = request.synthesis;
  synthesis.want_events = request.marks;
  tts::SynthesisPlan plan;
  SWHA_ASSIGN_OR_RETURN(plan, synthesizer_->Plan(synthesis));
  Session session = NewSession(principal, synthesis);
  double synthesis_seconds = watch.ElapsedSeconds();  // the plan's, its phonemes
  // A lone segment gains nothing from being stored on another thread.
  if (plan.segments.size() > 1 && StoresInS3(request)) {
    SWHA_RETURN_IF_ERROR(
        SynthesizeUploadingAsItGoes(std::move(plan), request, &session, &synthesis_seconds));
  } else {
    SWHA_RETURN_IF_ERROR(
        SynthesizeThenStore(std::move(plan), request, &session, &synthesis_seconds));
  }
  SWHA_RETURN_IF_ERROR(Record(session));
  minter_->Mint(session.session_id, UrlExpiry(request), &session.segments, &session.warnings);
  session.processing_time = watch.ElapsedSeconds();
  if (metrics_ != nullptr)
    Count(session, request.use_s3 && storage_->use_s3_storage, synthesis_seconds);
  return session;
}

Status GenerationService::SynthesizeThenStore(tts::SynthesisPlan plan,
                                              const GenerationRequest& request, Session* session,
                                              double* synthesis_seconds) const {
  Stopwatch synthesis_watch;
  tts::PendingSynthesis pending = synthesizer_->Start(std::move(plan));
  // Declared after `pending`, so gone (with its files, when unpublished) before the wait for an
  // engine still at work that leaving early implies.
  Result<std::unique_ptr<storage::PreparedSession>> prepared =
      std::unique_ptr<storage::PreparedSession>();
  if (pending.UnderWay() && !StoresInS3(request)) prepared = PrepareLocally(*session, request);
  std::vector<tts::SynthesizedSegment> synthesized;
  // A synthesis that failed says why first: the text may be at fault, the disk never is.
  SWHA_ASSIGN_OR_RETURN(synthesized, pending.Wait());
  *synthesis_seconds += synthesis_watch.ElapsedSeconds();
  SWHA_RETURN_IF_ERROR(prepared.status());
  std::vector<storage::SegmentFile> files;
  std::vector<std::optional<std::vector<tts::SpeechMark>>> marks(synthesized.size());
  std::vector<std::string> graphemes;
  files.reserve(synthesized.size());
  for (size_t i = 0; i < synthesized.size(); ++i) {
    SWHA_ASSIGN_OR_RETURN(EncodedSegment encoded, EncodeSegment(synthesized[i], request));
    files.push_back(std::move(encoded.file));
    marks[i] = std::move(encoded.marks);
    graphemes.push_back(synthesized[i].graphemes);
  }
  storage::StoredSession stored;
  SWHA_ASSIGN_OR_RETURN(stored, Store(*session, request, files, graphemes, 0,
                                      Storing::kWholeSession, prepared->get()));
  session->warnings = std::move(stored.warnings);
  for (size_t i = 0; i < synthesized.size(); ++i) {
    session->segments.push_back(MakeSegment(std::move(synthesized[i]), files[i],
                                            std::move(stored.segments[i]), std::move(marks[i])));
  }
  return Status::Ok();
}

namespace {

// Runs `discard` when it goes out of scope, unless Keep() was called first: whatever leaves a
// generate early (an error, a receiver gone, an exception) takes its audio with it.
class DiscardGuard {
 public:
  explicit DiscardGuard(std::function<void()> discard) : discard_(std::move(discard)) {}
  ~DiscardGuard() {
    if (discard_) discard_();
  }
  DiscardGuard(const DiscardGuard&) = delete;
  DiscardGuard& operator=(const DiscardGuard&) = delete;
  void Keep() { discard_ = nullptr; }

 private:
  std::function<void()> discard_;
};

// Adds `warning` unless `warnings` already says it (a bucket found down is said once per
// session, not once per segment).
void AddWarningOnce(std::string warning, std::vector<std::string>* warnings) {
  if (std::ranges::find(*warnings, warning) == warnings->end()) {
    warnings->push_back(std::move(warning));
  }
}

}  // namespace

Status GenerationService::SynthesizeUploadingAsItGoes(tts::SynthesisPlan plan,
                                                      const GenerationRequest& request,
                                                      Session* session,
                                                      double* synthesis_seconds) const {
  const size_t count = plan.segments.size();
  std::vector<tts::SynthesizedSegment> synthesized;
  std::vector<EncodedSegment> encoded;
  // Reserved once: the stores in flight read their files where they are.
  encoded.reserve(count);
  synthesized.reserve(count);
  std::vector<std::future<Result<storage::StoredSession>>> stores;
  stores.reserve(count);  // a push_back that threw would lose a store still reading its file
  // Declared after what the stores read, so destroyed before it: whichever way this returns,
  // no store still reads a file, and whatever was stored of a session that failed is removed.
  DiscardGuard guard([&] {
    for (auto& store : stores) {
      if (!store.valid()) continue;  // already taken into session->segments
      if (Result<storage::StoredSession> stored = store.get(); stored.ok()) {
        for (storage::StoredSegment& seg : stored->segments) {
          session->segments.emplace_back().stored = std::move(seg);
        }
      }
    }
    if (!session->segments.empty()) Discard(*session);
  });
  Status failed;
  tts::SegmentRenderer renderer(synthesizer_, &plan, 0);
  for (size_t i = 0; i < count; ++i) {
    Stopwatch synthesis_watch;
    Result<tts::PcmAudio> pcm = renderer.Next();
    *synthesis_seconds += synthesis_watch.ElapsedSeconds();
    if (!pcm.ok()) {
      failed = pcm.status();
      break;
    }
    const tts::SynthesizedSegment& segment =
        synthesized.emplace_back(tts::SynthesizedSegment::Of(i, plan.segments[i], std::move(*pcm)));
    Result<EncodedSegment> made = EncodeSegment(segment, request);
    if (!made.ok()) {
      failed = made.status();
      break;
    }
    encoded.push_back(std::move(*made));
    const std::span<const storage::SegmentFile> file(&encoded.back().file, 1);
    storage::SessionDescription description = Describe(*session, {segment.graphemes}, i);
    description.stored_in_parts = true;
    if (i + 1 < count) {
      stores.push_back(storage_->s3->StoreInBackground(std::move(description), file));
    } else {
      // The last one here: this thread would only wait for it.
      std::promise<Result<storage::StoredSession>> here;
      here.set_value(storage_->s3->Store(description, file));
      stores.push_back(here.get_future());
    }
  }
  // Every store is waited for, in order; each one is whole or absent, so what a failure leaves
  // is the segments stored, which the guard removes. The answers are all taken first, so that
  // none is lost to an exception while the segments are being made.
  std::vector<Result<storage::StoredSession>> answers;
  answers.reserve(stores.size());
  for (auto& store : stores) answers.push_back(store.get());
  for (Result<storage::StoredSession>& stored : answers) {
    if (!stored.ok()) continue;
    session->segments.emplace_back().stored = std::move(stored->segments[0]);
  }
  for (size_t i = 0, made = 0; i < answers.size(); ++i) {
    if (!answers[i].ok()) {
      if (failed.ok()) failed = answers[i].status();
      continue;
    }
    for (std::string& warning : answers[i]->warnings) {
      AddWarningOnce(std::move(warning), &session->warnings);
    }
    Segment& seg = session->segments[made++];
    seg = MakeSegment(std::move(synthesized[i]), encoded[i].file, std::move(seg.stored),
                      std::move(encoded[i].marks));
  }
  if (!failed.ok()) return failed;  // the guard removes the segments stored
  guard.Keep();
  WarnOfSegmentsKeptLocally(session);
  return Status::Ok();
}

Result<StreamStart> GenerationService::StartStreaming(const Principal& principal,
                                                      const GenerationRequest& request) const {
  SWHA_RETURN_IF_ERROR(CheckTextLength(request.synthesis.text));
  if (std::vector<Status> errors = Validate(request); !errors.empty()) return errors.front();
  SWHA_RETURN_IF_ERROR(audio::EncoderAvailable(request.format));  // before the status line
  StreamStart start;
  SWHA_ASSIGN_OR_RETURN(start.permit, AcquirePermit(principal));
  Stopwatch watch;
  tts::SynthesisRequest synthesis = request.synthesis;
  synthesis.want_events = request.marks;
  SWHA_ASSIGN_OR_RETURN(start.plan, synthesizer_->Plan(synthesis));
  SWHA_ASSIGN_OR_RETURN(start.first, synthesizer_->Render(start.plan, 0));
  start.synthesis_seconds = watch.ElapsedSeconds();
  return start;
}

Result<Session> GenerationService::CreateStreaming(const Principal& principal,
                                                   const GenerationRequest& request,
                                                   StreamStart start,
                                                   const SegmentObserver& observe) const {
  Stopwatch watch;
  const tts::SynthesisPlan& plan = start.plan;
  Session session = NewSession(principal, request.synthesis);
  const int64_t expiry = UrlExpiry(request);
  double synthesis_seconds = start.synthesis_seconds;
  // A session is recorded whole or not at all, as Create's are.
  DiscardGuard guard([&] {
    if (!session.segments.empty()) Discard(session);
  });
  tts::SegmentRenderer renderer(synthesizer_, &plan, 1);
  for (size_t i = 0; i < plan.segments.size(); ++i) {
    tts::PcmAudio pcm;
    if (i == 0) {
      pcm = std::move(start.first);
    } else {
      Stopwatch synthesis_watch;
      SWHA_ASSIGN_OR_RETURN(pcm, renderer.Next());
      synthesis_seconds += synthesis_watch.ElapsedSeconds();
    }
    tts::SynthesizedSegment synthesized =
        tts::SynthesizedSegment::Of(i, plan.segments[i], std::move(pcm));
    SWHA_ASSIGN_OR_RETURN(EncodedSegment encoded, EncodeSegment(synthesized, request));
    const std::vector<storage::SegmentFile> files = {std::move(encoded.file)};
    storage::StoredSession stored;
    SWHA_ASSIGN_OR_RETURN(
        stored, Store(session, request, files, {synthesized.graphemes}, i, Storing::kInParts,
                      /*prepared=*/nullptr));
    session.segments.push_back(MakeSegment(
        std::move(synthesized), files[0], std::move(stored.segments[0]), std::move(encoded.marks)));
    std::vector<Segment> one = {session.segments.back()};
    minter_->Mint(session.session_id, expiry, &one, &stored.warnings);
    session.segments.back() = one[0];
    if (!observe(one[0], stored.warnings)) {
      spdlog::info("generate stream stopped after {} of {} segments: the receiver is gone", i + 1,
                   plan.segments.size());
      return Status::Cancelled("the receiver of the session is gone");
    }
    // "S3 storage is off" would otherwise be said once per segment.
    for (std::string& w : stored.warnings) AddWarningOnce(std::move(w), &session.warnings);
  }
  guard.Keep();  // Record removes the audio itself when the row cannot be written
  WarnOfSegmentsKeptLocally(&session);
  SWHA_RETURN_IF_ERROR(Record(session));
  session.processing_time = watch.ElapsedSeconds() + start.synthesis_seconds;
  if (metrics_ != nullptr)
    Count(session, request.use_s3 && storage_->use_s3_storage, synthesis_seconds);
  return session;
}

Result<Session> GenerationService::RecordAudio(const Principal& principal,
                                               RecordedAudio audio) const {
  Stopwatch watch;
  tts::SynthesisRequest synthesis;
  synthesis.text = audio.text;
  synthesis.voice = audio.voice;
  synthesis.language_code = audio.language_code;
  synthesis.speed = audio.speed;
  Session session = NewSession(principal, synthesis);
  GenerationRequest request;
  request.format = audio.format;
  const std::vector<storage::SegmentFile> files = {
      SegmentFileOf(storage::SegmentFilename(0, audio.format), std::move(audio.bytes))};
  storage::StoredSession stored;
  SWHA_ASSIGN_OR_RETURN(stored, Store(session, request, files, {audio.text}, 0,
                                      Storing::kWholeSession, /*prepared=*/nullptr));
  session.warnings = std::move(stored.warnings);
  tts::SynthesizedSegment spoken{
      0, std::move(audio.text), std::move(audio.phonemes), {}, audio.duration_seconds};
  session.segments.push_back(
      MakeSegment(std::move(spoken), files[0], std::move(stored.segments[0]), std::nullopt));
  SWHA_RETURN_IF_ERROR(Record(session));
  minter_->Mint(session.session_id, limits_.default_url_expiry_seconds, &session.segments,
                &session.warnings);
  session.processing_time = watch.ElapsedSeconds();
  if (metrics_ != nullptr) Count(session, storage_->use_s3_storage, std::nullopt);
  return session;
}

void GenerationService::Count(const Session& session, bool wanted_s3,
                              std::optional<double> synthesis_seconds) const {
  if (synthesis_seconds) metrics_->synthesis_seconds->Add(*synthesis_seconds);
  for (const Segment& seg : session.segments) {
    const storage::Location where = seg.stored.location;
    if (synthesis_seconds) metrics_->audio_seconds->Add(seg.duration_seconds);
    metrics_->segments_stored->CounterFor({storage::InS3(where) ? "s3" : "local"}).Add();
    if (storage::HasLocalCopy(where)) {
      metrics_->stored_bytes->CounterFor({"local"}).Add(static_cast<double>(seg.byte_size));
    }
    if (storage::InS3(where)) {
      metrics_->stored_bytes->CounterFor({"s3"}).Add(static_cast<double>(seg.byte_size));
    } else if (wanted_s3) {
      metrics_->s3_fallback_segments->Add();
    }
  }
}

}  // namespace swha::service
