// 14: an engineer writes a setpoint from the HTTP API to an OPC UA PLC: `gantry run` with two
// node-opcua devices (tests/interop/opcua_server.js), one with `writes: enabled`. The write goes
// route -> MachineWrites -> OpcUaConnector -> the server, and is read back twice: by an
// independent session (`gantry opcua browse`) and through Gantry's own subscription. The
// refusals: a viewer (403), a device without `writes: enabled` (409), a read-only node (422
// naming the server's BadNotWritable).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "demo_plant.h"
#include "field/opcua/interop_peer.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::string CreateToken(const std::string& data, const std::string& name, const std::string& role) {
  testing::RunResult r = testing::RunToCompletion(
      {GANTRY_EXE, "token", "create", "--data", data, name, "--role", role}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  const std::regex re("(gnt_[A-Za-z0-9_-]+)");
  return std::regex_search(r.output, m, re) ? std::string(m[1]) : std::string();
}

std::string Bearer(const std::string& token) {
  return "Authorization: Bearer " + token + "\r\n";
}

TEST(OpcUaWrite, AnEngineerWritesASetpointToTheServerAndTheRefusalsSayWhy) {
  opcua::testing::OpcUaPeer peer;
  if (!peer.ready()) GTEST_SKIP() << peer.why_not();
  const std::string ns = std::to_string(peer.namespace_index());

  const auto dir =
      std::filesystem::temp_directory_path() / ("gantry-opcua-write-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "data");
  const std::string config = (dir / "plant.yaml").string(), data = (dir / "data").string();
  std::ofstream(config) << R"(gantry: 1
enterprise: acme
sites:
  - name: p1
    timezone: UTC
    areas:
      - name: mix
        lines:
          - name: line1
            work_centres: [mixer]
devices:
  - name: mixer-ua
    protocol: opcua
    endpoint: )" << peer.endpoint_url()
                        << R"(
    security: none
    timeout: 2s
    reconnect: {min: 100ms, max: 1s}
    publishing_interval: 100ms
    writes: enabled
    tags:
      - {path: acme/p1/mix/line1/mixer/setpoint, node: 'ns=)"
                        << ns << R"(;s=Line1.Setpoint', unit: degC}
      - {path: acme/p1/mix/line1/mixer/temperature, node: 'ns=)"
                        << ns << R"(;s=Line1.Temperature', unit: degC}
  - name: mixer-ua-monitor
    protocol: opcua
    endpoint: )" << peer.endpoint_url()
                        << R"(
    security: none
    timeout: 2s
    publishing_interval: 100ms
    tags:
      - {path: acme/p1/mix/line1/mixer/mode, node: 'ns=)"
                        << ns << R"(;s=Line1.Mode', type: int64}
)";
  const std::string engineer = CreateToken(data, "eve", "engineer");
  const std::string viewer = CreateToken(data, "vic", "viewer");
  ASSERT_FALSE(engineer.empty());
  ASSERT_FALSE(viewer.empty());

  testing::Child gantry({GANTRY_EXE, "run", "--config", config, "--data", data, "--port", "0"});
  ASSERT_TRUE(gantry.WaitForOutput("Gantry is running", 30s)) << gantry.Output();
  const int api = testing::PortFromBanner(gantry.Output());
  ASSERT_GT(api, 0) << gantry.Output();
  const std::string tags = "/api/v1/tags/acme/p1/mix/line1/mixer/";
  auto value_of = [&](const std::string& tag) {
    const testing::HttpReply r =
        testing::HttpRequest(api, "GET", tags + tag, "", Bearer(viewer), false);
    return json::parse(r.body, nullptr, false);
  };
  auto wait_for = [&](const std::string& tag, const std::function<bool(const json&)>& done) {
    json last;
    for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(100ms)) {
      last = value_of(tag);
      if (last.is_object() && done(last)) break;
    }
    return last;
  };
  auto is = [](double v) {
    return [v](const json& j) { return j["value"].is_number() && j["value"].get<double>() == v; };
  };
  json setpoint = wait_for("setpoint", is(50.0));  // the server's initial value
  ASSERT_EQ(setpoint.value("quality", ""), "Good") << setpoint.dump() << gantry.Output();

  auto write = [&](const std::string& tag, const std::string& token, const std::string& body) {
    return testing::HttpRequest(api, "POST", tags + tag + "/write", body, Bearer(token), false);
  };
  const testing::HttpReply ok = write("setpoint", engineer, R"({"value": 72.5})");
  ASSERT_EQ(ok.status, 200) << ok.body << gantry.Output();
  // Read back by another client of the server, then through Gantry's own subscription.
  testing::RunResult browse = testing::RunToCompletion(
      {GANTRY_EXE, "opcua", "browse", peer.endpoint_url(), "--security", "none", "--depth", "2"},
      30s);
  ASSERT_EQ(browse.exit_code, 0) << browse.output;
  EXPECT_NE(browse.output.find("s=Line1.Setpoint  " + ns + ":Setpoint  Variable  Double  72.5"),
            std::string::npos)
      << browse.output;
  setpoint = wait_for("setpoint", is(72.5));
  EXPECT_EQ(setpoint["value"], 72.5) << setpoint.dump();
  EXPECT_EQ(setpoint.value("quality", ""), "Good") << setpoint.dump();

  const testing::HttpReply by_viewer = write("setpoint", viewer, R"({"value": 10})");
  EXPECT_EQ(by_viewer.status, 403) << by_viewer.body;
  const testing::HttpReply disabled = write("mode", engineer, R"({"value": 3})");
  EXPECT_EQ(disabled.status, 409) << disabled.body;
  EXPECT_NE(disabled.body.find("writes: enabled"), std::string::npos) << disabled.body;
  const testing::HttpReply read_only = write("temperature", engineer, R"({"value": 99})");
  EXPECT_EQ(read_only.status, 422) << read_only.body;
  EXPECT_NE(read_only.body.find("BadNotWritable"), std::string::npos) << read_only.body;
  // None of the refusals reached the server.
  EXPECT_EQ(wait_for("setpoint", is(72.5))["value"], 72.5);
  EXPECT_EQ(value_of("mode")["value"], 1);
  EXPECT_EQ(value_of("temperature")["value"], 21.5);

  // /health names the security each OPC UA device uses.
  const json health = json::parse(testing::HttpGet(api, "/health").body, nullptr, false);
  ASSERT_TRUE(health.is_object());
  for (const json& c : health["connectors"])
    EXPECT_EQ(c.value("security", ""), "None (unencrypted)") << health.dump();

  gantry.Signal(SIGTERM);
  EXPECT_EQ(gantry.Wait(30s), 0) << gantry.Output();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry
