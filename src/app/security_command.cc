#include "app/security_command.h"

#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/security/audit_log.h"
#include "api/security/credential_store.h"
#include "api/security/self_signed_cert.h"

namespace gantry {

namespace {

using namespace security;

std::string CliUser() {
  const char* u = std::getenv("USER");
  return std::string("cli:") + (u && *u ? u : std::to_string(getuid()));
}

std::unique_ptr<CredentialStore> OpenStore(const std::string& dir) {
  Result<std::unique_ptr<CredentialStore>> s = CredentialStore::Open(dir + "/security.sqlite");
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().message().c_str());
    return nullptr;
  }
  return std::move(s).value();
}

void AuditCli(const std::string& dir, const std::string& action, const std::string& target,
              const std::string& outcome) {
  Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(dir, 0);
  if (!log.ok()) return;
  (void)(*log)->Append({SystemClock::Instance().Now(), CliUser(), "admin", "cli", action, target,
                        outcome, "", 0, ""});
}

int Fail(const Status& s) {
  std::fprintf(stderr, "%s\n", s.message().c_str());
  return 1;
}

// The password from --password-file (first line), or a random one printed once.
std::optional<std::string> PasswordFrom(const std::string& file, bool& generated) {
  generated = file.empty();
  if (generated) return RandomSecret(15);
  std::ifstream in(file);
  std::string line;
  if (!in || !std::getline(in, line)) {
    std::fprintf(stderr, "cannot read a password from %s\n", file.c_str());
    return std::nullopt;
  }
  return line;
}

std::optional<Role> RoleArg(const std::string& name) {
  std::optional<Role> r = ParseRole(name);
  if (!r || *r == Role::kPublic) {
    std::fprintf(stderr, "unknown role '%s'; use viewer, operator, engineer, admin, integration\n",
                 name.c_str());
    return std::nullopt;
  }
  return r;
}

}  // namespace

void SecurityCli::Register(CLI::App& app) {
  auto data = [this](CLI::App* c) {
    c->add_option("--data,-d", data_dir_, "Gantry data folder")->required();
  };
  auto* token = app.add_subcommand("token", "Create, list and revoke API tokens");
  token->require_subcommand(1);
  token_create_ = token->add_subcommand("create", "Create a token; its secret is printed once");
  data(token_create_);
  token_create_->add_option("name", name_, "Token name (e.g. grafana)")->required();
  token_create_->add_option("--role,-r", role_,
                            "viewer, operator, engineer, admin or integration (default viewer)");
  token_create_->add_option("--expires", expires_, "Lifetime such as 90d or 8h (default: never)");
  token_list_ = token->add_subcommand("list", "List tokens (names, roles, expiry; no secrets)");
  data(token_list_);
  token_revoke_ = token->add_subcommand("revoke", "Revoke a token at once");
  data(token_revoke_);
  token_revoke_->add_option("name", name_, "Token name")->required();

  auto* user = app.add_subcommand("user", "Add users, change passwords, list users");
  user->require_subcommand(1);
  user_add_ = user->add_subcommand("add", "Add a user (random password printed unless given)");
  data(user_add_);
  user_add_->add_option("name", name_, "User name")->required();
  user_add_->add_option("--role,-r", role_, "Role (default viewer)");
  user_add_->add_option("--password-file", password_file_, "Read the password from this file");
  user_passwd_ = user->add_subcommand("passwd", "Set a new password (random unless given)");
  data(user_passwd_);
  user_passwd_->add_option("name", name_, "User name")->required();
  user_passwd_->add_option("--password-file", password_file_, "Read the password from this file");
  user_list_ = user->add_subcommand("list", "List users and roles");
  data(user_list_);

  auto* audit = app.add_subcommand("audit", "Check the audit trail");
  audit->require_subcommand(1);
  audit_verify_ = audit->add_subcommand(
      "verify", "Walk the hash chain; exit 1 naming the first edited or deleted record");
  data(audit_verify_);

  cert_ = app.add_subcommand("cert", "Make a self-signed TLS certificate for the API");
  cert_->add_option("--cert", cert_path_, "Certificate file to write (default api.crt)");
  cert_->add_option("--key", key_path_, "Key file to write, mode 0600 (default api.key)");
  cert_->add_option("--host", hosts_, "Host name or IP the clients use (repeatable)");
  cert_->add_option("--days", days_, "Validity in days (default 365)")->check(CLI::Range(1, 3650));
}

std::optional<int> SecurityCli::Run() {
  if (token_create_ && *token_create_) return TokenCreate();
  if (token_list_ && *token_list_) return TokenList();
  if (token_revoke_ && *token_revoke_) return TokenRevoke();
  if (user_add_ && *user_add_) return UserAdd();
  if (user_passwd_ && *user_passwd_) return UserPasswd();
  if (user_list_ && *user_list_) return UserList();
  if (audit_verify_ && *audit_verify_) return AuditVerify();
  if (cert_ && *cert_) return Cert();
  return std::nullopt;
}

