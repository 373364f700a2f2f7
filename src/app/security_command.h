// `gantry token|user|audit|cert`: the administrator's commands for API security, working on the
// data folder's credential store and audit trail (also while the plant runs).
//
//   SecurityCli security; security.Register(app);   // before app.parse()
//   if (std::optional<int> rc = security.Run()) return *rc;  // after
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gantry {

class SecurityCli {
 public:
  // Adds the subcommands token, user, audit and cert to `app`.
  void Register(CLI::App& app);
  // The exit code when one of them was chosen, nullopt otherwise.
  std::optional<int> Run();

 private:
  int TokenCreate();
  int TokenList();
  int TokenRevoke();
  int UserAdd();
  int UserPasswd();
  int UserList();
  int AuditVerify();
  int Cert();

  CLI::App* token_create_ = nullptr;
  CLI::App* token_list_ = nullptr;
  CLI::App* token_revoke_ = nullptr;
  CLI::App* user_add_ = nullptr;
  CLI::App* user_passwd_ = nullptr;
  CLI::App* user_list_ = nullptr;
  CLI::App* audit_verify_ = nullptr;
  CLI::App* cert_ = nullptr;
  std::string data_dir_;
  std::string name_;
  std::string role_ = "viewer";
  std::string expires_;
  std::string password_file_;
  std::string cert_path_ = "api.crt";
  std::string key_path_ = "api.key";
  std::vector<std::string> hosts_;
  int days_ = 365;
};

}  // namespace gantry
