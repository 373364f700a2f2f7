#include "app/uns_operations_feed.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/operations_service_test_plant.h"
#include "data/uns/uns_test_transport.h"

namespace gantry {
namespace {

using namespace ops_test;  // NOLINT: the test plant
using json = nlohmann::json;
using ops::OrderTransition;

const std::string kEvents = "uns.events.acme.p.a.l.m.";

TagRegistry MachineTags() {
  std::vector<TagConfig> tags(3);
  tags[0].path = std::string(kWc) + "/state";
  tags[1].path = std::string(kWc) + "/good";
  tags[2].path = std::string(kWc) + "/reject";
  return TagRegistry::Build(std::move(tags)).value();
}

// The events published so far on `kind`, as JSON.
std::vector<json> Events(uns::TestBroker& broker, const std::string& kind) {
  std::vector<json> out;
  for (const uns::RecordedMessage& m : broker.Messages())
    if (m.subject == kEvents + kind) out.push_back(json::parse(m.payload));
  return out;
}

TEST(UnsOperationsFeed, AStopAnOrderAndTheUnitsCountedArePublishedAsEvents) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  TagRegistry registry = MachineTags();
  uns::TestBroker broker;
  uns::UnsOptions options;
  options.tag_prefixes = {"acme/nothing"};  // events only, to keep the count simple
  uns::UnsPublisher publisher(registry, p.bus, nullptr,
                              std::make_unique<uns::TestTransport>(broker), options);
  ASSERT_TRUE(publisher.Start().ok());
  auto feed = UnsOperationsFeed::Create(*p.service, p.db(), publisher).value();

  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T06:00:00Z",
                                     "4711", "P-17", "anna"),
                               "anna")
                  .ok());
  p.Put("state", "2026-01-05T06:00:00Z", 1);
  p.Put("good", "2026-01-05T06:00:00Z", 0);
  p.Put("reject", "2026-01-05T06:00:00Z", 0);
  p.Put("good", "2026-01-05T06:10:00Z", 60);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:10:00Z").ok());
  ASSERT_TRUE(feed->PollOnce().ok());
  // The machine stops (state word 5: fault) at 06:20.
  p.Put("good", "2026-01-05T06:20:00Z", 100);
  p.Put("state", "2026-01-05T06:20:00Z", 5);
  p.service->Pump();
  p.clock.Set(T("2026-01-05T06:21:00Z"));
  ASSERT_TRUE(feed->PollOnce().ok());
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:30:00Z").ok());
  ASSERT_TRUE(feed->PollOnce().ok());
  ASSERT_TRUE(broker.WaitFor(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  std::vector<json> states = Events(broker, "state");
  ASSERT_EQ(states.size(), 2u) << states.size();
  EXPECT_EQ(states[0]["category"], "producing");
  EXPECT_EQ(states[0]["order"], "4711");
  EXPECT_TRUE(states[0]["previous"].is_null());
  EXPECT_EQ(states[1]["category"], "unplanned_downtime");
  EXPECT_EQ(states[1]["reason"], "unassigned");
  EXPECT_EQ(states[1]["since"], "2026-01-05T06:20:00.000Z");
  EXPECT_EQ(states[1]["previous"]["category"], "producing");

  std::vector<json> orders = Events(broker, "order");
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0]["action"], "start");
  EXPECT_EQ(orders[0]["order"], "4711");
  EXPECT_EQ(orders[0]["time"], "2026-01-05T06:00:00.000Z");
  EXPECT_GT(orders[0]["seq"].get<uint64_t>(), 0u);

  // 100 good units in 06:00-06:20 (06:00-06:10 recorded first, then the rest).
  uint64_t good = 0;
  for (const json& c : Events(broker, "count")) {
    good += c["good"].get<uint64_t>();
    EXPECT_EQ(c["order"], "4711");
  }
  EXPECT_EQ(good, 100u);
  std::vector<json> counts = Events(broker, "count");
  ASSERT_FALSE(counts.empty());
  EXPECT_GE(counts.back()["order_totals"]["good"].get<uint64_t>(), 100u);
  bool stop_recorded = false;
  for (const json& i : Events(broker, "interval"))
    stop_recorded = stop_recorded || (i["category"] == "unplanned_downtime" &&
                                      i["start"] == "2026-01-05T06:20:00.000Z" &&
                                      i["stop_start"] == "2026-01-05T06:20:00.000Z");
  EXPECT_TRUE(stop_recorded);

  // An operator names the stop's reason: a reason_assigned event.
  ASSERT_TRUE(p.service->AssignReason(kWc, T("2026-01-05T06:20:00Z"), "jam", "anna").ok());
  const size_t before = broker.Messages().size();
  ASSERT_TRUE(feed->PollOnce().ok());
  ASSERT_TRUE(broker.WaitFor(before + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<json> reasons = Events(broker, "reason_assigned");
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0]["reason"], "jam");
  EXPECT_EQ(reasons[0]["by"], "anna");
  EXPECT_EQ(reasons[0]["stop_start"], "2026-01-05T06:20:00.000Z");
  publisher.Stop();
}

TEST(UnsOperationsFeed, StoreEventsWaitInTheStoreWhileNatsIsAwayAndAcrossARestart) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  TagRegistry registry = MachineTags();
  uns::TestBroker broker;
  broker.up.store(false);  // NATS unreachable from the start
  uns::UnsOptions options;
  options.tag_prefixes = {"acme/nothing"};
  options.reconnect_min = 10 * kMillisecond;
  options.reconnect_max = 20 * kMillisecond;
  uns::UnsPublisher publisher(registry, p.bus, nullptr,
                              std::make_unique<uns::TestTransport>(broker), options);
  ASSERT_TRUE(publisher.Start().ok());
  const std::string cursor = p.db() + ".uns-seq";
  auto feed = UnsOperationsFeed::Create(*p.service, p.db(), publisher, cursor).value();

  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T06:00:00Z",
                                     "4711", "P-17", "anna"),
                               "anna")
                  .ok());
  ASSERT_TRUE(feed->PollOnce().ok());
  EXPECT_FALSE(std::filesystem::exists(cursor));  // the order event stayed in the store
  broker.up.store(true);
  for (int i = 0; i < 500 && !publisher.Stats().connected; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(feed->PollOnce().ok());
  ASSERT_TRUE(broker.WaitFor(2));  // the live state (buffered) and the order event
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_EQ(Events(broker, "order").size(), 1u);

  // Gantry restarts: an operator change recorded meanwhile follows, the order start does not
  // come again.
  feed.reset();
  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kOperator, "2026-01-05T06:05:00Z", "",
                                     "", "ben"),
                               "ben")
                  .ok());
  feed = UnsOperationsFeed::Create(*p.service, p.db(), publisher, cursor).value();
  const size_t before = broker.Messages().size();
  ASSERT_TRUE(feed->PollOnce().ok());
  ASSERT_TRUE(broker.WaitFor(before + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::vector<json> orders = Events(broker, "order");
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[1]["action"], "operator");
  EXPECT_EQ(orders[1]["operator"], "ben");
  EXPECT_EQ(orders[1]["seq"], orders[0]["seq"].get<uint64_t>() + 1);
  publisher.Stop();
}

}  // namespace
}  // namespace gantry
