// The operator's account commands: `swha-tts user create|list|set-active` and `swha-tts token`.
// They act on the catalog the settings name, with every right (Principal::Operator), and print
// one line per result; errors go to `err` as one line with a non-zero exit.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "config/settings.h"

namespace swha::app {

struct UserCommandIo {
  std::istream* in = nullptr;   // the password is read from here, never from an argument
  bool in_is_terminal = false;  // prompt (on err), with echo off, and ask twice
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;
};

int RunUserCreate(const config::Settings& settings, const std::string& username,
                  const std::string& email, bool admin, const UserCommandIo& io);
int RunUserList(const config::Settings& settings, const UserCommandIo& io);
int RunUserSetActive(const config::Settings& settings, const std::string& username,
                     const std::string& active, const UserCommandIo& io);
// Prints only the token on `out`. REQUIRES: settings.secret_key set (EnsureSecretKey).
int RunToken(const config::Settings& settings, const std::string& username,
             std::optional<int> minutes, const UserCommandIo& io);

}  // namespace swha::app
