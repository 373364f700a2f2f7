// 13: the demo plant publishes its Unified Namespace to an independent MQTT broker (Debian's
// mosquitto, started by the test on a free loopback port) both as plain JSON topics and as a
// Sparkplug B edge node: a subscriber written with npm mqtt and sparkplug-payload
// (tests/interop/mqtt_uns_subscriber.js) sees the filler's speed on its topic, a work centre's
// state event, the NBIRTH naming the tags by path, NDATA, and NDEATH when gantry stops.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "demo_plant.h"
#include "field/mqtt/mqtt_test_peers.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

TEST(GantryUnsMqtt, DemoPlantPublishesJsonTopicsAndASparkplugEdgeNode) {
  if (!mqtt::testing::HaveMqttPeers(GANTRY_SOURCE_DIR, "sparkplug-payload"))
    GTEST_SKIP() << "mosquitto or npm sparkplug-payload missing (scripts/deps.sh --test)";
  mqtt::testing::MosquittoBroker broker;
  ASSERT_TRUE(broker.ready()) << broker.why_not();
  mqtt::testing::PeerProcess sub(
      {"node", std::string(GANTRY_SOURCE_DIR) + "/tests/interop/mqtt_uns_subscriber.js", "--port",
       std::to_string(broker.port()), "--filter", "#", "--sparkplug"});
  ASSERT_TRUE(sub.WaitForLine("ready", 15s)) << sub.Output();

  const std::string data = "/tmp/gantry-uns-mqtt-test-" + std::to_string(getpid());
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  const std::string config = data + "-plant.yaml";
  {
    const std::string text = testing::DemoPlantYamlMidShift();
    ASSERT_FALSE(text.empty());
    std::ofstream(config) << text
                          << "\nuns:\n  mqtt:\n    host: 127.0.0.1\n    port: " << broker.port()
                          << "\n    sparkplug: {group_id: Acme, edge_node_id: plant1}\n"
                             "  state_every: 200ms\n";
  }
  testing::Child demo(
      {GANTRY_EXE, "demo", "--config", config, "--port", "0", "--sim-port", "0", "--data", data});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 30s)) << demo.Output();
  const int port = testing::PortFromBanner(demo.Output());
  ASSERT_GT(port, 0) << demo.Output();

  const std::string speed_path = "acme/plant1/packaging/line1/filler/speed";
  bool speed = false, state = false, birth = false, ndata = false;
  int64_t bd_seq = -1;
  for (int i = 0; i < 5000 && !(speed && state && birth && ndata); ++i) {
    std::optional<std::string> line = sub.WaitForLine("{\"topic\"", 20s);
    ASSERT_TRUE(line) << speed << state << birth << ndata << "\n" << demo.Output();
    json m = json::parse(*line);
    const std::string topic = m["topic"];
    if (topic == "uns/" + speed_path) {
      speed = true;
      EXPECT_EQ(m["data"]["path"], speed_path);
      EXPECT_TRUE(m["data"]["time"].is_string());
    } else if (topic == "uns/events/acme/plant1/packaging/line1/filler/state") {
      state = true;
      EXPECT_FALSE(m["retained"]);
      EXPECT_TRUE(m["data"]["category"].is_string()) << *line;
    } else if (topic == "spBv1.0/Acme/NBIRTH/plant1") {
      birth = true;
      bool named = false;
      for (const json& metric : m["data"]["metrics"]) {
        if (metric["name"] == "bdSeq") bd_seq = metric["value"];
        if (metric["name"] == speed_path) {
          named = true;
          EXPECT_EQ(metric["datatype"], "Double");
          EXPECT_TRUE(metric["alias"].is_number());
        }
      }
      EXPECT_TRUE(named) << *line;
    } else if (topic == "spBv1.0/Acme/NDATA/plant1") {
      ndata = birth;
      EXPECT_FALSE(m["data"]["metrics"].empty());
    }
  }
  EXPECT_TRUE(speed && state && birth && ndata);

  const testing::HttpReply metrics = testing::HttpGet(port, "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("gantry_uns_connected 1"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("gantry_uns_sparkplug_connected 1"), std::string::npos);
  EXPECT_EQ(metrics.body.find("gantry_uns_sparkplug_births_total 0\n"), std::string::npos);
  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(20s), 0) << demo.Output();
  // A clean stop: NDEATH with the birth's bdSeq.
  bool death = false;
  for (int i = 0; i < 5000 && !death; ++i) {
    std::optional<std::string> line = sub.WaitForLine("{\"topic\"", 5s);
    ASSERT_TRUE(line) << sub.Output().substr(sub.Output().size() > 4000 ? sub.Output().size() - 4000
                                                                        : 0);
    json m = json::parse(*line);
    if (m["topic"] == "spBv1.0/Acme/NDEATH/plant1") {
      death = true;
      EXPECT_EQ(m["data"]["metrics"][0]["value"], bd_seq);
    }
  }
  std::filesystem::remove_all(data);
  std::filesystem::remove(config);
}

}  // namespace
}  // namespace gantry
