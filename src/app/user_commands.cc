#include "app/user_commands.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "app/service.h"
#include "service/account_service.h"
#include "util/clock.h"

namespace swha::app {
namespace {

// Token lifetimes the CLI hands out: at most a year.
constexpr int kMaxTokenMinutes = 525600;

int Fail(const UserCommandIo& io, const std::string& message) {
  *io.err << "swha-tts: " << message << "\n";
  return 1;
}

// Turns terminal echo off for its lifetime.
class NoEcho {
 public:
  NoEcho() : ok_(tcgetattr(STDIN_FILENO, &saved_) == 0) {
    if (!ok_) return;
    termios quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  ~NoEcho() {
    if (ok_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  NoEcho(const NoEcho&) = delete;
  NoEcho& operator=(const NoEcho&) = delete;

 private:
  termios saved_{};
  bool ok_;
};

std::optional<std::string> ReadPassword(const UserCommandIo& io) {
  std::string first;
  if (!io.in_is_terminal) {
    if (!std::getline(*io.in, first)) return std::nullopt;
    return first;
  }
  std::string second;
  {
    NoEcho quiet;
    *io.err << "Password: " << std::flush;
    std::getline(*io.in, first);
    *io.err << "\nRepeat password: " << std::flush;
    std::getline(*io.in, second);
    *io.err << "\n";
  }
  if (first != second) return std::nullopt;
  return first;
}

// The account service over the catalog the settings name; nullopt after printing why.
struct Accounts {
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<service::AccountService> service;
};
std::optional<Accounts> OpenAccounts(const config::Settings& settings, const UserCommandIo& io) {
  auto catalog = OpenCatalog(settings);
  if (!catalog.ok()) {
    Fail(io, catalog.status().message());
    return std::nullopt;
  }
  Accounts a;
  a.catalog = std::move(*catalog);
  a.service = std::make_unique<service::AccountService>(
      service::AccountConfig{
          .token_key = service::DeriveTokenKey(settings.secret_key),
          .token_lifetime_seconds = int64_t{settings.access_token_expire_minutes} * 60,
          .allow_anonymous = settings.allow_anonymous},
      a.catalog.get(), Clock::Real());
  return a;
}

std::string_view YesNo(bool b) { return b ? "yes" : "no"; }

}  // namespace

int RunUserCreate(const config::Settings& settings, const std::string& username,
                  const std::string& email, bool admin, const UserCommandIo& io) {
  auto accounts = OpenAccounts(settings, io);
  if (!accounts) return 1;
  std::optional<std::string> password = ReadPassword(io);
  if (!password) return Fail(io, "no password given (or the two did not match)");
  service::Registration r{username, email, *password, std::nullopt, std::nullopt, admin};
  if (auto errors = accounts->service->ValidateRegistration(r); !errors.empty()) {
    return Fail(io, errors.front().field() + ": " + errors.front().message());
  }
  auto user = accounts->service->Register(r);
  if (!user.ok()) return Fail(io, user.status().message());
  *io.out << "created user " << user->id << " (" << user->username << ")"
          << (admin ? ", superuser" : "") << "\n";
  return 0;
}

int RunUserList(const config::Settings& settings, const UserCommandIo& io) {
  auto accounts = OpenAccounts(settings, io);
  if (!accounts) return 1;
  const service::Principal op = service::Principal::Operator();
  int64_t skip = 0;
  size_t total = 0;
  while (true) {
    auto users = accounts->service->ListUsers(op, skip, service::kMaxUserPageSize);
    if (!users.ok()) return Fail(io, users.status().message());
    for (const catalog::User& u : *users) {
      *io.out << u.id << "\t" << u.username << "\t" << u.email << "\tactive=" << YesNo(u.is_active)
              << "\tsuperuser=" << YesNo(u.is_superuser) << "\t" << FormatIso8601Utc(u.created_at)
              << "\n";
    }
    total += users->size();
    if (static_cast<int64_t>(users->size()) < service::kMaxUserPageSize) break;
    skip += service::kMaxUserPageSize;
  }
  *io.out << total << " user(s)\n";
  return 0;
}

int RunUserSetActive(const config::Settings& settings, const std::string& username,
                     const std::string& active, const UserCommandIo& io) {
  if (active != "true" && active != "false") {
    return Fail(io, "set-active takes true or false, not \"" + active + "\"");
  }
  auto accounts = OpenAccounts(settings, io);
  if (!accounts) return 1;
  const service::Principal op = service::Principal::Operator();
  auto user = accounts->service->FindByUsername(op, username);
  if (!user.ok()) return Fail(io, user.status().message());
  auto updated = accounts->service->SetFlags(op, user->id, active == "true", std::nullopt);
  if (!updated.ok()) return Fail(io, updated.status().message());
  *io.out << updated->username << ": active=" << YesNo(updated->is_active) << "\n";
  return 0;
}

int RunToken(const config::Settings& settings, const std::string& username,
             std::optional<int> minutes, const UserCommandIo& io) {
  if (minutes && (*minutes < 1 || *minutes > kMaxTokenMinutes)) {
    return Fail(io, "--minutes must be from 1 to " + std::to_string(kMaxTokenMinutes));
  }
  auto accounts = OpenAccounts(settings, io);
  if (!accounts) return 1;
  auto user = accounts->service->FindByUsername(service::Principal::Operator(), username);
  if (!user.ok()) return Fail(io, user.status().message());
  if (!user->is_active) return Fail(io, "Inactive user");
  const std::optional<int64_t> lifetime =
      minutes ? std::optional<int64_t>(int64_t{*minutes} * 60) : std::nullopt;
  *io.out << accounts->service->IssueToken(*user, lifetime).token << "\n";
  return 0;
}

}  // namespace swha::app
