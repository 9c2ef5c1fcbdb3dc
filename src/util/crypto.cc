#include "util/crypto.h"

// SHA256_Init and the rest are deprecated in OpenSSL 3, still there, and the fast path here
// (see "SHA-256 through OpenSSL's SHA256_* calls" below).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace swha::crypto {

namespace {

constexpr size_t kSha256BlockBytes = 64;

// SHA-256 through OpenSSL's SHA256_* calls rather than EVP: SigV4 hashes a few hundred bytes
// at a time, where EVP's per-call dispatch (init, provider lookup, context) costs about as much
// as the hashing, and a SHA256_CTX is plain data that an HMAC key can keep (HmacSha256Key).
// They are deprecated in OpenSSL 3 but run the same assembly, SHA extensions included.
static_assert(sizeof(SHA256_CTX) <= HmacSha256Key::kStateBytes);

void Update(SHA256_CTX* ctx, std::string_view piece) {
  SHA256_Update(ctx, piece.data(), piece.size());
}

// Pieces that fit are copied together and hashed in one call: SHA256_Update costs about as much
// per call (its checks, and the partial block it buffers) as copying a hundred bytes, and a
// presigned URL hashes its canonical request and string to sign in thirteen pieces.
constexpr size_t kGatherBytes = 1024;

void UpdateAll(SHA256_CTX* ctx, std::initializer_list<std::string_view> pieces) {
  size_t total = 0;
  for (std::string_view piece : pieces) total += piece.size();
  if (pieces.size() < 2 || total > kGatherBytes) {
    for (std::string_view piece : pieces) Update(ctx, piece);
    return;
  }
  std::array<char, kGatherBytes> gathered;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  size_t at = 0;
  for (std::string_view piece : pieces) {
    if (piece.empty()) continue;  // an empty view's data() may be null
    std::memcpy(gathered.data() + at, piece.data(), piece.size());
    at += piece.size();
  }
  Update(ctx, {gathered.data(), at});
}

Digest256 Finish(SHA256_CTX* ctx) {
  Digest256 out{};
  SHA256_Final(out.data(), ctx);
  return out;
}

// SHA-256 of a prefix block followed by `pieces`.
Digest256 Sha256Pieces(std::string_view prefix, std::initializer_list<std::string_view> pieces) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  Update(&ctx, prefix);
  UpdateAll(&ctx, pieces);
  return Finish(&ctx);
}

// RFC 2104's key block: the key, hashed first when longer than a block, zero-padded.
std::array<char, kSha256BlockBytes> KeyBlock(std::string_view key) {
  std::array<char, kSha256BlockBytes> block{};
  if (key.size() > kSha256BlockBytes) {
    const Digest256 hashed = Sha256Pieces(key, {});
    std::copy(hashed.begin(), hashed.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  return block;
}

std::array<char, kSha256BlockBytes> Padded(const std::array<char, kSha256BlockBytes>& block,
                                           char pad) {
  std::array<char, kSha256BlockBytes> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<char>(block[i] ^ pad);
  return out;
}

std::string_view AsView(const Digest256& d) {
  return {reinterpret_cast<const char*>(d.data()), d.size()};
}

}  // namespace

Digest256 Sha256Of(std::initializer_list<std::string_view> pieces) {
  return Sha256Pieces({}, pieces);
}

// RFC 2104.
Digest256 HmacSha256Of(std::string_view key, std::initializer_list<std::string_view> pieces) {
  const std::array<char, kSha256BlockBytes> block = KeyBlock(key);
  const std::array<char, kSha256BlockBytes> inner_pad = Padded(block, 0x36);
  const Digest256 inner = Sha256Pieces({inner_pad.data(), inner_pad.size()}, pieces);
  const std::array<char, kSha256BlockBytes> outer_pad = Padded(block, 0x5c);
  return Sha256Pieces({outer_pad.data(), outer_pad.size()}, {AsView(inner)});
}

HmacSha256Key::HmacSha256Key(std::string_view key) {
  const std::array<char, kSha256BlockBytes> block = KeyBlock(key);
  auto absorb = [&block](char pad, std::array<unsigned char, kStateBytes>* state) {
    const std::array<char, kSha256BlockBytes> padded = Padded(block, pad);
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    Update(&ctx, {padded.data(), padded.size()});
    std::memcpy(state->data(), &ctx, sizeof(ctx));
  };
  absorb(0x36, &inner_);
  absorb(0x5c, &outer_);
}

HmacSha256Key::~HmacSha256Key() {
  OPENSSL_cleanse(inner_.data(), inner_.size());
  OPENSSL_cleanse(outer_.data(), outer_.size());
}

HmacSha256Key HmacSha256Key::WithPrefix(std::string_view prefix) const {
  HmacSha256Key prefixed = *this;
  SHA256_CTX ctx;
  std::memcpy(&ctx, inner_.data(), sizeof(ctx));
  Update(&ctx, prefix);
  std::memcpy(prefixed.inner_.data(), &ctx, sizeof(ctx));
  OPENSSL_cleanse(&ctx, sizeof(ctx));
  return prefixed;
}

Digest256 HmacSha256Key::Mac(std::initializer_list<std::string_view> pieces) const {
  SHA256_CTX ctx;
  std::memcpy(&ctx, inner_.data(), sizeof(ctx));
  UpdateAll(&ctx, pieces);
  const Digest256 inner = Finish(&ctx);
  std::memcpy(&ctx, outer_.data(), sizeof(ctx));
  Update(&ctx, AsView(inner));
  return Finish(&ctx);
}

void HexEncodeTo(const Digest256& digest, char* out) {
#if defined(__SSE2__)
  // Sixteen bytes to thirty-two digits at once: each presigned URL has two digests to spell,
  // which a byte at a time cost more than hashing one block.
  const __m128i low_nibble = _mm_set1_epi8(0x0F);
  const __m128i nine = _mm_set1_epi8(9);
  const __m128i zero_digit = _mm_set1_epi8('0');
  const __m128i letter_offset = _mm_set1_epi8('a' - '0' - 10);
  auto digits = [&](__m128i nibbles) {  // 0..15 to '0'..'9', 'a'..'f'
    const __m128i past_nine = _mm_cmpgt_epi8(nibbles, nine);
    return _mm_add_epi8(_mm_add_epi8(nibbles, zero_digit), _mm_and_si128(past_nine, letter_offset));
  };
  for (size_t half = 0; half < digest.size(); half += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(digest.data() + half));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_nibble);
    const __m128i low = _mm_and_si128(bytes, low_nibble);
    // A byte's high digit comes first.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * half),
                     digits(_mm_unpacklo_epi8(high, low)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2 * half + 16),
                     digits(_mm_unpackhi_epi8(high, low)));
  }
#else
  // Both digits of a byte at once.
  static constexpr std::array<char, 512> kPairs = [] {
    constexpr char kDigits[] = "0123456789abcdef";
    std::array<char, 512> pairs{};
    for (int b = 0; b < 256; ++b) {
      pairs[2 * b] = kDigits[b >> 4];
      pairs[2 * b + 1] = kDigits[b & 0xF];
    }
    return pairs;
  }();
  for (uint8_t byte : digest) {
    std::memcpy(out, &kPairs[2 * byte], 2);
    out += 2;
  }
#endif
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
