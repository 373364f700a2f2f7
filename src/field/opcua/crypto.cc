#include "field/opcua/crypto.h"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <fstream>
#include <sstream>

namespace gantry::opcua {
namespace {

struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
  void operator()(BIO* b) const { BIO_free(b); }
  void operator()(GENERAL_NAMES* n) const { GENERAL_NAMES_free(n); }
};
template <typename T>
using Owned = std::unique_ptr<T, CtxFree>;

std::shared_ptr<EVP_PKEY> ShareKey(EVP_PKEY* k) {
  return std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free);
}

Timestamp AsnTime(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<Timestamp>(timegm(&tm)) * kSecond;
}

Status SetRsaPadding(EVP_PKEY_CTX* ctx, RsaEncryption algorithm) {
  const int padding =
      algorithm == RsaEncryption::kPkcs1 ? RSA_PKCS1_PADDING : RSA_PKCS1_OAEP_PADDING;
  if (EVP_PKEY_CTX_set_rsa_padding(ctx, padding) <= 0)
    return Internal("RSA padding: " + OpenSslError());
  if (algorithm == RsaEncryption::kOaepSha256) {
    if (EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0) {
      return Internal("RSA-OAEP-SHA256: " + OpenSslError());
    }
  }
  return Status::Ok();
}

Status SetSignaturePadding(EVP_PKEY_CTX* ctx, RsaSignature algorithm) {
  if (algorithm == RsaSignature::kPssSha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0) {
      return Internal("RSA-PSS: " + OpenSslError());
    }
  } else if (EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) {
    return Internal("RSA PKCS#1: " + OpenSslError());
  }
  return Status::Ok();
}

Result<Bytes> AesCbc(ByteView key, ByteView iv, ByteView data, bool encrypt) {
  const EVP_CIPHER* cipher = key.size() == 16   ? EVP_aes_128_cbc()
                             : key.size() == 32 ? EVP_aes_256_cbc()
                                                : nullptr;
  if (cipher == nullptr) return InvalidArgument(fmt::format("AES key of {} bytes", key.size()));
  if (iv.size() != 16) return InvalidArgument(fmt::format("AES IV of {} bytes", iv.size()));
  if (data.size() % 16 != 0) {
    return Malformed(fmt::format("{} bytes are not a whole number of AES blocks", data.size()));
  }
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1) {
    return Internal("AES init: " + OpenSslError());
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  Bytes out(data.size() + 16);
  int n = 0, tail = 0;
  if (EVP_CipherUpdate(ctx.get(), out.data(), &n, data.data(), static_cast<int>(data.size())) !=
          1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n, &tail) != 1) {
    return Internal("AES: " + OpenSslError());
  }
  out.resize(static_cast<size_t>(n + tail));
  return out;
}

}  // namespace

std::string OpenSslError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

Result<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    return Internal("no random bytes: " + OpenSslError());
  }
  return out;
}

Bytes Sha1(ByteView data) {
  Bytes out(SHA_DIGEST_LENGTH);
  SHA1(data.data(), data.size(), out.data());
  return out;
}

Bytes HmacSha256(ByteView key, ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  out.resize(len);
  return out;
}

Bytes PSha256(ByteView secret, ByteView seed, size_t length) {
  // A(0) = seed, A(i) = HMAC(secret, A(i-1)); output = HMAC(secret, A(1) + seed) + ...
  Bytes out;
  out.reserve(length + 32);
  Bytes a(seed.begin(), seed.end());
  while (out.size() < length) {
    a = HmacSha256(secret, a);
    Bytes input = a;
    input.insert(input.end(), seed.begin(), seed.end());
    const Bytes block = HmacSha256(secret, input);
    out.insert(out.end(), block.begin(), block.end());
  }
  out.resize(length);
  return out;
}

