// The settings table: one entry per environment variable swha-tts reads, with its default, its
// meaning and whether it is secret. LoadSettings reads every variable through it, and
// `swha-tts config env-example` prints `.env.example` from it, so the loader, the example file
// and the documentation cannot drift apart. The table is constant: safe from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "config/settings.h"
#include "util/status.h"

namespace swha::config {

struct IntRule;

// What a variable holds, for the reader and for `.env.example`'s "allowed" line.
enum class SettingKind { kText, kInteger, kBoolean, kChoice, kUrl, kNumber, kList };

struct SettingSpec {
  std::string_view name;
  // The component it configures ("server", "s3", ...): `.env.example`'s headings.
  std::string_view section;
  // The default as it would be written in `.env`: loading every variable set to its
  // default_text yields the same settings as loading none. Empty for every secret.
  std::string_view default_text;
  std::string_view meaning;  // one line
  // Holds a secret (DATABASE_URL: its password): `config` and error messages never show it.
  bool secret = false;
  SettingKind kind = SettingKind::kText;
  const IntRule* rule = nullptr;              // integers: their range
  std::span<const std::string_view> choices;  // words: the ones allowed (also "" when the
                                              // default is empty)
  // Reads the variable's text (present in the environment) into its field of `settings`; an
  // error is one line naming the variable.
  Status (*read)(const SettingSpec& spec, const std::string& raw, Settings* settings) = nullptr;
};

// Every variable, in the order `.env.example` lists them (grouped by section). A variable read
// later may refine one read earlier (AWS_REGION over AWS_DEFAULT_REGION).
std::span<const SettingSpec> SettingsTable();

// The entry named `name`, or nullptr.
const SettingSpec* FindSetting(std::string_view name);

// The allowed values of `spec` in words ("an integer from 1 to 65535", "one of a, b"), or ""
// for free text.
std::string SettingExpectation(const SettingSpec& spec);

// `.env.example`: every variable, commented out, at its default, under its meaning; secrets
// empty and marked secret. Deterministic (no environment is read).
std::string EnvExample();

}  // namespace swha::config
