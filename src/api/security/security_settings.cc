#include "api/security/security_settings.h"

namespace gantry::security {

void ParseApiTls(const ConfigNode& api, SecuritySettings& out) {
  if (!api.IsPresent()) return;
  out.insecure = api.Bool("insecure", out.insecure);
  ConfigNode tls = api["tls"];
  if (!tls.IsPresent()) return;
  tls.AllowKeys({"cert", "key"});
  out.tls_cert = tls.String("cert", out.tls_cert);
  out.tls_key = tls.String("key", out.tls_key);
  if (out.tls_cert.empty() != out.tls_key.empty())
    tls.Error("give both cert and key (PEM files; `gantry cert` makes a self-signed pair)");
}

void ParseSecuritySection(const ConfigNode& security, SecuritySettings& out) {
  if (!security.IsPresent()) return;
  security.AllowKeys({"one_way", "audit_warn_mb"});
  out.one_way = security.Bool("one_way", out.one_way);
  out.audit_warn_bytes =
      static_cast<uint64_t>(security.Int(
          "audit_warn_mb", static_cast<int64_t>(out.audit_warn_bytes >> 20), 1, 1 << 20))
      << 20;
}

}  // namespace gantry::security
