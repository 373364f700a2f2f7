// What an operator sees of real connectors on /health and /metrics: a Modbus gateway's entry is
// the connection ("connected" while the gateway answers) and lists each unit behind it with its
// state, reason and counters (npm modbus-serial as the gateway, tests/interop/modbus_server.js);
// an OPC UA device's entry names its security.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "api/api_routes.h"
#include "data/current_values.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_process.h"
#include "field/modbus/modbus_test_sink.h"
#include "field/opcua/opcua_connector.h"

namespace gantry {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

modbus::PointConfig Count(const std::string& name, int unit) {
  modbus::PointConfig p;
  p.tag.path = "acme/plant1/packaging/line1/" + name + "/count";
  p.tag.type = ValueType::kInt64;
  p.table = modbus::Table::kHoldingRegister;
  p.offset = 0;
  p.type = modbus::WireType::kUint16;
  p.unit_id = unit;
  return p;
}

TEST(ConnectorHealthRoute, HealthAndMetricsNameTheUnitThatIsDownWhileTheGatewayIsConnected) {
  const std::string script = std::string(GANTRY_SOURCE_DIR) + "/tests/interop/modbus_server.js";
  if (system("command -v node >/dev/null 2>&1") != 0 ||
      !std::filesystem::exists(std::string(GANTRY_SOURCE_DIR) +
                               "/tests/interop/node_modules/modbus-serial"))
    GTEST_SKIP() << "node or tests/interop/node_modules missing";
  std::unique_ptr<modbus::ChildProcess> node;
  int port = 0;
  for (int attempt = 0; attempt < 5 && !node; ++attempt) {
    port = FreePort();
    node = std::make_unique<modbus::ChildProcess>(std::vector<std::string>{
        "node", script, std::to_string(port), "--gateway", "--unit-fails", "3:0B"});
    if (!node->WaitForLine([](const std::string& l) { return l.rfind("ready", 0) == 0; }, 10s))
      node.reset();
  }
  ASSERT_TRUE(node);

  // Three RTU devices behind one TCP gateway: the filler (unit 1), the capper (unit 2) and the
  // labeller (unit 3), whose gateway answers "target device failed to respond".
  modbus::DeviceConfig device;
  device.name = "line1-gateway";
  device.host = "127.0.0.1";
  device.port = port;
  device.timeout = 300 * kMillisecond;
  device.poll_groups = {{"fast", 50 * kMillisecond}};
  device.points = {Count("filler", 1), Count("capper", 2), Count("labeller", 3)};
  modbus::CollectingSink sink;
  modbus::ModbusConnector connector(device, {0, 1, 2}, sink, SystemClock::Instance());
  ASSERT_TRUE(connector.Start().ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        const ConnectorHealth h = connector.Health();
        return h.units.size() == 3 && h.units[0].polls_ok > 0 && h.units[1].polls_ok > 0 &&
               h.units[2].state == UnitHealth::State::kDown;
      },
      10s))
      << sink.Dump();

  std::vector<TagConfig> tags;
  for (const modbus::PointConfig& p : device.points) tags.push_back(p.tag);
  TagRegistry registry = std::move(TagRegistry::Build(std::move(tags))).value();
  CurrentValues values(registry.size());
  ApiContext ctx;
  ctx.registry = &registry;
  ctx.values = &values;
  ctx.connectors = [&] { return std::vector<ConnectorHealth>{connector.Health()}; };

  RouteDecision health = Route(ctx, "GET", "/health");
  ASSERT_EQ(health.reply.status, 200u) << health.reply.body;
  const json body = json::parse(health.reply.body);
  const json& gateway = body["connectors"][0];
  EXPECT_EQ(gateway["device"], "line1-gateway");
  EXPECT_EQ(gateway["state"], "connected");  // the gateway answers
  const json& units = gateway["units"];
  ASSERT_EQ(units.size(), 3u) << health.reply.body;
  EXPECT_EQ(units[0]["unit"], 1);
  EXPECT_EQ(units[0]["state"], "answering");
  EXPECT_EQ(units[0]["last_error"], "");
  EXPECT_TRUE(units[0]["last_success"].is_string()) << health.reply.body;
  EXPECT_GT(units[0]["polls_ok"].get<uint64_t>(), 0u);
  EXPECT_EQ(units[0]["polls_failed"], 0);
  EXPECT_EQ(units[2]["unit"], 3);
  EXPECT_EQ(units[2]["state"], "down");
  EXPECT_EQ(units[2]["last_error"],
            "unit 3: hr:0+1: exception 0B (gateway target device failed to respond)");
  EXPECT_TRUE(units[2]["since"].is_string()) << health.reply.body;  // ISO 8601, when it went down
  EXPECT_TRUE(units[2]["last_success"].is_null());
  EXPECT_EQ(units[2]["polls_ok"], 0);
  EXPECT_GT(units[2]["polls_failed"].get<uint64_t>(), 0u);

  RouteDecision metrics = Route(ctx, "GET", "/metrics");
  ASSERT_EQ(metrics.reply.status, 200u);
  const std::string& text = metrics.reply.body;
  // The device series stay as they were; the unit series are added beside them.
  EXPECT_THAT(text, ::testing::HasSubstr("gantry_connector_connected{device=\"line1-gateway\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gantry_connector_unit_answering{device=\"line1-gateway\",unit=\"1\"} 1"));
  EXPECT_THAT(text, ::testing::HasSubstr(
                        "gantry_connector_unit_answering{device=\"line1-gateway\",unit=\"3\"} 0"));
  EXPECT_THAT(text,
              ::testing::HasSubstr(
                  "gantry_connector_unit_polls_ok_total{device=\"line1-gateway\",unit=\"3\"} 0"));
  EXPECT_THAT(text,
              ::testing::HasSubstr("# TYPE gantry_connector_unit_polls_failed_total counter"));
  connector.Stop();
}

