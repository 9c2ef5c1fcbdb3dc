// A generate with local storage done in this process, with no HTTP in front: only what such a
// generate cannot skip, in the server's order (GenerationService::SynthesizeThenStore). The
// engine synthesizes the sentence while this thread makes the session's directory and pending
// file. Then the WAV is encoded and hashed (the response and the catalog carry its SHA-256),
// the file written and renamed, and the session recorded in a SQLite catalog, through the
// server's own AudioStore and catalog. Left out: parsing, validation, the URL's HMAC, the JSON,
// metrics and the access log. The limits benchmark's "synthesize, then store" line.
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "storage/audio_store.h"
#include "tts/synthesizer.h"

namespace swha::bench {

// Thread-safe: Generate may be called from any number of threads.
class LocalStoreFloor {
 public:
  // A fresh temporary directory, holding the audio and the catalog's database.
  LocalStoreFloor();
  // Removes the directory.
  ~LocalStoreFloor();
  LocalStoreFloor(const LocalStoreFloor&) = delete;
  LocalStoreFloor& operator=(const LocalStoreFloor&) = delete;

  // Stores `request`, a text of one segment, as a session of its own. Dies on failure.
  void Generate(const tts::Synthesizer& synthesizer, const tts::SynthesisRequest& request);

 private:
  const std::string dir_;
  storage::AudioStore store_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace swha::bench
