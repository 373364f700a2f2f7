#include "data/uns/uns_publisher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "data/uns/uns_test_transport.h"

namespace gantry::uns {
namespace {

constexpr Timestamp kT0 = 1'700'000'000'000'000'000;

TagRegistry Filler() {
  std::vector<TagConfig> tags(3);
  tags[0].path = "acme/plant1/packaging/line1/filler/speed";
  tags[1].path = "acme/plant1/packaging/line1/filler/temperature";
  tags[2].path = "acme/plant1/packaging/line1/capper/speed";
  return TagRegistry::Build(std::move(tags)).value();
}

Sample At(TagId tag, int second, Value v, Quality q = Quality::Good()) {
  return Sample{tag, kT0 + second * kSecond, std::move(v), q};
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

struct Plant {
  TagRegistry registry = Filler();
  TagBus bus;
  CurrentValues values{registry.size()};
  TestBroker broker;
  std::unique_ptr<UnsPublisher> uns;
  explicit Plant(UnsOptions o = {}) {
    o.reconnect_min = 10 * kMillisecond;
    o.reconnect_max = 20 * kMillisecond;
    uns = std::make_unique<UnsPublisher>(registry, bus, &values,
                                         std::make_unique<TestTransport>(broker), o);
  }
  void Publish(std::vector<Sample> batch) {
    values.Apply(batch);
    bus.Publish(std::move(batch));
  }
  // Waits until the publisher has nothing queued and has seen `n` messages go out.
  void Settle(size_t n) {
    ASSERT_TRUE(broker.WaitFor(n)) << broker.Messages().size() << " messages";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
};

TEST(UnsPublisher, AValueChangeIsPublishedOnceAndAnUnchangedReReadIsNot) {
  Plant p;
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 120.5)});
  p.Settle(1);
  p.Publish({At(0, 1, 120.5), At(0, 2, 120.5)});  // two polls, same value and quality
  p.Publish({At(0, 3, 121.0)});
  p.Settle(2);
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].subject, "uns.acme.plant1.packaging.line1.filler.speed");
  EXPECT_TRUE(Contains(m[0].payload, R"("value":120.5})")) << m[0].payload;
  EXPECT_TRUE(Contains(m[1].payload, R"("time":"2023-11-14T22:13:23.000Z","value":121.0})"))
      << m[1].payload;
  UnsStats s = p.uns->Stats();
  EXPECT_EQ(s.published_values, 2u);
  EXPECT_EQ(s.suppressed, 2u);
  EXPECT_TRUE(s.connected);
}

TEST(UnsPublisher, AQualityChangeIsPublishedAndABadReadKeepsTheLastValue) {
  Plant p;
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(1, 0, 71.2)});
  p.Publish({At(1, 1, Value(), Quality::BadNotConnected())});
  p.Settle(2);
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_TRUE(Contains(m[1].payload, R"("quality":"BadNotConnected","quality_code":2156527616,)"))
      << m[1].payload;
  EXPECT_TRUE(Contains(m[1].payload, R"("value":71.2})")) << m[1].payload;
}

TEST(UnsPublisher, DeadbandOfATagGroupHoldsBackSmallChanges) {
  UnsOptions o;
  o.deadbands = {{"acme/plant1/packaging/line1/filler", 0.5}};
  Plant p(o);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 100.0), At(2, 0, 100.0)});
  p.Publish({At(0, 1, 100.3), At(2, 1, 100.3)});  // filler within 0.5; the capper has none
  p.Publish({At(0, 2, 100.6)});                   // 0.6 from the last published 100.0
  p.Settle(4);
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 4u);
  EXPECT_TRUE(Contains(m[2].subject, "capper") && Contains(m[2].payload, "100.3"));
  EXPECT_TRUE(Contains(m[3].subject, "filler") && Contains(m[3].payload, "100.6"));
}

TEST(UnsPublisher, OnlyTheConfiguredPrefixesArePublished) {
  UnsOptions o;
  o.tag_prefixes = {"acme/plant1/packaging/line1/capper"};
  Plant p(o);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 1.0), At(1, 0, 2.0), At(2, 0, 3.0)});
  p.Settle(1);
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].subject, "uns.acme.plant1.packaging.line1.capper.speed");
}

