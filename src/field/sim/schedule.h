// The line's daily plan: shift breaks, cleaning (CIP) and product changeovers that take the whole
// line down on purpose, so the state word shows a planned stop instead of a fault. Times are of
// the plant's day: an IANA time zone (daylight saving followed) or a fixed offset from UTC.
//
//   LineSchedule plan = DefaultLineSchedule();
//   if (const PlannedStop* stop = plan.ActiveAt(now)) ... stop->kind == MachineState::kBreak ...
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "field/sim/machine_spec.h"

namespace gantry::sim {

// One planned stop that repeats every day.
struct PlannedStop {
  MachineState kind = MachineState::kBreak;  // kBreak, kCleaning, kChangeover or kOff
  Duration start_of_day = 0;                 // plant-local time of day it starts, [0, 24h)
  Duration length = 0;                       // (0, 24h); may run past midnight
  std::string label;                         // "lunch break", "CIP", ... for logs
};

class LineSchedule {
 public:
  Duration utc_offset = 0;         // plant-local time = UTC + utc_offset, when time_zone is empty
  std::string time_zone;           // IANA name ("Europe/Berlin"): local time follows its DST rules
  std::vector<PlannedStop> stops;  // should not overlap; the first match wins

  // The planned stop active at `t`, or nullptr. O(stops). Precondition: Validate() is OK.
  // Not safe for concurrent calls on one object (caches the zone's current UTC offset).
  const PlannedStop* ActiveAt(Timestamp t) const;
  // Start of the occurrence of `stop` that contains `t` (precondition: it is active at t).
  Timestamp OccurrenceStart(const PlannedStop& stop, Timestamp t) const;
  // Checks the zone, kinds, times and lengths; the error names the stop and what was expected.
  Status Validate() const;
  // UTC offset of plant-local time at `t`.
  Duration OffsetAt(Timestamp t) const;

 private:
  // The zone's offset holds over [cache_begin_, cache_end_): one lookup per DST period.
  mutable std::string cached_zone_;
  mutable const void* zone_ = nullptr;  // date::time_zone, kept out of this header
  mutable Timestamp cache_begin_ = 0;
  mutable Timestamp cache_end_ = 0;
  mutable Duration cache_offset_ = 0;
};

// Three shifts around the clock (06-14-22 local): a 30 min break in the middle of each shift,
// a 45 min CIP cleaning at 05:00 and a 30 min product changeover at 13:30. Local time = UTC.
LineSchedule DefaultLineSchedule();

}  // namespace gantry::sim
