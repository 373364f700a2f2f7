// The publisher over MQTT against independent peers started by the test on 127.0.0.1: Debian's
// mosquitto and a subscriber written with npm mqtt (tests/interop/mqtt_uns_subscriber.js). Each
// is killed by the test (by its own pid) when done.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/uns/mqtt_transport.h"
#include "data/uns/uns_publisher.h"
#include "data/uns/uns_subject.h"
#include "field/mqtt/mqtt_test_peers.h"

namespace gantry::uns {
namespace {

using json = nlohmann::json;
using mqtt::testing::MosquittoBroker;
using mqtt::testing::PeerProcess;
using namespace std::chrono_literals;

const std::string kSubscriber =
    std::string(GANTRY_SOURCE_DIR) + "/tests/interop/mqtt_uns_subscriber.js";
constexpr Timestamp kT0 = 1'700'000'000'000'000'000;
const char* kSpeed = "uns/acme/plant1/packaging/line1/filler/speed";
const char* kTemperature = "uns/acme/plant1/packaging/line1/filler/temperature";
const char* kCapper = "uns/acme/plant1/packaging/line1/capper/speed";

bool HavePeers() {
  return mqtt::testing::HaveMqttPeers(GANTRY_SOURCE_DIR, "mqtt");
}

std::unique_ptr<PeerProcess> StartSubscriber(uint16_t port, const std::string& filter) {
  auto p = std::make_unique<PeerProcess>(std::vector<std::string>{
      "node", kSubscriber, "--port", std::to_string(port), "--filter", filter});
  if (!p->WaitForLine("ready", 15s)) {
    ADD_FAILURE() << "subscriber did not start:\n" << p->Output();
    return nullptr;
  }
  return p;
}

// The next message the subscriber printed, or null after `timeout`.
json NextMessage(PeerProcess& sub, std::chrono::milliseconds timeout = 5s) {
  std::optional<std::string> l = sub.WaitForLine("{\"topic\"", timeout);
  if (!l) return nullptr;
  return json::parse(*l, nullptr, false);
}

TagRegistry Line() {
  std::vector<TagConfig> tags(3);
  tags[0].path = "acme/plant1/packaging/line1/filler/speed";
  tags[1].path = "acme/plant1/packaging/line1/filler/temperature";
  tags[2].path = "acme/plant1/packaging/line1/capper/speed";
  return TagRegistry::Build(std::move(tags)).value();
}

Sample At(TagId tag, int second, Value v, Quality q = Quality::Good()) {
  return Sample{tag, kT0 + second * kSecond, std::move(v), q};
}

MqttUnsSettings Settings(uint16_t port) {
  MqttUnsSettings m;
  m.client.port = port;
  m.client.client_id = "gantry-uns-test";
  m.client.connect_timeout = 500 * kMillisecond;
  m.client.reconnect_min = 100 * kMillisecond;
  m.client.reconnect_max = 100 * kMillisecond;
  return m;
}

struct Plant {
  TagRegistry registry = Line();
  TagBus bus;
  CurrentValues values{registry.size()};
  MqttTransport* transport = nullptr;  // owned by uns
  std::unique_ptr<UnsPublisher> uns;
  explicit Plant(MqttUnsSettings m) {
    auto t = std::make_unique<MqttTransport>(m, "uns");
    transport = t.get();
    UnsOptions o;
    o.serve_current = false;
    o.reconnect_min = 50 * kMillisecond;
    o.reconnect_max = 200 * kMillisecond;
    uns = std::make_unique<UnsPublisher>(registry, bus, &values, std::move(t), o);
  }
  void Publish(std::vector<Sample> batch) {
    values.Apply(batch);
    bus.Publish(std::move(batch));
  }
  bool WaitUntil(const std::function<bool(const UnsStats&)>& want, std::chrono::seconds limit) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (want(uns->Stats())) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

TEST(UnsOverMqtt, ASubjectBecomesATopicWithoutWildcardsOrADollarStart) {
  EXPECT_EQ(TopicOfSubject(TagSubject("uns", "acme/plant1/a+b/c#d/$x/e.f")),
            "uns/acme/plant1/a%2Bb/c%23d/$x/e%2Ef");
  EXPECT_EQ(TopicOfSubject("site1.uns.events.acme.state"), "site1/uns/events/acme/state");
}

TEST(UnsOverMqtt, ValuesArriveRetainedAndALateSubscriberGetsTheLatestState) {
  if (!HavePeers()) GTEST_SKIP() << "mosquitto, node or npm mqtt missing (scripts/deps.sh --test)";
  MosquittoBroker broker;
  ASSERT_TRUE(broker.ready()) << broker.why_not();
  std::unique_ptr<PeerProcess> sub = StartSubscriber(broker.port(), "uns/#");
  ASSERT_TRUE(sub);
  Plant p(Settings(broker.port()));
  ASSERT_TRUE(p.uns->Start().ok());
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.connected; }, 5s));

