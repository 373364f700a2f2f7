// `gantry opcua cert --uri URI --out DIR`: creates Gantry's OPC UA application instance
// certificate (self-signed, subjectAltName = the ApplicationUri of the configuration and this
// host's names) and the trust-list folders trusted/ and rejected/ under DIR.
//
//   OpcUaCertCli cert; cert.Register(app);                // before app.parse()
//   if (std::optional<int> rc = cert.Run()) return *rc;   // after
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace gantry {

class OpcUaCertCli {
 public:
  // Adds `opcua cert` to `app` (creating `opcua` unless another part already added it).
  void Register(CLI::App& app);
  // The exit code when `opcua cert` was chosen (0, 1 when it cannot be written, 2 when it
  // exists and --force was not given), nullopt otherwise.
  std::optional<int> Run();

 private:
  CLI::App* cert_ = nullptr;
  std::string uri_;
  std::string out_;
  std::string name_ = "Gantry";
  std::string organization_ = "Gantry";
  std::vector<std::string> hosts_;
  int days_ = 730;
  int key_bits_ = 2048;
  bool force_ = false;
};

}  // namespace gantry
