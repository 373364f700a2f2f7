#include "field/sim/schedule.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>

namespace gantry::sim {
namespace {

Duration FloorMod(Duration a, Duration m) {
  Duration r = a % m;
  return r < 0 ? r + m : r;
}

}  // namespace

Duration LineSchedule::OffsetAt(Timestamp t) const {
  if (time_zone.empty()) return utc_offset;
  if (zone_ == nullptr || cached_zone_ != time_zone) {
    try {
      zone_ = date::locate_zone(time_zone);
    } catch (const std::exception&) {
      return utc_offset;  // Validate() reports it; stay usable meanwhile
    }
    cached_zone_ = time_zone;
    cache_end_ = cache_begin_;  // empty: force a lookup
  }
  if (t < cache_begin_ || t >= cache_end_) {
    using SysNs = date::sys_time<std::chrono::nanoseconds>;
    const auto* zone = static_cast<const date::time_zone*>(zone_);
    const date::sys_info info = zone->get_info(SysNs{std::chrono::nanoseconds(t)});
    auto to_ns = [](date::sys_seconds s) {
      const int64_t sec = s.time_since_epoch().count();
      // The first and last periods of the database reach far beyond int64 nanoseconds.
      if (sec <= INT64_MIN / kSecond) return INT64_MIN;
      if (sec >= INT64_MAX / kSecond) return INT64_MAX;
      return sec * kSecond;
    };
    cache_begin_ = to_ns(info.begin);
    cache_end_ = to_ns(info.end);
    cache_offset_ = static_cast<Duration>(info.offset.count()) * kSecond;
  }
  return cache_offset_;
}

const PlannedStop* LineSchedule::ActiveAt(Timestamp t) const {
  const Duration time_of_day = FloorMod(t + OffsetAt(t), kDay);
  for (const PlannedStop& stop : stops) {
    if (FloorMod(time_of_day - stop.start_of_day, kDay) < stop.length) return &stop;
  }
  return nullptr;
}

Timestamp LineSchedule::OccurrenceStart(const PlannedStop& stop, Timestamp t) const {
  const Duration time_of_day = FloorMod(t + OffsetAt(t), kDay);
  return t - FloorMod(time_of_day - stop.start_of_day, kDay);
}

Status LineSchedule::Validate() const {
  if (!time_zone.empty()) {
    try {
      (void)date::locate_zone(time_zone);
    } catch (const std::exception&) {
      return InvalidArgument("simulator schedule: unknown time zone '" + time_zone +
                             "'; expected an IANA name such as Europe/Berlin");
    }
  }
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
