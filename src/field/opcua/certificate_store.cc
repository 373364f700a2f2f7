#include "field/opcua/certificate_store.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "field/opcua/trust_list.h"

namespace gantry::opcua {
namespace fs = std::filesystem;
namespace {

Status AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return Internal(fmt::format("extension {}: {}", value, OpenSslError()));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) return Internal("X509_add_ext: " + OpenSslError());
  return Status::Ok();
}

Status WriteFile(const fs::path& path, std::span<const uint8_t> bytes, bool secret) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    return IoError(fmt::format("cannot create {}: {}", path.parent_path().string(), ec.message()));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return IoError(fmt::format("cannot write {}", path.string()));
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return IoError(fmt::format("cannot write {}", path.string()));
  if (secret) fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, ec);
  return Status::Ok();
}

std::string ThisHost() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

bool IsIpAddress(const std::string& h) {
  return !h.empty() &&
         std::all_of(h.begin(), h.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A file name for a rejected certificate: "<CN> [<thumbprint>].der".
std::string RejectedName(const Certificate& c) {
  std::string subject = c.Subject();
  const size_t cn = subject.find("CN=");
  std::string name = cn == std::string::npos ? "server" : subject.substr(cn + 3);
  name = name.substr(0, name.find('/'));
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.' && ch != '_')
      ch = '_';
  }
  return fmt::format("{} [{}].der", name.substr(0, 64), c.ThumbprintHex());
}

}  // namespace

PkiPaths PkiLayout(const std::string& dir) {
  const fs::path d(dir);
  return {(d / "own" / "cert.der").string(), (d / "own" / "private" / "key.pem").string(),
          (d / "trusted").string(), (d / "rejected").string()};
}

Result<Certificate> CreateApplicationCertificate(const CertificateRequest& r,
                                                 const std::string& dir, bool overwrite) {
  if (r.application_uri.empty()) return InvalidArgument("an ApplicationUri is required (--uri)");
  if (r.application_uri.find(',') != std::string::npos) {
    return InvalidArgument("the ApplicationUri may not contain a comma");
  }
  const PkiPaths paths = PkiLayout(dir);
  if (!overwrite && fs::exists(paths.own_certificate)) {
    return AlreadyExists(
        fmt::format("{} exists; pass --force to replace it", paths.own_certificate));
  }
  GANTRY_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Generate(r.key_bits));
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!cert) return Internal("X509_new failed");
  X509_set_version(cert.get(), 2);  // v3
  Bytes serial_bytes(16);
  if (RAND_bytes(serial_bytes.data(), 16) != 1) return Internal("no random serial");
  serial_bytes[0] &= 0x7F;  // positive
  BIGNUM* serial = BN_bin2bn(serial_bytes.data(), 16, nullptr);
  BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
  BN_free(serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);  // tolerate clocks an hour apart
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(r.valid_days) * 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add_name = [&](const char* field, const std::string& value) {
    X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  add_name("CN", r.common_name);
  add_name("O", r.organization);
  X509_set_issuer_name(cert.get(), name);

  std::vector<std::string> hosts = r.hostnames;
  if (hosts.empty()) hosts = {ThisHost(), "localhost", "127.0.0.1"};
  std::string san = "URI:" + r.application_uri;
  for (const std::string& h : hosts) san += (IsIpAddress(h) ? ",IP:" : ",DNS:") + h;
  GANTRY_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  GANTRY_RETURN_IF_ERROR(AddExtension(
      cert.get(), NID_key_usage,
      "critical,digitalSignature,nonRepudiation,keyEncipherment,dataEncipherment,keyCertSign"));
  GANTRY_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth,clientAuth"));
  GANTRY_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  GANTRY_RETURN_IF_ERROR(AddExtension(cert.get(), NID_authority_key_identifier, "keyid:always"));
  GANTRY_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_alt_name, san));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return Internal("certificate signing: " + OpenSslError());
  }
  unsigned char* der = nullptr;
  const int n = i2d_X509(cert.get(), &der);
  if (n <= 0) return Internal("DER encoding: " + OpenSslError());
  Bytes der_bytes(der, der + n);
  OPENSSL_free(der);
  GANTRY_ASSIGN_OR_RETURN(std::string pem, key.ToPem());
  GANTRY_RETURN_IF_ERROR(WriteFile(
      paths.own_key, ByteView(reinterpret_cast<const uint8_t*>(pem.data()), pem.size()), true));
  GANTRY_RETURN_IF_ERROR(WriteFile(paths.own_certificate, der_bytes, false));
  std::error_code ec;
  fs::create_directories(paths.trusted, ec);
  fs::create_directories(paths.rejected, ec);
  for (const char* sub : {"trusted/certs", "trusted/crl", "issuers/certs", "issuers/crl"})
    fs::create_directories(fs::path(dir) / sub, ec);  // Part 12 layout, for CAs and their CRLs
  return Certificate::FromDer(der_bytes);
}

