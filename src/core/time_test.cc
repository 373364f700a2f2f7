#include "core/time.h"

#include <gtest/gtest.h>

namespace gantry {
namespace {

constexpr Timestamp kNov22 = 1795305600LL * kSecond;  // 2026-11-22T00:00:00Z

TEST(Timestamps, Iso8601RoundTripsToTheMillisecond) {
  Timestamp t = kNov22 + 6 * kHour + 123 * kMillisecond;
  EXPECT_EQ(FormatIso8601(t), "2026-11-22T06:00:00.123Z");
  EXPECT_EQ(*ParseTimestamp("2026-11-22T06:00:00.123Z"), t);
}

TEST(Timestamps, OffsetsAreConvertedToUtc) {
  // 07:00 in Berlin winter time (+01:00) is 06:00 UTC.
  EXPECT_EQ(*ParseTimestamp("2026-11-22T07:00:00+01:00"), kNov22 + 6 * kHour);
  EXPECT_EQ(*ParseTimestamp("2026-11-22T01:00:00-05:00"), kNov22 + 6 * kHour);
}

TEST(Timestamps, DateAloneIsMidnightUtc) {
  EXPECT_EQ(*ParseTimestamp("2026-11-22"), kNov22);
}

TEST(Timestamps, EpochSecondsMillisecondsAndNanosecondsByMagnitude) {
  EXPECT_EQ(*ParseTimestamp("1795305600"), kNov22);
  EXPECT_EQ(*ParseTimestamp("1795305600.5"), kNov22 + 500 * kMillisecond);
  EXPECT_EQ(*ParseTimestamp("1795305600000"), kNov22);
  EXPECT_EQ(*ParseTimestamp("1795305600000000000"), kNov22);
}

TEST(Timestamps, NanosecondPrecisionIsPrintedWhenPresent) {
  EXPECT_EQ(FormatIso8601(kNov22 + 1), "2026-11-22T00:00:00.000000001Z");
}

TEST(Timestamps, GarbageIsRejectedWithTheAcceptedForms) {
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-11-22T25:00:00Z",
                          "2026-11-22T06:00:00X", "12ab"}) {
    Result<Timestamp> r = ParseTimestamp(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("expected ISO 8601"), std::string::npos);
  }
}

TEST(Durations, UnitsAndCombinations) {
  EXPECT_EQ(*ParseDuration("250ms"), 250 * kMillisecond);
  EXPECT_EQ(*ParseDuration("5s"), 5 * kSecond);
  EXPECT_EQ(*ParseDuration("1h30m"), 90 * kMinute);
  EXPECT_EQ(*ParseDuration("2d"), 2 * kDay);
  EXPECT_EQ(*ParseDuration("30"), 30 * kSecond);
  EXPECT_FALSE(ParseDuration("5 parsecs").ok());
  EXPECT_FALSE(ParseDuration("").ok());
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(kNov22);
  EXPECT_EQ(clock.Now(), kNov22);
  clock.Advance(8 * kHour);
  EXPECT_EQ(clock.Now(), kNov22 + 8 * kHour);
}

}  // namespace
}  // namespace gantry
