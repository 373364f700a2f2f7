#include <cstdio>

#include "app/commands.h"
#include "app/plant_config.h"

namespace gantry {

int RunCheck(const CheckArgs& args) {
  Result<PlantConfig> plant = LoadPlantConfig(args.config);
  if (!plant.ok()) {
    std::fprintf(stderr, "%s\n", plant.status().message().c_str());
    return 2;
  }
  size_t counts[5] = {0, 0, 0, 0, 0};
  for (const auto& node : plant->equipment.nodes()) ++counts[static_cast<int>(node.level)];
  std::printf(
      "%s: OK: %zu site(s), %zu area(s), %zu line(s), %zu work centre(s), %zu device(s), "
      "%zu tag(s)\n",
      args.config.c_str(), counts[1], counts[2], counts[3], counts[4],
      plant->modbus_devices.size() + plant->opcua_devices.size() + plant->mqtt_devices.size(),
      plant->tags.size());
  return 0;
}

}  // namespace gantry
