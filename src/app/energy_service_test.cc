// The running plant's energy answers end to end: samples through the operations service into its
// event store, meter readings in a real historian, the cost calculator over both.
#include "app/energy_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/enterprise_service.h"
#include "app/operations_service.h"
#include "core/config_node.h"
#include "data/historian/historian.h"
#include "enterprise/erp_stand_in.h"

namespace gantry {
namespace {

namespace fs = std::filesystem;
using ops::OrderTransition;

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

constexpr const char* kWc = "acme/p/a/l/m";

constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: m
                state: {word: state}
                counters: {good: good, reject: reject}
energy:
  meters: [{work_centre: m, tag: energy_kwh, resolution: 0.001}]  # a float register in kWh
  tariffs: [{site: p, currency: EUR, bands: [{name: flat, price: 0.20}]}]
costs:
  materials: [{id: preform, cost: 0.10}]
  products: [{id: P-17, bom: [{material: preform, quantity: 1}]}]
  work_centres: [{work_centre: m, machine_rate: 60}]
  consumption: [{work_centre: m, material: preform, tag: preform_count, width: 16}]
)";

class EnergyPlant : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("gantry_energy_service_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto doc = ConfigDocument::Parse(kPlant, "p.yaml").value();
    ops::OperationsConfig plant = ops::ParseOperationsConfig(doc.Root());
    TagConfig meter;
    meter.path = std::string(kWc) + "/energy_kwh";
    meter.unit = "kWh";
    TagConfig preforms;
    preforms.path = std::string(kWc) + "/preform_count";
    preforms.unit = "pc";
    ctx::EnergyCostConfig energy = ctx::ParseEnergyCostConfig(doc.Root(), plant, {meter, preforms});
    ASSERT_TRUE(doc.Finish().ok()) << doc.Finish().ToString();
    clock_.Set(T("2026-01-05T06:00:00Z"));
    historian_ = historian::Historian::Open((dir_ / "historian").string(), {}, clock_).value();
    ASSERT_TRUE(historian_->BindTag(kMeterId, meter.path).ok());
    ASSERT_TRUE(historian_->BindTag(kPreformId, preforms.path).ok());
    std::map<std::string, TagId> ids = {{std::string(kWc) + "/state", 0},
                                        {std::string(kWc) + "/good", 1},
                                        {std::string(kWc) + "/reject", 2}};
    ops_ = OperationsService::Create(
               plant,
               [ids](std::string_view p) -> std::optional<TagId> {
                 auto it = ids.find(std::string(p));
                 if (it == ids.end()) return std::nullopt;
                 return it->second;
               },
               bus_, dir_.string(), clock_)
               .value();
    energy_ = EnergyService::Create(energy, plant, *historian_, ops_.get()).value();
  }
  void TearDown() override {
    energy_.reset();
    ops_.reset();
    historian_.reset();
    fs::remove_all(dir_);
  }
  void Put(TagId id, const char* iso, double v) {
    bus_.Publish({Sample{id, T(iso), Value(v), Quality::Good()}});
  }
  void Meter(const char* iso, double kwh) {
    std::vector<Sample> s = {Sample{kMeterId, T(iso), Value(kwh), Quality::Good()}};
    ASSERT_TRUE(historian_->Append(s).ok());
  }
  void Preforms(const char* iso, double count) {
    std::vector<Sample> s = {Sample{kPreformId, T(iso), Value(count), Quality::Good()}};
    ASSERT_TRUE(historian_->Append(s).ok());
  }
  // Order 4711 (P-17) 06:00-06:45: producing 06:00-06:20 (12 kW), jam 06:20-06:30 (3 kW),
  // producing 06:30-06:45 (12 kW); 250 good, 5 scrap. The 16-bit preform counter: 110 by 06:20,
  // none in the jam, then 200 over 06:30-06:50 across its rollover (65510 -> 174: 25 + 174 + 1),
  // of which 15/20 = 150 fall in the order: 260 preforms measured (planned: 1 per unit made, 255).
  void RunOrder4711(const char* order = "4711") {
    ASSERT_TRUE(ops_->ApplyOrder({kWc, T("2026-01-05T06:00:00Z"), OrderTransition::Action::kStart,
                                  order, "P-17", "anna", 0},
                                 "anna")
                    .ok());
    Put(0, "2026-01-05T06:00:00Z", 1);
    Put(1, "2026-01-05T06:00:00Z", 0);
    Put(2, "2026-01-05T06:00:00Z", 0);
    Put(1, "2026-01-05T06:20:00Z", 100);
    Put(0, "2026-01-05T06:20:00Z", 5);
    Put(0, "2026-01-05T06:30:00Z", 1);
    Put(1, "2026-01-05T06:45:00Z", 250);
    Put(2, "2026-01-05T06:45:00Z", 5);
    Meter("2026-01-05T06:00:00Z", 100.0);
    Meter("2026-01-05T06:20:00Z", 104.0);
    Meter("2026-01-05T06:30:00Z", 104.5);
    Meter("2026-01-05T06:45:00Z", 107.5);
    Meter("2026-01-05T07:00:00Z", 108.0);  // idle after the order: 2 kW
    Preforms("2026-01-05T06:00:00Z", 65400);
    Preforms("2026-01-05T06:20:00Z", 65510);
    Preforms("2026-01-05T06:30:00Z", 65510);
    Preforms("2026-01-05T06:50:00Z", 174);
    Preforms("2026-01-05T07:00:00Z", 198);
    ops_->Pump();
    clock_.Set(T("2026-01-05T06:40:00Z"));
    ASSERT_TRUE(ops_->CloseUpTo(T("2026-01-05T06:40:00Z")).ok());
    ASSERT_TRUE(ops_->ApplyOrder({kWc, T("2026-01-05T06:45:00Z"),
                                  OrderTransition::Action::kComplete, "", "", "", 0},
                                 "anna")
                    .ok());
    Put(0, "2026-01-05T06:45:00Z", 2);
    ops_->Pump();
    clock_.Set(T("2026-01-05T07:00:00Z"));
    ASSERT_TRUE(ops_->CloseUpTo(T("2026-01-05T07:00:00Z")).ok());
  }

