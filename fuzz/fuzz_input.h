// Splits a fuzzer's input into the parts a target needs. Parts are separated by NUL bytes, so a
// seed is readable text and the fuzzer finds the separators by itself; the last part takes
// the rest of the input, NULs included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swha::fuzz {

// A property of the code under test that the input broke: printed, then abort(), which
// libFuzzer (and the replay driver's caller) reports as a crash with the input saved.
#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The first byte (0 when there is none), for a target that chooses among cases.
  uint8_t TakeByte() {
    if (rest_.empty()) return 0;
    const auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  // Up to the next NUL (which is dropped), or all that is left.
  std::string_view TakePart() {
    const size_t nul = rest_.find('\0');
    const std::string_view part = rest_.substr(0, nul);
    rest_.remove_prefix(nul == std::string_view::npos ? rest_.size() : nul + 1);
    return part;
  }

  std::string_view Rest() {
    const std::string_view rest = rest_;
    rest_ = {};
    return rest;
  }

 private:
  std::string_view rest_;
};

// "k=v&k2&..." as raw (name, value) pairs, split at each pair separator and then at the first
// value separator; a pair without one has an empty value. Nothing is decoded.
inline std::vector<std::pair<std::string, std::string>> SplitPairs(std::string_view text,
                                                                   char pair_separator,
                                                                   char value_separator) {
  std::vector<std::pair<std::string, std::string>> pairs;
  while (!text.empty()) {
    const size_t end = text.find(pair_separator);
    const std::string_view pair = text.substr(0, end);
    const size_t at = pair.find(value_separator);
    pairs.emplace_back(std::string(pair.substr(0, at)),
                       at == std::string_view::npos ? "" : std::string(pair.substr(at + 1)));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return pairs;
}

}  // namespace swha::fuzz
