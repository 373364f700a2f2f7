// Energy meter readings straight from the historian, in the shape CostSources::readings wants:
// the last sample at or before `from`, every sample in (from, to) and the first at or after `to`.
//
//   sources.readings = [&](const std::string& tag, Timestamp from, Timestamp to) {
//     return HistorianMeterReadings(historian, tag, from, to);
//   };
#pragma once

#include <string>
#include <vector>

#include "context/energy/energy_meter.h"
#include "core/status.h"

namespace gantry::historian {
class Historian;
}

namespace gantry::ctx {

// Reads a meter tag's samples around [from, to); an empty list for a tag never stored. Samples
// with Bad quality or a non-numeric value come back marked bad. Thread-safe (the historian is).
Result<std::vector<MeterReading>> HistorianMeterReadings(historian::Historian& store,
                                                         const std::string& tag, Timestamp from,
                                                         Timestamp to);

}  // namespace gantry::ctx
