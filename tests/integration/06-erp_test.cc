// 06: the ERP loop through the running plant against a real Tryton 6.0 started by the test on
// loopback: a production released in Tryton appears in Gantry (and a change or a cancellation in
// Tryton follows it there), it is started on the simulated filler, produced, completed, and its
// actuals land in Tryton once, equal to Gantry's own ledger; the reconciliation page agrees.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "../erp/tryton_fixture.h"
#include "demo_plant.h"
#include "enterprise/tryton_adapter.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kFiller[] = "acme/plant1/packaging/line1/filler";

// Polls `get` until `done` holds for its JSON (or the deadline passes); returns the last JSON.
template <typename Done>
json PollJson(int port, const std::string& target, std::chrono::seconds within, Done done) {
  json last;
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    auto r = testing::HttpGet(port, target);
    if (r.status == 200) {
      last = json::parse(r.body, nullptr, false);
      if (!last.is_discarded() && done(last)) return last;
    }
    std::this_thread::sleep_for(200ms);
  }
  return last;
}

TEST(GantryErp, TrytonOrderIsMadeOnTheSimulatorAndItsActualsLandInTrytonOnce) {
  // Where the test's time goes (it should stay under ~40 s on a quiet machine).
  const auto test_start = Clock::now();
  auto phase = [&](const char* what) {
    std::printf("06-erp %5.1f s: %s\n",
                std::chrono::duration<double>(Clock::now() - test_start).count(), what);
  };
  testing::TrytonServer tryton;
  if (!tryton.skip_reason().empty())
    GTEST_SKIP() << "Tryton not available: " << tryton.skip_reason();
  ASSERT_TRUE(tryton.running()) << tryton.start_error();

  phase("Tryton started");
  // The shared script makes the master data and the first production; the second is a copy of
  // it made over JSON-RPC (production.copy: a new reference, its own moves; a fraction of a
  // second instead of the script's second run).
  auto first = tryton.DemoOrder("GANTRY-E2E-1", 100);
  ASSERT_TRUE(first.count("production_id"));
  const std::string id1 = first.at("production_id");
  enterprise::TrytonConfig tc;
  tc.endpoint = {"127.0.0.1", tryton.port(), 30 * kSecond};
  tc.password = "admin";
  tc.warehouse = 5;
  tc.scrap_location = 4;  // so that reading back tells output from scrap
  auto erp = enterprise::TrytonAdapter::Connect(tc);
  ASSERT_TRUE(erp.ok()) << erp.status().ToString();
  auto copied =
      (*erp)->Call("model.production.copy", "[[" + id1 + "], {\"reference\": \"GANTRY-E2E-2\"}]");
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  const json copy_ids = json::parse(*copied, nullptr, false);
  ASSERT_TRUE(copy_ids.is_array() && copy_ids.size() == 1) << *copied;
  const std::string id2 = std::to_string(copy_ids[0].get<int64_t>());
  ASSERT_NE(id1, id2);

  phase("two productions made in Tryton");
  // The planner releases both; WH gets its scrap location.
  ASSERT_TRUE((*erp)->Call("model.production.wait", "[[" + id1 + ", " + id2 + "]]").ok());
  ASSERT_TRUE(
      (*erp)
          ->Call("model.stock.location.write", R"([[5], {"waste_locations": [["add", [4]]]}])")
          .ok());

  // The demo plant plus an erp: section pointing at this Tryton, pulled every second.
  const std::string data = "/tmp/gantry-erp-e2e-" + std::to_string(getpid());
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  const std::string config = data + "-plant.yaml";
  {
    // Actuals become final once the intervals up to completion are recorded, which the demo
    // holds back by its 2 min micro-stop threshold; a second keeps the test short.
    std::string text = testing::DemoPlantYamlMidShift();
    ASSERT_FALSE(text.empty());
    const size_t at = text.find("micro_stop_threshold: 2m");
    ASSERT_NE(at, std::string::npos);
    text.replace(at, 24, "micro_stop_threshold: 1s");
    std::ofstream out(config);
    out << text << "\nerp:\n  tryton:\n    url: http://127.0.0.1:" << tryton.port()
        << "\n    password: admin\n    warehouse: 5\n    scrap_location: 4\n    poll_every: 1s\n"
        << "    work_centres: {\"Assembly Line 1\": " << kFiller << "}\n"
        << "  outbox: {drain_every: 100ms, first_backoff: 200ms}\n";
  }
  testing::Child gantry({GANTRY_EXE, "demo", "--config", config, "--port", "0", "--sim-port", "0",
                         "--time-scale", "60", "--data", data});
  ASSERT_TRUE(gantry.WaitForOutput("Gantry is running", 30s)) << gantry.Output();
  const int port = testing::PortFromBanner(gantry.Output());
  ASSERT_GT(port, 0) << gantry.Output();

  phase("gantry demo running");
  // Both orders appear in Gantry, released, mapped to the filler.
  const std::string key1 = "tryton:" + id1, key2 = "tryton:" + id2;
  json o1 = PollJson(port, "/api/v1/orders/" + key1, 20s, [](const json&) { return true; });
  ASSERT_TRUE(o1.is_object() && o1.value("key", "") == key1) << o1.dump() << gantry.Output();
  EXPECT_EQ(o1.value("state", ""), "released");
  EXPECT_EQ(o1.value("product", ""), "FG-WIDGET");
  EXPECT_EQ(o1.value("work_centre", ""), kFiller);
  EXPECT_DOUBLE_EQ(o1.value("quantity", 0.0), 100);
  ASSERT_EQ(testing::HttpGet(port, "/api/v1/orders/" + key2).status, 200);

  phase("orders pulled");
  // The planner takes the first back to draft, raises it to 120 and releases it again: Gantry
  // follows (not running yet). The second is cancelled in Tryton: cancelled in Gantry.
  ASSERT_TRUE((*erp)->Call("model.production.draft", "[[" + id1 + "]]").ok());
  ASSERT_TRUE((*erp)->Call("model.production.write", "[[" + id1 + "], {\"quantity\": 120}]").ok());
  ASSERT_TRUE((*erp)->Call("model.production.wait", "[[" + id1 + "]]").ok());
  ASSERT_TRUE((*erp)->Call("model.production.cancel", "[[" + id2 + "]]").ok());
  o1 = PollJson(port, "/api/v1/orders/" + key1, 15s,
                [](const json& j) { return j.value("quantity", 0.0) == 120; });
  EXPECT_DOUBLE_EQ(o1.value("quantity", 0.0), 120) << o1.dump();
  EXPECT_EQ(o1.value("state", ""), "released");
  json o2 = PollJson(port, "/api/v1/orders/" + key2, 15s,
                     [](const json& j) { return j.value("state", "") == "cancelled"; });
  EXPECT_EQ(o2.value("state", ""), "cancelled") << o2.dump();

  phase("change and cancellation followed");
  // The operator starts it on the filler; the simulator produces; the operator completes it.
  auto started = testing::HttpPost(port, "/api/v1/orders/" + key1 + "/start", "{}");
  ASSERT_EQ(started.status, 200) << started.body;
  std::this_thread::sleep_for(5s);
  auto completed = testing::HttpPost(port, "/api/v1/orders/" + key1 + "/complete", "{}");
  ASSERT_EQ(completed.status, 200) << completed.body;
  const auto completed_at = Clock::now();

  // Its final actuals are delivered to Tryton (acknowledged in the outbox).
  json delivered = PollJson(port, "/api/v1/outbox?state=delivered", 40s, [&](const json& j) {
    for (const json& m : j)
      if (m.value("order_key", "") == key1 && m.value("kind", "") == "actuals.completion")
        return true;
    return false;
  });
  const double latency_s = std::chrono::duration<double>(Clock::now() - completed_at).count();
  std::printf("completion -> acknowledged by Tryton (polled every 200 ms): %.2f s\n", latency_s);
  json message;
  for (const json& m : delivered)
    if (m.value("order_key", "") == key1) message = m;
  ASSERT_TRUE(message.is_object())
      << delivered.dump() << "\n"
      << testing::HttpGet(port, "/api/v1/outbox").body << "\n"
      << gantry.Output().substr(gantry.Output().size() > 20000 ? gantry.Output().size() - 20000
                                                               : 0);

  phase("actuals acknowledged");
  // Gantry's ledger (the order's progress once complete) equals what Tryton holds.
  json done = json::parse(testing::HttpGet(port, "/api/v1/orders/" + key1).body);
  ASSERT_TRUE(done.contains("progress")) << done.dump();
  const double good = done["progress"].value("good", -1.0);
  const double scrap = done["progress"].value("scrap", -1.0);
  EXPECT_GT(good, 0) << "the simulator produced nothing while the order ran: " << done.dump();
  EXPECT_DOUBLE_EQ(message["payload"].value("good", -2.0), good);
  EXPECT_DOUBLE_EQ(message["payload"].value("scrap", -2.0), scrap);
  // Energy and its cost travel with the actuals (the filler has a meter; the demo's tariff is in
  // EUR), fixed once before delivery and equal to the ledger's figure for the order.
  const json& payload = message["payload"];
  ASSERT_TRUE(payload["energy_kwh"].is_number()) << payload.dump();
  const double kwh = payload["energy_kwh"].get<double>();
  EXPECT_GT(kwh, 0) << payload.dump();
  EXPECT_GT(payload.value("energy_cost", 0.0), 0) << payload.dump();
  EXPECT_EQ(payload.value("currency", ""), "EUR") << payload.dump();
  EXPECT_NEAR(done["progress"].value("energy_kwh", -1.0), kwh, 1e-6 * kwh) << done.dump();
  auto held = (*erp)->ReadProduction(std::stoll(id1));
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->state, "done");
  EXPECT_DOUBLE_EQ(held->output_quantity, good);
  EXPECT_DOUBLE_EQ(held->scrap_quantity, scrap);
  EXPECT_EQ(held->gantry_keys, std::vector<std::string>{message.value("idempotency_key", "")});
  ASSERT_EQ(held->consumed.count("RM-STEEL"), 1u);
  // The BOM (50 kg, kept by the planner when raising the order to 120) scaled by what was made.
  // (Tryton keeps 2 decimals for kg.)
  EXPECT_NEAR(held->consumed["RM-STEEL"], 50.0 * (good + scrap) / 120.0, 0.0051);

  // The reconciliation page shows the order without a difference.
  json page = json::parse(testing::HttpGet(port, "/api/v1/actuals/reconciliation").body);
  bool found = false;
  for (const json& o : page["orders"]) {
    if (o.value("key", "") != key1) continue;
    found = true;
    EXPECT_TRUE(o.value("ok", false)) << o.dump();
    EXPECT_DOUBLE_EQ(o["erp"].value("good", -1.0), good);
    EXPECT_DOUBLE_EQ(o["delivered"].value("energy_kwh", -1.0), kwh) << o.dump();
    EXPECT_NEAR(o["ledger"].value("energy_kwh", -1.0), kwh, 1e-6 * kwh) << o.dump();
  }
  EXPECT_TRUE(found) << page.dump();
  // Material cost from Tryton: FG-WIDGET has no bill under the demo's costs.products and
  // RM-STEEL no standard cost, so the order's ERP bill (50 kg for 120) is priced at Tryton's
  // cost price of RM-STEEL (3.20 per kg in the demo database): per unit made 50/120 x 3.20.
  // Over the order's own span (epoch seconds, the demo's simulated clock).
  const int64_t span_from = done["progress"].value("from", int64_t{0}) / kSecond;
  const int64_t span_to = done["progress"].value("to", int64_t{0}) / kSecond + 1;
  json cost = json::parse(testing::HttpGet(port, std::string("/api/v1/cost?scope=") + kFiller +
                                                     "&by=order&from=" + std::to_string(span_from) +
                                                     "&to=" + std::to_string(span_to))
                              .body,
                          nullptr, false);
  ASSERT_TRUE(cost.is_object() && cost["groups"].contains(key1)) << cost.dump();
  EXPECT_NEAR(cost["groups"][key1].value("material_cost", -1.0), (good + scrap) * 50.0 / 120 * 3.20,
              1e-6)
      << cost.dump();

  auto metrics = testing::HttpGet(port, "/metrics");
  EXPECT_NE(metrics.body.find("gantry_outbox_backlog 0"), std::string::npos) << metrics.body;

  phase("checked");
  gantry.Signal(SIGTERM);
  EXPECT_EQ(gantry.Wait(20s), 0) << gantry.Output();
  std::filesystem::remove_all(data);
  std::filesystem::remove(config);
  phase("gantry stopped");
}

}  // namespace
}  // namespace gantry
