#include "tts/japanese_text.h"

extern "C" {
#include <libkakasi.h>
}
#include <iconv.h>

#include <mutex>

#include "util/strings.h"

namespace swha::tts {
namespace {

// Converts between encodings; characters the target lacks make the call fail.
Result<std::string> Iconv(const char* from, const char* to, std::string_view in) {
  iconv_t cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return Status::Internal(std::string("iconv cannot convert ") + from + " to " + to);
  }
  std::string input(in);
  std::string out(in.size() * 2 + 16, '\0');
  char* in_ptr = input.data();
  size_t in_left = input.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  const size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) return Status::InvalidArgument("text not representable");
  out.resize(out.size() - out_left);
  return out;
}

// Kanji, kana and CJK punctuation: what libkakasi (EUC-JP only) should see.
bool IsJapaneseScript(char32_t c) {
  return (c >= 0x3000 && c <= 0x30FF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xFF00 && c <= 0xFFEF);
}

// REQUIRES: the caller holds the kakasi mutex.
Result<std::string> ConvertRun(std::string_view run) {
  std::string euc;
  SWHA_ASSIGN_OR_RETURN(euc, Iconv("UTF-8", "EUC-JP", run));
  char* converted = kakasi_do(euc.data());
  if (converted == nullptr) return Status::Internal("libkakasi failed to convert text");
  std::string kana_euc(converted);
  kakasi_free(converted);
  return Iconv("EUC-JP", "UTF-8", kana_euc);
}

}  // namespace

Result<std::string> KanjiToHiragana(std::string_view utf8_text) {
  static std::mutex mu;
  static bool initialized = false;
  std::lock_guard<std::mutex> lock(mu);
  if (!initialized) {
    // libkakasi takes its options as argv; "-JH": kanji to hiragana, EUC-JP in and out.
    char arg0[] = "kakasi";
    char arg1[] = "-JH";
    char* argv[] = {arg0, arg1, nullptr};
    if (kakasi_getopt_argv(2, argv) != 0) {
      return Status::Internal("libkakasi failed to initialise its dictionary");
    }
    initialized = true;
  }
  // Only runs of Japanese script go through kakasi; everything else (Latin, emoji, characters
  // EUC-JP lacks) passes through untouched.
  std::string out;
  size_t i = 0;
  while (i < utf8_text.size()) {
    size_t len = 0;
    const bool japanese = IsJapaneseScript(DecodeUtf8At(utf8_text, i, &len));
    size_t end = i + len;
    while (end < utf8_text.size()) {
      size_t l2 = 0;
      if (IsJapaneseScript(DecodeUtf8At(utf8_text, end, &l2)) != japanese) break;
      end += l2;
    }
    std::string_view run = utf8_text.substr(i, end - i);
    if (japanese) {
      auto kana = ConvertRun(run);
      out += kana.ok() ? *kana : std::string(run);  // unconvertible: let espeak try as is
    } else {
      out += run;
    }
    i = end;
  }
  return out;
}

}  // namespace swha::tts
