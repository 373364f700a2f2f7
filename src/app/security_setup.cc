#include "app/security_setup.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "api/security/security_gate.h"

namespace gantry {

namespace {

Status WriteSecretFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError("cannot write " + path);
  ::fchmod(fd, 0600);
  const ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) return IoError("cannot write " + path);
  return Status::Ok();
}

}  // namespace

Status ConfigureApiSecurity(const PlantConfig& cfg, bool demo, ApiOptions& options) {
  using namespace security;
  std::error_code ec;
  std::filesystem::create_directories(cfg.data_dir, ec);
  GANTRY_ASSIGN_OR_RETURN(std::shared_ptr<CredentialStore> store,
                          CredentialStore::Open(cfg.data_dir + "/security.sqlite"));
  GANTRY_ASSIGN_OR_RETURN(std::shared_ptr<AuditLog> audit,
                          AuditLog::Open(cfg.data_dir, cfg.security.audit_warn_bytes));
  const Timestamp now = SystemClock::Instance().Now();
  GANTRY_ASSIGN_OR_RETURN(std::string password, store->EnsureAdmin("admin", now));
  if (!password.empty()) {
    (void)audit->Append({now, "gantry", "", "local", "user add", "admin", "ok",
                         "first start: admin created with a random password", 0, ""});
    std::string viewer_token, test_token;
    if (demo) {
      GANTRY_ASSIGN_OR_RETURN(NewToken v, store->CreateToken("demo-viewer", Role::kViewer, 0, now));
      GANTRY_ASSIGN_OR_RETURN(NewToken t, store->CreateToken("demo-admin", Role::kAdmin, 0, now));
      viewer_token = v.secret;
      test_token = t.secret;
      (void)audit->Append({now, "gantry", "", "local", "token create", "demo-viewer", "ok",
                           "demo: viewer token", 0, ""});
      (void)audit->Append({now, "gantry", "", "local", "token create", "demo-admin", "ok",
                           "demo: admin token for tests and scripts", 0, ""});
      nlohmann::json creds = {{"user", "admin"},
                              {"password", password},
                              {"viewer_token", viewer_token},
                              {"admin_token", test_token}};
      GANTRY_RETURN_IF_ERROR(
          WriteSecretFile(cfg.data_dir + "/demo-credentials.json", creds.dump(2) + "\n"));
    }
    std::printf(
        "\n"
        "  ==================================================================\n"
        "  First start: Gantry created its admin user. This is shown ONCE.\n"
        "    user:      admin\n"
        "    password:  %s\n"
        "  Change it with: gantry user passwd --data %s admin\n",
        password.c_str(), cfg.data_dir.c_str());
    if (demo) {
      std::printf(
          "  A viewer token to try the API:\n"
          "    curl -H 'Authorization: Bearer %s' \\\n"
          "         http://127.0.0.1:%s/api/v1/tags\n"
          "  (saved with an admin token for tests in %s/demo-credentials.json, mode 0600)\n",
          viewer_token.c_str(), cfg.api.port == 0 ? "<port>" : std::to_string(cfg.api.port).c_str(),
          cfg.data_dir.c_str());
    }
    std::printf("  ==================================================================\n\n");
    std::fflush(stdout);
  }

  GateOptions gate;
  gate.tls = !cfg.security.tls_cert.empty();
  gate.one_way = cfg.security.one_way;
  options.guard = std::make_shared<SecurityGate>(store, audit, PolicyTable::Build({}), gate);
  options.tls_cert = cfg.security.tls_cert;
  options.tls_key = cfg.security.tls_key;
  options.allow_insecure = cfg.security.insecure;
  options.one_way = cfg.security.one_way;
  if (cfg.security.one_way)
    spdlog::info(
        "security: one-way mode: the API listens on loopback only and no route may "
        "command a machine");
  return Status::Ok();
}

}  // namespace gantry
