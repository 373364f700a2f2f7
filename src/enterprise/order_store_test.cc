#include "enterprise/order_store.h"

#include <gtest/gtest.h>

namespace gantry::enterprise {
namespace {

ProductionOrder TrytonOrder(double quantity) {
  ProductionOrder o;
  o.source = "tryton";
  o.external_id = "12";
  o.product = "FG-WIDGET";
  o.quantity = quantity;
  o.unit = "pc";
  o.state = OrderState::kReleased;
  o.bom = {{"RM-STEEL", quantity / 2, "kg"}};
  return o;
}

TEST(OrderStore, SurvivesReopenAndFindsByExternalId) {
  ManualClock clock(1'800'000'000 * kSecond);
  const std::string path = ::testing::TempDir() + "/order_store_reopen.sqlite";
  std::remove(path.c_str());
  {
    auto store = OrderStore::Open(path, clock);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Create(TrytonOrder(100)).ok());
    ASSERT_TRUE((*store)->Start("tryton:12", "acme/plant1/assembly/line1").ok());
  }
  auto store = OrderStore::Open(path, clock);
  ASSERT_TRUE(store.ok());
  auto o = (*store)->Get("12");
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->order.state, OrderState::kRunning);
  EXPECT_EQ(o->order.work_centre, "acme/plant1/assembly/line1");
  EXPECT_EQ((*store)->Create(TrytonOrder(100)).code(), StatusCode::kAlreadyExists);
}

TEST(OrderStore, ErpChangeIsTakenOverBeforeStartAndFlaggedWhileRunning) {
  ManualClock clock(1'800'000'000 * kSecond);
  auto store = OrderStore::Open(":memory:", clock);
  ASSERT_TRUE(store.ok());
  OrderStore& s = **store;
  auto r = s.SyncFromErp(TrytonOrder(100));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->what, ErpSync::kCreated);
  EXPECT_EQ(s.SyncFromErp(TrytonOrder(100))->what, ErpSync::kUnchanged);

  ProductionOrder more = TrytonOrder(120);
  more.version = 2;
  r = s.SyncFromErp(more);
  EXPECT_EQ(r->what, ErpSync::kUpdated);
  EXPECT_NE(r->detail.find("quantity 100 -> 120"), std::string::npos) << r->detail;
  EXPECT_DOUBLE_EQ(s.Get("tryton:12")->order.quantity, 120);
  EXPECT_EQ(s.Get("tryton:12")->order.state, OrderState::kReleased);

  ASSERT_TRUE(s.Start("tryton:12", "").ok());
  ProductionOrder even_more = TrytonOrder(150);
  r = s.SyncFromErp(even_more);
  EXPECT_EQ(r->what, ErpSync::kFlagged);
  auto running = s.Get("tryton:12");
  EXPECT_DOUBLE_EQ(running->order.quantity, 120) << "a running order keeps its quantity";
  EXPECT_NE(running->flag.find("120 -> 150"), std::string::npos) << running->flag;
  EXPECT_EQ(s.SyncFromErp(even_more)->what, ErpSync::kUnchanged) << "flagged once";

  ProductionOrder cancelled = TrytonOrder(150);
  cancelled.state = OrderState::kCancelled;
  EXPECT_EQ(s.SyncFromErp(cancelled)->what, ErpSync::kFlagged);
  EXPECT_EQ(s.Get("tryton:12")->order.state, OrderState::kRunning);
  EXPECT_NE(s.Get("tryton:12")->flag.find("cancelled in the ERP while running"), std::string::npos);
}

// A cost price changing in the ERP while the order itself is unchanged (Tryton: the material's
// cost_price; the production's write_date does not move) is taken over at the next pull while
// the order is released or running; a completed order keeps the price it had at completion.
TEST(OrderStore, ErpCostPriceChangeAloneIsFollowedUntilTheOrderCompletes) {
  ManualClock clock(1'800'000'000 * kSecond);
  auto store = OrderStore::Open(":memory:", clock);
  ASSERT_TRUE(store.ok());
  OrderStore& s = **store;
  auto priced = [](std::optional<double> cost) {
    ProductionOrder o = TrytonOrder(100);
    o.bom[0].unit_cost = cost;
    return o;
  };
  ASSERT_EQ(s.SyncFromErp(priced(3.20))->what, ErpSync::kCreated);
  EXPECT_EQ(s.SyncFromErp(priced(3.20))->what, ErpSync::kUnchanged);

  auto r = s.SyncFromErp(priced(3.50));  // same version, only the price moved
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->what, ErpSync::kUpdated);
  EXPECT_EQ(r->detail, "cost price RM-STEEL 3.2 -> 3.5");
  EXPECT_EQ(s.Get("tryton:12")->order.bom[0].unit_cost, 3.50);
  EXPECT_EQ(s.Get("tryton:12")->order.version, 1);

  ASSERT_TRUE(s.Start("tryton:12", "").ok());
  r = s.SyncFromErp(priced(3.60));
  EXPECT_EQ(r->what, ErpSync::kUpdated);
  EXPECT_EQ(s.Get("tryton:12")->order.bom[0].unit_cost, 3.60) << "followed while running";
  EXPECT_TRUE(s.Get("tryton:12")->flag.empty()) << "a price is no change to flag";

  // A plan change while running is flagged once; a price change beside it is still taken over.
  ProductionOrder more = priced(3.70);
  more.quantity = 150;
  r = s.SyncFromErp(more);
  EXPECT_EQ(r->what, ErpSync::kFlagged);
  EXPECT_NE(r->detail.find("cost price RM-STEEL 3.6 -> 3.7"), std::string::npos) << r->detail;
  more.bom[0].unit_cost = 3.80;
  EXPECT_EQ(s.SyncFromErp(more)->what, ErpSync::kUpdated);
  EXPECT_EQ(s.Get("tryton:12")->order.bom[0].unit_cost, 3.80);
  EXPECT_DOUBLE_EQ(s.Get("tryton:12")->order.quantity, 100) << "a running order keeps its plan";

  ASSERT_TRUE(s.Complete("tryton:12").ok());
  EXPECT_EQ(s.SyncFromErp(priced(9.99))->what, ErpSync::kUnchanged);
  EXPECT_EQ(s.Get("tryton:12")->order.bom[0].unit_cost, 3.80) << "the price at completion";
  // A price the ERP drops (none now) is followed too while the order is open.
  ProductionOrder other = priced(2.00);
  other.external_id = "13";
  ASSERT_EQ(s.SyncFromErp(other)->what, ErpSync::kCreated);
  other.bom[0].unit_cost.reset();
  EXPECT_EQ(s.SyncFromErp(other)->detail, "cost price RM-STEEL 2 -> none");
}

TEST(OrderStore, ErpCancellationCancelsAReleasedOrder) {
  ManualClock clock(1'800'000'000 * kSecond);
  auto store = OrderStore::Open(":memory:", clock);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->SyncFromErp(TrytonOrder(10)).ok());
  ProductionOrder cancelled = TrytonOrder(10);
  cancelled.state = OrderState::kCancelled;
  EXPECT_EQ((*store)->SyncFromErp(cancelled)->what, ErpSync::kCancelled);
  EXPECT_EQ((*store)->Get("tryton:12")->order.state, OrderState::kCancelled);
  EXPECT_EQ((*store)->Start("tryton:12", "").status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace gantry::enterprise
