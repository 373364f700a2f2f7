// Turning a PLC's production counter into increments that are never negative and never a jump of a
// whole counter range: rollover (16/32/64-bit), PLC resets to zero, reconnect gaps, duplicate
// deliveries and Bad quality. The heuristic is documented in docs/operations.md ("Counters").
//
//   CounterTracker good(rule);
//   CounterStep s = good.Update(sample.value, sample.quality);   // s.increment units produced
#pragma once

#include <cstdint>

#include "core/quality.h"
#include "core/sample.h"
#include "operations/operations_config.h"

namespace gantry::ops {

enum class CounterEvent : uint8_t {
  kNone = 0,
  kBaseline,     // first good value (or first after a rejected one): no increment
  kRollover,     // the counter wrapped past its maximum
  kReset,        // the counter dropped (PLC restart): counted from zero
  kImplausible,  // a rise larger than max_step: not counted, re-baselined
  kIgnoredBad,   // Bad quality or a non-numeric value: ignored, baseline kept
};

struct CounterStep {
  uint64_t increment = 0;
  CounterEvent event = CounterEvent::kNone;
};

// One counter tag's state. A plain value type (copyable) so that the engine can snapshot it.
class CounterTracker {
 public:
  CounterTracker() = default;
  explicit CounterTracker(const CounterRule& rule);

  // Feeds one sample in time order and returns the units produced since the previous good one.
  CounterStep Update(const Value& value, Quality quality);
  // Same, for the engine's compact numeric form (bad = quality Bad or no number).
  CounterStep UpdateRaw(double value, bool bad);

  bool has_baseline() const { return has_last_; }
  uint64_t last() const { return last_; }

 private:
  uint64_t max_ = UINT32_MAX;  // largest value before the counter wraps to 0
  uint64_t max_step_ = 0;      // largest plausible rise between two good samples
  uint64_t last_ = 0;
  bool has_last_ = false;
};

}  // namespace gantry::ops