Result<ApplicationIdentity> LoadApplicationIdentity(const std::string& dir,
                                                    const std::string& expected_uri) {
  const PkiPaths paths = PkiLayout(dir);
  if (!fs::exists(paths.own_certificate) || !fs::exists(paths.own_key)) {
    return FailedPrecondition(fmt::format(
        "no application certificate in {}: create one with `gantry opcua cert --uri {} --out {}`",
        dir, expected_uri.empty() ? "<ApplicationUri>" : expected_uri, dir));
  }
  GANTRY_ASSIGN_OR_RETURN(Certificate cert, Certificate::Load(paths.own_certificate));
  GANTRY_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::Load(paths.own_key));
  if (EVP_PKEY_eq(cert.public_key(), key.get()) != 1) {
    return FailedPrecondition(
        fmt::format("{} and {} do not belong together", paths.own_certificate, paths.own_key));
  }
  if (!expected_uri.empty()) {
    const auto uris = cert.Uris();
    if (std::find(uris.begin(), uris.end(), expected_uri) == uris.end()) {
      return FailedPrecondition(fmt::format(
          "{} is made for ApplicationUri '{}', the configuration says '{}': recreate it with "
          "`gantry opcua cert --uri {} --out {} --force`",
          paths.own_certificate, uris.empty() ? "" : uris[0], expected_uri, expected_uri, dir));
    }
  }
  return ApplicationIdentity{std::move(cert), std::move(key)};
}

Status CheckServerCertificate(const Certificate& c, const ServerCheck& check, Timestamp now) {
  const std::string who =
      fmt::format("server certificate '{}' (SHA-1 thumbprint {})", c.Subject(), c.ThumbprintHex());
  if (now < c.not_before()) {
    return PermissionDenied(fmt::format("{} is not valid yet (from {}); check the clocks", who,
                                        FormatIso8601(c.not_before())));
  }
  if (now > c.not_after()) {
    return PermissionDenied(
        fmt::format("{} expired on {}; the server needs a new certificate, then trust that one",
                    who, FormatIso8601(c.not_after())));
  }
  if (c.self_signed() && X509_verify(c.get(), c.public_key()) != 1) {
    return PermissionDenied(fmt::format("{} has a self-signature that does not verify", who));
  }
  const PkiPaths paths = PkiLayout(check.pki_dir);
  if (!DirectlyTrusted(c, check.pki_dir)) {
    const Status chain = VerifyIssuerChain(c, check.pki_dir, now);
    if (chain.code() == StatusCode::kPermissionDenied)
      return PermissionDenied(fmt::format("{}: {}", who, chain.message()));
    if (!chain.ok() && chain.code() != StatusCode::kNotFound) return chain;
    if (!chain.ok()) {
      const fs::path file = fs::path(paths.rejected) / RejectedName(c);
      const Status copied = WriteFile(file, c.der(), false);
      return PermissionDenied(fmt::format(
          "{} is not trusted{}. If this is the right server, trust it: mv '{}' '{}/'{}", who,
          copied.ok() ? fmt::format("; it was saved to {}", file.string()) : "", file.string(),
          paths.trusted,
          c.self_signed() ? ""
                          : fmt::format(" (or trust the CA that issued it: its certificate in "
                                        "{}/certs, its CRL in {}/crl)",
                                        paths.trusted, paths.trusted)));
    }
  }
  if (!check.application_uri.empty()) {
    const auto uris = c.Uris();
    if (std::find(uris.begin(), uris.end(), check.application_uri) == uris.end()) {
      return PermissionDenied(
          fmt::format("{} names ApplicationUri '{}' but the server says it is '{}': a certificate "
                      "that is not the server's own (a copy, or the server was replaced); the "
                      "server needs a certificate made for its ApplicationUri, then trust that one",
                      who, uris.empty() ? "" : uris[0], check.application_uri));
    }
  }
  if (!check.host.empty()) {
    const auto names = c.Hostnames();
    const bool found = std::any_of(names.begin(), names.end(), [&](const std::string& n) {
      return Lower(n) == Lower(check.host);
    });
    if (!found) {
      return PermissionDenied(fmt::format(
          "{} is not made for host '{}' (it names: {}): use one of those names in the endpoint "
          "URL, or have the server's certificate remade to name '{}', then trust that one",
          who, check.host, fmt::join(names, ", "), check.host));
    }
  }
  return Status::Ok();
}

}  // namespace gantry::opcua
