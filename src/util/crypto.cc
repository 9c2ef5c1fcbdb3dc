#include "util/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

namespace swha::crypto {

namespace {

constexpr size_t kSha256BlockBytes = 64;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

const EVP_MD* Sha256Algorithm() {
  // Fetched once and never freed; should the fetch fail, the implicitly fetched EVP_sha256()
  // still works (only slower), so a failure is never cached into every later call.
  static const EVP_MD* const fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

// A digest context per thread, reused: re-initialising it with the same algorithm allocates
// nothing.
EVP_MD_CTX* ThreadDigestContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx;
  if (ctx == nullptr) ctx.reset(EVP_MD_CTX_new());  // retried if an allocation failed
  return ctx.get();
}

// SHA-256 of a prefix block followed by `pieces`. OpenSSL reports failure only when it cannot
// allocate, which the context above already did; a failed digest aborts rather than signs
// with garbage.
Digest256 Sha256Pieces(std::string_view prefix, std::initializer_list<std::string_view> pieces) {
  EVP_MD_CTX* ctx = ThreadDigestContext();
  Digest256 out{};
  unsigned int length = 0;
  bool ok = ctx != nullptr && EVP_DigestInit_ex2(ctx, Sha256Algorithm(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, prefix.data(), prefix.size()) == 1;
  for (std::string_view piece : pieces) {
    ok = ok && EVP_DigestUpdate(ctx, piece.data(), piece.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &length) == 1 && length == out.size();
  if (!ok) {
    std::fputs("fatal: OpenSSL SHA-256 failed\n", stderr);
    std::abort();
  }
  return out;
}

std::string_view AsView(const Digest256& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

Digest256 Sha256Of(std::initializer_list<std::string_view> pieces) {
  return Sha256Pieces({}, pieces);
}

// RFC 2104, written out so that it can use the reusable context above.
Digest256 HmacSha256Of(std::string_view key, std::initializer_list<std::string_view> pieces) {
  std::array<char, kSha256BlockBytes> block{};
  if (key.size() > kSha256BlockBytes) {
    const Digest256 hashed = Sha256Pieces(key, {});
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<char, kSha256BlockBytes> pad{};
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<char>(block[i] ^ 0x36);
  const Digest256 inner = Sha256Pieces({pad.data(), pad.size()}, pieces);
  for (size_t i = 0; i < pad.size(); ++i) pad[i] = static_cast<char>(block[i] ^ 0x5c);
  return Sha256Pieces({pad.data(), pad.size()}, {AsView(inner)});
}

void HexEncodeTo(const Digest256& digest, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (uint8_t byte : digest) {
    *out++ = kDigits[byte >> 4];
    *out++ = kDigits[byte & 0xF];
  }
}

std::string Sha256(std::string_view data) { return std::string(AsView(Sha256Of({data}))); }

std::string HmacSha256(std::string_view key, std::string_view data) {
  return std::string(AsView(HmacSha256Of(key, {data})));
}

std::string Md5(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure; an empty digest then makes S3 reject the
  // request (BadDigest / InvalidDigest) rather than store anything unchecked.
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_md5(), nullptr) != 1) {
    return "";
  }
  return {reinterpret_cast<const char*>(digest.data()), length};
}

namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string Base64EncodeWith(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) |
                       (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    out.push_back(alphabet[(n >> 6) & 63]);
    out.push_back(alphabet[n & 63]);
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(n >> 18) & 63]);
    out.push_back(alphabet[(n >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(n >> 6) & 63]);
    if (pad) out.append(rest == 2 ? "=" : "==");
  }
  return out;
}

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  return Base64EncodeWith(bytes, kBase64Alphabet, /*pad=*/true);
}

std::string Base64UrlEncode(std::string_view bytes) {
  return Base64EncodeWith(bytes, kBase64UrlAlphabet, /*pad=*/false);
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, so that each byte string has exactly one encoding.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    std::fputs("fatal: the system random number generator failed\n", stderr);
    std::abort();
  }
  return out;
}

std::string RandomHex(size_t n_bytes) { return HexEncode(RandomBytes(n_bytes)); }

}  // namespace swha::crypto
