// `swha-tts catalog check [--repair]`: the operator's consistency check between the catalog and
// the audio in storage (service/catalog_check.h), printed one finding per line.
#pragma once

#include <cstdint>
#include <iosfwd>

#include "config/settings.h"

namespace swha::app {

// Exit status as fsck's: 0 clean (or everything found was repaired), 1 something found and not
// (all) repaired, 2 the check could not run. Findings go to `out`, a failure to run to `err`.
int RunCatalogCheck(const config::Settings& settings, bool repair, int64_t grace_seconds,
                    std::ostream* out, std::ostream* err);

}  // namespace swha::app
