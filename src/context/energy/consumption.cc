#include "context/energy/consumption.h"

#include <algorithm>

#include "context/energy/energy_meter.h"

namespace gantry::ctx {

std::vector<double> SpreadOverIntervals(const std::vector<EnergyDelta>& deltas,
                                        const std::vector<ops::Segment>& intervals) {
  std::vector<double> out(intervals.size(), 0.0);
  // Each delta's quantity was used evenly over (start, end]; an interval gets the share that
  // overlaps it.
  size_t i = 0;
  for (const EnergyDelta& delta : deltas) {
    const double span = static_cast<double>(delta.end - delta.start);
    if (span <= 0) continue;
    while (i < intervals.size() && intervals[i].end <= delta.start) ++i;
    for (size_t j = i; j < intervals.size() && intervals[j].start < delta.end; ++j) {
      const Timestamp a = std::max(intervals[j].start, delta.start);
      const Timestamp b = std::min(intervals[j].end, delta.end);
      if (b > a) out[j] += delta.kwh * static_cast<double>(b - a) / span;
    }
  }
  return out;
}

Result<MeasuredConsumption> MeasureOrderConsumption(const std::vector<ConsumptionCounter>& counters,
                                                    const std::string& order, Timestamp from,
                                                    Timestamp to, const CostSources& sources) {
  MeasuredConsumption out;
  for (const ConsumptionCounter& c : counters) {
    GANTRY_ASSIGN_OR_RETURN(std::vector<ops::Segment> all,
                            sources.intervals(c.work_centre, from, to));
    std::vector<ops::Segment> ran;
    for (ops::Segment& s : all)
      if (s.order == order && s.end > s.start) ran.push_back(std::move(s));
    if (ran.empty()) continue;  // the order did not run on this work centre
    const Timestamp first = ran.front().start;
    const Timestamp last = ran.back().end;
    GANTRY_ASSIGN_OR_RETURN(std::vector<MeterReading> readings,
                            sources.readings(c.register_.tag, first, last));
    const MeterDeltas d = ComputeMeterDeltas(c.register_, readings);
    double quantity = 0;
    for (double q : SpreadOverIntervals(d.deltas, ran)) quantity += q;
    const bool reaches_end = !readings.empty() && readings.back().time >= last;
    if (!reaches_end) out.readings_complete = false;
    if (d.rollovers + d.resets + d.implausible > 0)
      out.notes.push_back("consumption counter " + c.register_.tag + ": " +
                          std::to_string(d.rollovers) + " rollovers, " + std::to_string(d.resets) +
                          " resets, " + std::to_string(d.implausible) + " implausible steps");
    auto it = std::find_if(out.lines.begin(), out.lines.end(),
                           [&](const MeasuredLine& l) { return l.material == c.material; });
    if (it == out.lines.end())
      out.lines.push_back({c.material, c.unit, quantity});
    else
      it->quantity += quantity;
  }
  return out;
}

}  // namespace gantry::ctx
