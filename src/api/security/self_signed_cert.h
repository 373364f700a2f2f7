// A self-signed TLS certificate for a first start (`gantry cert`), made with OpenSSL's API:
// an EC P-256 key and an X.509 v3 certificate naming the host(s) as subjectAltName.
//
//   GANTRY_RETURN_IF_ERROR(WriteSelfSignedCert("/etc/gantry/api.crt", "/etc/gantry/api.key",
//                                              {"gantry-site1", "127.0.0.1"}, 365));
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace gantry::security {

// Writes the certificate (PEM, mode 0644) and its private key (PEM, mode 0600). `names` are DNS
// names or IP literals; the first is the subject's CN. Errors: InvalidArgument (no names),
// IoError (files), Internal (OpenSSL).
Status WriteSelfSignedCert(const std::string& cert_path, const std::string& key_path,
                           const std::vector<std::string>& names, int days);

}  // namespace gantry::security
