#include "app/plant_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace gantry {
namespace {

void ParseApi(const ConfigNode& node, ApiSettings& api) {
  if (!node.IsPresent()) return;
  node.AllowKeys({"listen", "port", "web_root", "tls", "insecure"});  // tls, insecure: security
  api.listen = node.String("listen", api.listen);
  api.web_root = node.String("web_root", api.web_root);
  api.port = static_cast<uint16_t>(node.Int("port", api.port, 0, 65535));
}

void ParseSimulator(const ConfigNode& node, SimulatorSettings& sim) {
  if (!node.IsPresent()) return;
  node.AllowKeys({"enabled", "listen", "base_port", "seed", "time_scale"});
  sim.enabled = node.Bool("enabled", true);
  sim.listen = node.String("listen", sim.listen);
  sim.base_port = static_cast<int>(node.Int("base_port", sim.base_port, 1, 65000));
  sim.seed = static_cast<uint64_t>(node.Int("seed", static_cast<int64_t>(sim.seed), 0, INT64_MAX));
  sim.time_scale = node.Double("time_scale", sim.time_scale);
  if (sim.time_scale <= 0 || sim.time_scale > 10000)
    node.ErrorAt("time_scale", "expected a number above 0 and at most 10000");
}

}  // namespace

Result<PlantConfig> ParsePlantConfig(std::string_view text, const std::string& file_name) {
  GANTRY_ASSIGN_OR_RETURN(ConfigDocument doc, ConfigDocument::Parse(text, file_name));
  ConfigNode root = doc.Root();
  if (!root.IsMap()) return InvalidArgument(file_name + ": expected a YAML map at the top level");
  root.AllowKeys({"gantry", "enterprise", "data_dir", "sites", "api", "simulator", "devices",
                  "operations", "security", "energy", "costs", "erp", "historian", "uns"});

  PlantConfig plant;
  plant.file = file_name;
  if (!root["gantry"].IsPresent()) {
    root.Error("missing required key 'gantry' (the schema version; expected: gantry: 1)");
  } else {
    (void)root.Int("gantry", 1, 1, 1);
  }

  plant.equipment = ParseEquipment(root);
  plant.operations = ops::ParseOperationsConfig(root);
  plant.historian = historian::ParseHistorianConfig(root["historian"]);  // docs/historian.md
  ParseApi(root["api"], plant.api);
  security::ParseApiTls(root["api"], plant.security);
  security::ParseSecuritySection(root["security"], plant.security);
  ParseSimulator(root["simulator"], plant.simulator);
  plant.erp = enterprise::ParseErpConfig(root["erp"]);  // docs/enterprise.md
  plant.uns = uns::ParseUnsConfig(root["uns"]);         // docs/uns.md

  std::string data_dir = root.String("data_dir", "data");
  std::filesystem::path dd(data_dir);
  if (dd.is_relative() && file_name.find('<') == std::string::npos) {
    dd = std::filesystem::path(file_name).parent_path() / dd;
  }
  plant.data_dir = dd.lexically_normal().string();

  std::unordered_map<std::string, ConfigLocation> device_names;
  for (const ConfigNode& dev : root["devices"].Items()) {
    const std::string protocol = dev.String("protocol");
    if (protocol == "modbus-tcp" || protocol == "modbus-rtu") {
      modbus::DeviceConfig device = modbus::ParseDevice(dev);
      auto [it, inserted] = device_names.emplace(device.name, dev.Location());
      if (!inserted && !device.name.empty()) {
        dev.ErrorAt("name", "device name " + QuoteForMessage(device.name) +
                                " is used twice (first at " + it->second.ToString() + ")");
      }
      plant.first_tag_of_device.push_back(plant.tags.size());
      for (const auto& point : device.points) plant.tags.push_back(point.tag);
      plant.modbus_devices.push_back(std::move(device));
    } else if (protocol == "opcua") {
      opcua::OpcUaDeviceConfig device = opcua::ParseOpcUaDevice(dev);
      auto [it, inserted] = device_names.emplace(device.name, dev.Location());
      if (!inserted && !device.name.empty()) {
        dev.ErrorAt("name", "device name " + QuoteForMessage(device.name) +
                                " is used twice (first at " + it->second.ToString() + ")");
      }
      plant.first_tag_of_opcua_device.push_back(plant.tags.size());
      for (const auto& point : device.points) plant.tags.push_back(point.tag);
      plant.opcua_devices.push_back(std::move(device));
    } else if (protocol == "mqtt") {
      mqtt::MqttDeviceConfig device = mqtt::ParseMqttDevice(dev);
      auto [it, inserted] = device_names.emplace(device.name, dev.Location());
      if (!inserted && !device.name.empty()) {
        dev.ErrorAt("name", "device name " + QuoteForMessage(device.name) +
                                " is used twice (first at " + it->second.ToString() + ")");
      }
      plant.first_tag_of_mqtt_device.push_back(plant.tags.size());
      for (const auto& point : device.points) plant.tags.push_back(point.tag);
      plant.mqtt_devices.push_back(std::move(device));
    } else {
      dev.AllowKeys({"name", "protocol"});
      dev.ErrorAt("protocol",
                  protocol.empty()
                      ? std::string("missing required key (expected modbus-tcp, modbus-rtu, "
                                    "opcua or mqtt)")
                      : "unsupported protocol " + QuoteForMessage(protocol) +
                            "; expected modbus-tcp, modbus-rtu, opcua or mqtt");
    }
  }

  // Tags must be unique and hang under a declared equipment node.
  std::unordered_map<std::string, const TagConfig*> seen;
  for (const TagConfig& tag : plant.tags) {
    if (tag.path.empty()) continue;
    auto [it, inserted] = seen.emplace(tag.path, &tag);
    std::string message;
    if (!inserted) {
      message = "tag path " + QuoteForMessage(tag.path) + " is declared twice (first at " +
                it->second->where.ToString() + ")";
    } else if (!plant.equipment.enterprise().empty() &&
               plant.equipment.Find(ParentPath(tag.path)) == nullptr) {
      message = "tag path " + QuoteForMessage(tag.path) +
                " is not under a declared equipment node ('" + std::string(ParentPath(tag.path)) +
                "' is not the enterprise, a site, area, line or work centre declared in 'sites')";
    }
    if (!message.empty()) doc.AddError(ConfigError{tag.where, "path", std::move(message)});
  }

  plant.energy = ctx::ParseEnergyCostConfig(root, plant.operations, plant.tags);  // docs/energy.md
  // Every signal an operations rule names must be a configured tag.
  for (const ops::WorkCentreRules& wc : plant.operations.work_centres) {
    std::vector<std::pair<std::string, std::string>> signals = {
        {"state word", wc.state_word_tag}, {"running", wc.running_tag},
        {"speed", wc.speed_tag},           {"fault code", wc.fault_tag},
        {"starved", wc.starved_tag},       {"blocked", wc.blocked_tag}};
    static constexpr const char* kCounterNames[] = {"good", "reject", "total", "rework"};
    for (int r = 0; r < ops::kCounterRoleCount; ++r)
      if (wc.counters[r])
        signals.emplace_back(std::string(kCounterNames[r]) + " counter", wc.counters[r]->tag);
    for (const auto& [what, path] : signals) {
      if (path.empty() || seen.count(path)) continue;
      const EquipmentNode* node = plant.equipment.Find(wc.path);
      ConfigError e;
      e.where = node ? node->where : ConfigLocation{file_name, 0, 0};
      e.key_path = "work_centres." + wc.name;
      e.message = "the " + what + " signal " + QuoteForMessage(path) +
                  " is not a configured tag; declare it under a device's tags";
      doc.AddError(std::move(e));
    }
  }

  GANTRY_RETURN_IF_ERROR(doc.Finish());
  return plant;
}

Result<PlantConfig> LoadPlantConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return NotFound(path + ": cannot open configuration file (does it exist and is it readable?)");
  std::ostringstream text;
  text << in.rdbuf();
  return ParsePlantConfig(text.str(), path);
}

}  // namespace gantry
