#include "context/energy/tariff.h"

#include <gtest/gtest.h>

namespace gantry::ctx {
namespace {

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

TariffConfig Berlin() {
  TariffConfig c;
  c.site = "p";
  c.time_zone = "Europe/Berlin";
  c.currency = "EUR";
  TariffBand peak{"peak", 0.30, 0x3e, 8 * kHour, 20 * kHour, false};
  TariffBand base{"off_peak", 0.20};
  c.bands = {peak, base};
  return c;
}

TEST(Tariff, WeekdayPeakInBerlinWinterStartsAtSevenUtc) {
  TimeOfUseTariff t = TimeOfUseTariff::Create(Berlin()).value();
  std::vector<TariffPiece> p = t.Split(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].band, "off_peak");
  EXPECT_EQ(p[0].end, T("2026-01-05T07:00:00Z"));
  EXPECT_EQ(p[1].band, "peak");
  EXPECT_EQ(p[1].end, T("2026-01-05T19:00:00Z"));
  EXPECT_DOUBLE_EQ(p[1].price_per_kwh, 0.30);
  EXPECT_EQ(p[2].band, "off_peak");
}

TEST(Tariff, SummerTimeMovesThePeakAnHourEarlierInUtc) {
  TimeOfUseTariff t = TimeOfUseTariff::Create(Berlin()).value();
  std::vector<TariffPiece> p = t.Split(T("2026-07-06T00:00:00Z"), T("2026-07-07T00:00:00Z"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[1].start, T("2026-07-06T06:00:00Z"));
  EXPECT_EQ(p[1].end, T("2026-07-06T18:00:00Z"));
}

TEST(Tariff, WeekendHasNoPeak) {
  TimeOfUseTariff t = TimeOfUseTariff::Create(Berlin()).value();
  // Saturday 2026-01-10 and Sunday 2026-01-11 local.
  std::vector<TariffPiece> p = t.Split(T("2026-01-09T23:00:00Z"), T("2026-01-11T23:00:00Z"));
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].band, "off_peak");
}

TEST(Tariff, NightBandRunsPastMidnightIntoTheNextDay) {
  TariffConfig c;
  c.site = "p";
  c.time_zone = "UTC";
  c.bands = {TariffBand{"night", 0.10, 0x7f, 22 * kHour, 6 * kHour, false},
             TariffBand{"day", 0.25}};
  TimeOfUseTariff t = TimeOfUseTariff::Create(c).value();
  std::vector<TariffPiece> p = t.Split(T("2026-01-05T20:00:00Z"), T("2026-01-06T08:00:00Z"));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].band, "day");
  EXPECT_EQ(p[1].band, "night");
  EXPECT_EQ(p[1].start, T("2026-01-05T22:00:00Z"));
  EXPECT_EQ(p[1].end, T("2026-01-06T06:00:00Z"));
  EXPECT_EQ(t.LocalDayName(T("2026-01-05T23:30:00Z")), "2026-01-05");
}

TEST(Tariff, UnknownZoneAndMissingBaseBandFail) {
  TariffConfig c = Berlin();
  c.time_zone = "Mars/Olympus";
  EXPECT_FALSE(TimeOfUseTariff::Create(c).ok());
  c = Berlin();
  c.bands.pop_back();
  EXPECT_FALSE(TimeOfUseTariff::Create(c).ok());
}

}  // namespace
}  // namespace gantry::ctx
