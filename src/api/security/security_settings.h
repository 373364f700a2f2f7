// The security part of the plant configuration: api.tls.{cert,key}, api.insecure, and the
// `security:` section (one_way, audit_warn_mb). See docs/security.md and docs/formats/config.md.
//
//   api: {listen: 0.0.0.0, tls: {cert: /etc/gantry/api.crt, key: /etc/gantry/api.key}}
//   security: {one_way: true, audit_warn_mb: 256}
#pragma once

#include <cstdint>
#include <string>

#include "core/config_node.h"

namespace gantry::security {

struct SecuritySettings {
  std::string tls_cert;                      // api.tls.cert (PEM); relative to the config file
  std::string tls_key;                       // api.tls.key (PEM)
  bool insecure = false;                     // api.insecure: plain HTTP beyond loopback allowed
  bool one_way = false;                      // security.one_way
  uint64_t audit_warn_bytes = 256ull << 20;  // security.audit_warn_mb
};

// Reads api.tls and api.insecure from the `api` node (the caller allows those keys).
void ParseApiTls(const ConfigNode& api, SecuritySettings& out);
// Reads the `security` section (absent: defaults).
void ParseSecuritySection(const ConfigNode& security, SecuritySettings& out);

}  // namespace gantry::security
