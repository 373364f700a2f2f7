// Material consumed by an order, measured from consumption counters (costs.consumption): each
// counter's increments between readings (the energy meter's register arithmetic: rollover, PLC
// reset, gaps) spread evenly over time and cut to the order's closed intervals, as the energy of
// an order is. Rule and example: docs/energy.md ("Consumption counters").
//
//   GANTRY_ASSIGN_OR_RETURN(MeasuredConsumption m, MeasureOrderConsumption(
//       cfg.consumption, "rest:4711", start, end + 1, sources));
//   // m.lines[0] = {"preform", "kg", 51.5}
#pragma once

#include <string>
#include <vector>

#include "context/energy/cost_calculator.h"
#include "context/energy/energy_config.h"
#include "context/energy/energy_meter.h"
#include "core/status.h"
#include "core/time.h"

namespace gantry::ctx {

struct MeasuredLine {
  std::string material;
  std::string unit;
  double quantity = 0;
};

struct MeasuredConsumption {
  // One line per material with a counter on a work centre the order ran on (summed over work
  // centres), in configuration order.
  std::vector<MeasuredLine> lines;
  // False while such a counter has no reading at or after the order's last interval yet: the
  // quantity of the stretch before it is then missing (not yet known).
  bool readings_complete = true;
  std::vector<std::string> notes;  // rollovers, resets, implausible steps met
};

// The quantity of each interval: each delta spread evenly over its stretch and cut to the
// intervals (both in time order, intervals not overlapping); result[i] belongs to intervals[i].
std::vector<double> SpreadOverIntervals(const std::vector<EnergyDelta>& deltas,
                                        const std::vector<ops::Segment>& intervals);

// What the counters counted while `order` ran in [from, to): its closed intervals from
// `sources.intervals`, readings from `sources.readings`. Errors of the sources are returned.
Result<MeasuredConsumption> MeasureOrderConsumption(const std::vector<ConsumptionCounter>& counters,
                                                    const std::string& order, Timestamp from,
                                                    Timestamp to, const CostSources& sources);

}  // namespace gantry::ctx
