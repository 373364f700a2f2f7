// 15: an engineer writes a Sparkplug B metric from the HTTP API: `gantry run` with an MQTT broker
// (Debian's mosquitto) and `writes: enabled`; the write goes route -> MachineWrites ->
// MqttConnector -> DCMD -> the edge node (tests/interop/sparkplug_edge_node.js), which applies it
// and reports it in DDATA, so the tag's current value follows. The refusals: a value out of the
// metric's Int32 range (400), a plain topic without write_topic (422), a dead edge node (503).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "demo_plant.h"
#include "field/mqtt/mqtt_test_peers.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string EngineerToken(const std::string& data) {
  testing::RunResult r = testing::RunToCompletion(
      {GANTRY_EXE, "token", "create", "--data", data, "eve", "--role", "engineer"}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  const std::regex re("(gnt_[A-Za-z0-9_-]+)");
  return std::regex_search(r.output, m, re) ? std::string(m[1]) : std::string();
}

TEST(MqttWrite, AnEngineerWritesASparkplugMetricAndTheEdgeNodesDataConfirmsIt) {
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
      std::filesystem::temp_directory_path() / ("gantry-mqtt-write-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "data");
  const std::string config = (dir / "plant.yaml").string(), data = (dir / "data").string();
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
    writes: enabled
    tags:
      - path: acme/p1/pack/line3/filler/speed
        sparkplug: {group: Plant1, node: Line3, device: Filler, metric: Speed}
      - path: acme/p1/pack/line3/filler/count
        sparkplug: {group: Plant1, node: Line3, device: Filler, metric: Count}
        type: int64
      - path: acme/p1/pack/line3/oven/door
        topic: plant/line3/oven/door
        type: bool
)";
  const std::string engineer = EngineerToken(data);
  ASSERT_FALSE(engineer.empty());
  const std::string bearer = "Authorization: Bearer " + engineer + "\r\n";

  testing::Child gantry({GANTRY_EXE, "run", "--config", config, "--data", data, "--port", "0"});
  ASSERT_TRUE(gantry.WaitForOutput("Gantry is running", 30s)) << gantry.Output();
  const int api = testing::PortFromBanner(gantry.Output());
  ASSERT_GT(api, 0) << gantry.Output();
  const std::string tags = "/api/v1/tags/acme/p1/pack/line3/";
  auto wait_for = [&](const std::string& tag, const std::function<bool(const json&)>& done) {
    json last;
    for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(100ms)) {
      last = json::parse(testing::HttpRequest(api, "GET", tags + tag, "", bearer, false).body,
                         nullptr, false);
      if (last.is_object() && done(last)) break;
    }
    return last;
  };
  auto is = [](double v) {
    return [v](const json& j) { return j["value"].is_number() && j["value"].get<double>() == v; };
  };
  auto write = [&](const std::string& tag, const std::string& body) {
    return testing::HttpRequest(api, "POST", tags + tag + "/write", body, bearer, false);
  };
  json speed = wait_for("filler/speed", is(10.5));  // the births
  ASSERT_EQ(speed.value("quality", ""), "Good") << speed.dump() << gantry.Output();

  const testing::HttpReply ok = write("filler/speed", R"({"value": 42.5})");
  ASSERT_EQ(ok.status, 200) << ok.body << gantry.Output();
  EXPECT_TRUE(edge.WaitForLine("CMD DCMD Speed alias=1 type=Double value=42.5 qos=0", 5s))
      << edge.Output();
  speed = wait_for("filler/speed", is(42.5));
  EXPECT_EQ(speed["value"], 42.5) << speed.dump();
  EXPECT_EQ(speed.value("quality", ""), "Good") << speed.dump();

  const testing::HttpReply too_big = write("filler/count", R"({"value": 3000000000})");
  EXPECT_EQ(too_big.status, 400) << too_big.body;
  EXPECT_NE(too_big.body.find("Int32"), std::string::npos) << too_big.body;
  const testing::HttpReply read_only = write("oven/door", R"({"value": true})");
  EXPECT_EQ(read_only.status, 422) << read_only.body;
  EXPECT_NE(read_only.body.find("write_topic"), std::string::npos) << read_only.body;

  edge.Kill(SIGKILL);  // the broker publishes the edge node's will: NDEATH
  wait_for("filler/speed",
           [](const json& j) { return j.value("quality", "") == "BadNotConnected"; });
  const testing::HttpReply dead = write("filler/speed", R"({"value": 1})");
  EXPECT_EQ(dead.status, 503) << dead.body;
  EXPECT_NE(dead.body.find("not born"), std::string::npos) << dead.body;

  gantry.Signal(SIGTERM);
  EXPECT_EQ(gantry.Wait(30s), 0) << gantry.Output();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry
