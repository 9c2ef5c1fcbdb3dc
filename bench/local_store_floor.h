// The local path's own work done in this process, with no HTTP in front: what a generate with
// local storage must do once its sentence is synthesized. It encodes the WAV, hashes it (the
// response and the catalog carry the SHA-256), stores the file, and records the session in a
// SQLite catalog, through the server's own AudioStore and catalog. The limits benchmark's
// "synthesize, then store" line runs it after each synthesis. Against the engine it says what
// that work costs before any server adds its own; together with the HTTP floor it bounds what
// a server could reach on the machine.
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "storage/audio_store.h"
#include "tts/synthesizer.h"

namespace swha::bench {

// Thread-safe: Store may be called from any number of threads.
class LocalStoreFloor {
 public:
  // A fresh temporary directory, holding the audio and the catalog's database.
  LocalStoreFloor();
  // Removes the directory.
  ~LocalStoreFloor();
  LocalStoreFloor(const LocalStoreFloor&) = delete;
  LocalStoreFloor& operator=(const LocalStoreFloor&) = delete;

  // Stores `segment` as a one-segment session of its own, as a generate does. Dies on failure.
  void Store(const tts::SynthesizedSegment& segment);

 private:
  const std::string dir_;
  storage::AudioStore store_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace swha::bench
