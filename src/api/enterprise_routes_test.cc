#include "api/enterprise_routes.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/api_routes.h"
#include "data/current_values.h"
#include "data/tag_registry.h"

namespace gantry {
namespace {

using json = nlohmann::json;
using enterprise::OrderStore;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The module over an in-memory order store and a fake shop floor that records transitions.
class EnterpriseRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = OrderStore::Open(":memory:", clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    EnterpriseApi api;
    api.orders = store_.get();
    api.apply_order = [this](const ops::OrderTransition& t, const std::string& by) -> Status {
      if (t.work_centre != "acme/plant1/assembly/line1")
        return NotFound("no work centre '" + t.work_centre + "'");
      transitions_.push_back(t);
      who_ = by;
      return Status::Ok();
    };
    api.progress = [](const std::string& key) -> Result<enterprise::OrderActuals> {
      enterprise::OrderActuals a;
      a.order_key = key;
      a.good = 25;
      a.scrap = 1;
      return a;
    };
    module_ = EnterpriseRoutes(std::move(api));
  }

  HttpReply Call(std::string_view method, std::string_view target, std::string_view body = {}) {
    auto t = ParseRequestTarget(target);
    EXPECT_TRUE(t.ok());
    ApiRequest r{method, *t, body, clock_.Now(), "olga", "operator", "127.0.0.1"};
    std::optional<HttpReply> reply = module_.handle(r);
    EXPECT_TRUE(reply.has_value()) << target;
    return reply ? *reply : HttpReply{};
  }

  static constexpr const char* kOrder =
      R"({"external_id":"4711","product":"FG-WIDGET","quantity":100,"unit":"pc",
          "work_centre":"acme/plant1/assembly/line1","state":"draft",
          "bom":[{"material":"RM-STEEL","quantity":50,"unit":"kg"}]})";

  ManualClock clock_{1'800'000'000 * kSecond};
  std::unique_ptr<OrderStore> store_;
  RouteModule module_;
  std::vector<ops::OrderTransition> transitions_;
  std::string who_;
};

TEST_F(EnterpriseRoutesTest, OrderIsCreatedReleasedStartedAndCompletedOnTheShopFloor) {
  HttpReply created = Call("POST", "/api/v1/orders", kOrder);
  ASSERT_EQ(created.status, 201u) << created.body;
  EXPECT_EQ(json::parse(created.body)["key"], "rest:4711");
  EXPECT_EQ(Call("POST", "/api/v1/orders", kOrder).status, 409u) << "same key twice";

  // A draft cannot start; release first.
  EXPECT_EQ(Call("POST", "/api/v1/orders/rest:4711/start", "{}").status, 409u);
  EXPECT_EQ(Call("POST", "/api/v1/orders/4711/release").status, 200u);
  HttpReply started = Call("POST", "/api/v1/orders/rest:4711/start", "{}");
  ASSERT_EQ(started.status, 200u) << started.body;
  EXPECT_EQ(json::parse(started.body)["state"], "running");
  ASSERT_EQ(transitions_.size(), 1u);
  EXPECT_EQ(transitions_[0].order, "rest:4711");
  EXPECT_EQ(transitions_[0].product, "FG-WIDGET");
  EXPECT_EQ(transitions_[0].action, ops::OrderTransition::Action::kStart);
  EXPECT_EQ(who_, "olga");

  EXPECT_EQ(Call("POST", "/api/v1/orders/rest:4711/resume").status, 409u) << "not paused";
  EXPECT_EQ(json::parse(Call("POST", "/api/v1/orders/rest:4711/pause").body)["paused"], true);
  EXPECT_EQ(Call("POST", "/api/v1/orders/rest:4711/resume").status, 200u);

  json one = json::parse(Call("GET", "/api/v1/orders/rest:4711").body);
  EXPECT_EQ(one["progress"]["good"], 25);
  EXPECT_DOUBLE_EQ(one["progress"]["percent"].get<double>(), 25.0);
  EXPECT_EQ(Call("PATCH", "/api/v1/orders/rest:4711", R"({"quantity":120})").status, 409u)
      << "a running order is not changed from the ERP side";

  HttpReply done = Call("POST", "/api/v1/orders/rest:4711/complete");
  ASSERT_EQ(done.status, 200u) << done.body;
  EXPECT_EQ(json::parse(done.body)["state"], "completed");
  ASSERT_EQ(transitions_.size(), 4u);  // start, pause, resume, complete
  EXPECT_EQ(transitions_.back().action, ops::OrderTransition::Action::kComplete);

  json running = json::parse(Call("GET", "/api/v1/orders?state=completed").body);
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/orders?state=running").body).size(), 0u);
}

