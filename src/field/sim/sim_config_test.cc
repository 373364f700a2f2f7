#include "field/sim/sim_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "field/sim/register_map.h"

namespace gantry::sim {
namespace {

TEST(SimulatorConfig, ReadsTheSectionAndDefaultsTheRest) {
  auto doc = ConfigDocument::Parse(
      "simulator:\n  enabled: true\n  listen: 0.0.0.0\n  base_port: 6000\n  seed: 7\n",
      "plant.yaml");
  ASSERT_TRUE(doc.ok());
  SimulatorConfig c = ParseSimulatorConfig(doc->Root()["simulator"]);
  ASSERT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.options.listen, "0.0.0.0");
  EXPECT_EQ(c.options.base_port, 6000);
  EXPECT_EQ(c.options.seed, 7u);
  EXPECT_EQ(c.options.time_scale, 1.0);
}

TEST(SimulatorConfig, AbsentSectionIsDisabled) {
  auto doc = ConfigDocument::Parse("gantry: 1\n", "plant.yaml");
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE(ParseSimulatorConfig(doc->Root()["simulator"]).enabled);
  EXPECT_TRUE(doc->Finish().ok());
}

TEST(SimulatorConfig, TyposAndBadValuesAreLocatedErrors) {
  auto doc = ConfigDocument::Parse(
      "simulator:\n  listen: localhost\n  base_port: 70000\n  sead: 3\n", "plant.yaml");
  ASSERT_TRUE(doc.ok());
  ParseSimulatorConfig(doc->Root()["simulator"]);
  const std::string all = doc->Finish().ToString();
  EXPECT_NE(all.find("plant.yaml:2:"), std::string::npos) << all;
  EXPECT_NE(all.find("IPv4"), std::string::npos) << all;
  EXPECT_NE(all.find("base_port"), std::string::npos) << all;
  EXPECT_NE(all.find("sead"), std::string::npos) << all;
}

// The demo plant's device entries must read exactly the register map the simulator serves.
TEST(DemoPlantConfig, DevicesMatchTheSimulatorsPortsAndRegisterMap) {
  auto doc = ConfigDocument::LoadFile(std::string(GANTRY_SOURCE_DIR) + "/config/demo-plant.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  ConfigNode root = doc->Root();
  const std::string zone = root["sites"].Items().at(0).String("timezone");
  EXPECT_EQ(zone, "Europe/Berlin");
  const SimulatorConfig sim = ParseSimulatorConfig(root["simulator"], zone);
  ASSERT_TRUE(sim.enabled);
  EXPECT_EQ(sim.options.line.schedule.time_zone, "Europe/Berlin");
  EXPECT_TRUE(ValidateLineOptions(sim.options.line).ok());
  const std::map<std::string, std::pair<std::string, std::string>> expected = {
      {"state", {"hr:0", "uint16"}},         {"fault_code", {"hr:1", "uint16"}},
      {"speed", {"hr:2", "float32"}},        {"good_count", {"hr:4", "uint32"}},
      {"reject_count", {"hr:6", "uint32"}},  {"energy_kwh", {"hr:8", "uint32"}},
      {"temperature", {"hr:10", "float32"}}, {"vibration", {"hr:12", "float32"}},
      {"infeed_level", {"hr:14", "uint16"}}, {"heartbeat", {"hr:15", "uint16"}},
      {"product", {"hr:16", "string"}},      {"running", {"di:0", "bool"}},
      {"faulted", {"di:1", "bool"}},         {"starved", {"di:2", "bool"}},
      {"blocked", {"di:3", "bool"}},         {"planned_stop", {"di:4", "bool"}}};
  static_assert(kRegGoodCount == 4 && kRegEnergyWh == 8 && kRegProductCode == 16 &&
                kBitPlannedStop == 4);
  const std::vector<MachineSpec> machines = DefaultPackagingMachines();
  const std::vector<ConfigNode> devices = root["devices"].Items();
  ASSERT_EQ(devices.size(), machines.size());
  for (size_t i = 0; i < machines.size(); ++i) {
    SCOPED_TRACE(machines[i].name);
    const ConfigNode& d = devices[i];
    EXPECT_EQ(d.String("protocol"), "modbus-tcp");
    EXPECT_EQ(d.String("host"), sim.options.listen);
    EXPECT_EQ(d.Int("port", 0, 0, 65535), sim.options.base_port + static_cast<int>(i));
    const std::string prefix = "acme/plant1/packaging/line1/" + machines[i].name + "/";
    int tags = 0;
    for (const ConfigNode& t : d["tags"].Items()) {
      const std::string path = t.String("path");
      ASSERT_EQ(path.rfind(prefix, 0), 0u) << path;
      const std::string name = path.substr(prefix.size());
      ASSERT_TRUE(expected.count(name)) << path;
      EXPECT_EQ(t.String("address"), expected.at(name).first) << path;
      EXPECT_EQ(t.String("type"), expected.at(name).second) << path;
      if (name == "energy_kwh") {
        EXPECT_EQ(t["scale"].Double("gain", 0), 0.001);
      }
      if (name == "product") {
        EXPECT_EQ(t.Int("length", 0, 0, 100), kProductCodeRegisters);
      }
      ++tags;
    }
    EXPECT_EQ(tags, i == 0 ? 15 : 16);  // the filler has no infeed conveyor
  }
  EXPECT_TRUE(doc->Finish().ok()) << doc->Finish().ToString();
}

}  // namespace
}  // namespace gantry::sim
