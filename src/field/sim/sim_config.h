// The `simulator:` section of the plant configuration (docs/formats/config.md), read into the
// options PlantSimulator takes. Errors are recorded in the document with file, line and column.
//
//   SimulatorConfig sim = ParseSimulatorConfig(root["simulator"], "Europe/Berlin");
//   GANTRY_RETURN_IF_ERROR(doc.Finish());
//   if (sim.enabled) return RunSimCommand(sim.options);
#pragma once

#include <string>

#include "core/config_node.h"
#include "field/sim/plant_simulator.h"

namespace gantry::sim {

struct SimulatorConfig {
  bool enabled = false;  // false also when the section is absent
  SimOptions options;    // listen, base_port and seed from the file; the rest defaults
};

// Reads keys enabled, listen, base_port, seed; unknown keys are errors. An absent section gives
// enabled = false and default options. `site_time_zone` (the site's `timezone:`, may be empty)
// becomes the schedule's time zone, so breaks and cleaning happen at plant-local times.
SimulatorConfig ParseSimulatorConfig(const ConfigNode& node, std::string site_time_zone = {});

}  // namespace gantry::sim