// A connector without units or security (any other protocol) adds nothing: /health has no
// "units" or "security" key and /metrics no unit series.
TEST(ConnectorHealthRoute, ConnectorsWithoutUnitsKeepTheirOldShape) {
  std::vector<TagConfig> tags(1);
  tags[0].path = "acme/plant1/packaging/line1/filler/speed";
  TagRegistry registry = std::move(TagRegistry::Build(std::move(tags))).value();
  CurrentValues values(registry.size());
  ApiContext ctx;
  ctx.registry = &registry;
  ctx.values = &values;
  ctx.connectors = [] {
    ConnectorHealth h;
    h.device = "filler-ua";
    h.state = ConnectorState::kConnected;
    return std::vector<ConnectorHealth>{h};
  };
  const json body = json::parse(Route(ctx, "GET", "/health").reply.body);
  EXPECT_FALSE(body["connectors"][0].contains("units"));
  EXPECT_FALSE(body["connectors"][0].contains("security"));  // a connector without the choice
  EXPECT_EQ(Route(ctx, "GET", "/metrics").reply.body.find("gantry_connector_unit"),
            std::string::npos);
}

// An OPC UA device entry names the security its connector uses.
TEST(ConnectorHealthRoute, HealthNamesTheSecurityAnOpcUaDeviceUses) {
  std::vector<TagConfig> tags(1);
  tags[0].path = "acme/plant1/mixing/line1/mixer/setpoint";
  TagRegistry registry = std::move(TagRegistry::Build(std::move(tags))).value();
  CurrentValues values(registry.size());
  opcua::OpcUaDeviceConfig open_plc, secure_plc;
  open_plc.name = "mixer-ua";
  open_plc.endpoint_url = "opc.tcp://127.0.0.1:1/";  // never contacted
  open_plc.points.resize(1);
  secure_plc = open_plc;
  secure_plc.name = "oven-ua";
  secure_plc.security.policy = "Basic256Sha256";
  secure_plc.security.mode = opcua::MessageSecurityMode::kSign;
  modbus::CollectingSink sink;
  opcua::OpcUaConnector open_connector(open_plc, {0}, sink, SystemClock::Instance());
  opcua::OpcUaConnector secure_connector(secure_plc, {0}, sink, SystemClock::Instance());
  ApiContext ctx;
  ctx.registry = &registry;
  ctx.values = &values;
  ctx.connectors = [&] {
    return std::vector<ConnectorHealth>{open_connector.Health(), secure_connector.Health()};
  };
  const json body = json::parse(Route(ctx, "GET", "/health").reply.body);
  EXPECT_EQ(body["connectors"][0]["security"], "None (unencrypted)");
  EXPECT_EQ(body["connectors"][1]["security"], "Basic256Sha256/Sign");
}

}  // namespace
}  // namespace gantry
