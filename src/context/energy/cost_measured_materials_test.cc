// Material cost from measured consumption: where a consumption counter measured a material for an
// order, the cost uses the measured quantity x the material's price instead of the bill of
// materials x units made; unmeasured materials stay BOM-scaled (hand-worked below).
#include <gtest/gtest.h>

#include <algorithm>

#include "context/energy/cost_calculator.h"

namespace gantry::ctx {
namespace {

constexpr const char* kBlower = "acme/p/a/l/blower";
constexpr const char* kFiller = "acme/p/a/l/filler";  // the end of the line: its units count

Timestamp T(const char* hhmm) {
  return ParseTimestamp(std::string("2026-01-05T") + hhmm + ":00Z").value();
}

ops::OperationsConfig Plant() {
  ops::OperationsConfig ops;
  ops.enterprise = "acme";
  ops.calendars["p"].time_zone = "UTC";
  ops::LineConfig line;
  line.path = "acme/p/a/l";
  line.site = "p";
  line.area = "a";
  line.name = "l";
  line.work_centres = {kBlower, kFiller};
  ops.lines.push_back(line);
  return ops;
}

ops::Segment Interval(const char* wc, const char* from, const char* to, const char* order,
                      const char* product, uint64_t good, uint64_t scrap) {
  ops::Segment s;
  s.work_centre = wc;
  s.start = T(from);
  s.end = T(to);
  s.category = order[0] ? ops::StateCategory::kProducing : ops::StateCategory::kIdle;
  s.order = order;
  s.product = product;
  s.good = good;
  s.scrap = scrap;
  return s;
}

ConsumptionCounter Counter(const char* wc, const char* material, const char* tag, const char* unit,
                           double per_count) {
  ConsumptionCounter c;
  c.work_centre = wc;
  c.material = material;
  c.unit = unit;
  c.register_.work_centre = wc;
  c.register_.tag = tag;
  c.register_.kwh_per_count = per_count;
  c.register_.gain = per_count;
  return c;
}

bool HasNote(const std::vector<std::string>& notes, const std::string& text) {
  return std::any_of(notes.begin(), notes.end(),
                     [&](const std::string& n) { return n.find(text) != std::string::npos; });
}

// Line blower -> filler, 06:00-07:30. Order o1 (P-17, configured bill: 1 PREFORM at 0.10, 1 CAP
// at 0.02) runs 06:00-06:30 on both machines, the filler makes 52 (50 good, 2 scrap); order o2
// (FG-X, no configured bill; ERP bill: 1 PREFORM at 3.00 in Tryton, but costs.materials says
// 0.10 and wins; 1 LABEL at 0.01; 0.01 kg GLUE at 2.00/kg) runs 06:30-07:00 and makes 40 good;
// 07:00-07:30 both idle without an order.
// Preform counter on the blower: 06:00 1000 | 06:20 1030 | 06:40 1080 | 07:00 1100 | 07:30 1105.
//   o1: 30 + 10/20 x 50 = 55 preforms; o2: 10/20 x 50 + 20 = 45; 5 outside any order.
// Glue counter on the filler (1 g per count): 06:00 0 kg | 07:30 0.9 kg: 0.3 kg per half hour.
//   o1: 0.3 kg (GLUE has no standard cost and o1 no ERP bill: price 0, with a note);
//   o2: 0.3 kg x 2.00 = 0.60 (BOM-scaled it would be 40 x 0.01 x 2.00 = 0.80).
// o1 = 55 x 0.10 + 52 x 0.02 (CAP, unmeasured) + 0 = 5.50 + 1.04 = 6.54 (BOM-scaled: 6.24).
// o2 = 45 x 0.10 + 40 x 0.01 (LABEL, unmeasured) + 0.60 = 4.50 + 0.40 + 0.60 = 5.50.
// The blower carries the measured preforms (10.00), the filler CAP, LABEL and glue (2.04).
class MeasuredMaterialCost : public ::testing::Test {
 protected:
  void SetUp() override {
    EnergyCostConfig c;
    c.currency = "EUR";
    c.materials["PREFORM"] = {"PREFORM", "pc", 0.10};
    c.materials["CAP"] = {"CAP", "pc", 0.02};
    c.products["P-17"] = {"P-17", {{"PREFORM", 1.0}, {"CAP", 1.0}}};
    c.consumption = {Counter(kBlower, "PREFORM", "preforms", "pc", 1.0),
                     Counter(kFiller, "GLUE", "glue", "kg", 0.001)};
    calc_.emplace(CostCalculator::Create(c, Plant()).value());
    sources_.intervals = [](const std::string& wc, Timestamp, Timestamp) {
      return Result<std::vector<ops::Segment>>(
          std::vector<ops::Segment>{Interval(wc.c_str(), "06:00", "06:30", "o1", "P-17",
                                             wc == kFiller ? 50 : 52, wc == kFiller ? 2 : 0),
                                    Interval(wc.c_str(), "06:30", "07:00", "o2", "FG-X", 40, 0),
                                    Interval(wc.c_str(), "07:00", "07:30", "", "", 0, 0)});
    };
    sources_.readings = [](const std::string& tag, Timestamp, Timestamp) {
      std::vector<MeterReading> r;
      if (tag == "preforms")
        r = {{T("06:00"), 1000, false},
             {T("06:20"), 1030, false},
             {T("06:40"), 1080, false},
             {T("07:00"), 1100, false},
             {T("07:30"), 1105, false}};
      if (tag == "glue") r = {{T("06:00"), 0, false}, {T("07:30"), 0.9, false}};
      return Result<std::vector<MeterReading>>(r);
    };
    sources_.order_materials = [](const std::string& order) {
      std::vector<OrderMaterial> bom;
      if (order == "o2") bom = {{"PREFORM", 1.0, 3.00}, {"LABEL", 1.0, 0.01}, {"GLUE", 0.01, 2.00}};
      return bom;
    };
  }
  std::optional<CostCalculator> calc_;
  CostSources sources_;
};

TEST_F(MeasuredMaterialCost, ByOrderUsesTheCountedQuantityForMeasuredMaterialsAndTheBillForOthers) {
  Result<CostReport> r =
      calc_->Compute("acme/p/a/l", T("06:00"), T("07:30"), CostGrouping::kOrder, sources_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->groups["o1"].material_cost, 6.54, 1e-9);
  EXPECT_NEAR(r->groups["o2"].material_cost, 5.50, 1e-9);
  EXPECT_NEAR(r->groups["(none)"].material_cost, 0.0, 1e-12);
  EXPECT_NEAR(r->total.material_cost, 12.04, 1e-9);
  EXPECT_EQ(r->groups["o1"].good, 50u);
  EXPECT_TRUE(HasNote(r->notes,
                      "order o1: PREFORM priced from its consumption counter (55 pc "
                      "measured), not from the bill of materials x units made"))
      << ::testing::PrintToString(r->notes);
  EXPECT_TRUE(HasNote(r->notes, "order o2: PREFORM priced from its consumption counter (45 pc"));
  EXPECT_TRUE(HasNote(r->notes, "order o2: GLUE priced from its consumption counter (0.3 kg"));
  EXPECT_TRUE(HasNote(r->notes, "material GLUE of order o1 has no standard cost"));
  EXPECT_TRUE(HasNote(r->notes, "consumption counter preforms: 5 pc counted outside any order"));
}

TEST_F(MeasuredMaterialCost, MeasuredMaterialIsChargedToTheMachineThatConsumedIt) {
  Result<CostReport> r =
      calc_->Compute("acme/p/a/l", T("06:00"), T("07:30"), CostGrouping::kWorkCentre, sources_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->groups[kBlower].material_cost, 10.00, 1e-9);
  EXPECT_NEAR(r->groups[kFiller].material_cost, 2.04, 1e-9);
}

TEST_F(MeasuredMaterialCost, OrderCostForTheErpMatchesTheRoute) {
  Result<OrderEnergyCost> o1 = calc_->ForOrder("o1", T("06:00"), T("07:30"), sources_);
  ASSERT_TRUE(o1.ok()) << o1.status().ToString();
  EXPECT_NEAR(o1->material_cost, 6.54, 1e-9);
  EXPECT_EQ(o1->good_quantity, 50u);
  Result<OrderEnergyCost> o2 = calc_->ForOrder("o2", T("06:00"), T("07:30"), sources_);
  ASSERT_TRUE(o2.ok()) << o2.status().ToString();
  EXPECT_NEAR(o2->material_cost, 5.50, 1e-9);
}

// The filler asked for on its own: the blower's preform counter is not in scope, so preforms are
// BOM-scaled there (o1 52 x 0.10 + 1.04 + glue 0 = 6.24; o2 40 x 0.10 + 0.40 + 0.60 = 5.00),
// and without readings a counter falls back to the bill too, with a note.
TEST_F(MeasuredMaterialCost, UnmeasuredInScopeOrWithoutReadingsFallsBackToTheBill) {
  Result<CostReport> r =
      calc_->Compute(kFiller, T("06:00"), T("07:30"), CostGrouping::kOrder, sources_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->groups["o1"].material_cost, 6.24, 1e-9);
  EXPECT_NEAR(r->groups["o2"].material_cost, 5.00, 1e-9);
  sources_.readings = [](const std::string&, Timestamp, Timestamp) {
    return Result<std::vector<MeterReading>>(std::vector<MeterReading>{});
  };
  r = calc_->Compute("acme/p/a/l", T("06:00"), T("07:30"), CostGrouping::kOrder, sources_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NEAR(r->groups["o1"].material_cost, 6.24, 1e-9);  // 52 x (0.10 + 0.02)
  EXPECT_NEAR(r->groups["o2"].material_cost, 5.20, 1e-9);  // 40 x (0.10 + 0.01 + 0.02)
  EXPECT_TRUE(HasNote(r->notes, "consumption counter preforms has no readings"));
}

}  // namespace
}  // namespace gantry::ctx
