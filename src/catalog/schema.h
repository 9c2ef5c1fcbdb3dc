// The catalog's schema, shared by every implementation: versioned migrations (each written
// once per SQL dialect) and how values are spelled in columns.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "storage/audio_store.h"
#include "util/status.h"

namespace swha::catalog {

struct Migration {
  int version;
  std::string_view sqlite;
  std::string_view postgres;
};

// In order of version, 1 first; never edited once released, only appended to.
std::span<const Migration> Migrations();

// Internal, in one line saying so, when a database's schema `version` is newer than this
// binary knows: it was written by a newer swha-tts, and writing to it could damage it.
Status CheckSchemaNotNewer(int64_t version);

// storage::Location in the `location` column: "local", "s3", "local+s3".
std::string_view LocationName(storage::Location location);
Result<storage::Location> ParseLocationName(std::string_view name);

// Which user field a unique-constraint error is about, from the index name the database
// reports ("users_username" → "username"); "" for any other constraint.
std::string UniqueFieldOfIndex(std::string_view index_or_message);

// A listing cursor is the id of the last session on the previous page: the page after it
// holds sessions with smaller ids. InvalidField("cursor") unless `cursor` is one.
Result<int64_t> ParseSessionCursor(std::string_view cursor);

}  // namespace swha::catalog
