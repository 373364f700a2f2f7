// Material consumed measured from consumption counters: configuration, the register arithmetic
// shared with energy meters, and the cut to the order's own intervals (hand-worked below).
#include "context/energy/consumption.h"

#include <gtest/gtest.h>

#include "core/config_node.h"

namespace gantry::ctx {
namespace {

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

constexpr std::string_view kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    areas:
      - name: a
        lines:
          - name: l
            work_centres: [blower, filler]
)";

struct Parsed {
  EnergyCostConfig config;
  Status status;
};

Parsed Parse(std::string_view costs_yaml) {
  std::string text = std::string(kPlant) + std::string(costs_yaml);
  Result<ConfigDocument> doc = ConfigDocument::Parse(text, "plant.yaml");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  ops::OperationsConfig ops = ops::ParseOperationsConfig(doc->Root());
  static const TagConfig kPreforms = [] {
    TagConfig t;
    t.path = "acme/p/a/l/blower/preforms_used";
    t.unit = "pc";
    return t;
  }();
  EnergyParseContext pc{&ops, [](std::string_view p) -> const TagConfig* {
                          return p == kPreforms.path ? &kPreforms : nullptr;
                        }};
  Parsed out;
  out.config = ParseEnergyCostConfig(doc->Root(), pc);
  out.status = doc->Finish();
  return out;
}

TEST(ConsumptionConfig, CounterPerWorkCentreAndMaterialWithTheMetersRegisterKeys) {
  Parsed p = Parse(R"(costs:
  consumption:
    - {work_centre: blower, material: PREFORM-28, tag: preforms_used, width: 16}
)");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  ASSERT_EQ(p.config.consumption.size(), 1u);
  const ConsumptionCounter& c = p.config.consumption[0];
  EXPECT_EQ(c.work_centre, "acme/p/a/l/blower");
  EXPECT_EQ(c.material, "PREFORM-28");
  EXPECT_EQ(c.unit, "pc");  // the tag's unit
  EXPECT_EQ(c.register_.tag, "acme/p/a/l/blower/preforms_used");
  EXPECT_EQ(c.register_.width_bits, 16);
  EXPECT_DOUBLE_EQ(c.register_.kwh_per_count, 1.0);  // one preform per count
  EXPECT_FALSE(p.config.empty());
}

TEST(ConsumptionConfig, UnknownTagAndASecondCounterForTheSameMaterialAreErrors) {
  Parsed p = Parse(R"(costs:
  consumption:
    - {work_centre: blower, material: PREFORM-28, tag: preforms_used}
    - {work_centre: blower, material: PREFORM-28, tag: preforms_used}
    - {work_centre: filler, material: CAP, tag: caps_used}
)");
  ASSERT_FALSE(p.status.ok());
  EXPECT_NE(p.status.ToString().find("plant.yaml:13"), std::string::npos) << p.status.ToString();
  EXPECT_NE(p.status.ToString().find("has a counter for 'PREFORM-28' already"), std::string::npos)
      << p.status.ToString();
  EXPECT_NE(p.status.ToString().find("acme/p/a/l/filler/caps_used"), std::string::npos)
      << p.status.ToString();
}

ops::Segment Interval(const char* from, const char* to, const char* order) {
  ops::Segment s;
  s.work_centre = "acme/p/a/l/blower";
  s.start = T(from);
  s.end = T(to);
  s.order = order;
  return s;
}

// Hand-worked: a 16-bit preform counter on the blower, 1 preform per count.
//   readings 06:00 65400 | 06:20 65510 | 06:40 65510 | 07:00 174 (rollover: 25 + 174 + 1 = 200)
//            | 07:10 198
//   order 4711 ran 06:00-06:30 and 06:50-07:00; order 4712 ran 06:30-06:50 in between.
//   4711: 06:00-06:20 all 110; 06:20-06:30 of a 0 stretch; 06:50-07:00 = 10/20 of 200 = 100
//         -> 210 preforms.  4712: 06:40-06:50 = 10/20 of 200 = 100 -> 100 preforms.
TEST(ConsumptionCounters, OrderGetsTheCountersIncrementsInsideItsOwnIntervalsAcrossARollover) {
  Parsed p = Parse(R"(costs:
  consumption:
    - {work_centre: blower, material: PREFORM-28, tag: preforms_used, width: 16}
)");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  CostSources sources;
  sources.intervals = [](const std::string&, Timestamp, Timestamp) {
    return Result<std::vector<ops::Segment>>(std::vector<ops::Segment>{
        Interval("2026-01-05T06:00:00Z", "2026-01-05T06:30:00Z", "4711"),
        Interval("2026-01-05T06:30:00Z", "2026-01-05T06:50:00Z", "4712"),
        Interval("2026-01-05T06:50:00Z", "2026-01-05T07:00:00Z", "4711")});
  };
  std::vector<MeterReading> readings = {{T("2026-01-05T06:00:00Z"), 65400, false},
                                        {T("2026-01-05T06:20:00Z"), 65510, false},
                                        {T("2026-01-05T06:40:00Z"), 65510, false},
                                        {T("2026-01-05T07:00:00Z"), 174, false},
                                        {T("2026-01-05T07:10:00Z"), 198, false}};
  sources.readings = [&readings](const std::string&, Timestamp, Timestamp) {
    return Result<std::vector<MeterReading>>(readings);
  };
  const Timestamp from = T("2026-01-05T06:00:00Z");
  const Timestamp to = T("2026-01-05T07:00:00Z");
  Result<MeasuredConsumption> a =
      MeasureOrderConsumption(p.config.consumption, "4711", from, to, sources);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->lines.size(), 1u);
  EXPECT_EQ(a->lines[0].material, "PREFORM-28");
  EXPECT_EQ(a->lines[0].unit, "pc");
  EXPECT_NEAR(a->lines[0].quantity, 210, 1e-9);
  EXPECT_TRUE(a->readings_complete);
  ASSERT_EQ(a->notes.size(), 1u);
  EXPECT_NE(a->notes[0].find("1 rollovers"), std::string::npos) << a->notes[0];
  Result<MeasuredConsumption> b =
      MeasureOrderConsumption(p.config.consumption, "4712", from, to, sources);
  ASSERT_TRUE(b.ok());
  EXPECT_NEAR(b->lines[0].quantity, 100, 1e-9);
  // An order that did not run there gets no line; without the 07:00 reading the end is unknown.
  EXPECT_TRUE(
      MeasureOrderConsumption(p.config.consumption, "4713", from, to, sources)->lines.empty());
  readings.resize(3);
  EXPECT_FALSE(
      MeasureOrderConsumption(p.config.consumption, "4711", from, to, sources)->readings_complete);
}

}  // namespace
}  // namespace gantry::ctx
