#include "app/catalog_commands.h"

#include <spdlog/fmt/fmt.h>

#include <optional>
#include <ostream>

#include "app/service.h"
#include "app/storage_stack.h"
#include "service/catalog_check.h"
#include "service/usage_service.h"
#include "util/clock.h"

namespace swha::app {
namespace {

constexpr int kExitClean = 0;
constexpr int kExitFindings = 1;
constexpr int kExitError = 2;

void PrintAll(std::ostream& out, std::string_view label, const std::vector<std::string>& items) {
  for (const std::string& item : items) out << label << ' ' << item << '\n';
}

// The storage and catalog an operator's command works on, as the service has them.
struct OperatorStack {
  std::unique_ptr<StorageStack> storage;
  std::unique_ptr<catalog::Catalog> catalog;
};

// Never a new, empty catalog: against one, everything in storage would look orphaned (and
// unused). Checked before anything is created (StorageStack makes AUDIO_DIR). Errors go to
// `err` as one line; nullopt then.
std::optional<OperatorStack> OpenOperatorStack(const config::Settings& settings, std::ostream* out,
                                               std::ostream* err) {
  const bool on_postgres = config::IsPostgresUrl(settings.database_url);
  const std::string sqlite_path = SqliteCatalogPath(settings);
  if (!on_postgres && !FileSystem::Default()->Stat(sqlite_path).ok()) {
    *err << "swha-tts: no catalog at " << sqlite_path
         << " (set DATA_DIR, or DATABASE_URL, as the service has them)\n";
    return std::nullopt;
  }
  *out << "catalog: " << (on_postgres ? "PostgreSQL (DATABASE_URL)" : "SQLite at " + sqlite_path)
       << "\n";
  auto storage = StorageStack::Create(settings, FileSystem::Default());
  if (!storage.ok()) {
    *err << "swha-tts: " << storage.status().message() << '\n';
    return std::nullopt;
  }
  auto catalog = OpenCatalog(settings);
  if (!catalog.ok()) {
    *err << "swha-tts: " << catalog.status().message() << '\n';
    return std::nullopt;
  }
  return OperatorStack{std::move(storage).value(), std::move(catalog).value()};
}

std::string Money(double usd) { return fmt::format("{:.4f}", usd); }

void PrintUsageLine(std::ostream& out, const service::UsageLine& line, std::string_view name) {
  auto optional = [](const std::optional<int64_t>& v) {
    return v ? std::to_string(*v) : std::string("-");
  };
  out << fmt::format("{:<12} {:>9} {:>10} {:>14} {:>12} {:>11} {:>14}\n", name,
                     optional(line.sessions), line.s3_objects, line.s3_bytes,
                     Money(line.monthly_cost), optional(line.local_files),
                     optional(line.local_bytes));
}

}  // namespace

int RunS3Usage(const config::Settings& settings, bool by_user, bool scan, std::ostream* out,
               std::ostream* err) {
  std::optional<OperatorStack> stack = OpenOperatorStack(settings, out, err);
  if (!stack) return 1;
  service::UsageService usage(stack->storage->backends(), stack->catalog.get(),
                              settings.s3.price_per_gb_month);
  Result<service::UsageReport> report = usage.Report(service::Principal::Operator(), by_user, scan);
  if (!report.ok()) {
    *err << "swha-tts: s3 usage: " << report.status().message() << '\n';
    return 1;
  }
  *out << "source: " << (scan ? "full listing of audio/ in the bucket" : "the catalog")
       << "; price " << settings.s3.price_per_gb_month
       << " USD per GB-month (S3_PRICE_PER_GB_MONTH)\n";
  *out << fmt::format("{:<12} {:>9} {:>10} {:>14} {:>12} {:>11} {:>14}\n", "owner", "sessions",
                      "s3 objects", "s3 bytes", "USD/month", "local files", "local bytes");
  for (const service::UsageLine& line : report->owners) PrintUsageLine(*out, line, line.owner);
  PrintUsageLine(*out, report->total, "total");
  return 0;
}

int RunCatalogCheck(const config::Settings& settings, const service::CatalogCheckOptions& options,
                    std::ostream* out, std::ostream* err) {
  std::optional<OperatorStack> stack = OpenOperatorStack(settings, out, err);
  if (!stack) return kExitError;
  const service::StorageBackends* backends = stack->storage->backends();
  if (backends->use_s3_storage && backends->s3 == nullptr) {
    *err << "swha-tts: S3 is configured but cannot be used: " << backends->s3_setup_error << '\n';
    return kExitError;
  }
  service::CatalogChecker checker(stack->catalog.get(), backends, Clock::Real());
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
  PrintAll(*out, "being-removed", r.removal_pending);
  PrintAll(*out, "unrepaired   ", r.unrepaired);
  *out << "checked " << r.sessions_checked << " session(s), " << r.segments_checked << " segment(s)"
       << (r.s3_checked ? ", local and S3" : ", local only (S3 is off)") << '\n';
  if (options.repair) {
    *out << "repaired: " << r.rows_removed << " row(s) without audio removed, "
         << r.local_files_removed << " orphan file(s) and " << r.s3_objects_removed
         << " orphan object(s) deleted, " << r.removals_finished
         << " pending removal(s) finished\n";
  }
  *out << (r.clean() ? "clean" : "NOT clean") << '\n';
  return r.clean() ? kExitClean : kExitFindings;
}

}  // namespace swha::app
