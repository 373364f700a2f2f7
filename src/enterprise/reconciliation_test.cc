#include "enterprise/reconciliation.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "enterprise/b2mml_performance.h"

namespace gantry::enterprise {
namespace {

OrderActuals Actuals(double good, double scrap) {
  OrderActuals a;
  a.order_key = "tryton:12";
  a.external_id = "12";
  a.product = "FG-WIDGET";
  a.unit = "pc";
  a.final = true;
  a.good = good;
  a.scrap = scrap;
  a.scrap_by_reason = {{"burr", scrap}};
  a.consumption = {{"RM-STEEL", 50.0, "kg", false}};
  a.run_time = 90 * kMinute;
  a.downtime = {{"jam", 5 * kMinute}};
  return a;
}

ReconciliationEntry Agreeing() {
  ReconciliationEntry e;
  e.order.order.source = "tryton";
  e.order.order.external_id = "12";
  e.order.order.product = "FG-WIDGET";
  e.order.order.quantity = 100;
  e.order.order.state = OrderState::kCompleted;
  e.ledger = Actuals(97, 3);
  OutboxMessage m;
  m.idempotency_key = IdempotencyKey("tryton:12", "actuals.completion", 1);
  m.kind = "actuals.completion";
  m.order_key = "tryton:12";
  m.sequence = 1;
  m.state = MessageState::kDelivered;
  m.payload = ActualsToJson(Actuals(97, 3));
  m.ack = "done";
  e.messages = {m};
  TrytonProduction p;
  p.id = 12;
  p.state = "done";
  p.output_quantity = 97;
  p.scrap_quantity = 3;
  p.consumed["RM-STEEL"] = 50;
  p.gantry_keys = {m.idempotency_key};
  e.erp = p;
  return e;
}

TEST(Reconciliation, AgreeingLedgerDeliveryAndErpShowNoDifference) {
  EXPECT_TRUE(Differences(Agreeing()).empty());
  auto page = nlohmann::json::parse(ReconciliationJson({Agreeing()}, 0, kHour));
  EXPECT_EQ(page["flagged"], 0);
  EXPECT_EQ(page["orders"][0]["ok"], true);
  EXPECT_EQ(page["orders"][0]["erp"]["good"], 97);
}

TEST(Reconciliation, DeliberateDifferencesAreEachNamed) {
  ReconciliationEntry e = Agreeing();
  e.ledger->good = 98;          // the shop floor counted one more after delivery
  e.erp->output_quantity = 96;  // someone edited the production in the ERP
  e.erp->consumed["RM-STEEL"] = 49;
  const std::vector<std::string> d = Differences(e);
  ASSERT_EQ(d.size(), 3u) << ::testing::PrintToString(d);
  EXPECT_EQ(d[0], "good: ledger 98, delivered 97");
  EXPECT_EQ(d[1], "good: delivered 97, ERP holds 96");
  EXPECT_EQ(d[2], "consumed RM-STEEL: delivered 50, ERP holds 49");
  auto page = nlohmann::json::parse(ReconciliationJson({e, Agreeing()}, 0, kHour));
  EXPECT_EQ(page["flagged"], 1);
  EXPECT_EQ(page["orders"][0]["ok"], false);
}

TEST(Reconciliation, CompletedButUndeliveredAndQuarantinedAreFlagged) {
  ReconciliationEntry e = Agreeing();
  e.erp.reset();
  e.messages[0].state = MessageState::kQuarantined;
  e.messages[0].attempts = 3;
  e.messages[0].last_error = "InvalidArgument: HTTP 422";
  const std::vector<std::string> d = Differences(e);
  ASSERT_EQ(d.size(), 2u) << ::testing::PrintToString(d);
  EXPECT_NE(d[0].find("quarantined: InvalidArgument: HTTP 422"), std::string::npos);
  EXPECT_EQ(d[1], "final actuals not delivered yet (quarantined, 3 attempts)");
  e.messages.clear();
  EXPECT_EQ(Differences(e),
            std::vector<std::string>{"completed but no actuals message was enqueued"});
}

TEST(B2mmlPerformance, FolderTargetWritesOneDocumentPerKeyWithTheQuantities) {
  const std::string dir = ::testing::TempDir() + "/b2mml-out";
  std::filesystem::remove_all(dir);
  auto target = MakeB2mmlPerformanceAdapter({dir, "", ""});
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  OutboxMessage m = Agreeing().messages[0];
  ASSERT_EQ((*target)->Deliver(m).verdict, DeliveryVerdict::kAcknowledged);
  ASSERT_EQ((*target)->Deliver(m).verdict, DeliveryVerdict::kAcknowledged) << "again: same file";
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir),
                          std::filesystem::directory_iterator()),
            1);
  std::ifstream in(dir + "/" + m.idempotency_key + ".xml");
  std::stringstream xml;
  xml << in.rdbuf();
  const std::string text = xml.str();
  EXPECT_NE(text.find("<ProductionPerformance xmlns=\"http://www.mesa.org/xml/B2MML\">"),
            std::string::npos);
  EXPECT_NE(text.find("<ProductionRequestID>12</ProductionRequestID>"), std::string::npos);
  EXPECT_NE(text.find("<ResponseState>Completed</ResponseState>"), std::string::npos);
  EXPECT_NE(text.find("<QuantityString>97</QuantityString>"), std::string::npos) << text;
  EXPECT_NE(text.find("<Key>scrap/burr</Key>"), std::string::npos) << text;
  EXPECT_NE(text.find("<ID>Downtime/jam</ID>"), std::string::npos) << text;
  m.payload = "{}";
  EXPECT_EQ((*target)->Deliver(m).verdict, DeliveryVerdict::kPermanent);
}

}  // namespace
}  // namespace gantry::enterprise