  static constexpr TagId kMeterId = 3;
  static constexpr TagId kPreformId = 4;
  fs::path dir_;
  ManualClock clock_;
  TagBus bus_;
  std::unique_ptr<historian::Historian> historian_;
  std::unique_ptr<OperationsService> ops_;
  std::unique_ptr<EnergyService> energy_;
};

TEST_F(EnergyPlant, CompletedOrderCarriesItsEnergyAndCostPerGoodUnit) {
  RunOrder4711();
  // 7 kWh producing + 0.5 kWh jam = 7.5 kWh x 0.20 = 1.50 EUR; preforms measured by the counter:
  // 260 x 0.10 = 26.00 EUR (the bill would say 255 made x 1 x 0.10 = 25.50); 45 min x 60 EUR/h =
  // 45 EUR. 72.50 EUR / 250 good = 0.29 EUR per bottle.
  Result<ctx::OrderEnergyCost> o = energy_->ForOrder("4711");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_NEAR(o->energy_kwh, 7.5, 1e-9);
  EXPECT_NEAR(o->energy_kwh_by_category[static_cast<int>(ops::StateCategory::kProducing)], 7.0,
              1e-9);
  EXPECT_NEAR(o->energy_kwh_by_category[static_cast<int>(ops::StateCategory::kUnplannedDowntime)],
              0.5, 1e-9);
  EXPECT_NEAR(o->energy_cost, 1.5, 1e-9);
  EXPECT_NEAR(o->material_cost, 26.0, 1e-9);
  EXPECT_NEAR(o->machine_cost, 45.0, 1e-9);
  EXPECT_EQ(o->good_quantity, 250u);
  ASSERT_TRUE(o->cost_per_good_unit);
  EXPECT_NEAR(*o->cost_per_good_unit, 0.29, 1e-9);
  EXPECT_EQ(o->notes, std::vector<std::string>{"order 4711: preform priced from its consumption "
                                               "counter (260 pc measured), not from the bill of "
                                               "materials x units made"});
  EXPECT_EQ(o->currency, "EUR");
  EXPECT_EQ(energy_->ForOrder("4712").status().code(), StatusCode::kNotFound);
}

TEST_F(EnergyPlant, AnOrderIsIncompleteUntilTheMeterHasAReadingAtItsEnd) {
  RunOrder4711();
  // The order ran 06:00-06:45; the meter read at 06:45 and 07:00.
  Result<ctx::OrderEnergyCost> o =
      energy_->ForOrder("4711", T("2026-01-05T06:00:00Z"), T("2026-01-05T06:45:00Z"));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->readings_complete);
  EXPECT_NEAR(o->energy_kwh, 7.5, 1e-9);
  ASSERT_EQ(o->notes.size(), 1u) << ::testing::PrintToString(o->notes);  // only the measured one
  EXPECT_NE(o->notes[0].find("preform priced from its consumption counter"), std::string::npos);
  // Over a range past the last reading (07:00) the tail is not known yet.
  o = energy_->ForOrder("4711", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:30:00Z"));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_FALSE(o->readings_complete);
}