bool ConstantTimeEqual(ByteView a, ByteView b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<Bytes> AesCbcEncrypt(ByteView key, ByteView iv, ByteView data) {
  return AesCbc(key, iv, data, true);
}
Result<Bytes> AesCbcDecrypt(ByteView key, ByteView iv, ByteView data) {
  return AesCbc(key, iv, data, false);
}

Result<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* k = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (k == nullptr) return InvalidArgument("not a PEM private key: " + OpenSslError());
  PrivateKey key;
  key.key_ = ShareKey(k);
  if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) return InvalidArgument("private key is not RSA");
  return key;
}

Result<PrivateKey> PrivateKey::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read private key {}", path));
  std::stringstream text;
  text << in.rdbuf();
  auto key = FromPem(text.str());
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

Result<PrivateKey> PrivateKey::Generate(int bits) {
  EVP_PKEY* k = EVP_RSA_gen(static_cast<unsigned int>(bits));
  if (k == nullptr) return Internal("RSA key generation: " + OpenSslError());
  PrivateKey key;
  key.key_ = ShareKey(k);
  return key;
}

Result<std::string> PrivateKey::ToPem() const {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Internal("PEM encoding: " + OpenSslError());
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

int PrivateKey::bits() const {
  return key_ ? EVP_PKEY_get_bits(key_.get()) : 0;
}

Result<Certificate> Certificate::FromDer(ByteView der) {
  const unsigned char* p = der.data();
  X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (x == nullptr) return Malformed("not a DER X.509 certificate: " + OpenSslError());
  Certificate c;
  c.x509_ = std::shared_ptr<X509>(x, X509_free);
  c.der_.assign(der.data(), p);  // the leaf only, when a chain follows
  EVP_PKEY* k = X509_get_pubkey(x);
  if (k == nullptr) return Malformed("certificate without a public key");
  c.key_ = ShareKey(k);
  if (EVP_PKEY_base_id(k) != EVP_PKEY_RSA) return Malformed("certificate key is not RSA");
  c.not_before_ = AsnTime(X509_get0_notBefore(x));
  c.not_after_ = AsnTime(X509_get0_notAfter(x));
  return c;
}

Result<Certificate> Certificate::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read certificate {}", path));
  std::stringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  if (bytes.starts_with("-----BEGIN")) {
    Owned<BIO> bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    X509* x = bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    if (x == nullptr) return Malformed(fmt::format("{}: not a PEM certificate", path));
    unsigned char* der = nullptr;
    const int n = i2d_X509(x, &der);
    X509_free(x);
    if (n <= 0) return Internal("DER encoding: " + OpenSslError());
    Bytes copy(der, der + n);
    OPENSSL_free(der);
    return FromDer(copy);
  }
  auto cert = FromDer(ByteView(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  if (!cert.ok()) return cert.status().WithContext(path);
  return cert;
}

std::string Certificate::ThumbprintHex() const {
  std::string hex;
  for (uint8_t b : Thumbprint()) hex += fmt::format("{:02X}", b);
  return hex;
}

std::string Certificate::Subject() const {
  char text[512];
  X509_NAME_oneline(X509_get_subject_name(x509_.get()), text, sizeof text);
  return text;
}

std::vector<std::string> Certificate::Uris() const {
  std::vector<std::string> out;
  Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x509_.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->d.uniformResourceIdentifier;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    }
  }
  return out;
}

std::vector<std::string> Certificate::Hostnames() const {
  std::vector<std::string> out;
  Owned<GENERAL_NAMES> names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x509_.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type == GEN_DNS) {
      const ASN1_IA5STRING* s = n->d.dNSName;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD && ASN1_STRING_length(n->d.iPAddress) == 4) {
      const unsigned char* ip = ASN1_STRING_get0_data(n->d.iPAddress);
      out.push_back(fmt::format("{}.{}.{}.{}", ip[0], ip[1], ip[2], ip[3]));
    }
  }
  return out;
}

int Certificate::key_bits() const {
  return EVP_PKEY_get_bits(key_.get());
}

bool Certificate::self_signed() const {
  return X509_check_issued(x509_.get(), x509_.get()) == X509_V_OK;
}

