#include "app/generate_command.h"

#include <iostream>

#include "app/say_command.h"
#include "app/service.h"
#include "util/file_system.h"
#include "util/strings.h"

namespace swha::app {
namespace {

int Failed(std::ostream* err, const Status& s) { return ReportCommandFailure("generate", s, err); }

}  // namespace

int RunGenerateCommand(const config::Settings& settings, GenerateCommandOptions options,
                       std::ostream* out, std::ostream* err) {
  auto text = ReadTextInput(options.input_path);
  if (!text.ok()) return Failed(err, text.status());
  options.request.synthesis.text = std::move(*text);
  if (!options.format_name.empty()) {
    auto format = audio::ParseAudioFormat(options.format_name);
    if (!format.ok()) return Failed(err, format.status());
    options.request.format = *format;
  }
  config::Settings with_key = settings;
  // The same SECRET_KEY as the server's (from the environment or DATA_DIR): its signed local
  // URLs must open on the server.
  if (Status s = config::EnsureSecretKey(&with_key, FileSystem::Default()); !s.ok()) {
    return Failed(err, s);
  }
  auto service = Service::Create(with_key, ServiceRole::kCommand);
  if (!service.ok()) return Failed(err, service.status());
  service::Principal principal = service::Principal::Anonymous();
  if (!options.username.empty()) {
    auto user =
        (*service)->accounts()->FindByUsername(service::Principal::Operator(), options.username);
    if (!user.ok()) return Failed(err, user.status());
    if (!user->is_active) return Failed(err, Status::PermissionDenied("Inactive user"));
    principal = service::Principal{.user_id = user->id, .is_superuser = user->is_superuser};
  }
  auto session = (*service)->generation()->Create(principal, options.request);
  if (!session.ok()) return Failed(err, session.status());
  *out << "session " << session->session_id << " (storage " << session->StorageType() << ", "
       << session->segments.size() << " segment(s), " << session->processing_time << " s)\n";
  for (const service::Segment& seg : session->segments) {
    *out << seg.PreferredUrl().value_or("(no URL)") << "\n";
    if (seg.marks_url) *out << *seg.marks_url << "\n";
  }
  for (const std::string& warning : session->warnings) *out << "warning: " << warning << "\n";
  return 0;
}

}  // namespace swha::app