TEST_F(EnterpriseRoutesTest, ProblemRepliesNameTheField) {
  HttpReply bad = Call("POST", "/api/v1/orders",
                       R"({"external_id":"1","product":"P","quantity":5,"unit":"pc",
                           "bom":[{"material":"M","quantity":0,"unit":"kg"}]})");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(json::parse(bad.body)["parameter"], "bom[0].quantity") << bad.body;

  HttpReply typo =
      Call("POST", "/api/v1/orders", R"({"external_id":"1","product":"P","qty":5,"unit":"pc"})");
  EXPECT_EQ(json::parse(typo.body)["parameter"], "qty") << typo.body;

  ASSERT_EQ(Call("POST", "/api/v1/orders", kOrder).status, 201u);
  HttpReply patched = Call("PATCH", "/api/v1/orders/rest:4711", R"({"quantity":120})");
  ASSERT_EQ(patched.status, 200u) << patched.body;
  EXPECT_EQ(json::parse(patched.body)["quantity"], 120);
  EXPECT_EQ(json::parse(patched.body)["version"], 2);
  HttpReply state = Call("PATCH", "/api/v1/orders/rest:4711", R"({"state":"running"})");
  EXPECT_EQ(json::parse(state.body)["parameter"], "state") << state.body;

  EXPECT_EQ(json::parse(Call("GET", "/api/v1/orders?state=paused").body)["parameter"], "state");
  EXPECT_EQ(Call("GET", "/api/v1/orders/nope").status, 404u);
  // Releasing and starting on a work centre the engine does not know.
  ASSERT_EQ(Call("POST", "/api/v1/orders/rest:4711/release").status, 200u);
  HttpReply wc = Call("POST", "/api/v1/orders/rest:4711/start", R"({"work_centre":"x/y"})");
  EXPECT_EQ(wc.status, 404u) << wc.body;
  EXPECT_EQ(json::parse(Call("GET", "/api/v1/orders/rest:4711").body)["state"], "released");
}

TEST_F(EnterpriseRoutesTest, B2mmlImportCreatesOrdersAndErrorsNameElementAndLine) {
  const std::string dir = std::string(GANTRY_SOURCE_DIR) + "/tests/erp/b2mml/";
  HttpReply ok = Call("POST", "/api/v1/orders/b2mml", ReadFile(dir + "schedule_two_orders.xml"));
  ASSERT_EQ(ok.status, 201u) << ok.body;
  EXPECT_EQ(json::parse(ok.body)["created"].size(), 2u);
  EXPECT_EQ(Call("POST", "/api/v1/orders/b2mml", ReadFile(dir + "schedule_two_orders.xml")).status,
            409u);

  HttpReply bad = Call("POST", "/api/v1/orders/b2mml", ReadFile(dir + "bad_quantity.xml"));
  EXPECT_EQ(bad.status, 400u);
  json p = json::parse(bad.body);
  EXPECT_EQ(p["parameter"], "QuantityString");
  EXPECT_NE(p["detail"].get<std::string>().find(":10:"), std::string::npos) << bad.body;
}

TEST_F(EnterpriseRoutesTest, OutboxRoutesWithoutAnOutboxAnswer503AndOthersAreNotOurs) {
  EXPECT_EQ(Call("GET", "/api/v1/outbox").status, 503u);
  auto t = ParseRequestTarget("/api/v1/tags");
  ApiRequest r{"GET", *t, {}, 0, "", "", ""};
  EXPECT_FALSE(module_.handle(r).has_value());
}

}  // namespace
}  // namespace gantry
