// Material cost from the ERP where the configuration has none: an order's bill of materials and
// cost prices as the ERP gave them price a product without a bill under costs.products, and a
// standard cost under costs.materials still wins over the ERP's price (hand-worked below).
#include <gtest/gtest.h>

#include <algorithm>

#include "context/energy/cost_calculator.h"

namespace gantry::ctx {
namespace {

constexpr const char* kWc = "acme/p/a/l/m";

ops::OperationsConfig Plant() {
  ops::OperationsConfig ops;
  ops.enterprise = "acme";
  ops.calendars["p"].time_zone = "UTC";
  ops::LineConfig line;
  line.path = "acme/p/a/l";
  line.site = "p";
  line.area = "a";
  line.name = "l";
  line.work_centres = {kWc};
  ops.lines.push_back(line);
  return ops;
}

ops::Segment Producing(Timestamp from, Timestamp to, const char* order, const char* product,
                       uint64_t good, uint64_t scrap) {
  ops::Segment s;
  s.work_centre = kWc;
  s.start = from;
  s.end = to;
  s.category = ops::StateCategory::kProducing;
  s.order = order;
  s.product = product;
  s.good = good;
  s.scrap = scrap;
  return s;
}

// Order tryton:12 makes FG-WIDGET (no bill under costs.products): 95 good + 5 scrap = 100 made.
// Its ERP bill per unit: 0.5 kg RM-STEEL (Tryton 3.20/kg, but costs.materials says 3.00: the
// configuration wins), 1 CAP (Tryton 0.02, not configured), 2 LABEL (no price anywhere).
// Per unit 0.5 x 3.00 + 1 x 0.02 + 2 x 0 = 1.52; x 100 made = 152.00. Order rest:1 makes P-17,
// which has a configured bill (1 RM-STEEL at 3.00): 10 made = 30.00; its ERP bill is ignored.
TEST(ErpMaterialCost, OrderBillFromTheErpPricesAProductWithoutAConfiguredBill) {
  EnergyCostConfig c;
  c.currency = "EUR";
  c.materials["RM-STEEL"] = {"RM-STEEL", "kg", 3.00};
  c.products["P-17"] = {"P-17", {{"RM-STEEL", 1.0}}};
  CostCalculator calc = CostCalculator::Create(c, Plant()).value();
  const Timestamp t0 = ParseTimestamp("2026-01-05T06:00:00Z").value();
  CostSources sources;
  sources.intervals = [&](const std::string&, Timestamp, Timestamp) {
    return Result<std::vector<ops::Segment>>(
        std::vector<ops::Segment>{Producing(t0, t0 + kHour, "tryton:12", "FG-WIDGET", 95, 5),
                                  Producing(t0 + kHour, t0 + 2 * kHour, "rest:1", "P-17", 10, 0)});
  };
  sources.readings = [](const std::string&, Timestamp, Timestamp) {
    return Result<std::vector<MeterReading>>(std::vector<MeterReading>{});
  };
  sources.order_materials = [](const std::string& order) {
    std::vector<OrderMaterial> bom;
    if (order == "tryton:12")
      bom = {{"RM-STEEL", 0.5, 3.20}, {"CAP", 1.0, 0.02}, {"LABEL", 2.0, std::nullopt}};
    if (order == "rest:1") bom = {{"RM-STEEL", 1.0, 9.99}};
    return bom;
  };
  Result<OrderEnergyCost> erp = calc.ForOrder("tryton:12", t0, t0 + 2 * kHour, sources);
  ASSERT_TRUE(erp.ok()) << erp.status().ToString();
  EXPECT_NEAR(erp->material_cost, 152.0, 1e-9);
  const auto has = [&](const std::string& text) {
    return std::any_of(erp->notes.begin(), erp->notes.end(),
                       [&](const std::string& n) { return n.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("material LABEL of order tryton:12 has no standard cost")) << erp->notes.size();
  EXPECT_TRUE(has("order tryton:12: material cost from its ERP bill of materials"));
  Result<OrderEnergyCost> configured = calc.ForOrder("rest:1", t0, t0 + 2 * kHour, sources);
  ASSERT_TRUE(configured.ok());
  EXPECT_NEAR(configured->material_cost, 30.0, 1e-9);
  // Without the ERP's bills the widget's material cost is 0 and the note says why.
  sources.order_materials = nullptr;
  EXPECT_NEAR(calc.ForOrder("tryton:12", t0, t0 + 2 * kHour, sources)->material_cost, 0.0, 1e-12);
}

}  // namespace
}  // namespace gantry::ctx
