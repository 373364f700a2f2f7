// Gantry as a Sparkplug B edge node against independent peers started by the test on 127.0.0.1:
// Debian's mosquitto and a host-side subscriber written with npm mqtt and sparkplug-payload
// (tests/interop/mqtt_uns_subscriber.js --sparkplug). Each is killed by the test when done.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "data/uns/sparkplug_edge_node.h"
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
const char* kSpeed = "acme/plant1/packaging/line1/filler/speed";
const char* kCount = "acme/plant1/packaging/line1/filler/count";
const char* kRunning = "acme/plant1/packaging/line1/filler/running";

bool HavePeers() {
  return mqtt::testing::HaveMqttPeers(GANTRY_SOURCE_DIR, "sparkplug-payload");
}

TagRegistry Filler() {
  std::vector<TagConfig> tags(3);
  tags[0].path = kSpeed;
  tags[0].unit = "bpm";
  tags[1].path = kCount;
  tags[1].type = ValueType::kInt64;
  tags[2].path = kRunning;
  tags[2].type = ValueType::kBool;
  return TagRegistry::Build(std::move(tags)).value();
}

// The next message on `topic_part` the subscriber printed, or null after `timeout`.
json Next(PeerProcess& sub, const std::string& topic_part, std::chrono::milliseconds timeout = 5s) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    std::optional<std::string> l =
        sub.WaitForLine("{\"topic\"", std::chrono::duration_cast<std::chrono::milliseconds>(
                                          end - std::chrono::steady_clock::now()));
    if (!l) return nullptr;
    json m = json::parse(*l, nullptr, false);
    if (m.is_object() && m["topic"].get<std::string>().find(topic_part) != std::string::npos)
      return m;
  }
  return nullptr;
}

std::map<std::string, json> ByName(const json& payload) {
  std::map<std::string, json> out;
  for (const json& m : payload["metrics"]) out[m["name"].get<std::string>()] = m;
  return out;
}

TEST(SparkplugEdgeNode, QualityIsTheOpcDaByteIgnitionReads) {
  EXPECT_EQ(SparkplugQuality(Quality::Good()), 192);
  EXPECT_EQ(SparkplugQuality(Quality(0x40000000u)), 64);
  EXPECT_EQ(SparkplugQuality(Quality::BadNotConnected()), 0);
}

