// Gantry's OPC UA certificates on disk: the application instance certificate it presents, and the
// trust list that decides which servers it talks to (Part 4 §6.1.3, Part 6 §6.2). Layout of the
// PKI folder:
//   own/cert.der, own/private/key.pem   this application (made by `gantry opcua cert`)
//   trusted/, trusted/certs/            server or CA certificates trusted (DER or PEM, any name)
//   trusted/crl/, issuers/crl/          CRLs of the CAs (each issuing CA needs a current one)
//   issuers/certs/                      CA certificates used to build chains, not trusted alone
//   rejected/                           server certificates seen and refused; move one to
//                                       trusted/ to trust that server
// CA chains and CRLs: trust_list.h.
//
//   GANTRY_RETURN_IF_ERROR(CreateApplicationCertificate({.application_uri = "urn:acme:gantry"},
//   dir)); GANTRY_RETURN_IF_ERROR(CheckServerCertificate(cert, {.pki_dir = dir, .host = "plc1"},
//   now));
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "field/opcua/crypto.h"

namespace gantry::opcua {

struct CertificateRequest {
  std::string application_uri;          // subjectAltName URI; must equal the configured one
  std::string common_name = "Gantry";   // subject CN
  std::string organization = "Gantry";  // subject O
  std::vector<std::string> hostnames;   // subjectAltName DNS (or IP) names; default: this host
  int key_bits = 2048;
  int valid_days = 730;
};

struct PkiPaths {
  std::string own_certificate;  // <dir>/own/cert.der
  std::string own_key;          // <dir>/own/private/key.pem
  std::string trusted;          // <dir>/trusted
  std::string rejected;         // <dir>/rejected
};
PkiPaths PkiLayout(const std::string& dir);

// Makes a self-signed application instance certificate with the key usage of Part 6 §6.2.2
// (digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyCertSign; serverAuth
// and clientAuth), writes it and its key (mode 0600) under `dir`, and creates trusted/ and
// rejected/. AlreadyExists when a certificate is there and `overwrite` is false.
Result<Certificate> CreateApplicationCertificate(const CertificateRequest& request,
                                                 const std::string& dir, bool overwrite = false);

// Our certificate and key from `dir`; FailedPrecondition saying how to create them if missing.
struct ApplicationIdentity {
  Certificate certificate;
  PrivateKey key;
};
Result<ApplicationIdentity> LoadApplicationIdentity(const std::string& dir,
                                                    const std::string& expected_uri);

struct ServerCheck {
  std::string pki_dir;
  std::string application_uri;  // from the endpoint's ApplicationDescription; "" = not checked
  std::string host;             // from the endpoint URL; "" = not checked
};

// Refuses a server certificate that is expired or not yet valid, neither in trusted/ (or
// trusted/certs/) nor issued through a chain to a trusted CA (then it is copied to rejected/ and
// the message says which file to move), revoked or of unknown revocation (a CA without a CRL),
// whose URI differs from the server's ApplicationUri, or whose names do not include the host
// connected to. PermissionDenied with a message naming the certificate (subject, thumbprint) and
// the fix.
Status CheckServerCertificate(const Certificate& certificate, const ServerCheck& check,
                              Timestamp now);

}  // namespace gantry::opcua
