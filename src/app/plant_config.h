// The whole plant configuration, read from one YAML file: equipment hierarchy, API, simulator,
// devices and their tags. Every error names file, line, column, key and what was expected, and
// all of them are reported together; a configuration with any error is never started.
//
//   GANTRY_ASSIGN_OR_RETURN(PlantConfig plant, LoadPlantConfig("plant.yaml"));
//   for (const TagConfig& t : plant.tags) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "api/security/security_settings.h"
#include "context/energy/energy_config.h"
#include "core/equipment.h"
#include "core/status.h"
#include "core/tag.h"
#include "data/historian/historian_config.h"
#include "data/uns/uns_config.h"
#include "enterprise/erp_config.h"
#include "field/modbus/modbus_config.h"
#include "field/mqtt/mqtt_config.h"
#include "field/opcua/opcua_config.h"
#include "operations/operations_config.h"

namespace gantry {

struct ApiSettings {
  std::string listen = "127.0.0.1";
  uint16_t port = 8080;
  std::string web_root;  // the built dashboard's folder; empty: found (api/static_files.h)
};

struct SimulatorSettings {
  bool enabled = false;
  std::string listen = "127.0.0.1";
  int base_port = 5020;
  uint64_t seed = 42;
  double time_scale = 1.0;
};

struct PlantConfig {
  std::string file;      // the configuration file ("<built-in demo>" for the embedded one)
  std::string data_dir;  // absolute, or relative to the working directory
  EquipmentModel equipment;
  ApiSettings api;
  security::SecuritySettings security;  // api.tls, api.insecure, security.* (docs/security.md)
  SimulatorSettings simulator;
  std::vector<modbus::DeviceConfig> modbus_devices;
  // Every tag, in declaration order; TagId = index. Device points map onto it in order:
  // modbus_devices[d].points[p] is tags[first_tag_of_device[d] + p].
  std::vector<TagConfig> tags;
  std::vector<size_t> first_tag_of_device;
  // Devices with `protocol: opcua`; opcua_devices[d].points[p] is
  // tags[first_tag_of_opcua_device[d] + p].
  std::vector<opcua::OpcUaDeviceConfig> opcua_devices;
  std::vector<size_t> first_tag_of_opcua_device;
  // Brokers with `protocol: mqtt` (docs/mqtt.md); mqtt_devices[d].points[p] is
  // tags[first_tag_of_mqtt_device[d] + p].
  std::vector<mqtt::MqttDeviceConfig> mqtt_devices;
  std::vector<size_t> first_tag_of_mqtt_device;
  // Shift calendars, work-centre rules, reasons (docs/formats/operations-config.md).
  ops::OperationsConfig operations;
  historian::HistorianConfig historian;  // the `historian:` section (docs/historian.md)
  enterprise::ErpSettings erp;           // the `erp:` section (docs/enterprise.md)
  // Energy meters, tariffs, material costs and rates (docs/energy.md).
  ctx::EnergyCostConfig energy;
  uns::UnsConfig uns;  // the `uns:` section: Unified Namespace out over NATS (docs/uns.md)
};

// Reads and validates a configuration file.
Result<PlantConfig> LoadPlantConfig(const std::string& path);
// Same from text; `file_name` is used in messages and to resolve a relative data_dir.
Result<PlantConfig> ParsePlantConfig(std::string_view text, const std::string& file_name);

// The demo plant's configuration (config/demo-plant.yaml), embedded at build time.
std::string_view DemoPlantYaml();

}  // namespace gantry