TEST(SparkplugEdgeNode, AHostSeesBirthDataByAliasRebirthAndDeathWithTheBirthsBdSeq) {
  if (!HavePeers())
    GTEST_SKIP() << "mosquitto, node or npm sparkplug-payload missing (scripts/deps.sh --test)";
  MosquittoBroker broker;
  ASSERT_TRUE(broker.ready()) << broker.why_not();
  PeerProcess host({"node", kSubscriber, "--port", std::to_string(broker.port()), "--filter",
                    "spBv1.0/Acme/#", "--sparkplug"});
  ASSERT_TRUE(host.WaitForLine("ready", 15s)) << host.Output();

  TagRegistry registry = Filler();
  TagBus bus;
  SparkplugEdgeSettings sp;
  sp.client.port = broker.port();
  sp.client.client_id = "gantry-edge-test";
  sp.client.reconnect_min = 100 * kMillisecond;
  sp.client.reconnect_max = 200 * kMillisecond;
  sp.group_id = "Acme";
  sp.edge_node_id = "gantry-plant1";
  SparkplugEdgeNode edge(registry, bus, sp);
  ASSERT_TRUE(edge.Start().ok());

  // NBIRTH: seq 0, bdSeq 0, Node Control/Rebirth, every tag by path with alias and datatype;
  // nothing read yet: is_null, Quality 0.
  json birth = Next(host, "/NBIRTH/gantry-plant1");
  ASSERT_TRUE(birth.is_object()) << host.Output();
  EXPECT_EQ(birth["topic"], "spBv1.0/Acme/NBIRTH/gantry-plant1");
  EXPECT_EQ(birth["data"]["seq"], 0);
  std::map<std::string, json> m = ByName(birth["data"]);
  ASSERT_EQ(m.size(), 5u) << birth;
  EXPECT_EQ(m["bdSeq"]["value"], 0);
  EXPECT_EQ(m["bdSeq"]["datatype"], "Int64");
  EXPECT_EQ(m["Node Control/Rebirth"]["value"], false);
  EXPECT_EQ(m[kSpeed]["datatype"], "Double");
  EXPECT_EQ(m[kCount]["datatype"], "Int64");
  EXPECT_EQ(m[kRunning]["datatype"], "Boolean");
  EXPECT_EQ(m[kSpeed]["alias"], 1);
  EXPECT_EQ(m[kCount]["alias"], 2);
  EXPECT_EQ(m[kRunning]["alias"], 3);
  EXPECT_TRUE(m[kSpeed]["is_null"]);
  EXPECT_EQ(m[kSpeed]["properties"]["Quality"]["value"], 0);
  EXPECT_EQ(m[kSpeed]["properties"]["engUnit"]["value"], "bpm");

  // Changes go out as NDATA by alias, seq 1, 2, ...; unchanged re-reads do not.
  bus.Publish({Sample{0, kT0, Value(120.5), Quality::Good()},
               Sample{1, kT0, Value(int64_t{-7}), Quality::Good()}});
  json d = Next(host, "/NDATA/");
  ASSERT_TRUE(d.is_object()) << host.Output();
  EXPECT_EQ(d["data"]["seq"], 1);
  ASSERT_EQ(d["data"]["metrics"].size(), 2u) << d;
  EXPECT_TRUE(d["data"]["metrics"][0]["name"].is_null());
  EXPECT_EQ(d["data"]["metrics"][0]["alias"], 1);
  EXPECT_EQ(d["data"]["metrics"][0]["value"], 120.5);
  EXPECT_EQ(d["data"]["metrics"][0]["timestamp"], kT0 / kMillisecond);
  EXPECT_EQ(d["data"]["metrics"][0]["properties"]["Quality"]["value"], 192);
  EXPECT_EQ(d["data"]["metrics"][1]["alias"], 2);
  EXPECT_EQ(d["data"]["metrics"][1]["value"], -7);
  bus.Publish({Sample{0, kT0 + kSecond, Value(120.5), Quality::Good()}});  // unchanged
  bus.Publish({Sample{2, kT0 + kSecond, Value(true), Quality::Good()}});
  d = Next(host, "/NDATA/");
  EXPECT_EQ(d["data"]["seq"], 2);
  ASSERT_EQ(d["data"]["metrics"].size(), 1u) << d;
  EXPECT_EQ(d["data"]["metrics"][0]["alias"], 3);
  EXPECT_EQ(d["data"]["metrics"][0]["value"], true);
  // A Bad reading keeps the last value, with Quality 0.
  bus.Publish({Sample{0, kT0 + 2 * kSecond, Value(), Quality::BadNotConnected()}});
  d = Next(host, "/NDATA/");
  EXPECT_EQ(d["data"]["seq"], 3);
  EXPECT_EQ(d["data"]["metrics"][0]["value"], 120.5);
  EXPECT_EQ(d["data"]["metrics"][0]["properties"]["Quality"]["value"], 0);

  // A host asks for a rebirth: a new NBIRTH (seq 0, same bdSeq) with the current values.
  host.Send("rebirth Acme gantry-plant1");
  birth = Next(host, "/NBIRTH/");
  ASSERT_TRUE(birth.is_object()) << host.Output();
  EXPECT_EQ(birth["data"]["seq"], 0);
  m = ByName(birth["data"]);
  EXPECT_EQ(m["bdSeq"]["value"], 0);
  EXPECT_EQ(m[kCount]["value"], -7);
  EXPECT_EQ(m[kRunning]["value"], true);
  EXPECT_EQ(m[kSpeed]["value"], 120.5);
  EXPECT_EQ(m[kSpeed]["properties"]["Quality"]["value"], 0);
  bus.Publish({Sample{1, kT0 + 3 * kSecond, Value(int64_t{8}), Quality::Good()}});
  d = Next(host, "/NDATA/");
  EXPECT_EQ(d["data"]["seq"], 1);

  // The connection is lost uncleanly (another client takes the client id): the broker publishes
  // the will, NDEATH with the birth's bdSeq; Gantry reconnects and is born again with bdSeq 1.
  host.Send("takeover gantry-edge-test");
  json death = Next(host, "/NDEATH/");
  ASSERT_TRUE(death.is_object()) << host.Output();
  EXPECT_EQ(ByName(death["data"])["bdSeq"]["value"], 0);
  birth = Next(host, "/NBIRTH/");
  ASSERT_TRUE(birth.is_object()) << host.Output();
  EXPECT_EQ(birth["data"]["seq"], 0);
  m = ByName(birth["data"]);
  EXPECT_EQ(m["bdSeq"]["value"], 1);
  EXPECT_EQ(m[kCount]["value"], 8);

  // A clean stop publishes NDEATH itself, with the current bdSeq.
  SparkplugEdgeStats s = edge.Stats();
  EXPECT_EQ(s.births, 3u);
  EXPECT_EQ(s.rebirth_requests, 1u);
  EXPECT_EQ(s.ndata, 4u);
  EXPECT_EQ(s.suppressed, 1u);
  edge.Stop();
  death = Next(host, "/NDEATH/");
  ASSERT_TRUE(death.is_object()) << host.Output();
  EXPECT_EQ(ByName(death["data"])["bdSeq"]["value"], 1);
}

}  // namespace
}  // namespace gantry::uns
