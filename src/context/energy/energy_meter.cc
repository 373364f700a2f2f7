#include "context/energy/energy_meter.h"

#include <cmath>

#include "operations/counter.h"

namespace gantry::ctx {

MeterDeltas ComputeMeterDeltas(const EnergyMeter& meter,
                               const std::vector<MeterReading>& readings) {
  ops::CounterRule rule;
  rule.tag = meter.tag;
  rule.width_bits = meter.width_bits;
  rule.max_step = meter.max_step;
  ops::CounterTracker tracker(rule);
  MeterDeltas out;
  Timestamp last_good = 0;
  bool have_last = false;
  for (const MeterReading& r : readings) {
    if (have_last && r.time < last_good) continue;  // out of order: the register cannot go back
    // Back to raw counts, so that the rollover arithmetic works on the register's own integers.
    const double raw =
        r.bad || !std::isfinite(r.value) ? -1.0 : std::round((r.value - meter.offset) / meter.gain);
    ops::CounterStep step = tracker.UpdateRaw(raw, r.bad || raw < 0);
    if (step.event == ops::CounterEvent::kIgnoredBad) continue;
    if (step.event == ops::CounterEvent::kRollover) ++out.rollovers;
    if (step.event == ops::CounterEvent::kReset) ++out.resets;
    if (step.event == ops::CounterEvent::kImplausible) ++out.implausible;
    if (have_last && r.time > last_good && step.increment > 0)
      out.deltas.push_back(
          {last_good, r.time, static_cast<double>(step.increment) * meter.kwh_per_count});
    if (have_last && r.time == last_good && step.increment > 0 && !out.deltas.empty() &&
        out.deltas.back().end == r.time)
      out.deltas.back().kwh += static_cast<double>(step.increment) * meter.kwh_per_count;
    last_good = r.time;
    have_last = true;
  }
  return out;
}

}  // namespace gantry::ctx
