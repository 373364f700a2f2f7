// Corrections through the running plant's enterprise part: the operations layer calls the actuals
// listener again with "order-correction" / "shift-correction" when a late sample changed actuals
// already handed on; each becomes its own durable outbox message with a deterministic key,
// delivered after the message it replaces (webhook + B2MML here, against the ERP stand-in), and
// the reconciliation page shows it and flags the difference until it is delivered.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/enterprise_service.h"
#include "enterprise/erp_stand_in.h"
#include "enterprise/outbox.h"

namespace gantry {
namespace {

namespace fs = std::filesystem;
using enterprise::IdempotencyKey;
using nlohmann::json;

constexpr const char* kOrder = "rest:4711";

class ErpCorrection : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gantry_erp_correction_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    erp_ = enterprise::ErpStandIn::Start().value();
  }
  void TearDown() override {
    if (service_) service_->Stop();
    service_.reset();
    if (db_ != nullptr) sqlite3_close(db_);
    fs::remove_all(dir_);
  }

  // The service with the webhook (stand-in) and a B2MML folder; `ledger_` is the shop floor.
  void StartService(bool on_shift_end) {
    enterprise::ErpSettings settings;
    settings.enabled = true;
    settings.on_shift_end = on_shift_end;
    settings.webhook = enterprise::WebhookConfig{{"127.0.0.1", erp_->port(), 5 * kSecond}, "/", {}};
    settings.b2mml = enterprise::B2mmlOutSettings{(dir_ / "b2mml").string(), "", ""};
    EnterpriseHooks hooks;
    hooks.actuals_for_order = [this](const std::string&) -> Result<ops::OrderActuals> {
      return ledger_;
    };
    service_ = EnterpriseService::Create(settings, dir_.string(), clock_, hooks).value();
    enterprise::ProductionOrder o;
    o.source = "rest";
    o.external_id = "4711";
    o.product = "P-17";
    o.quantity = 100;
    o.unit = "pc";
    o.bom = {{"preform", 50, "kg"}};
    o.state = enterprise::OrderState::kReleased;
    ASSERT_TRUE(service_->orders().Create(o).ok());
    ASSERT_TRUE(service_->orders().Start(kOrder, "acme/p/a/l/m").ok());
    ASSERT_EQ(sqlite3_open((dir_ / "operations.sqlite").string().c_str(), &db_), SQLITE_OK);
  }

  // What the operations layer hands on: `good` / `scrap` over [start, end].
  static ops::OrderActuals Figures(uint64_t good, uint64_t scrap, Timestamp start, Timestamp end) {
    ops::OrderActuals a;
    a.order = kOrder;
    a.product = "P-17";
    a.work_centre = "acme/p/a/l/m";
    a.start = start;
    a.end = end;
    a.good = good;
    a.scrap = scrap;
    a.run_time = end - start;
    return a;
  }

  enterprise::OrderActuals Sent(const std::string& key) {
    auto box = enterprise::Outbox::Open((dir_ / "operations.sqlite").string(), {}, clock_).value();
    auto m = box->Get(key);
    EXPECT_TRUE(m.ok()) << key;
    return enterprise::ActualsFromJson(m.ok() ? m->payload : "{}").value();
  }

  json Reconciliation() {
    auto page = service_->ReconciliationJson(0, clock_.Now() + kHour);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    json p = json::parse(page.ok() ? *page : "{}");
    EXPECT_EQ(p["orders"].size(), 1u) << p.dump();
    return p["orders"][0];
  }

