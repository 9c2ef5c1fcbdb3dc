#include "app/catalog_commands.h"

#include <ostream>

#include "app/service.h"
#include "app/storage_stack.h"
#include "service/catalog_check.h"
#include "util/clock.h"

namespace swha::app {
namespace {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitError = 2;

void PrintAll(std::ostream& out, std::string_view label, const std::vector<std::string>& items) {
  for (const std::string& item : items) out << label << ' ' << item << '\n';
}

}  // namespace

int RunCatalogCheck(const config::Settings& settings, const service::CatalogCheckOptions& options,
                    std::ostream* out, std::ostream* err) {
  // Never a new, empty catalog: against one, everything in storage would look orphaned. Checked
  // before anything is created (StorageStack makes AUDIO_DIR).
  const bool on_postgres = config::IsPostgresUrl(settings.database_url);
  const std::string sqlite_path = SqliteCatalogPath(settings);
  if (!on_postgres && !FileSystem::Default()->Stat(sqlite_path).ok()) {
    *err << "swha-tts: no catalog at " << sqlite_path
         << " (set DATA_DIR, or DATABASE_URL, as the service has them)\n";
    return kExitError;
  }
  *out << "catalog: " << (on_postgres ? "PostgreSQL (DATABASE_URL)" : "SQLite at " + sqlite_path)
       << "\n";
  auto storage = StorageStack::Create(settings, FileSystem::Default());
  if (!storage.ok()) {
    *err << "swha-tts: " << storage.status().message() << '\n';
    return kExitError;
  }
  const service::StorageBackends* backends = (*storage)->backends();
  if (backends->use_s3_storage && backends->s3 == nullptr) {
    *err << "swha-tts: S3 is configured but cannot be used: " << backends->s3_setup_error << '\n';
    return kExitError;
  }
  auto catalog = OpenCatalog(settings);
  if (!catalog.ok()) {
    *err << "swha-tts: " << catalog.status().message() << '\n';
    return kExitError;
  }
  service::CatalogChecker checker(catalog->get(), backends, Clock::Real());
  auto report = checker.Run(options);
  if (!report.ok()) {
    *err << "swha-tts: catalog check: " << report.status().message() << '\n';
    return kExitError;
  }
  const service::CatalogCheckReport& r = *report;
  PrintAll(*out, "missing-local", r.missing_local);
  PrintAll(*out, "missing-s3   ", r.missing_s3);
  PrintAll(*out, "orphan-local ", r.orphan_local);
  PrintAll(*out, "orphan-s3    ", r.orphan_s3);
  PrintAll(*out, "unrepaired   ", r.unrepaired);
  *out << "checked " << r.sessions_checked << " session(s), " << r.segments_checked << " segment(s)"
       << (r.s3_checked ? ", local and S3" : ", local only (S3 is off)") << '\n';
  if (options.repair) {
    *out << "repaired: " << r.rows_removed << " row(s) without audio removed, "
         << r.local_files_removed << " orphan file(s) and " << r.s3_objects_removed
         << " orphan object(s) deleted\n";
  }
  *out << (r.clean() ? "clean" : "NOT clean") << '\n';
  return r.clean() ? kExitClean : kExitFindings;
}

}  // namespace swha::app
