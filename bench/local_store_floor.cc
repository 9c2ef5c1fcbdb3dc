#include "bench/local_store_floor.h"

#include "audio/encoder.h"
#include "bench/bench_common.h"
#include "storage/session_id.h"
#include "tests/support/server_process.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/file_system.h"
#include "util/strings.h"

namespace swha::bench {

LocalStoreFloor::LocalStoreFloor()
    : dir_(testing::MakeTempDir()),
      store_(FileSystem::Default(), JoinPath(dir_, "audio")),
      catalog_(Must(catalog::OpenSqliteCatalog(JoinPath(dir_, "catalog.db")), "SQLite catalog")) {}

LocalStoreFloor::~LocalStoreFloor() {
  catalog_.reset();  // closed before its files go
  testing::RemoveDirRecursively(dir_);
}

void LocalStoreFloor::Generate(const tts::Synthesizer& synthesizer,
                               const tts::SynthesisRequest& request) {
  tts::SynthesisPlan plan = Must(synthesizer.Plan(request), "planning");
  catalog::SessionRecord record;
  record.session_id = storage::NewSessionId(*Clock::Real(), "anonymous");
  tts::PendingSynthesis pending = synthesizer.Start(std::move(plan));
  const std::string filename = storage::SegmentFilename(0);
  const std::unique_ptr<storage::PreparedSession> prepared =
      Must(store_.Prepare(record.session_id, {&filename, 1}), "preparing the session's file");
  std::vector<tts::SynthesizedSegment> made = Must(pending.Wait(), "synthesizer");
  if (made.size() != 1) Die("the text must be one segment");
  const tts::SynthesizedSegment& segment = made[0];
  storage::SegmentFile file;
  file.filename = filename;
  file.bytes = Must(
      audio::EncodeAudio(audio::AudioFormat::kWav, segment.pcm.samples, segment.pcm.sample_rate),
      "WAV");
  file.sha256_hex = crypto::HexEncode(crypto::Sha256(file.bytes));
  (void)Must(prepared->Publish({&file, 1}), "storing the WAV");
  record.owner = "anonymous";
  record.created_at_ms = Clock::Real()->NowUnixMillis();
  record.voice = request.voice;
  record.language_code = request.language_code;
  record.speed = request.speed;
  record.split_pattern = request.split_pattern;
  record.text_length = static_cast<int64_t>(Utf8Length(request.text));
  record.segments.push_back({.index = segment.index,
                             .filename = file.filename,
                             .graphemes = segment.graphemes,
                             .phonemes = segment.phonemes,
                             .duration_seconds = segment.duration_seconds,
                             .byte_size = static_cast<int64_t>(file.bytes.size()),
                             .sha256_hex = file.sha256_hex,
                             .location = storage::Location::kLocal});
  if (Status s = catalog_->RecordSession(record); !s.ok()) Die("recording: " + s.ToString());
}

}  // namespace swha::bench
