#include "util/regex.h"

#include <pcre2.h>

namespace swha {
namespace {

constexpr uint32_t kMatchLimit = 1'000'000;
constexpr uint32_t kDepthLimit = 10'000;

std::string Pcre2Message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof(buffer)) < 0) return "unknown PCRE2 error";
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

Result<Regex> Regex::Compile(std::string_view pattern) {
  if (pattern.size() > kMaxPatternLength) {
    return Status::InvalidArgument("regular expression longer than " +
                                   std::to_string(kMaxPatternLength) + " characters");
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C, &error, &offset, nullptr);
  if (code == nullptr) {
    return Status::InvalidArgument("invalid regular expression: " + Pcre2Message(error) +
                                   " at offset " + std::to_string(offset));
  }
  auto holder = std::make_shared<Code>();
  holder->code = code;
  return Regex(std::move(holder));
}

Result<std::vector<std::string_view>> Regex::Split(std::string_view text) const {
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  std::unique_ptr<pcre2_match_context, decltype(&pcre2_match_context_free)> context(
      pcre2_match_context_create(nullptr), &pcre2_match_context_free);
  pcre2_set_match_limit(context.get(), kMatchLimit);
  pcre2_set_depth_limit(context.get(), kDepthLimit);

  std::vector<std::string_view> pieces;
  size_t piece_start = 0;
  size_t search_from = 0;
  while (search_from <= text.size()) {
    int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                         search_from, 0, match.get(), context.get());
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT) {
      return Status::InvalidArgument("regular expression is too costly to evaluate on this text");
    }
    if (rc < 0) return Status::InvalidArgument("regular expression failed: " + Pcre2Message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.get());
    const size_t begin = ovector[0];
    const size_t end = ovector[1];
    if (end == begin) {
      // An empty match splits nothing; step over one whole UTF-8 character and go on.
      search_from = begin + 1;
      while (search_from < text.size() &&
             (static_cast<unsigned char>(text[search_from]) & 0xC0) == 0x80) {
        ++search_from;
      }
      continue;
    }
    pieces.push_back(text.substr(piece_start, begin - piece_start));
    piece_start = end;
    search_from = end;
  }
  pieces.push_back(text.substr(piece_start));
  return pieces;
}

}  // namespace swha
