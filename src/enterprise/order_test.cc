#include "enterprise/order.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "enterprise/b2mml_schedule.h"

namespace gantry::enterprise {
namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/tests/erp/b2mml/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OrderJson, FullOrderRoundTrips) {
  auto o = OrderFromJson(R"({"external_id":"4711","product":"FG-WIDGET","quantity":"100",
      "unit":"pc","due":"2026-11-29T14:00:00Z","work_centre":"acme/plant1/assembly/line1",
      "ideal_cycle_time":"2500ms","bom":[{"material":"RM-STEEL","quantity":50,"unit":"kg"}]})");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->source, "rest");
  EXPECT_EQ(o->Key(), "rest:4711");
  EXPECT_DOUBLE_EQ(o->quantity, 100.0);
  EXPECT_EQ(o->ideal_cycle_time, 2500 * kMillisecond);
  EXPECT_EQ(o->state, OrderState::kReleased);
  ASSERT_EQ(o->bom.size(), 1u);
  EXPECT_EQ(o->bom[0], (BomLine{"RM-STEEL", 50.0, "kg"}));
  auto back = OrderFromJson(OrderToJson(*o));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *o);
}

TEST(OrderJson, BomLineCarriesTheErpsUnitCostWhenGiven) {
  auto o = OrderFromJson(R"({"external_id":"1","product":"P","quantity":10,"unit":"pc",
      "bom":[{"material":"RM-STEEL","quantity":5,"unit":"kg","unit_cost":3.2},
             {"material":"CAP","quantity":10,"unit":"pc"}]})");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->bom[0].unit_cost, 3.2);
  EXPECT_FALSE(o->bom[1].unit_cost.has_value());
  EXPECT_EQ(*OrderFromJson(OrderToJson(*o)), *o);
  auto bad = OrderFromJson(R"({"external_id":"1","product":"P","quantity":10,"unit":"pc",
      "bom":[{"material":"RM-STEEL","quantity":5,"unit":"kg","unit_cost":-1}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().ToString().find("bom[0].unit_cost"), std::string::npos);
}

TEST(OrderJson, RatePerHourBecomesIdealCycleTime) {
  auto o = OrderFromJson(
      R"({"external_id":"1","product":"P","quantity":10,"unit":"pc","rate_per_hour":1200})");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->ideal_cycle_time, 3 * kSecond);
}

TEST(OrderJson, ErrorsNameTheField) {
  struct Case {
    const char* body;
    const char* names;
  };
  const Case cases[] = {
      {R"({"product":"P","quantity":1,"unit":"pc"})", "'external_id'"},
      {R"({"external_id":"1","product":"P","quantity":"lots","unit":"pc"})", "'quantity'"},
      {R"({"external_id":"1","product":"P","quantity":-5,"unit":"pc"})", "quantity must be > 0"},
      {R"({"external_id":"1","product":"P","quantity":1,"unit":"pc","due":"tomorrow"})", "'due'"},
      {R"({"external_id":"1","product":"P","quantity":1,"unit":"pc","qty":1})", "'qty'"},
      {R"({"external_id":"1","product":"P","quantity":1,"unit":"pc",
           "bom":[{"material":"M","quantity":1,"unit":"kg"},{"material":"N","quantity":0,"unit":"kg"}]})",
       "bom[1].planned_quantity"},
      {R"({"external_id":"1","product":"P","quantity":1,"unit":"pc","bom":[{"material":"M","unit":"kg"}]})",
       "bom[0].quantity"},
      {R"({"external_id":"1","product":"P","quantity":1,"unit":"pc","state":"done"})", "'state'"},
      {R"({"external_id":"1",)", "not valid JSON"},
  };
  for (const Case& c : cases) {
    auto o = OrderFromJson(c.body);
    ASSERT_FALSE(o.ok()) << c.body;
    EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(o.status().message().find(c.names), std::string::npos)
        << o.status().message() << " should name " << c.names;
  }
}

TEST(B2mmlSchedule, TwoRequestsWithPrefixBecomeTwoOrders) {
  auto orders = ParseProductionSchedule(ReadFixture("schedule_two_orders.xml"), "w48.xml");
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 2u);
  const ProductionOrder& a = (*orders)[0];
  EXPECT_EQ(a.Key(), "b2mml:PO-1001");
  EXPECT_EQ(a.product, "FG-WIDGET");
  EXPECT_DOUBLE_EQ(a.quantity, 100);
  EXPECT_EQ(a.unit, "pc");
  EXPECT_EQ(a.due, *ParseTimestamp("2026-11-29T14:00:00Z"));
  EXPECT_EQ(a.work_centre, "acme/plant1/assembly/line1");
  EXPECT_EQ(a.ideal_cycle_time, 2500 * kMillisecond);
  EXPECT_EQ(a.state, OrderState::kReleased);
  ASSERT_EQ(a.bom.size(), 2u);
  EXPECT_EQ(a.bom[1], (BomLine{"SCREW-M4", 400, "pc"}));
  const ProductionOrder& b = (*orders)[1];
  EXPECT_EQ(b.external_id, "PO-1002");
  EXPECT_EQ(b.work_centre, "acme/plant1/assembly/line2");
  EXPECT_EQ(b.due, *ParseTimestamp("2026-11-30T06:00:00Z"));
  EXPECT_EQ(b.ideal_cycle_time, 3 * kSecond);  // 1200 per hour
  EXPECT_TRUE(b.bom.empty());
}

TEST(B2mmlSchedule, MaterialUseStyleAndAbortedState) {
  auto orders = ParseProductionSchedule(ReadFixture("schedule_material_use.xml"), "v7.xml");
  ASSERT_TRUE(orders.ok()) << orders.status().ToString();
  ASSERT_EQ(orders->size(), 1u);
  EXPECT_EQ((*orders)[0].product, "FG-CASE");
  EXPECT_EQ((*orders)[0].state, OrderState::kCancelled);
  EXPECT_EQ((*orders)[0].bom, (std::vector<BomLine>{{"RM-RESIN", 12.5, "kg"}}));
}

TEST(B2mmlSchedule, BadQuantityNamesLineAndElement) {
  auto orders = ParseProductionSchedule(ReadFixture("bad_quantity.xml"), "bad.xml");
  ASSERT_FALSE(orders.ok());
  EXPECT_EQ(orders.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(orders.status().message(), "bad.xml:10: <QuantityString>: '12x' is not a number");
}

TEST(B2mmlSchedule, RequestWithoutProductNamesTheRequestLine) {
  auto orders = ParseProductionSchedule(ReadFixture("missing_product.xml"), "m.xml");
  ASSERT_FALSE(orders.ok());
  EXPECT_NE(orders.status().message().find("m.xml:4: <ProductionRequest>: no MaterialProduced"),
            std::string::npos)
      << orders.status().message();
}

TEST(B2mmlSchedule, UnparsableXmlIsMalformedWithLine) {
  auto orders = ParseProductionSchedule(ReadFixture("unclosed.xml"), "u.xml");
  ASSERT_FALSE(orders.ok());
  EXPECT_EQ(orders.status().code(), StatusCode::kMalformed);
  EXPECT_NE(orders.status().message().find("u.xml:5:"), std::string::npos)
      << orders.status().message();
}

TEST(B2mmlSchedule, WrongRootIsRejected) {
  auto orders = ParseProductionSchedule("<ProductionPerformance/>", "p.xml");
  ASSERT_FALSE(orders.ok());
  EXPECT_NE(orders.status().message().find("p.xml:1: <ProductionPerformance>"), std::string::npos)
      << orders.status().message();
}

}  // namespace
}  // namespace gantry::enterprise
