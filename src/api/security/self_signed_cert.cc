#include "api/security/self_signed_cert.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include <boost/asio/ip/address.hpp>

namespace gantry::security {

namespace {

struct Free {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(X509_EXTENSION* e) const { X509_EXTENSION_free(e); }
  void operator()(std::FILE* f) const { std::fclose(f); }
};

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

std::FILE* OpenForWrite(const std::string& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return nullptr;
  ::fchmod(fd, mode);
  return ::fdopen(fd, "w");
}

}  // namespace

Status WriteSelfSignedCert(const std::string& cert_path, const std::string& key_path,
                           const std::vector<std::string>& names, int days) {
  if (names.empty()) return InvalidArgument("a certificate needs at least one host name or IP");
  std::unique_ptr<EVP_PKEY, Free> key(EVP_EC_gen("P-256"));
  if (!key) return Internal("OpenSSL: cannot generate an EC P-256 key");
  std::unique_ptr<X509, Free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Gantry (self-signed)"), -1, -1,
                             0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(names[0].c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san;
  for (const std::string& n : names) {
    boost::system::error_code ec;
    boost::asio::ip::make_address(n, ec);
    san += (san.empty() ? "" : ",") + std::string(ec ? "DNS:" : "IP:") + n;
  }
  if (!AddExtension(cert.get(), NID_subject_alt_name, san) ||
      !AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE") ||
      !AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"))
    return InvalidArgument("OpenSSL refused the subjectAltName '" + san + "'");
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0)
    return Internal("OpenSSL: cannot sign the certificate");

  std::unique_ptr<std::FILE, Free> kf(OpenForWrite(key_path, 0600));
  if (!kf || PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return IoError("cannot write the key " + key_path);
  std::unique_ptr<std::FILE, Free> cf(OpenForWrite(cert_path, 0644));
  if (!cf || PEM_write_X509(cf.get(), cert.get()) != 1)
    return IoError("cannot write the certificate " + cert_path);
  return Status::Ok();
}

}  // namespace gantry::security
