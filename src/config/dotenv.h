// The `.env` file format and how it combines with the process environment. Only the subset
// that docker-compose and python-dotenv agree on is accepted; anything else is an error rather
// than a guess, so a typo in a deployment file stops start-up instead of silently changing a
// setting.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "util/file_system.h"
#include "util/status.h"

namespace swha::config {

using EnvMap = std::map<std::string, std::string>;

// Parses `KEY=VALUE` lines. Accepted: blank lines, full-line `#` comments, an `export ` prefix,
// whitespace around key and value, unquoted values with a trailing comment introduced by
// whitespace + `#`, single-quoted values (literal) and double-quoted values (escapes \n, \t,
// \r, \", \\; an unknown escape is kept as written). A later duplicate key wins.
// Errors are InvalidArgument naming the line number but never the line's text, since the line
// may hold a secret.
Result<EnvMap> ParseDotEnv(std::string_view content);

// Reads and parses the file at `path`. A missing file yields an empty map; any other read
// error, or a parse error, is returned prefixed with the path.
Result<EnvMap> ReadDotEnvFile(FileSystem* fs, const std::string& path);

// Returns the union of both maps; a variable set in `process_env` wins over the `.env` file, so
// an operator can override a deployed file without editing it.
EnvMap MergeEnvironment(const EnvMap& process_env, const EnvMap& dotenv);

// A snapshot of `environ`. Not safe to call while another thread calls setenv/putenv.
EnvMap ProcessEnvironment();

}  // namespace swha::config
