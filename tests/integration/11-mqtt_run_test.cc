// 11: `gantry run` with an MQTT broker in its configuration. A Sparkplug B edge node (npm mqtt +
// sparkplug-payload) and a plain JSON publisher feed Debian's mosquitto; Gantry subscribes as a
// Sparkplug host, and the API shows the values with the edge's timestamps, /health and /metrics
// the connector; when the edge node's process dies, its tag turns BadNotConnected.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/time.h"
#include "demo_plant.h"
#include "field/mqtt/mqtt_test_peers.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The tag's value when it is a number (null before the first value), else NaN.
double Number(const json& tag) {
  return tag.contains("value") && tag["value"].is_number() ? tag["value"].get<double>() : NAN;
}

json PollTag(int port, const std::string& path, std::chrono::seconds timeout,
             const std::function<bool(const json&)>& done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  json last;
  while (std::chrono::steady_clock::now() < deadline) {
    testing::HttpReply r = testing::HttpGet(port, "/api/v1/tags/" + path);
    if (r.status == 200) {
      last = json::parse(r.body, nullptr, false);
      if (!last.is_discarded() && done(last)) return last;
    }
    std::this_thread::sleep_for(100ms);
  }
  return last;
}

TEST(MqttRun, SparkplugAndJsonTopicsReachTheApiThroughGantryRun) {
  if (!mqtt::testing::HaveMqttPeers(GANTRY_SOURCE_DIR, "mqtt"))
    GTEST_SKIP() << "node or tests/interop/node_modules missing";
  mqtt::testing::MosquittoBroker broker;
  if (!broker.ready()) GTEST_SKIP() << broker.why_not();
  const std::string port = std::to_string(broker.port());
  mqtt::testing::PeerProcess edge(
      {"node", std::string(GANTRY_SOURCE_DIR) + "/tests/interop/sparkplug_edge_node.js", "--port",
       port, "--group", "Plant1", "--node", "Line3"});
  ASSERT_TRUE(edge.WaitForLine("READY", 10s)) << edge.Output();

  const auto dir =
      std::filesystem::temp_directory_path() / ("gantry-mqtt-run-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string config = (dir / "plant.yaml").string(), data = (dir / "data").string();
  std::filesystem::create_directories(data);
  std::ofstream(config) << R"(gantry: 1
enterprise: acme
sites:
  - name: p1
    timezone: UTC
    areas:
      - name: pack
        lines:
          - name: line3
            work_centres: [filler, oven]
devices:
  - name: line3-broker
    protocol: mqtt
    host: 127.0.0.1
    port: )" << port << R"(
    reconnect: {min: 100ms, max: 1s}
    sparkplug: {host_id: gantry-p1}
    tags:
      - path: acme/p1/pack/line3/filler/speed
        sparkplug: {group: Plant1, node: Line3, device: Filler, metric: Speed}
        unit: m/min
      - path: acme/p1/pack/line3/oven/temp
        topic: plant/line3/oven/temp
        json: /value
        timestamp: /ts
        unit: degC
)";
  testing::RunResult token = testing::RunToCompletion(
      {GANTRY_EXE, "token", "create", "--data", data, "mqtt-probe", "--role", "viewer"}, 30s);
  ASSERT_EQ(token.exit_code, 0) << token.output;
  const std::string secret = token.output.substr(token.output.rfind(':') + 1);
  const std::string trimmed =
      secret.substr(secret.find_first_not_of(" \n"),
                    secret.find_last_not_of(" \n") - secret.find_first_not_of(" \n") + 1);
  testing::SetApiToken(trimmed);

  testing::Child gantry({GANTRY_EXE, "run", "--config", config, "--data", data, "--port", "0"});
  ASSERT_TRUE(gantry.WaitForOutput("Gantry is running", 30s)) << gantry.Output();
  const int api = testing::PortFromBanner(gantry.Output());
  ASSERT_GT(api, 0) << gantry.Output();

  // The births (answering Gantry's rebirth request) carry Speed = 10.5.
  json speed = PollTag(api, "acme/p1/pack/line3/filler/speed", 15s,
                       [](const json& j) { return j.value("quality", "") == "Good"; });
  ASSERT_EQ(speed.value("quality", ""), "Good") << speed.dump() << gantry.Output();
  EXPECT_EQ(Number(speed), 10.5);
  // The edge's clock is 2 s ahead of ours, to the millisecond: its time is the value's time.
  const Timestamp edge_time = (SystemClock::Instance().Now() / kMillisecond + 2000) * kMillisecond;
  edge.Send("ddata Speed 42.5 " + std::to_string(edge_time / kMillisecond));
  speed = PollTag(api, "acme/p1/pack/line3/filler/speed", 10s,
                  [](const json& j) { return Number(j) == 42.5; });
  EXPECT_EQ(Number(speed), 42.5) << speed.dump();
  EXPECT_EQ(speed.value("time", ""), FormatIso8601(edge_time)) << speed.dump();

  edge.Send(R"(pub plant/line3/oven/temp {"value": 181.5, "ts": ")" +
            FormatIso8601(edge_time + kSecond) + "\"}");
  json temp = PollTag(api, "acme/p1/pack/line3/oven/temp", 10s,
                      [](const json& j) { return Number(j) == 181.5; });
  EXPECT_EQ(temp.value("quality", ""), "Good") << temp.dump();
  EXPECT_EQ(temp.value("time", ""), FormatIso8601(edge_time + kSecond)) << temp.dump();

  json health = json::parse(testing::HttpGet(api, "/health").body, nullptr, false);
  ASSERT_TRUE(health.is_object());
  bool connected = false;
  for (const json& c : health["connectors"])
    if (c.value("device", "") == "line3-broker") connected = c.value("state", "") == "connected";
  EXPECT_TRUE(connected) << health.dump();
  const std::string metrics = testing::HttpGet(api, "/metrics").body;
  EXPECT_NE(metrics.find("gantry_connector_connected{device=\"line3-broker\"} 1"),
            std::string::npos)
      << metrics;

  edge.Kill(SIGKILL);  // the broker publishes the edge node's will: NDEATH
  speed = PollTag(api, "acme/p1/pack/line3/filler/speed", 10s,
                  [](const json& j) { return j.value("quality", "") == "BadNotConnected"; });
  EXPECT_EQ(speed.value("quality", ""), "BadNotConnected") << speed.dump();

  gantry.Signal(SIGTERM);
  EXPECT_EQ(gantry.Wait(30s), 0) << gantry.Output();
  testing::SetApiToken("");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry
