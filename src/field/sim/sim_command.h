// `gantry sim`: runs the built-in packaging line until SIGINT or SIGTERM, logging where each
// machine listens, every state change and a periodic summary.
//
//   SimOptions o; o.seed = 7; o.time_scale = 60;
//   return RunSimCommand(o);   // exit code: 0 after a signal, 1 if it could not start
#pragma once

#include "field/sim/plant_simulator.h"

namespace gantry::sim {

// Blocks until SIGINT/SIGTERM (installs handlers for both, restores the old ones on return).
// Returns 0 after a clean stop, 1 when the simulator cannot start (the reason is logged).
int RunSimCommand(const SimOptions& options);

}  // namespace gantry::sim
