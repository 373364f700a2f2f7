#include "field/opcua/trust_list.h"

#include <fmt/format.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace gantry::opcua {
namespace fs = std::filesystem;
namespace {

std::vector<Certificate> CertificatesIn(const fs::path& dir) {
  std::vector<Certificate> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    auto c = Certificate::Load(entry.path().string());
    if (c.ok()) out.push_back(std::move(*c));  // other files (notes, keys) are not certificates
  }
  return out;
}

using CrlPtr = std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)>;

// Every CRL (DER or PEM) in `dir`; a file that is not one is skipped.
std::vector<CrlPtr> CrlsIn(const fs::path& dir) {
  std::vector<CrlPtr> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string bytes = text.str();
    X509_CRL* crl = nullptr;
    if (bytes.starts_with("-----BEGIN")) {
      std::unique_ptr<BIO, decltype(&BIO_free)> bio(
          BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())), BIO_free);
      if (bio) crl = PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr);
    } else {
      const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
      crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size()));
    }
    if (crl != nullptr) out.emplace_back(crl, X509_CRL_free);
  }
  return out;
}

struct StackOfX509Free {  // sk_X509_free is a macro: no address to take
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

std::string NameText(const X509_NAME* name) {
  char buf[512] = {};
  X509_NAME_oneline(name, buf, sizeof buf);
  return buf;
}

// A trusted certificate at the top of the chain is revoked by taking it out of trusted/: its own
// issuer's CRL (often not at hand, e.g. for a trusted intermediate CA) is not asked for.
int SkipTheAnchorsCrl(int ok, X509_STORE_CTX* ctx) {
  if (ok == 0 && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL &&
      X509_STORE_CTX_get_error_depth(ctx) == sk_X509_num(X509_STORE_CTX_get0_chain(ctx)) - 1) {
    return 1;
  }
  return ok;
}

}  // namespace

bool DirectlyTrusted(const Certificate& c, const std::string& pki_dir) {
  for (const fs::path& dir : {fs::path(pki_dir) / "trusted", fs::path(pki_dir) / "trusted/certs"}) {
    for (const Certificate& t : CertificatesIn(dir)) {
      if (t.der() == c.der()) return true;
    }
  }
  return false;
}

Status VerifyIssuerChain(const Certificate& c, const std::string& pki_dir, Timestamp now) {
  const fs::path pki(pki_dir);
  std::vector<Certificate> trusted = CertificatesIn(pki / "trusted");
  for (Certificate& t : CertificatesIn(pki / "trusted/certs")) trusted.push_back(std::move(t));
  if (trusted.empty()) return NotFound("no trusted certificates");
  const std::vector<Certificate> issuers = CertificatesIn(pki / "issuers/certs");
  std::vector<CrlPtr> crls = CrlsIn(pki / "trusted/crl");
  for (CrlPtr& crl : CrlsIn(pki / "issuers/crl")) crls.push_back(std::move(crl));

  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<STACK_OF(X509), StackOfX509Free> untrusted(sk_X509_new_null());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!store || !untrusted || !ctx) return Internal("OpenSSL: out of memory");
  for (const Certificate& t : trusted) X509_STORE_add_cert(store.get(), t.get());  // up-refs
  for (const CrlPtr& crl : crls) X509_STORE_add_crl(store.get(), crl.get());       // up-refs
  for (const Certificate& i : issuers) sk_X509_push(untrusted.get(), i.get());     // borrowed
  if (X509_STORE_CTX_init(ctx.get(), store.get(), c.get(), untrusted.get()) != 1)
    return Internal("OpenSSL: X509_STORE_CTX_init failed");
  X509_STORE_CTX_set_verify_cb(ctx.get(), SkipTheAnchorsCrl);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // A trusted intermediate CA is an anchor of its own (no need to trust its root too); every
  // certificate below the anchor must pass its issuer's CRL.
  X509_VERIFY_PARAM_set_flags(
      param, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now / kSecond));
  if (X509_verify_cert(ctx.get()) == 1) return Status::Ok();

  const int err = X509_STORE_CTX_get_error(ctx.get());
  X509* at = X509_STORE_CTX_get_current_cert(ctx.get());
  const std::string subject = at ? NameText(X509_get_subject_name(at)) : "?";
  const std::string issuer = at ? NameText(X509_get_issuer_name(at)) : "?";
  const std::string crl_dirs = fmt::format("{}/trusted/crl or {}/issuers/crl", pki_dir, pki_dir);
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return NotFound(
          fmt::format("no chain to a trusted CA ({})", X509_verify_cert_error_string(err)));
    case X509_V_ERR_CERT_REVOKED:
      return PermissionDenied(fmt::format("certificate '{}' is revoked by its CA '{}' (CRL in {})",
                                          subject, issuer, crl_dirs));
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return PermissionDenied(fmt::format(
          "revocation unknown: no CRL of CA '{}' (issuer of '{}'); put the CA's current CRL "
          "(DER or PEM) in {}",
          issuer, subject, crl_dirs));
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return PermissionDenied(
          fmt::format("the CRL of CA '{}' is {}; put a current one in {}", issuer,
                      err == X509_V_ERR_CRL_HAS_EXPIRED ? "out of date (past its next update)"
                                                        : "not valid yet",
                      crl_dirs));
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return PermissionDenied(
          fmt::format("CA certificate '{}' on the chain is {}", subject,
                      err == X509_V_ERR_CERT_HAS_EXPIRED ? "expired" : "not valid yet"));
    default:
      return PermissionDenied(fmt::format("the chain through '{}' does not verify: {}", subject,
                                          X509_verify_cert_error_string(err)));
  }
}

}  // namespace gantry::opcua
