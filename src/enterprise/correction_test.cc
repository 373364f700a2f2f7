// Corrections of actuals already handed on (a late sample changed them): the payload says which
// message they replace, B2MML carries that, an adapter can quarantine one at once, and the
// reconciliation page shows the correction and flags it until it is resolved.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "enterprise/actuals.h"
#include "enterprise/b2mml_performance.h"
#include "enterprise/outbox.h"
#include "enterprise/reconciliation.h"

namespace gantry::enterprise {
namespace {

const std::string kCompletionKey = IdempotencyKey("tryton:12", "actuals.completion", 1);
const std::string kCorrectionKey = IdempotencyKey("tryton:12", "actuals.correction", 1);

OrderActuals Actuals(double good, double scrap) {
  OrderActuals a;
  a.order_key = "tryton:12";
  a.external_id = "12";
  a.product = "FG-WIDGET";
  a.unit = "pc";
  a.final = true;
  a.good = good;
  a.scrap = scrap;
  a.consumption = {{"RM-STEEL", (good + scrap) / 2, "kg", false}};
  a.run_time = 90 * kMinute;
  a.currency = "EUR";
  return a;
}

OutboxMessage Message(const std::string& kind, const OrderActuals& a, MessageState state) {
  OutboxMessage m;
  m.idempotency_key = IdempotencyKey(a.order_key, kind, a.correction > 0 ? a.correction : 1);
  m.kind = kind;
  m.order_key = a.order_key;
  m.sequence = a.correction > 0 ? a.correction : 1;
  m.state = state;
  m.payload = ActualsToJson(a);
  return m;
}

// Completion 97 good / 3 scrap delivered and booked in Tryton; then a late sample moved one unit
// from good to scrap: correction 1 says 96 / 4 and replaces the completion.
ReconciliationEntry Corrected(MessageState correction_state) {
  ReconciliationEntry e;
  e.order.order.source = "tryton";
  e.order.order.external_id = "12";
  e.order.order.product = "FG-WIDGET";
  e.order.order.quantity = 100;
  e.order.order.state = OrderState::kCompleted;
  e.ledger = Actuals(96, 4);
  OrderActuals fixed = Actuals(96, 4);
  fixed.correction = 1;
  fixed.corrects = kCompletionKey;
  e.messages = {Message("actuals.completion", Actuals(97, 3), MessageState::kDelivered),
                Message("actuals.correction", fixed, correction_state)};
  TrytonProduction p;
  p.id = 12;
  p.state = "done";
  p.output_quantity = 97;
  p.scrap_quantity = 3;
  p.consumed["RM-STEEL"] = 50;
  p.gantry_keys = {kCompletionKey};
  e.erp = p;
  return e;
}

TEST(ActualsJson, CorrectionAndShiftTravelInThePayloadAndOthersKeepTheirBytes) {
  OrderActuals a = Actuals(96, 4);
  EXPECT_EQ(ActualsToJson(a).find("correction"), std::string::npos);
  EXPECT_EQ(ActualsToJson(a).find("shift"), std::string::npos);
  a.correction = 2;
  a.corrects = "gx1-abc";
  a.shift = "2026-11-22/B";
  a.shift_good = 40;
  a.shift_scrap = 1;
  a.shift_run_time = 8 * kHour;
  Result<OrderActuals> back = ActualsFromJson(ActualsToJson(a));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, a);
}

TEST(B2mmlPerformance, ACorrectionSaysWhichDocumentItReplaces) {
  OrderActuals a = Actuals(96, 4);
  a.correction = 1;
  a.corrects = kCompletionKey;
  Result<std::string> xml = ProductionPerformanceXml(Message("actuals.correction", a, {}));
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_NE(xml->find("<ID>" + kCorrectionKey + "</ID>"), std::string::npos) << *xml;
  EXPECT_NE(xml->find("correction 1, replaces " + kCompletionKey + "</Description>"),
            std::string::npos)
      << *xml;
  EXPECT_NE(xml->find("<ID>Replaces</ID>"), std::string::npos) << *xml;
  EXPECT_NE(xml->find("<QuantityString>96</QuantityString>"), std::string::npos) << *xml;
  EXPECT_NE(xml->find("<ResponseState>Completed</ResponseState>"), std::string::npos) << *xml;
}

TEST(Reconciliation, PendingCorrectionIsShownAndFlaggedAgainstTheLedger) {
  const ReconciliationEntry e = Corrected(MessageState::kPending);
  const std::vector<std::string> d = Differences(e);
  ASSERT_EQ(d.size(), 3u) << ::testing::PrintToString(d);
  EXPECT_EQ(d[0], "correction 1 (" + kCorrectionKey + ") not delivered yet (pending, 0 attempts)");
  EXPECT_EQ(d[1], "good: ledger 96, delivered 97");
  EXPECT_EQ(d[2], "scrap: ledger 4, delivered 3");
  auto page = nlohmann::json::parse(ReconciliationJson({e}, 0, kHour));
  const auto& c = page["orders"][0]["corrections"];
  ASSERT_EQ(c.size(), 1u) << page.dump();
  EXPECT_EQ(c[0]["correction"], 1);
  EXPECT_EQ(c[0]["replaces"], kCompletionKey);
  EXPECT_EQ(c[0]["state"], "pending");
  EXPECT_EQ(c[0]["changes"],
            nlohmann::json({"good 97 -> 96", "scrap 3 -> 4"}));  // consumption 50 both times
  EXPECT_EQ(page["flagged"], 1);
}

TEST(Reconciliation, QuarantinedCorrectionShowsItsReasonUntilABookingByHandIsNoted) {
  ReconciliationEntry e = Corrected(MessageState::kQuarantined);
  e.messages[1].attempts = 1;
  e.messages[1].last_error = "tryton: production 12 is done ...: good 97 -> 96";
  std::vector<std::string> d = Differences(e);
  ASSERT_FALSE(d.empty());
  EXPECT_NE(d[0].find("quarantined: tryton: production 12 is done"), std::string::npos) << d[0];
  auto page = nlohmann::json::parse(ReconciliationJson({e}, 0, kHour));
  EXPECT_EQ(page["orders"][0]["corrections"][0]["reason"], e.messages[1].last_error);

  // A planner booked it by hand, noted the key on the production and retried: acknowledged.
  // Tryton's production keeps 97 / 3; the note resolves it.
  e.messages[1].state = MessageState::kDelivered;
  e.erp->gantry_keys.push_back(kCorrectionKey);
  d = Differences(e);
  EXPECT_TRUE(d.empty()) << ::testing::PrintToString(d);
  page = nlohmann::json::parse(ReconciliationJson({e}, 0, kHour));
  EXPECT_EQ(page["orders"][0]["corrections"][0]["booked_by_hand"], true);
  EXPECT_EQ(page["orders"][0]["delivered"]["good"], 96);
  EXPECT_EQ(page["orders"][0]["ok"], true);
}

TEST(Reconciliation, DeliveredCorrectionThatTheErpDoesNotHoldIsFlagged) {
  ReconciliationEntry e = Corrected(MessageState::kDelivered);
  const std::vector<std::string> d = Differences(e);
  ASSERT_EQ(d.size(), 3u) << ::testing::PrintToString(d);
  EXPECT_EQ(d[0], "good: delivered 96, ERP holds 97");
  EXPECT_EQ(d[1], "scrap: delivered 4, ERP holds 3");
  EXPECT_EQ(d[2], "ERP holds no note of key " + kCorrectionKey);
  // A key Tryton holds that is not a delivered message of this order is named too.
  e.erp->gantry_keys.push_back("gx1-stray");
  EXPECT_EQ(Differences(e).back(),
            "ERP holds key gx1-stray, not a delivered message of this order");
}

}  // namespace
}  // namespace gantry::enterprise
