#include "app/lipsync_commands.h"

#include <ostream>

#include "app/lipsync_stack.h"
#include "app/service.h"
#include "app/storage_stack.h"
#include "util/clock.h"

namespace swha::app {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitJobDidNotComplete = 1;
constexpr int kExitError = 2;
// How often a waiting command prints its progress line.
constexpr int64_t kProgressSeconds = 2;

// Everything a lipsync command needs, built from the settings as the service builds it.
struct Lipsync {
  std::unique_ptr<StorageStack> storage;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<service::UrlMinter> minter;
  std::unique_ptr<service::SessionService> sessions;
  std::unique_ptr<LipsyncStack> stack;
  service::Principal principal;
};

Result<Lipsync> Open(config::Settings* settings, const std::string& user) {
  SWHA_RETURN_IF_ERROR(config::EnsureSecretKey(settings, FileSystem::Default()));
  Lipsync l;
  const Clock* clock = Clock::Real();
  SWHA_ASSIGN_OR_RETURN(l.storage, StorageStack::Create(*settings, FileSystem::Default()));
  SWHA_ASSIGN_OR_RETURN(l.catalog, OpenCatalog(*settings));
  auto account = l.catalog->FindUserByUsername(user);
  if (!account.ok()) return Status::NotFound("no account named " + user);
  l.principal = service::Principal{.user_id = account->id, .is_superuser = account->is_superuser};
  l.minter = std::make_unique<service::UrlMinter>(l.storage->backends(), clock);
  l.sessions = std::make_unique<service::SessionService>(l.storage->backends(), l.catalog.get(),
                                                         l.minter.get(), clock,
                                                         settings->s3.presigned_url_expiry);
  SWHA_ASSIGN_OR_RETURN(l.stack,
                        LipsyncStack::Create(*settings, l.catalog.get(), l.storage->backends(),
                                             l.sessions.get(), clock));
  return l;
}

void PrintJob(const catalog::LipsyncJob& job, std::ostream* out) {
  *out << "job_id " << job.job_id << "\nstatus " << job.status << "\naudio_url_type "
       << job.audio_url_type << "\n";
  if (job.output_url) *out << "output_url " << *job.output_url << "\n";
  if (job.output_duration) *out << "output_duration " << *job.output_duration << "\n";
  if (job.error_code) *out << "error_code " << *job.error_code << "\n";
  if (job.error_message) *out << "error_message " << *job.error_message << "\n";
}

int ExitFor(const catalog::LipsyncJob& job) {
  return job.status == "COMPLETED" ? kExitOk : kExitJobDidNotComplete;
}

int Fail(const Status& s, std::ostream* err) {
  *err << "swha-tts: " << s.message() << '\n';
  return kExitError;
}

}  // namespace

int RunLipsyncCreate(config::Settings settings, const LipsyncCommandOptions& o, std::ostream* out,
                     std::ostream* err) {
  auto opened = Open(&settings, o.user);
  if (!opened.ok()) return Fail(opened.status(), err);
  service::LipsyncService* lipsync = opened->stack->service();
  service::LipsyncCreateRequest request;
  request.video_url = o.video_url;
  request.audio_url = o.audio_url;
  request.session_id = o.session_id;
  request.segment_index = o.segment;
  request.api_key = o.api_key;
  request.model = o.model;
  request.sync_mode = o.sync_mode;
  for (const Status& e : lipsync->Validate(request)) {
    *err << "swha-tts: " << e.field() << ": " << e.message() << '\n';
  }
  if (!lipsync->Validate(request).empty()) return kExitError;
  auto job = lipsync->Create(opened->principal, request);
  if (!job.ok()) return Fail(job.status(), err);
  if (!o.wait) {
    PrintJob(*job, out);
    return kExitOk;
  }
  Stopwatch waited;
  catalog::LipsyncJob current = *job;
  while (waited.ElapsedSeconds() < o.timeout_seconds) {
    *err << "\r" << current.job_id << ' ' << current.status << " after "
         << static_cast<int>(waited.ElapsedSeconds()) << " s   " << std::flush;
    auto step = lipsync->Wait(opened->principal, current.job_id, kProgressSeconds, 1, std::nullopt);
    if (!step.ok()) return Fail(step.status(), err);
    current = step->job;
    if (!step->timed_out) break;
  }
  *err << '\n';
  PrintJob(current, out);
  return catalog::IsFinalLipsyncStatus(current.status) ? ExitFor(current) : kExitJobDidNotComplete;
}

int RunLipsyncStatus(config::Settings settings, const LipsyncCommandOptions& o, std::ostream* out,
                     std::ostream* err) {
  auto opened = Open(&settings, o.user);
  if (!opened.ok()) return Fail(opened.status(), err);
  auto job = opened->stack->service()->Get(opened->principal, o.job_id, o.api_key);
  if (!job.ok()) return Fail(job.status(), err);
  PrintJob(*job, out);
  return catalog::IsFinalLipsyncStatus(job->status) ? ExitFor(*job) : kExitOk;
}

}  // namespace swha::app