  // A change arrives once, on the path's topic, with the JSON of docs/uns.md.
  p.Publish({At(0, 0, 120.5), At(1, 0, 71.0)});
  json m = NextMessage(*sub);
  ASSERT_TRUE(m.is_object()) << sub->Output();
  EXPECT_EQ(m["topic"], kSpeed);
  EXPECT_EQ(m["data"], json::parse(R"({"path":"acme/plant1/packaging/line1/filler/speed",
      "quality":"Good","quality_code":0,"time":"2023-11-14T22:13:20.000Z","value":120.5})"));
  EXPECT_EQ(NextMessage(*sub)["topic"], kTemperature);
  // Unchanged re-reads are not republished: the capper's first value is the next message.
  p.Publish({At(0, 1, 120.5), At(1, 1, 71.0)});
  p.Publish({At(2, 1, 30.0)});
  EXPECT_EQ(NextMessage(*sub)["topic"], kCapper);
  p.Publish({At(0, 2, 121.0)});
  EXPECT_EQ(NextMessage(*sub)["data"]["value"], 121.0);
  // An operations event: delivered live, never retained.
  p.uns->PublishEvent({"acme/plant1/packaging/line1/filler", "state", R"({"category":"running"})"});
  m = NextMessage(*sub);
  EXPECT_EQ(m["topic"], "uns/events/acme/plant1/packaging/line1/filler/state");
  EXPECT_EQ(m["data"]["category"], "running");
  ASSERT_TRUE(p.transport->Flush(2 * kSecond).ok());

  // A subscriber that comes later gets the latest value of every tag from the broker at once,
  // marked retained, and no event.
  std::unique_ptr<PeerProcess> late = StartSubscriber(broker.port(), "uns/#");
  ASSERT_TRUE(late);
  std::map<std::string, json> got;
  for (int i = 0; i < 3; ++i) {
    json r = NextMessage(*late, 3s);
    ASSERT_TRUE(r.is_object()) << late->Output();
    EXPECT_TRUE(r["retained"]) << r;
    got[r["topic"]] = r["data"];
  }
  EXPECT_EQ(got[kSpeed]["value"], 121.0);
  EXPECT_EQ(got[kTemperature]["value"], 71.0);
  EXPECT_EQ(got[kCapper]["value"], 30.0);
  EXPECT_TRUE(NextMessage(*late, 300ms).is_null()) << late->Output();
  UnsStats s = p.uns->Stats();
  EXPECT_EQ(s.published_values, 4u);
  EXPECT_EQ(s.published_events, 1u);
  EXPECT_EQ(s.suppressed, 2u);
  p.uns->Stop();
}

