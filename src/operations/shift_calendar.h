// A site's shift calendar in its own time zone: the shift instances and planned-downtime windows
// (breaks, cleaning, maintenance) that overlap a UTC range. Shift and break times are local wall
// clock, so a 22:00-06:00 night shift lasts 9 h across the autumn DST change and 7 h in spring.
//
//   GANTRY_ASSIGN_OR_RETURN(ShiftCalendar cal, ShiftCalendar::Create(config.calendars["plant1"]));
//   for (const ShiftInstance& s : cal.Shifts(from, to)) ...
#pragma once

#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "operations/operations_config.h"

namespace date {
class time_zone;
}

namespace gantry::ops {

struct ShiftInstance {
  std::string name;        // the pattern's name, "A"
  std::string local_date;  // local date the shift starts on, "2026-10-24"
  Timestamp start = 0;     // UTC
  Timestamp end = 0;       // UTC, exclusive
  std::string Id() const { return local_date + "/" + name; }  // "2026-10-24/night"
};

struct PlannedInterval {
  std::string reason;  // planned reason id ("break", "cleaning")
  Timestamp start = 0;
  Timestamp end = 0;
};

// Immutable after Create; thread-safe for concurrent reads.
class ShiftCalendar {
 public:
  // Fails when the time zone is unknown.
  static Result<ShiftCalendar> Create(const SiteCalendar& config);

  // Shift instances overlapping [from, to), sorted by start, not clipped to the range. Where two
  // patterns overlap, the later-starting shift begins when the earlier one ends.
  std::vector<ShiftInstance> Shifts(Timestamp from, Timestamp to) const;
  // Planned windows (shift breaks, calendar windows, dated windows) overlapping [from, to), sorted
  // by start; overlapping windows are kept as given (the engine takes the first that covers).
  std::vector<PlannedInterval> PlannedWindows(Timestamp from, Timestamp to) const;
  // True when the calendar has no shifts: every instant is planned operation time.
  bool AlwaysScheduled() const { return config_.always_scheduled; }

  // The local calendar day containing t: its UTC start and end and its name "YYYY-MM-DD".
  struct LocalDay {
    std::string name;
    Timestamp start = 0;
    Timestamp end = 0;
  };
  LocalDay DayOf(Timestamp t) const;
  // The local clock hour containing t, named by its UTC start (unique across DST changes).
  LocalDay HourOf(Timestamp t) const;

 private:
  ShiftCalendar(SiteCalendar config, const date::time_zone* zone)
      : config_(std::move(config)), zone_(zone) {}
  // UTC instant of local midnight of local day number `day` (days since 1970-01-01) + offset.
  Timestamp LocalToUtc(int64_t day, Duration since_midnight) const;
  int64_t LocalDayNumber(Timestamp t) const;

  SiteCalendar config_;
  const date::time_zone* zone_;  // owned by the tz database, lives for the process
};

}  // namespace gantry::ops