int SecurityCli::TokenCreate() {
  std::optional<Role> role = RoleArg(role_);
  if (!role) return 2;
  const Timestamp now = SystemClock::Instance().Now();
  Timestamp expires = 0;
  if (!expires_.empty()) {
    Result<Duration> d = ParseDuration(expires_);
    if (!d.ok() || *d <= 0) {
      std::fprintf(stderr, "--expires: expected a duration such as 90d, 8h or 30s\n");
      return 2;
    }
    expires = now + *d;
  }
  auto store = OpenStore(data_dir_);
  if (!store) return 1;
  Result<NewToken> t = store->CreateToken(name_, *role, expires, now);
  AuditCli(data_dir_, "token create", name_, t.ok() ? "ok" : t.status().message());
  if (!t.ok()) return Fail(t.status());
  std::fprintf(stderr, "token '%s' (%s%s%s); the secret is shown once:\n", name_.c_str(),
               role_.c_str(), expires ? ", expires " : "",
               expires ? FormatIso8601(expires).c_str() : "");
  std::printf("%s\n", t->secret.c_str());
  return 0;
}

int SecurityCli::TokenList() {
  auto store = OpenStore(data_dir_);
  if (!store) return 1;
  Result<std::vector<TokenInfo>> tokens = store->ListTokens();
  if (!tokens.ok()) return Fail(tokens.status());
  std::printf("%-24s %-12s %-26s %s\n", "NAME", "ROLE", "EXPIRES", "STATE");
  const Timestamp now = SystemClock::Instance().Now();
  for (const TokenInfo& t : *tokens) {
    const char* state =
        t.revoked ? "revoked" : (t.expires && t.expires <= now ? "expired" : "live");
    std::printf("%-24s %-12s %-26s %s\n", t.name.c_str(), std::string(RoleName(t.role)).c_str(),
                t.expires ? FormatIso8601(t.expires).c_str() : "never", state);
  }
  return 0;
}

int SecurityCli::TokenRevoke() {
  auto store = OpenStore(data_dir_);
  if (!store) return 1;
  Status s = store->RevokeToken(name_);
  AuditCli(data_dir_, "token revoke", name_, s.ok() ? "ok" : s.message());
  if (!s.ok()) return Fail(s);
  std::printf("token '%s' revoked\n", name_.c_str());
  return 0;
}

int SecurityCli::UserAdd() {
  std::optional<Role> role = RoleArg(role_);
  if (!role) return 2;
  bool generated = false;
  std::optional<std::string> password = PasswordFrom(password_file_, generated);
  if (!password) return 2;
  auto store = OpenStore(data_dir_);
  if (!store) return 1;
  Status s = store->AddUser(name_, *role, *password, SystemClock::Instance().Now());
  AuditCli(data_dir_, "user add", name_, s.ok() ? "ok" : s.message());
  if (!s.ok()) return Fail(s);
  std::printf("user '%s' added as %s\n", name_.c_str(), role_.c_str());
  if (generated) std::printf("password (shown once): %s\n", password->c_str());
  return 0;
}

int SecurityCli::UserPasswd() {
  bool generated = false;
  std::optional<std::string> password = PasswordFrom(password_file_, generated);
  if (!password) return 2;
  auto store = OpenStore(data_dir_);
  if (!store) return 1;
  Status s = store->SetPassword(name_, *password);
  AuditCli(data_dir_, "user passwd", name_, s.ok() ? "ok" : s.message());
  if (!s.ok()) return Fail(s);
  std::printf("password of '%s' changed\n", name_.c_str());
  if (generated) std::printf("password (shown once): %s\n", password->c_str());
  return 0;
}

int SecurityCli::UserList() {
  auto store = OpenStore(data_dir_);
  if (!store) return 1;
  Result<std::vector<UserInfo>> users = store->ListUsers();
  if (!users.ok()) return Fail(users.status());
  std::printf("%-24s %-12s %s\n", "NAME", "ROLE", "CREATED");
  for (const UserInfo& u : *users)
    std::printf("%-24s %-12s %s\n", u.name.c_str(), std::string(RoleName(u.role)).c_str(),
                FormatIso8601(u.created).c_str());
  return 0;
}

int SecurityCli::AuditVerify() {
  Result<std::unique_ptr<AuditLog>> log = AuditLog::Open(data_dir_, 0);
  if (!log.ok()) return Fail(log.status());
  Result<int64_t> n = (*log)->Verify();
  if (!n.ok()) {
    std::printf("AUDIT TRAIL BROKEN: %s\n", n.status().message().c_str());
    return 1;
  }
  std::printf("audit trail intact: %lld records, hash chain verified\n",
              static_cast<long long>(*n));
  return 0;
}

int SecurityCli::Cert() {
  std::vector<std::string> hosts = hosts_;
  if (hosts.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    hosts = {host, "localhost", "127.0.0.1"};
  }
  Status s = WriteSelfSignedCert(cert_path_, key_path_, hosts, days_);
  if (!s.ok()) return Fail(s);
  std::printf(
      "\n  ******************************************************************\n"
      "  SELF-SIGNED certificate written: %s (key: %s, mode 0600)\n"
      "  valid %d days for: ",
      cert_path_.c_str(), key_path_.c_str(), days_);
  for (const std::string& h : hosts) std::printf("%s ", h.c_str());
  std::printf(
      "\n  Clients will NOT trust it until you install it on them, and it proves\n"
      "  nothing about this node: replace it with one from your CA for production.\n"
      "  Use it with:  api: {tls: {cert: %s, key: %s}}\n"
      "  ******************************************************************\n\n",
      cert_path_.c_str(), key_path_.c_str());
  return 0;
}

}  // namespace gantry
