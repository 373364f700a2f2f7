// Turning an energy meter's cumulative register into energy per stretch of time: each pair of
// consecutive good readings gives the kWh used between them, never negative and never a jump of
// a whole register range (rollover, PLC reset and gaps as for production counters, reusing
// ops::CounterTracker). Rule and examples: docs/energy.md ("Meters").
//
//   std::vector<EnergyDelta> d = MeterDeltas(meter, readings);  // readings in time order
//   // d[i].kwh was used in (d[i].start, d[i].end]
#pragma once

#include <cstdint>
#include <vector>

#include "context/energy/energy_config.h"
#include "core/time.h"

namespace gantry::ctx {

// One reading of a meter tag: its engineering value (Wh/kWh/MWh after the tag's scaling).
struct MeterReading {
  Timestamp time = 0;
  double value = 0;
  bool bad = false;  // quality Bad or not a number: ignored, the previous baseline kept
};

// Energy used between two good readings.
struct EnergyDelta {
  Timestamp start = 0;  // the previous good reading
  Timestamp end = 0;    // this reading
  double kwh = 0;
};

struct MeterDeltas {
  std::vector<EnergyDelta> deltas;  // in time order, non-overlapping
  uint64_t rollovers = 0;
  uint64_t resets = 0;
  uint64_t implausible = 0;  // rises above max_step, not counted
};

// The energy between consecutive good readings (in time order; a reading older than the
// previous one is skipped). Readings at the same instant give no delta.
MeterDeltas ComputeMeterDeltas(const EnergyMeter& meter, const std::vector<MeterReading>& readings);

}  // namespace gantry::ctx
