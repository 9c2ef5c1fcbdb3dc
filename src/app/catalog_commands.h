// `swha-tts catalog check [--repair]`: the operator's consistency check between the catalog and
// the audio in storage (service/catalog_check.h), printed one finding per line.
#pragma once

#include <iosfwd>

#include "config/settings.h"
#include "service/catalog_check.h"

namespace swha::app {

// Exit status as fsck's: 0 clean (or everything found was repaired), 1 something found and not
// (all) repaired, 2 the check could not run. Findings go to `out`, a failure to run to `err`.
// Refuses (2) to run on a SQLite catalog that does not exist yet, rather than make one.
int RunCatalogCheck(const config::Settings& settings, const service::CatalogCheckOptions& options,
                    std::ostream* out, std::ostream* err);

// `swha-tts s3 usage [--by-user] [--scan]`: objects, bytes and the estimated monthly cost of
// what the service keeps in S3, from the catalog or (--scan) a full listing; 0, or 1 with one
// line on `err`.
int RunS3Usage(const config::Settings& settings, bool by_user, bool scan, std::ostream* out,
               std::ostream* err);

}  // namespace swha::app
