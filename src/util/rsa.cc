#include "util/rsa.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

namespace swha::crypto {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::shared_ptr<void> Own(EVP_PKEY* key) {
  return {key, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); }};
}

EVP_PKEY* Raw(const std::shared_ptr<void>& key) { return static_cast<EVP_PKEY*>(key.get()); }

BioPtr ReadBio(std::string_view data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string DrainBio(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

}  // namespace

Result<RsaPrivateKey> RsaPrivateKey::FromPem(std::string_view pem) {
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    return Status::InvalidArgument("not a PEM file (no -----BEGIN line)");
  }
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    return Status::InvalidArgument("the private key is encrypted; give it unencrypted");
  }
  BioPtr bio = ReadBio(pem);
  // No passphrase callback: an encrypted key fails rather than prompting on the terminal.
  EVP_PKEY* key = PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
  if (key == nullptr) return Status::InvalidArgument("not a readable PEM private key");
  std::shared_ptr<void> owned = Own(key);
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return Status::InvalidArgument("not an RSA private key");
  }
  return RsaPrivateKey(std::move(owned));
}

Result<RsaPrivateKey> RsaPrivateKey::Generate(int bits) {
  EVP_PKEY* key = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (key == nullptr) return Status::Internal("RSA key generation failed");
  return RsaPrivateKey(Own(key));
}

Result<std::string> RsaPrivateKey::SignSha1(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;  // owned by ctx
  size_t size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pkey_ctx, EVP_sha1(), nullptr, Raw(key_)) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Status::Internal("RSA signing could not start");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Status::Internal("RSA signing failed");
  }
  signature.resize(size);
  return signature;
}

int RsaPrivateKey::bits() const { return EVP_PKEY_get_bits(Raw(key_)); }

std::string RsaPrivateKey::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), Raw(key_), nullptr, nullptr, 0, nullptr, nullptr);
  return DrainBio(bio.get());
}

std::string RsaPrivateKey::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), Raw(key_));
  return DrainBio(bio.get());
}

bool RsaVerifySha1(std::string_view public_key_pem, std::string_view message,
                   std::string_view signature) {
  BioPtr bio = ReadBio(public_key_pem);
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (raw == nullptr) return false;
  std::shared_ptr<void> key = Own(raw);
  MdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pkey_ctx = nullptr;
  return ctx && EVP_DigestVerifyInit(ctx.get(), &pkey_ctx, EVP_sha1(), nullptr, raw) == 1 &&
         EVP_PKEY_CTX_set_rsa_padding(pkey_ctx, RSA_PKCS1_PADDING) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace swha::crypto
