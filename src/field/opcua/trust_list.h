// The CA part of Gantry's OPC UA trust list (Part 4 §6.1.3, folder layout of Part 12 §7.3): a
// server certificate issued by a certificate authority is trusted when a chain leads from it to a
// certificate in trusted/ (CA certificates in issuers/ only help to build the chain, they confer
// no trust), every certificate on the way is valid at `now`, and the CRL of each issuing CA is
// present, current and does not list the next certificate.
//
//   <pki>/trusted/ and <pki>/trusted/certs/   trusted certificates (CAs or servers; DER or PEM)
//   <pki>/trusted/crl/, <pki>/issuers/crl/    CRLs of those CAs (DER or PEM, any file name)
//   <pki>/issuers/certs/                      CA certificates that are not trusted by themselves
//
//   Status s = VerifyIssuerChain(server_cert, pki_dir, now);
//   if (s.code() == StatusCode::kNotFound) ... not trusted: no chain to a trusted CA ...
#pragma once

#include <string>

#include "core/status.h"
#include "core/time.h"
#include "field/opcua/crypto.h"

namespace gantry::opcua {

// Ok when `certificate` chains to a certificate in trusted/ with every CRL checked. NotFound when
// no such chain exists (the certificate is simply not trusted). PermissionDenied naming the
// certificate and the fix when a chain exists but fails: revoked, a CA without a CRL
// (revocation unknown), an expired CRL or CA, a bad signature.
Status VerifyIssuerChain(const Certificate& certificate, const std::string& pki_dir, Timestamp now);

// Whether `certificate` itself (same DER) is in trusted/ or trusted/certs/ (direct trust).
bool DirectlyTrusted(const Certificate& certificate, const std::string& pki_dir);

}  // namespace gantry::opcua
