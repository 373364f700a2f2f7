#include "field/sim/schedule.h"

#include <fmt/format.h>

namespace gantry::sim {
namespace {

Duration FloorMod(Duration a, Duration m) {
  Duration r = a % m;
  return r < 0 ? r + m : r;
}

}  // namespace

const PlannedStop* LineSchedule::ActiveAt(Timestamp t) const {
  const Duration time_of_day = FloorMod(t + utc_offset, kDay);
  for (const PlannedStop& stop : stops) {
    if (FloorMod(time_of_day - stop.start_of_day, kDay) < stop.length) return &stop;
  }
  return nullptr;
}

Timestamp LineSchedule::OccurrenceStart(const PlannedStop& stop, Timestamp t) const {
  const Duration time_of_day = FloorMod(t + utc_offset, kDay);
  return t - FloorMod(time_of_day - stop.start_of_day, kDay);
}

Status LineSchedule::Validate() const {
  if (utc_offset <= -kDay || utc_offset >= kDay) {
    return InvalidArgument("simulator schedule: utc_offset must be within +-24h");
  }
  for (size_t i = 0; i < stops.size(); ++i) {
    const PlannedStop& s = stops[i];
    const std::string where = fmt::format("simulator schedule stop {} ('{}')", i, s.label);
    if (s.kind != MachineState::kBreak && s.kind != MachineState::kCleaning &&
        s.kind != MachineState::kChangeover && s.kind != MachineState::kOff) {
      return InvalidArgument(where + ": kind must be break, cleaning, changeover or off");
    }
    if (s.start_of_day < 0 || s.start_of_day >= kDay) {
      return InvalidArgument(where + ": start must be a time of day in [00:00, 24:00)");
    }
    if (s.length <= 0 || s.length >= kDay) {
      return InvalidArgument(where + ": length must be more than 0 and less than 24h");
    }
  }
  return Status::Ok();
}

LineSchedule DefaultLineSchedule() {
  LineSchedule plan;
  plan.stops = {
      {MachineState::kBreak, 2 * kHour, 30 * kMinute, "night shift break"},
      {MachineState::kCleaning, 5 * kHour, 45 * kMinute, "CIP cleaning"},
      {MachineState::kBreak, 10 * kHour, 30 * kMinute, "early shift break"},
      {MachineState::kChangeover, 13 * kHour + 30 * kMinute, 30 * kMinute, "product changeover"},
      {MachineState::kBreak, 18 * kHour, 30 * kMinute, "late shift break"},
  };
  return plan;
}

}  // namespace gantry::sim
