// Interoperability: Gantry's connector against an independent Modbus TCP server, npm
// modbus-serial's ServerTCP (tests/interop/modbus_server.js), started and killed by the test.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_process.h"
#include "field/modbus/modbus_test_sink.h"

namespace gantry::modbus {
namespace {

using namespace std::chrono_literals;

const std::string kScript = std::string(GANTRY_SOURCE_DIR) + "/tests/interop/modbus_server.js";

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

// Starts the node server on `port`; nullptr when it did not report ready within 10 s.
std::unique_ptr<ChildProcess> StartNodeServer(int port, std::string& output) {
  auto p = std::make_unique<ChildProcess>(
      std::vector<std::string>{"node", kScript, std::to_string(port)});
  auto ready = p->WaitForLine([](const std::string& l) { return l.rfind("ready", 0) == 0; }, 10s);
  output = p->Output();
  if (!ready) return nullptr;
  return p;
}

bool HaveNodePeer() {
  return system("command -v node >/dev/null 2>&1") == 0 &&
         std::filesystem::exists(std::string(GANTRY_SOURCE_DIR) +
                                 "/tests/interop/node_modules/modbus-serial");
}

PointConfig Point(const std::string& name, Table table, uint16_t offset, WireType type,
                  ValueType published) {
  PointConfig p;
  p.tag.path = "acme/plant1/packaging/line1/filler/" + name;
  p.table = table;
  p.offset = offset;
  p.type = type;
  p.tag.type = published;
  return p;
}

TEST(ModbusInterop, ConnectorReadsAnIndependentServerAndSurvivesItsRestart) {
  if (!HaveNodePeer()) {
    GTEST_SKIP() << "node or tests/interop/node_modules missing (scripts/deps.sh --test)";
  }
  std::unique_ptr<ChildProcess> node;
  std::string output;
  int port = 0;
  for (int attempt = 0; attempt < 5 && !node; ++attempt) {
    port = FreePort();
    node = StartNodeServer(port, output);
  }
  ASSERT_TRUE(node) << "node modbus server did not start:\n" << output;

  DeviceConfig d;
  d.name = "filler-plc";
  d.host = "127.0.0.1";
  d.port = port;
  d.timeout = 500 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 50 * kMillisecond}};
  d.points = {Point("count", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("temp", Table::kHoldingRegister, 1, WireType::kFloat32, ValueType::kDouble),
              Point("running", Table::kHoldingRegister, 3, WireType::kUint16, ValueType::kBool),
              Point("order", Table::kHoldingRegister, 10, WireType::kString, ValueType::kString),
              Point("pressure", Table::kInputRegister, 5, WireType::kInt16, ValueType::kInt64),
              Point("motor", Table::kCoil, 0, WireType::kBool, ValueType::kBool),
              Point("door", Table::kDiscreteInput, 1, WireType::kBool, ValueType::kBool),
              Point("guard", Table::kDiscreteInput, 2, WireType::kBool, ValueType::kBool),
              Point("beyond", Table::kHoldingRegister, 2000, WireType::kUint16, ValueType::kInt64)};
  d.points[2].bit = 3;
  d.points[3].string_length = 4;
  std::vector<TagId> ids;
  for (TagId i = 0; i < d.points.size(); ++i) ids.push_back(i);

  CollectingSink sink;
  ModbusConnector c(d, ids, sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 8) && sink.Has(8); }, 10s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(0).value, Value(int64_t{1234}));
  EXPECT_EQ(sink.Latest(1).value, Value(12.5));
  EXPECT_EQ(sink.Latest(2).value, Value(true));
  EXPECT_EQ(sink.Latest(3).value, Value("P-17"));
  EXPECT_EQ(sink.Latest(4).value, Value(int64_t{-125}));
  EXPECT_EQ(sink.Latest(5).value, Value(true));
  EXPECT_EQ(sink.Latest(6).value, Value(false));
  EXPECT_EQ(sink.Latest(7).value, Value(true));
  EXPECT_EQ(sink.Latest(8).quality, Quality::BadOutOfRange());  // its exception 02

  node->Kill();
  ASSERT_TRUE(
      sink.WaitFor([&] { return sink.Latest(0).quality == Quality::BadNotConnected(); }, 5s))
      << sink.Dump();
  node = StartNodeServer(port, output);
  ASSERT_TRUE(node) << "node modbus server did not restart on port " << port << ":\n" << output;
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 8); }, 10s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(1).value, Value(12.5));
  EXPECT_GE(c.Health().reconnects, 1u);
  c.Stop();
}

}  // namespace
}  // namespace gantry::modbus
