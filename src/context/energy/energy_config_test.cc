#include "context/energy/energy_config.h"
#include "context/energy/energy_meter.h"

#include <gtest/gtest.h>

namespace gantry::ctx {
namespace {

constexpr std::string_view kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: Europe/Berlin
    areas:
      - name: a
        lines:
          - name: l
            work_centres: [filler, capper]
)";

struct Parsed {
  EnergyCostConfig config;
  Status status;
};

Parsed Parse(std::string_view energy_yaml) {
  std::string text = std::string(kPlant) + std::string(energy_yaml);
  Result<ConfigDocument> doc = ConfigDocument::Parse(text, "plant.yaml");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  ops::OperationsConfig ops = ops::ParseOperationsConfig(doc->Root());
  static const TagConfig kMeter = [] {
    TagConfig t;
    t.path = "acme/p/a/l/filler/energy_kwh";
    t.unit = "kWh";
    t.scaling.gain = 0.001;
    return t;
  }();
  static const TagConfig kTemp = [] {
    TagConfig t;
    t.path = "acme/p/a/l/filler/temperature";
    t.unit = "degC";
    return t;
  }();
  EnergyParseContext pc{&ops, [](std::string_view p) -> const TagConfig* {
                          if (p == kMeter.path) return &kMeter;
                          if (p == kTemp.path) return &kTemp;
                          return nullptr;
                        }};
  Parsed out;
  out.config = ParseEnergyCostConfig(doc->Root(), pc);
  out.status = doc->Finish();
  return out;
}

TEST(EnergyConfig, ScaledWhRegisterGivesKwhPerCountFromTheTagsGain) {
  Parsed p = Parse(R"(energy:
  meters: [{work_centre: filler, tag: energy_kwh, width: 32}]
  tariffs:
    - {site: p, currency: EUR, bands: [{name: peak, price: 0.3, days: weekdays, start: "08:00", end: "20:00"}, {name: off, price: 0.2}]}
)");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  const EnergyMeter& m = p.config.meters.at("acme/p/a/l/filler");
  EXPECT_EQ(m.tag, "acme/p/a/l/filler/energy_kwh");
  EXPECT_DOUBLE_EQ(m.kwh_per_count, 0.001);
  EXPECT_EQ(p.config.currency, "EUR");
  const TariffConfig& t = p.config.tariffs.at("p");
  EXPECT_EQ(t.time_zone, "Europe/Berlin");
  ASSERT_EQ(t.bands.size(), 2u);
  EXPECT_EQ(t.bands[0].weekdays, 0x3e);
  EXPECT_EQ(t.bands[0].start, 8 * kHour);
}

TEST(EnergyConfig, FloatRegisterInKwhNeedsItsResolutionToKeepFractions) {
  Parsed p = Parse(R"(energy:
  meters: [{work_centre: capper, tag: acme/p/a/l/filler/energy_kwh, resolution: 0.0001, unit: MWh}]
)");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  const EnergyMeter& m = p.config.meters.at("acme/p/a/l/capper");
  EXPECT_DOUBLE_EQ(m.gain, 0.0001);
  EXPECT_DOUBLE_EQ(m.kwh_per_count, 0.1);  // 0.0001 MWh
  MeterDeltas d = ComputeMeterDeltas(m, {{0, 1.2345, false}, {kSecond, 1.2350, false}});
  ASSERT_EQ(d.deltas.size(), 1u);
  EXPECT_NEAR(d.deltas[0].kwh, 0.5, 1e-9);
}

TEST(EnergyConfig, UnknownMeterTagIsRejectedWithFileLineAndKey) {
  Parsed p = Parse(R"(energy:
  meters: [{work_centre: filler, tag: power_meter}]
)");
  ASSERT_FALSE(p.status.ok());
  EXPECT_NE(p.status.message().find("plant.yaml:11:"), std::string::npos) << p.status.message();
  EXPECT_NE(p.status.message().find("energy.meters[0].tag"), std::string::npos)
      << p.status.message();
  EXPECT_NE(p.status.message().find("acme/p/a/l/filler/power_meter"), std::string::npos);
}

TEST(EnergyConfig, MeterOnATemperatureTagIsRejectedNamingTheUnit) {
  Parsed p = Parse(R"(energy:
  meters: [{work_centre: filler, tag: temperature}]
)");
  ASSERT_FALSE(p.status.ok());
  EXPECT_NE(p.status.message().find("'degC'; expected Wh, kWh or MWh"), std::string::npos)
      << p.status.message();
}

TEST(EnergyConfig, TariffWithoutABasePriceAndUnknownWorkCentreAreErrors) {
  Parsed p = Parse(R"(energy:
  tariffs:
    - {site: p, currency: EUR, bands: [{name: peak, price: 0.3, start: "08:00", end: "25:00"}]}
costs:
  currency: USD
  work_centres: [{work_centre: labeller, machine_rate: 10}]
  products: [{id: P1, bom: [{material: glass, quantity: 1}]}]
)");
  ASSERT_FALSE(p.status.ok());
  const std::string& m = p.status.message();
  EXPECT_NE(m.find("energy.tariffs[0].bands: expected a band without days"), std::string::npos)
      << m;
  EXPECT_NE(m.find("bands[0].end: expected a local time"), std::string::npos) << m;
  EXPECT_NE(m.find("costs.work_centres[0].work_centre: expected a work centre"), std::string::npos)
      << m;
  EXPECT_NE(m.find("expected a material declared under costs.materials"), std::string::npos) << m;
  EXPECT_NE(m.find("expected one currency for the plant"), std::string::npos) << m;
}

TEST(EnergyConfig, UnknownKeysGetADidYouMeanHint) {
  Parsed p = Parse(R"(energy:
  meter: []
)");
  ASSERT_FALSE(p.status.ok());
  EXPECT_NE(p.status.message().find("meter"), std::string::npos) << p.status.message();
}

TEST(EnergyConfig, AbsentSectionsGiveAnEmptyConfiguration) {
  Parsed p = Parse("");
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_TRUE(p.config.empty());
}

}  // namespace
}  // namespace gantry::ctx
