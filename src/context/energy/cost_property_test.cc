// Properties that hold for any meter readings and intervals: the energy of all categories (plus
// the unallocated part) is the meter's delta, and grouped rows add up to the total.
#include <gtest/gtest.h>

#include <random>

#include "context/energy/cost_calculator.h"
#include "context/energy/energy_scenario.h"

namespace gantry::ctx {
namespace {

constexpr const char* kWc = "acme/p/a/l/m";

ops::OperationsConfig Plant() {
  ops::OperationsConfig ops;
  ops.enterprise = "acme";
  ops.calendars["p"].time_zone = "Europe/Berlin";
  ops::LineConfig line;
  line.path = "acme/p/a/l";
  line.site = "p";
  line.area = "a";
  line.name = "l";
  line.work_centres = {kWc};
  ops.lines.push_back(line);
  return ops;
}

EnergyCostConfig Costs(int width) {
  EnergyCostConfig c;
  c.currency = "EUR";
  EnergyMeter m;
  m.work_centre = kWc;
  m.tag = std::string(kWc) + "/energy";
  m.width_bits = width;
  m.kwh_per_count = 0.001;  // a Wh register read raw
  c.meters[kWc] = m;
  TariffConfig t;
  t.site = "p";
  t.time_zone = "Europe/Berlin";
  t.currency = "EUR";
  t.bands = {TariffBand{"peak", 0.3, 0x3e, 8 * kHour, 20 * kHour, false}, TariffBand{"off", 0.2}};
  c.tariffs["p"] = t;
  return c;
}

TEST(CostProperty, EnergyOfAllCategoriesIsTheMetersDeltaForRandomReadingsAndIntervals) {
  std::mt19937_64 rng(20261122);
  const Timestamp t0 = ParseTimestamp("2026-03-28T00:00:00Z").value();  // spans the spring change
  for (int round = 0; round < 200; ++round) {
    const int width = round % 2 ? 16 : 32;
    const uint64_t range = width == 16 ? 65536 : (uint64_t{1} << 32);
    CostCalculator calc = CostCalculator::Create(Costs(width), Plant()).value();
    // Readings every 1..900 s, rising 0..2000 Wh, wrapping at the register's width.
    std::vector<MeterReading> readings;
    Timestamp t = t0;
    const uint64_t first_raw = range - 1 - rng() % 5000;
    uint64_t raw = first_raw, delta = 0;
    for (int i = 0; i < 300; ++i) {
      readings.push_back({t, static_cast<double>(raw % range), false});
      Timestamp step = (1 + static_cast<Timestamp>(rng() % 900)) * kSecond;
      uint64_t rise = rng() % 2000;
      t += step;
      raw += rise;
      if (i < 299) delta += rise;
    }
    const Timestamp end = readings.back().time;
    const uint64_t last_raw = first_raw + delta;  // the register before its last wrap-around
    const uint64_t wraps = last_raw / range - first_raw / range;
    // Contiguous intervals of random categories and lengths, with holes (unallocated time).
    std::vector<ops::Segment> segs;
    for (Timestamp s = t0; s < end;) {
      ops::Segment seg;
      seg.work_centre = kWc;
      seg.start = s;
      seg.end = std::min(end, s + (1 + static_cast<Timestamp>(rng() % 3600)) * kSecond);
      seg.category = static_cast<ops::StateCategory>(rng() % ops::kStateCategoryCount);
      seg.order = rng() % 2 ? "o1" : "o2";
      if (rng() % 5 != 0) segs.push_back(seg);
      s = seg.end;
    }
    CostSources sources;
    sources.intervals = [&](const std::string&, Timestamp from,
                            Timestamp to) -> Result<std::vector<ops::Segment>> {
      std::vector<ops::Segment> out;
      for (ops::Segment s : segs) {
        s.start = std::max(s.start, from);
        s.end = std::min(s.end, to);
        if (s.start < s.end) out.push_back(s);
      }
      return out;
    };
    sources.readings = [&](const std::string&, Timestamp from,
                           Timestamp to) -> Result<std::vector<MeterReading>> {
      return ReadingsAround(readings, from, to);
    };
    CostReport r = calc.Compute("acme", t0, end, CostGrouping::kOrder, sources).value();
    const double expected_kwh = static_cast<double>(delta) * 0.001;
    ASSERT_NEAR(r.total.EnergyKwh(), expected_kwh, 1e-6 * std::max(1.0, expected_kwh));
    double by_band = 0, by_group = 0;
    for (const auto& [band, kwh] : r.total.kwh_by_band) by_band += kwh;
    for (const auto& [key, g] : r.groups) by_group += g.EnergyKwh();
    EXPECT_NEAR(by_band, expected_kwh, 1e-6 * std::max(1.0, expected_kwh));
    EXPECT_NEAR(by_group, expected_kwh, 1e-6 * std::max(1.0, expected_kwh));
    EXPECT_EQ(r.meters.at(0).rollovers, wraps);
    EXPECT_GE(wraps, 1u);
    // A sub-range gets exactly the overlap-weighted share: splitting at any instant adds up.
    const Timestamp mid = t0 + static_cast<Timestamp>(rng() % static_cast<uint64_t>(end - t0));
    if (mid <= t0) continue;
    CostReport a = calc.Compute("acme", t0, mid, CostGrouping::kTotal, sources).value();
    CostReport b = calc.Compute("acme", mid, end, CostGrouping::kTotal, sources).value();
    EXPECT_NEAR(a.total.EnergyKwh() + b.total.EnergyKwh(), expected_kwh,
                1e-6 * std::max(1.0, expected_kwh));
    EXPECT_NEAR(a.total.energy_cost + b.total.energy_cost, r.total.energy_cost, 1e-6);
  }
}

}  // namespace
}  // namespace gantry::ctx
