#include "bench/local_store_floor.h"

#include "audio/encoder.h"
#include "bench/bench_common.h"
#include "storage/session_id.h"
#include "tests/support/server_process.h"
#include "util/clock.h"
#include "util/crypto.h"
#include "util/file_system.h"

namespace swha::bench {

LocalStoreFloor::LocalStoreFloor()
    : dir_(testing::MakeTempDir()),
      store_(FileSystem::Default(), JoinPath(dir_, "audio")),
      catalog_(Must(catalog::OpenSqliteCatalog(JoinPath(dir_, "catalog.db")), "SQLite catalog")) {}

LocalStoreFloor::~LocalStoreFloor() {
  catalog_.reset();  // closed before its files go
  testing::RemoveDirRecursively(dir_);
}

void LocalStoreFloor::Store(const tts::SynthesizedSegment& segment) {
  storage::SegmentFile file;
  file.filename = storage::SegmentFilename(segment.index);
  file.bytes = Must(
      audio::EncodeAudio(audio::AudioFormat::kWav, segment.pcm.samples, segment.pcm.sample_rate),
      "WAV");
  file.sha256_hex = crypto::HexEncode(crypto::Sha256(file.bytes));
  catalog::SessionRecord record;
  record.session_id = storage::NewSessionId(*Clock::Real(), "anonymous");
  record.owner = "anonymous";
  record.created_at_ms = Clock::Real()->NowUnixMillis();
  record.voice = "af_heart";
  record.language_code = "a";
  record.split_pattern = tts::kDefaultSplitPattern;
  record.text_length = static_cast<int64_t>(segment.graphemes.size());
  (void)Must(store_.Publish(record.session_id, {&file, 1}), "storing the WAV");
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
