// User-supplied regular expressions (the API's split_pattern), compiled with PCRE2 under a
// match limit, so a pathological pattern fails with a clear error instead of hanging or
// overflowing the stack (std::regex recurses per character). PCRE2 errors become Status here.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace swha {

// Immutable after Compile; Split is thread-safe.
class Regex {
 public:
  static constexpr size_t kMaxPatternLength = 1000;

  // UTF-8 pattern, Perl/Python syntax.
  static Result<Regex> Compile(std::string_view pattern);

  // Splits `text` at every non-empty match, like Python's re.split without capture groups.
  // Empty pieces are kept (the caller decides what to drop).
  Result<std::vector<std::string_view>> Split(std::string_view text) const;

 private:
  struct Code;
  explicit Regex(std::shared_ptr<const Code> code) : code_(std::move(code)) {}
  std::shared_ptr<const Code> code_;
};

}  // namespace swha