TEST_F(EnergyPlant, CostJsonByOrderSeparatesTheOrderFromTheIdleTailAfterIt) {
  RunOrder4711();
  Result<std::string> body =
      energy_->CostJson("acme/p", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"), "order");
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  nlohmann::json j = nlohmann::json::parse(*body);
  EXPECT_NEAR(j["groups"]["4711"]["energy_kwh"]["total"].get<double>(), 7.5, 1e-9);
  EXPECT_NEAR(j["groups"]["(none)"]["energy_kwh"]["idle"].get<double>(), 0.5, 1e-9);
  EXPECT_EQ(j["groups"]["(none)"]["cost_per_good_unit"], nullptr);
  EXPECT_NEAR(j["groups"]["(none)"]["machine_cost"].get<double>(), 15.0, 1e-9);
  EXPECT_NEAR(j["total"]["energy_kwh"]["total"].get<double>(), 8.0, 1e-9);
  EXPECT_NEAR(j["total"]["energy_cost"].get<double>(), 1.6, 1e-9);
  EXPECT_EQ(energy_->CostJson("acme/q", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"), "day")
                .status()
                .code(),
            StatusCode::kNotFound);
}

// The running plant's path to the ERP: the actuals listener (under the operations lock) leaves the
// energy pending, the drainer fixes it from this energy service before the webhook delivery, and
// the reconciliation page shows the same figures for the ledger and the delivered message.
TEST_F(EnergyPlant, ActualsDeliveredToTheErpCarryTheOrdersEnergyAndItsCost) {
  auto erp = enterprise::ErpStandIn::Start().value();
  enterprise::ErpSettings settings;
  settings.enabled = true;
  settings.webhook = enterprise::WebhookConfig{{"127.0.0.1", erp->port(), 5 * kSecond}, "/", {}};
  auto service = EnterpriseService::Create(settings, dir_.string(), clock_, {}).value();
  enterprise::ProductionOrder order;
  order.source = "rest";
  order.external_id = "4711";
  order.product = "P-17";
  order.quantity = 250;
  order.unit = "pc";
  order.bom = {{"preform", 250, "pc"}};
  order.state = enterprise::OrderState::kReleased;
  ASSERT_TRUE(service->orders().Create(order).ok());
  service->AttachOperations(*ops_);
  service->UseEnergy(energy_.get());

  ASSERT_TRUE(service->orders().Start("rest:4711", kWc).ok());  // as the shop-floor route does
  RunOrder4711("rest:4711");  // completed and closed: the listener enqueued the final actuals
  ASSERT_TRUE(service->orders().Complete("rest:4711").ok());
  auto outbox = enterprise::Outbox::Open((dir_ / "operations.sqlite").string(), {}, clock_).value();
  const std::string key = enterprise::IdempotencyKey("rest:4711", "actuals.completion", 1);
  EXPECT_TRUE(enterprise::ActualsFromJson(outbox->Get(key).value().payload).value().energy_pending);

  Result<enterprise::DrainReport> drained = service->DrainOnce();
  ASSERT_TRUE(drained.ok()) << drained.status().ToString();
  ASSERT_EQ(drained->delivered, 1) << outbox->Get(key).value().last_error;
  EXPECT_EQ(erp->Ledger().applied, std::vector<std::string>{key});
  // 7.5 kWh x 0.20 EUR (see CompletedOrderCarriesItsEnergyAndCostPerGoodUnit).
  const nlohmann::json sent = nlohmann::json::parse(outbox->Get(key).value().payload);
  EXPECT_NEAR(sent["energy_kwh"].get<double>(), 7.5, 1e-9);
  EXPECT_NEAR(sent["energy_cost"].get<double>(), 1.5, 1e-9);
  EXPECT_EQ(sent["currency"], "EUR");
  EXPECT_EQ(sent["good"], 250);
  // Consumption measured by the preform counter over the order's intervals, the BOM beside it.
  ASSERT_EQ(sent["consumption"].size(), 1u) << sent.dump();
  EXPECT_EQ(sent["consumption"][0]["material"], "preform");
  EXPECT_TRUE(sent["consumption"][0]["measured"].get<bool>());
  EXPECT_NEAR(sent["consumption"][0]["quantity"].get<double>(), 260, 1e-9) << sent.dump();
  EXPECT_NEAR(sent["consumption"][0]["planned_quantity"].get<double>(), 255, 1e-9);

  Result<std::string> page =
      service->ReconciliationJson(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const nlohmann::json p = nlohmann::json::parse(*page);
  ASSERT_EQ(p["orders"].size(), 1u) << p.dump();
  const nlohmann::json& o = p["orders"][0];
  ASSERT_TRUE(o["ledger"].is_object() && o["delivered"].is_object()) << o.dump();
  EXPECT_TRUE(o.value("ok", false)) << o.dump();
  EXPECT_NEAR(o["ledger"]["energy_kwh"].get<double>(), 7.5, 1e-9) << o.dump();
  EXPECT_NEAR(o["delivered"]["energy_kwh"].get<double>(), 7.5, 1e-9) << o.dump();
  EXPECT_EQ(o["delivered"]["currency"], "EUR");
  EXPECT_NEAR(o["ledger"]["consumption"]["preform"].get<double>(), 260, 1e-9) << o.dump();
  EXPECT_NEAR(o["ledger"]["consumption_planned"]["preform"].get<double>(), 255, 1e-9);
  EXPECT_NEAR(o["delivered"]["consumption"]["preform"].get<double>(), 260, 1e-9);
  EXPECT_EQ(o["delivered"]["consumption_measured"], nlohmann::json({"preform"}));
  service->Stop();
}

// The whole path of a correction: a PLC buffer delivers a 3 min jam (06:35-06:38) after order
// 4711's actuals were handed on; the operations layer calls the listener with
// "order-correction", the correction is its own outbox message (key: order + 1), its energy is
// fixed like the completion's, and the ERP receives it after the completion; the reconciliation
// page then agrees with the corrected ledger.
TEST_F(EnergyPlant, LateJamAfterHandOnReachesTheErpAsACorrectionAfterTheCompletion) {
  auto erp = enterprise::ErpStandIn::Start().value();
  enterprise::ErpSettings settings;
  settings.enabled = true;
  settings.webhook = enterprise::WebhookConfig{{"127.0.0.1", erp->port(), 5 * kSecond}, "/", {}};
  auto service = EnterpriseService::Create(settings, dir_.string(), clock_, {}).value();
  enterprise::ProductionOrder order;
  order.source = "rest";
  order.external_id = "4711";
  order.product = "P-17";
  order.quantity = 250;
  order.unit = "pc";
  order.state = enterprise::OrderState::kReleased;
  ASSERT_TRUE(service->orders().Create(order).ok());
  service->AttachOperations(*ops_);
  service->UseEnergy(energy_.get());
  ASSERT_TRUE(service->orders().Start("rest:4711", kWc).ok());
  RunOrder4711("rest:4711");
  ASSERT_TRUE(service->orders().Complete("rest:4711").ok());
  ASSERT_TRUE(service->DrainOnce().ok());
  const std::string k1 = enterprise::IdempotencyKey("rest:4711", "actuals.completion", 1);
  ASSERT_EQ(erp->Ledger().applied, std::vector<std::string>{k1});

  Put(0, "2026-01-05T06:35:00Z", 5);
  Put(0, "2026-01-05T06:38:00Z", 1);
  ops_->Pump();
  clock_.Set(T("2026-01-05T07:05:00Z"));
  ASSERT_TRUE(ops_->CloseUpTo(T("2026-01-05T07:05:00Z")).ok());
  const std::string k2 = enterprise::IdempotencyKey("rest:4711", "actuals.correction", 1);
  auto outbox = enterprise::Outbox::Open((dir_ / "operations.sqlite").string(), {}, clock_).value();
  ASSERT_TRUE(outbox->Get(k2).ok()) << "no correction enqueued";
  ASSERT_TRUE(service->DrainOnce().ok());
  EXPECT_EQ(erp->Ledger().applied, (std::vector<std::string>{k1, k2}));
  const enterprise::OrderActuals was =
      enterprise::ActualsFromJson(outbox->Get(k1).value().payload).value();
  const enterprise::OrderActuals now =
      enterprise::ActualsFromJson(outbox->Get(k2).value().payload).value();
  EXPECT_EQ(now.correction, 1u);
  EXPECT_EQ(now.corrects, k1);
  EXPECT_TRUE(now.final);
  EXPECT_EQ(now.good, was.good);
  EXPECT_EQ(now.run_time, was.run_time - 3 * kMinute);
  EXPECT_FALSE(now.energy_pending);
  EXPECT_NEAR(now.energy_kwh, 7.5, 1e-9);  // the order's span is the same

  Result<std::string> page =
      service->ReconciliationJson(T("2026-01-05T00:00:00Z"), T("2026-01-06T00:00:00Z"));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const nlohmann::json o = nlohmann::json::parse(*page)["orders"][0];
  EXPECT_TRUE(o.value("ok", false)) << o.dump();
  EXPECT_EQ(o["delivered"]["idempotency_key"], k2);
  ASSERT_EQ(o["corrections"].size(), 1u) << o.dump();
  EXPECT_EQ(o["corrections"][0]["changes"], nlohmann::json({"run_time_s 2100 -> 1920"}))
      << o.dump();
  service->Stop();
}

}  // namespace
}  // namespace gantry
