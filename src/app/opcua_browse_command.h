// `gantry opcua browse URL [--node ID] [--depth N]`: prints a server's address space (NodeId,
// BrowseName, node class, data type, value) so that a commissioning engineer can pick the nodes
// for a device's `tags:`.
//
//   OpcUaBrowseCli browse; browse.Register(app);            // before app.parse()
//   if (std::optional<int> rc = browse.Run()) return *rc;    // after
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace gantry {

class OpcUaBrowseCli {
 public:
  // Adds `opcua browse` to `app` (creating `opcua` unless another part already added it).
  void Register(CLI::App& app);
  // The exit code when `opcua browse` was chosen (0, 1 on a connection or service error, 2 on a
  // bad argument), nullopt otherwise.
  std::optional<int> Run();

 private:
  CLI::App* browse_ = nullptr;
  std::string url_;
  std::string node_ = "i=85";  // the Objects folder
  int depth_ = 2;
  std::string security_;  // none, or a policy name
  std::string mode_ = "sign_and_encrypt";
  std::string pki_;
  std::string user_;
};

}  // namespace gantry