  ManualClock clock_{1'800'000'000 * kSecond};
  fs::path dir_;
  std::unique_ptr<enterprise::ErpStandIn> erp_;
  std::unique_ptr<EnterpriseService> service_;
  sqlite3* db_ = nullptr;
  ops::OrderActuals ledger_;
};

TEST_F(ErpCorrection, LateSampleCorrectionIsItsOwnMessageDeliveredAfterTheCompletion) {
  StartService(false);
  const Timestamp t0 = clock_.Now() - 2 * kHour;
  const Timestamp t1 = t0 + 90 * kMinute;
  ops::OrderActuals done = Figures(97, 3, t0, t1);
  done.complete = true;
  ledger_ = done;
  ASSERT_TRUE(service_->OnActuals(done, "order-complete", db_).ok());
  ASSERT_TRUE(service_->orders().Complete(kOrder).ok());
  const std::string k1 = IdempotencyKey(kOrder, "actuals.completion", 1);
  const std::string k2 = IdempotencyKey(kOrder, "actuals.correction", 1);

  // A late reject sample: one unit good -> scrap, handed on again as correction 1 before the
  // drainer ran. The ledger already says 96 / 4.
  ops::OrderActuals fixed = Figures(96, 4, t0, t1);
  fixed.complete = true;
  fixed.correction = 1;
  ledger_ = fixed;
  ASSERT_TRUE(service_->OnActuals(fixed, "order-correction", db_).ok());
  ASSERT_TRUE(service_->OnActuals(fixed, "order-correction", db_).ok()) << "replayed: same key";
  json o = Reconciliation();
  EXPECT_FALSE(o["ok"].get<bool>()) << o.dump();
  ASSERT_EQ(o["corrections"].size(), 1u) << o.dump();
  EXPECT_EQ(o["corrections"][0]["state"], "pending");
  EXPECT_EQ(o["corrections"][0]["changes"], json({"good 97 -> 96", "scrap 3 -> 4"}));

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(service_->DrainOnce().ok());
  // Delivered once each, the correction after the message it replaces.
  EXPECT_EQ(erp_->Ledger().applied, (std::vector<std::string>{k1, k2}));
  const enterprise::OrderActuals c = Sent(k2);
  EXPECT_TRUE(c.final);
  EXPECT_EQ(c.correction, 1u);
  EXPECT_EQ(c.corrects, k1);
  EXPECT_DOUBLE_EQ(c.good, 96);
  EXPECT_DOUBLE_EQ(c.scrap, 4);
  ASSERT_EQ(c.consumption.size(), 1u);
  EXPECT_DOUBLE_EQ(c.consumption[0].quantity, 50);  // 50 kg per 100 made, 100 made
  EXPECT_FALSE(c.energy_pending) << "fixed by the drainer before delivery";
  std::ifstream in(dir_ / "b2mml" / (k2 + ".xml"));
  std::stringstream xml;
  xml << in.rdbuf();
  EXPECT_NE(xml.str().find("correction 1, replaces " + k1), std::string::npos) << xml.str();

  o = Reconciliation();
  EXPECT_TRUE(o["ok"].get<bool>()) << o.dump();
  EXPECT_EQ(o["delivered"]["good"], 96);
  EXPECT_EQ(o["delivered"]["idempotency_key"], k2);
  EXPECT_EQ(o["corrections"][0]["state"], "delivered");

  // A second late sample: correction 2 replaces correction 1.
  ops::OrderActuals again = Figures(95, 5, t0, t1);
  again.complete = true;
  again.correction = 2;
  ledger_ = again;
  ASSERT_TRUE(service_->OnActuals(again, "order-correction", db_).ok());
  ASSERT_TRUE(service_->DrainOnce().ok());
  const std::string k3 = IdempotencyKey(kOrder, "actuals.correction", 2);
  EXPECT_EQ(erp_->Ledger().applied, (std::vector<std::string>{k1, k2, k3}));
  EXPECT_EQ(Sent(k3).corrects, k2);
}

TEST_F(ErpCorrection, CorrectionOfAnOrderNeverHandedOnSendsNothing) {
  StartService(false);
  ops::OrderActuals fixed = Figures(96, 4, clock_.Now() - kHour, clock_.Now());
  fixed.complete = true;
  fixed.correction = 1;
  ASSERT_TRUE(service_->OnActuals(fixed, "order-correction", db_).ok());
  auto box = enterprise::Outbox::Open((dir_ / "operations.sqlite").string(), {}, clock_).value();
  EXPECT_TRUE(box->ListForOrder(kOrder).value().empty());
}

// Interim totals are cumulative ("set to"): a corrected shift changes the latest totals by its
// difference, and the next shift's totals build on the corrected ones. Hand-worked: shifts A 40,
// B 30 -> 40, 70; A corrected to 38 -> 68 (shift A 38); C 10 -> 78.
TEST_F(ErpCorrection, ShiftCorrectionAdjustsTheCumulativeInterimTotals) {
  StartService(true);
  const Timestamp t0 = clock_.Now() - 24 * kHour;
  auto shift = [&](const char* id, uint64_t good, int n) {
    ops::OrderActuals a = Figures(good, 0, t0 + n * 8 * kHour, t0 + (n + 1) * 8 * kHour);
    a.shift = id;
    return a;
  };
  ASSERT_TRUE(service_->OnActuals(shift("A", 40, 0), "shift-end", db_).ok());
  ASSERT_TRUE(service_->OnActuals(shift("B", 30, 1), "shift-end", db_).ok());
  ops::OrderActuals fixed_a = shift("A", 38, 0);
  fixed_a.correction = 1;
  ASSERT_TRUE(service_->OnActuals(fixed_a, "shift-correction", db_).ok());
  ASSERT_TRUE(service_->OnActuals(shift("C", 10, 2), "shift-end", db_).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(service_->DrainOnce().ok());

  auto box = enterprise::Outbox::Open((dir_ / "operations.sqlite").string(), {}, clock_).value();
  std::vector<double> totals;
  std::vector<std::string> keys;
  const std::vector<enterprise::OutboxMessage> messages = box->ListForOrder(kOrder).value();
  for (const auto& m : messages) {
    totals.push_back(enterprise::ActualsFromJson(m.payload).value().good);
    keys.push_back(m.idempotency_key);
  }
  EXPECT_EQ(totals, (std::vector<double>{40, 70, 68, 78}));
  EXPECT_EQ(erp_->Ledger().applied, keys) << "in order";
  const enterprise::OrderActuals c = Sent(keys[2]);
  EXPECT_EQ(c.shift, "A");
  EXPECT_DOUBLE_EQ(c.shift_good, 38);
  EXPECT_EQ(c.corrects, keys[0]);
  EXPECT_FALSE(c.final);

  // Once final actuals exist, a shift correction is not sent (the order-correction is).
  ops::OrderActuals done = Figures(78, 0, t0, t0 + 24 * kHour);
  done.complete = true;
  ASSERT_TRUE(service_->OnActuals(done, "order-complete", db_).ok());
  ops::OrderActuals fixed_b = shift("B", 29, 1);
  fixed_b.correction = 1;
  ASSERT_TRUE(service_->OnActuals(fixed_b, "shift-correction", db_).ok());
  EXPECT_EQ(box->ListForOrder(kOrder).value().size(), 5u);
}

}  // namespace
}  // namespace gantry