TEST(UnsOverMqtt, ABrokerRestartDeliversTheLatestStateThenTheBacklogAndKeepsTheStateRetained) {
  if (!HavePeers()) GTEST_SKIP() << "mosquitto, node or npm mqtt missing (scripts/deps.sh --test)";
  MosquittoBroker broker;  // no persistence: a restart forgets retained messages
  ASSERT_TRUE(broker.ready()) << broker.why_not();
  std::unique_ptr<PeerProcess> sub = StartSubscriber(broker.port(), "uns/#");
  ASSERT_TRUE(sub);
  MqttUnsSettings m = Settings(broker.port());
  m.client.reconnect_min = 2500 * kMillisecond;  // 2 .. 3 s between attempts (jitter)
  m.client.reconnect_max = 2500 * kMillisecond;
  Plant p(m);
  ASSERT_TRUE(p.uns->Start().ok());
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.connected; }, 5s));
  p.Publish({At(0, 0, 120.5), At(1, 0, 71.0), At(2, 0, 30.0)});
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(NextMessage(*sub).is_object()) << sub->Output();

  // The broker goes away: five speed changes are buffered.
  broker.Stop();
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return !s.connected; }, 5s));
  for (int i = 1; i <= 5; ++i) p.Publish({At(0, 10 + i, 120.5 + i)});
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.backlog == 5; }, 5s));
  // Restart right after a failed attempt, so that the subscriber (retrying every 100 ms) is
  // back before Gantry's next attempt, at least 2 s later.
  const mqtt::MqttClient& client = p.transport->client();
  const uint64_t failed = client.failed_attempts();
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (client.failed_attempts() == failed && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(5ms);
  ASSERT_GT(client.failed_attempts(), failed);
  ASSERT_TRUE(broker.Start()) << broker.why_not();
  ASSERT_TRUE(sub->WaitForLine("reconnected", 5s)) << sub->Output();
  EXPECT_EQ(client.connects(), 1u) << "Gantry was back before the subscriber";

  // Latest state of every tag first (retained again), then the backlog in order, marked.
  std::vector<json> got;
  for (int i = 0; i < 3 + 5; ++i) got.push_back(NextMessage(*sub, 10s));
  ASSERT_TRUE(got.back().is_object()) << sub->Output();
  EXPECT_EQ(got[0]["topic"], kSpeed);
  EXPECT_EQ(got[0]["data"]["value"], 125.5);
  EXPECT_FALSE(got[0]["data"].contains("backlog"));
  EXPECT_EQ(got[1]["topic"], kTemperature);
  EXPECT_EQ(got[2]["topic"], kCapper);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(got[3 + i]["topic"], kSpeed);
    EXPECT_EQ(got[3 + i]["data"]["backlog"], true);
    EXPECT_EQ(got[3 + i]["data"]["value"], 121.5 + i);
  }
  // The backlog (older than the state) was not retained: a late subscriber sees the latest.
  ASSERT_TRUE(p.transport->Flush(2 * kSecond).ok());
  std::unique_ptr<PeerProcess> late = StartSubscriber(broker.port(), kSpeed);
  ASSERT_TRUE(late);
  json r = NextMessage(*late, 3s);
  EXPECT_TRUE(r["retained"]) << late->Output();
  EXPECT_EQ(r["data"]["value"], 125.5);
  EXPECT_FALSE(r["data"].contains("backlog"));
  UnsStats s = p.uns->Stats();
  EXPECT_EQ(s.connects, 2u);
  EXPECT_EQ(s.connection_losses, 1u);
  EXPECT_EQ(s.backlog, 0u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.published_snapshot, 3u);
  p.uns->Stop();
}

TEST(UnsOverMqtt, ABrokerThatStopsAcknowledgingIsALostConnectionAndNothingIsLost) {
  if (!HavePeers()) GTEST_SKIP() << "mosquitto, node or npm mqtt missing (scripts/deps.sh --test)";
  MosquittoBroker broker;
  ASSERT_TRUE(broker.ready()) << broker.why_not();
  MqttUnsSettings m = Settings(broker.port());
  m.max_unacknowledged = 3;
  m.stall_timeout = 300 * kMillisecond;
  Plant p(m);
  ASSERT_TRUE(p.uns->Start().ok());
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.connected; }, 5s));

  // The broker freezes: the connection stays open, nothing is acknowledged. After 3 messages
  // handed to the client the publisher waits, then counts the connection as lost and keeps the
  // rest in its own buffer (libmosquitto's queue does not grow).
  broker.Signal(SIGSTOP);
  for (int i = 0; i < 10; ++i) p.Publish({At(0, i, 100.0 + i)});
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.connection_losses == 1; }, 5s));
  EXPECT_LE(p.transport->client().unacknowledged(), 3u);
  ASSERT_TRUE(p.WaitUntil([](const UnsStats& s) { return s.backlog >= 6; }, 5s));
  EXPECT_EQ(p.uns->Stats().connects, 1u);  // no "connected again" while the broker is frozen

  // It thaws: everything is acknowledged, the latest state goes first, then the backlog.
  std::unique_ptr<PeerProcess> sub;
  broker.Signal(SIGCONT);
  ASSERT_TRUE(
      p.WaitUntil([](const UnsStats& s) { return s.connects == 2 && s.backlog == 0; }, 10s));
  ASSERT_TRUE(p.transport->Flush(2 * kSecond).ok());
  sub = StartSubscriber(broker.port(), kSpeed);
  ASSERT_TRUE(sub);
  json r = NextMessage(*sub, 3s);
  EXPECT_EQ(r["data"]["value"], 109.0) << sub->Output();
  UnsStats s = p.uns->Stats();
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(s.refused, 0u);
  EXPECT_EQ(s.published_values, 10u);
  p.uns->Stop();
}

}  // namespace
}  // namespace gantry::uns
