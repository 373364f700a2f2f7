#include "operations/shift_calendar.h"

#include <gtest/gtest.h>

namespace gantry::ops {
namespace {

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

SiteCalendar Berlin() {
  SiteCalendar c;
  c.time_zone = "Europe/Berlin";
  ShiftPattern night;
  night.name = "night";
  night.start_minute = 22 * 60;
  night.end_minute = 6 * 60;
  night.duration = 8 * kHour;
  night.breaks.push_back({"break", 2 * 60, 30 * kMinute, {}});
  c.shifts.push_back(night);
  return c;
}

TEST(Shifts, NightShiftAcrossDaylightSavingEndIsNineHours) {
  ShiftCalendar cal = ShiftCalendar::Create(Berlin()).value();
  // 2026-10-25 03:00 CEST -> 02:00 CET.
  auto shifts = cal.Shifts(T("2026-10-24T21:00:00Z"), T("2026-10-25T04:00:00Z"));
  ASSERT_EQ(shifts.size(), 1u);
  EXPECT_EQ(shifts[0].start, T("2026-10-24T20:00:00Z"));  // 22:00 CEST
  EXPECT_EQ(shifts[0].end, T("2026-10-25T05:00:00Z"));    // 06:00 CET
  EXPECT_EQ(shifts[0].end - shifts[0].start, 9 * kHour);
  EXPECT_EQ(shifts[0].Id(), "2026-10-24/night");
}

TEST(Shifts, NightShiftAcrossDaylightSavingStartIsSevenHours) {
  ShiftCalendar cal = ShiftCalendar::Create(Berlin()).value();
  // 2026-03-29 02:00 CET -> 03:00 CEST.
  auto shifts = cal.Shifts(T("2026-03-28T22:00:00Z"), T("2026-03-29T03:00:00Z"));
  ASSERT_EQ(shifts.size(), 1u);
  EXPECT_EQ(shifts[0].end - shifts[0].start, 7 * kHour);
}

TEST(Shifts, BreakAfterMidnightBelongsToTheNightShift) {
  ShiftCalendar cal = ShiftCalendar::Create(Berlin()).value();
  auto w = cal.PlannedWindows(T("2026-06-10T20:00:00Z"), T("2026-06-11T04:00:00Z"));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].start, T("2026-06-11T00:00:00Z"));  // 02:00 CEST
  EXPECT_EQ(w[0].end - w[0].start, 30 * kMinute);
}

TEST(Shifts, WeekdaysLimitWhichDaysAShiftStarts) {
  SiteCalendar c;
  c.time_zone = "UTC";
  ShiftPattern day{"day", 6 * 60, 8 * kHour, -1, {1, 2, 3, 4, 5}, {}};
  c.shifts.push_back(day);
  ShiftCalendar cal = ShiftCalendar::Create(c).value();
  // 2026-11-16 is a Monday; the week has five shifts.
  EXPECT_EQ(cal.Shifts(T("2026-11-16T00:00:00Z"), T("2026-11-23T00:00:00Z")).size(), 5u);
}

TEST(Shifts, LocalDayIsTwentyFiveHoursOnAutumnChange) {
  ShiftCalendar cal = ShiftCalendar::Create(Berlin()).value();
  auto d = cal.DayOf(T("2026-10-25T12:00:00Z"));
  EXPECT_EQ(d.name, "2026-10-25");
  EXPECT_EQ(d.end - d.start, 25 * kHour);
}

TEST(Shifts, UnknownTimeZoneIsAnError) {
  SiteCalendar c;
  c.time_zone = "Mars/Olympus";
  EXPECT_FALSE(ShiftCalendar::Create(c).ok());
}

}  // namespace
}  // namespace gantry::ops
