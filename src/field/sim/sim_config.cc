#include "field/sim/sim_config.h"

#include <arpa/inet.h>

namespace gantry::sim {

SimulatorConfig ParseSimulatorConfig(const ConfigNode& node, std::string site_time_zone) {
  SimulatorConfig config;
  config.options.line.schedule.time_zone = std::move(site_time_zone);
  if (!node.IsPresent()) return config;
  node.AllowKeys({"enabled", "listen", "base_port", "seed"});
  config.enabled = node.Bool("enabled", true);
  config.options.listen = node.String("listen", config.options.listen);
  in_addr address{};
  if (inet_pton(AF_INET, config.options.listen.c_str(), &address) != 1) {
    node.ErrorAt("listen", "expected an IPv4 address such as 127.0.0.1 or 0.0.0.0, got " +
                               QuoteForMessage(config.options.listen));
  }
  // Four machines by default: the last one must still be a valid port.
  config.options.base_port =
      static_cast<int>(node.Int("base_port", config.options.base_port, 1, 65532));
  config.options.seed = static_cast<uint64_t>(
      node.Int("seed", static_cast<int64_t>(config.options.seed), 0, INT64_MAX));
  return config;
}

}  // namespace gantry::sim
