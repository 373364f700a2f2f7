#include "operations/shift_calendar.h"

#include <algorithm>
#include <chrono>

#include <date/tz.h>

namespace gantry::ops {
namespace {

using NanoSys = date::sys_time<std::chrono::nanoseconds>;
using NanoLocal = date::local_time<std::chrono::nanoseconds>;

bool OnDay(const std::vector<int>& weekdays, int64_t day) {
  if (weekdays.empty()) return true;
  int wd = static_cast<int>(date::weekday(date::sys_days(date::days(day))).c_encoding());
  return std::find(weekdays.begin(), weekdays.end(), wd) != weekdays.end();
}

std::string DayName(int64_t day) {
  return date::format("%F", date::sys_days(date::days(day)));
}

}  // namespace

Result<ShiftCalendar> ShiftCalendar::Create(const SiteCalendar& config) {
  try {
    const date::time_zone* zone = date::locate_zone(config.time_zone);
    return ShiftCalendar(config, zone);
  } catch (const std::exception& e) {
    return InvalidArgument("unknown time zone '" + config.time_zone + "': " + e.what());
  }
}

Timestamp ShiftCalendar::LocalToUtc(int64_t day, Duration since_midnight) const {
  NanoLocal local{std::chrono::nanoseconds(day * kDay + since_midnight)};
  // A local time skipped by the spring change maps to the change itself; a repeated one (autumn)
  // to its first occurrence.
  NanoSys sys = zone_->to_sys(local, date::choose::earliest);
  return sys.time_since_epoch().count();
}

int64_t ShiftCalendar::LocalDayNumber(Timestamp t) const {
  NanoLocal local = zone_->to_local(NanoSys{std::chrono::nanoseconds(t)});
  return date::floor<date::days>(local).time_since_epoch().count();
}

std::vector<ShiftInstance> ShiftCalendar::Shifts(Timestamp from, Timestamp to) const {
  std::vector<ShiftInstance> out;
  if (from >= to) return out;
  // A shift may start up to a day before `from` and still overlap.
  const int64_t first = LocalDayNumber(from) - 2;
  const int64_t last = LocalDayNumber(to) + 1;
  for (int64_t day = first; day <= last; ++day) {
    for (const ShiftPattern& p : config_.shifts) {
      if (!OnDay(p.weekdays, day)) continue;
      const Duration start_local = p.start_minute * kMinute;
      ShiftInstance s{p.name, DayName(day), LocalToUtc(day, start_local),
                      LocalToUtc(day, start_local + p.duration)};
      if (s.end > from && s.start < to && s.end > s.start) out.push_back(std::move(s));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const ShiftInstance& a, const ShiftInstance& b) {
    return a.start < b.start;
  });
  for (size_t i = 1; i < out.size(); ++i) out[i].start = std::max(out[i].start, out[i - 1].end);
  std::erase_if(out, [](const ShiftInstance& s) { return s.end <= s.start; });
  return out;
}

std::vector<PlannedInterval> ShiftCalendar::PlannedWindows(Timestamp from, Timestamp to) const {
  std::vector<PlannedInterval> out;
  if (from >= to) return out;
  const int64_t first = LocalDayNumber(from) - 2;
  const int64_t last = LocalDayNumber(to) + 1;
  auto add = [&](const std::string& reason, int64_t day, Duration start_local, Duration duration) {
    PlannedInterval w{reason, LocalToUtc(day, start_local),
                      LocalToUtc(day, start_local + duration)};
    if (w.end > from && w.start < to && w.end > w.start) out.push_back(std::move(w));
  };
  for (int64_t day = first; day <= last; ++day) {
    for (const ShiftPattern& p : config_.shifts) {
      if (!OnDay(p.weekdays, day)) continue;
      for (const PlannedWindow& b : p.breaks) {
        // A break earlier in the day than the shift start belongs to the shift's second day.
        int64_t break_day = b.start_minute < p.start_minute ? day + 1 : day;
        if (!b.weekdays.empty() && !OnDay(b.weekdays, break_day)) continue;
        add(b.reason, break_day, b.start_minute * kMinute, b.duration);
      }
    }
    for (const PlannedWindow& w : config_.windows)
      if (OnDay(w.weekdays, day)) add(w.reason, day, w.start_minute * kMinute, w.duration);
  }
  for (const SiteCalendar::Dated& d : config_.dated)
    if (d.end > from && d.start < to) out.push_back({d.reason, d.start, d.end});
  std::stable_sort(out.begin(), out.end(), [](const PlannedInterval& a, const PlannedInterval& b) {
    return a.start < b.start;
  });
  return out;
}

ShiftCalendar::LocalDay ShiftCalendar::DayOf(Timestamp t) const {
  int64_t day = LocalDayNumber(t);
  return {DayName(day), LocalToUtc(day, 0), LocalToUtc(day + 1, 0)};
}

ShiftCalendar::LocalDay ShiftCalendar::HourOf(Timestamp t) const {
  NanoLocal local = zone_->to_local(NanoSys{std::chrono::nanoseconds(t)});
  auto hour = date::floor<std::chrono::hours>(local);
  // UTC start of this local hour: the instant minus its offset from the hour start.
  Timestamp start = t - (local - hour).count();
  Timestamp end = start + kHour;
  return {FormatIso8601(start), start, end};
}

}  // namespace gantry::ops