TEST(UnsPublisher, WhileTheBrokerIsDownChangesAreBufferedThenLatestStateFirstThenBacklog) {
  UnsOptions o;
  o.buffer_messages = 3;
  Plant p(o);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 1.0), At(1, 0, 50.0)});
  p.Settle(2);
  p.broker.up.store(false);
  // Four changes of the speed while down: a buffer of 3 drops the oldest.
  for (int i = 1; i <= 4; ++i) p.Publish({At(0, i, 1.0 + i)});
  for (int i = 0; i < 100 && p.uns->Stats().connected; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  UnsStats down = p.uns->Stats();
  EXPECT_FALSE(down.connected);
  EXPECT_EQ(down.backlog, 3u);
  EXPECT_EQ(down.dropped, 1u);
  p.broker.up.store(true);
  p.Settle(2 + 2 + 3);  // snapshot of both tags, then the three buffered changes
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 7u);
  EXPECT_TRUE(Contains(m[2].payload, R"("value":5.0})")) << m[2].payload;  // latest first
  EXPECT_FALSE(Contains(m[2].payload, "backlog"));
  EXPECT_TRUE(Contains(m[3].payload, R"("value":50.0})")) << m[3].payload;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Contains(m[4 + i].payload, R"({"backlog":true,)")) << m[4 + i].payload;
    EXPECT_TRUE(Contains(m[4 + i].payload, "\"value\":" + std::to_string(3 + i) + ".0}"))
        << m[4 + i].payload;
  }
  UnsStats up = p.uns->Stats();
  EXPECT_EQ(up.backlog, 0u);
  EXPECT_EQ(up.connects, 2u);
  EXPECT_EQ(up.connection_losses, 1u);
  EXPECT_EQ(up.published_snapshot, 2u);  // the first connect sends no snapshot
}

TEST(UnsPublisher, PeriodicRepublishSendsTheFullState) {
  UnsOptions o;
  o.republish_every = 200 * kMillisecond;
  Plant p(o);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 1.0), At(1, 0, 2.0), At(2, 0, 3.0)});
  p.Settle(3 + 3);  // the changes, then one full state
  EXPECT_GE(p.uns->Stats().published_snapshot, 3u);
}

TEST(UnsPublisher, EventsGoToTheWorkCentreSubjectInOrder) {
  Plant p;
  ASSERT_TRUE(p.uns->Start().ok());
  p.uns->PublishEvent({"acme/plant1/packaging/line1/filler", "state", R"({"category":"a"})"});
  p.uns->PublishEvent({"acme/plant1/packaging/line1/filler", "order", R"({"action":"start"})"});
  p.Settle(2);
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].subject, "uns.events.acme.plant1.packaging.line1.filler.state");
  EXPECT_EQ(m[1].subject, "uns.events.acme.plant1.packaging.line1.filler.order");
  EXPECT_EQ(m[1].payload, R"({"action":"start"})");
  EXPECT_EQ(p.uns->Stats().published_events, 2u);
}

TEST(UnsPublisher, CurrentValueRequestIsAnsweredFromCurrentValues) {
  Plant p;
  p.values.Apply({At(0, 5, 99.5), At(1, 5, 20.0)});
  ASSERT_TRUE(p.broker.handler);
  std::optional<std::string> one =
      p.broker.handler("uns.$current.acme.plant1.packaging.line1.filler.speed", "");
  ASSERT_TRUE(one);
  EXPECT_TRUE(Contains(*one, R"("value":99.5})")) << *one;
  std::optional<std::string> node =
      p.broker.handler("uns.$current.acme.plant1.packaging.line1.filler", "");
  ASSERT_TRUE(node);
  EXPECT_EQ(node->front(), '[');
  EXPECT_TRUE(Contains(*node, "filler/speed") && Contains(*node, "filler/temperature")) << *node;
  EXPECT_TRUE(Contains(*p.broker.handler("uns.$current.acme.nothing", ""), "error"));
  EXPECT_TRUE(Contains(*p.broker.handler("uns.$current.a..b", ""), "error"));
}

TEST(UnsPublisher, AStalledBrokerNeverSlowsIngest) {
  UnsOptions o;
  o.queue_samples = 1000;
  Plant p(o);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, 1.0)});
  p.Settle(1);
  p.broker.stalled.store(true);  // the publisher thread hangs in Publish from its next message
  p.Publish({At(0, 1, 2.0)});
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 20'000; ++i) p.Publish({At(1, 2 + i, static_cast<double>(i))});
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(5));  // 20 000 batches; nothing waited for the broker
  EXPECT_EQ(p.values.Get(1).value, Value(19'999.0));  // ingest went on
  UnsStats s = p.uns->Stats();
  EXPECT_GT(s.bus_dropped, 15'000u);  // the publisher's own queue (1000) overflowed, counted
  p.broker.stalled.store(false);
}

TEST(UnsPublisher, AMessageTheBrokerRefusesIsDroppedAndTheRestGoesOn) {
  Plant p;
  p.broker.max_payload.store(1000);
  ASSERT_TRUE(p.uns->Start().ok());
  p.Publish({At(0, 0, Value(std::string(5000, 'x'))), At(1, 0, 20.0)});
  p.Settle(1);
  std::vector<RecordedMessage> m = p.broker.Messages();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].subject, "uns.acme.plant1.packaging.line1.filler.temperature");
  UnsStats s = p.uns->Stats();
  EXPECT_EQ(s.refused, 1u);
  EXPECT_EQ(s.backlog, 0u);
  EXPECT_TRUE(s.connected);
}

TEST(UnsPublisher, MetricsNameEveryCounter) {
  Plant p;
  const std::string m = p.uns->MetricsText();
  for (const char* name : {"gantry_uns_connected 0", "gantry_uns_published_values_total 0",
                           "gantry_uns_dropped_total 0", "gantry_uns_backlog 0"})
    EXPECT_TRUE(Contains(m, name)) << name << "\n" << m;
}

}  // namespace
}  // namespace gantry::uns
