#include "operations/counter.h"

#include <cmath>

namespace gantry::ops {

CounterTracker::CounterTracker(const CounterRule& rule) {
  max_ = rule.width_bits >= 64 ? UINT64_MAX : (uint64_t{1} << rule.width_bits) - 1;
  max_step_ = rule.max_step != 0 ? rule.max_step : max_ / 2;
}

CounterStep CounterTracker::Update(const Value& value, Quality quality) {
  std::optional<double> v = value.AsDouble();
  return UpdateRaw(v.value_or(0.0), quality.IsBad() || !v);
}

CounterStep CounterTracker::UpdateRaw(double value, bool bad) {
  if (bad || !std::isfinite(value) || value < 0) return {0, CounterEvent::kIgnoredBad};
  // Values beyond the counter's width are taken modulo the width (a signed read of a uint32).
  uint64_t v = value >= 1.8e19 ? max_ : static_cast<uint64_t>(value);
  if (max_ != UINT64_MAX) v &= max_;
  if (!has_last_) {
    has_last_ = true;
    last_ = v;
    return {0, CounterEvent::kBaseline};
  }
  const uint64_t prev = last_;
  last_ = v;
  if (v >= prev) {
    uint64_t rise = v - prev;
    if (rise > max_step_) return {0, CounterEvent::kImplausible};
    return {rise, CounterEvent::kNone};
  }
  // A drop: a wrap past the maximum if that explains it with a plausible step, else a reset.
  uint64_t wrapped = (max_ - prev) + v + 1;
  if (max_ != UINT64_MAX && wrapped <= max_step_) return {wrapped, CounterEvent::kRollover};
  // Reset: the PLC restarted from zero and has counted v units since.
  if (v > max_step_) return {0, CounterEvent::kImplausible};
  return {v, CounterEvent::kReset};
}

}  // namespace gantry::ops