Result<Bytes> RsaSign(const PrivateKey& key, RsaSignature algorithm, ByteView data) {
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!md || EVP_DigestSignInit(md.get(), &pctx, EVP_sha256(), nullptr, key.get()) != 1) {
    return Internal("RSA sign init: " + OpenSslError());
  }
  GANTRY_RETURN_IF_ERROR(SetSignaturePadding(pctx, algorithm));
  size_t len = 0;
  if (EVP_DigestSign(md.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return Internal("RSA sign: " + OpenSslError());
  }
  Bytes out(len);
  if (EVP_DigestSign(md.get(), out.data(), &len, data.data(), data.size()) != 1) {
    return Internal("RSA sign: " + OpenSslError());
  }
  out.resize(len);
  return out;
}

Status RsaVerify(const Certificate& signer, RsaSignature algorithm, ByteView data,
                 ByteView signature) {
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!md ||
      EVP_DigestVerifyInit(md.get(), &pctx, EVP_sha256(), nullptr, signer.public_key()) != 1) {
    return Internal("RSA verify init: " + OpenSslError());
  }
  GANTRY_RETURN_IF_ERROR(SetSignaturePadding(pctx, algorithm));
  if (EVP_DigestVerify(md.get(), signature.data(), signature.size(), data.data(), data.size()) !=
      1) {
    ERR_clear_error();
    return PermissionDenied(
        fmt::format("RSA signature does not verify with the certificate of {}", signer.Subject()));
  }
  return Status::Ok();
}

size_t RsaPlainBlockSize(int key_bits, RsaEncryption algorithm) {
  const size_t k = static_cast<size_t>(key_bits) / 8;
  const size_t overhead = algorithm == RsaEncryption::kOaepSha1     ? 42
                          : algorithm == RsaEncryption::kOaepSha256 ? 66
                                                                    : 11;
  return k > overhead ? k - overhead : 0;
}

Result<Bytes> RsaEncrypt(const Certificate& receiver, RsaEncryption algorithm, ByteView data) {
  const size_t block = RsaPlainBlockSize(receiver.key_bits(), algorithm);
  if (block == 0) return InvalidArgument("RSA key too small");
  Bytes out;
  for (size_t at = 0; at < data.size(); at += block) {
    const size_t n = std::min(block, data.size() - at);
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(receiver.public_key(), nullptr));
    if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1)
      return Internal("RSA encrypt: " + OpenSslError());
    GANTRY_RETURN_IF_ERROR(SetRsaPadding(ctx.get(), algorithm));
    size_t len = 0;
    if (EVP_PKEY_encrypt(ctx.get(), nullptr, &len, data.data() + at, n) != 1)
      return Internal("RSA encrypt: " + OpenSslError());
    const size_t start = out.size();
    out.resize(start + len);
    if (EVP_PKEY_encrypt(ctx.get(), out.data() + start, &len, data.data() + at, n) != 1)
      return Internal("RSA encrypt: " + OpenSslError());
    out.resize(start + len);
  }
  return out;
}

Result<Bytes> RsaDecrypt(const PrivateKey& key, RsaEncryption algorithm, ByteView data) {
  const size_t k = static_cast<size_t>(key.bits()) / 8;
  if (k == 0 || data.size() % k != 0) {
    return Malformed(
        fmt::format("{} encrypted bytes are not whole {}-byte RSA blocks", data.size(), k));
  }
  Bytes out;
  out.reserve(data.size());
  for (size_t at = 0; at < data.size(); at += k) {
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new(key.get(), nullptr));
    if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1)
      return Internal("RSA decrypt: " + OpenSslError());
    GANTRY_RETURN_IF_ERROR(SetRsaPadding(ctx.get(), algorithm));
    size_t len = k;
    const size_t start = out.size();
    out.resize(start + k);
    if (EVP_PKEY_decrypt(ctx.get(), out.data() + start, &len, data.data() + at, k) != 1) {
      ERR_clear_error();
      return PermissionDenied("an RSA block does not decrypt with our private key");
    }
    out.resize(start + len);
  }
  return out;
}

}  // namespace gantry::opcua
