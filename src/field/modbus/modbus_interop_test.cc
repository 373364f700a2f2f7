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
#include <thread>

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

// Starts the node server on `port` with `flags` (quirks, see the script); nullptr when it did not
// report ready within 10 s.
std::unique_ptr<ChildProcess> StartNodeServer(int port, std::string& output,
                                              const std::vector<std::string>& flags = {}) {
  std::vector<std::string> argv{"node", kScript, std::to_string(port)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  auto p = std::make_unique<ChildProcess>(argv);
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

// Starts the node server on a free port (a few attempts); nullptr when it never came up.
std::unique_ptr<ChildProcess> StartOnFreePort(int& port, std::string& output,
                                              const std::vector<std::string>& flags = {}) {
  std::unique_ptr<ChildProcess> node;
  for (int attempt = 0; attempt < 5 && !node; ++attempt) {
    port = FreePort();
    node = StartNodeServer(port, output, flags);
  }
  return node;
}

DeviceConfig Device(const std::string& name, int port, int unit_id = 1) {
  DeviceConfig d;
  d.name = name;
  d.host = "127.0.0.1";
  d.port = port;
  d.unit_id = unit_id;
  d.timeout = 500 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 50 * kMillisecond}};
  return d;
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

TEST(ModbusInterop, UnmappedRegisterAndShortRequestLimitAreSplitAroundNotLost) {
  if (!HaveNodePeer()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  int port = 0;
  std::string output;
  auto node = StartOnFreePort(port, output, {"--max-registers", "8", "--unmapped", "5"});
  ASSERT_TRUE(node) << output;
  DeviceConfig d = Device("filler-plc", port);
  // hr:0 count, hr:1..2 float 12.5, hr:3 bit 3, hr:5 unmapped, hr:10..13 "P-17": one read hr:0+14
  // as planned; the device refuses it (14 > 8 and hr:5 inside).
  d.points = {Point("count", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("temp", Table::kHoldingRegister, 1, WireType::kFloat32, ValueType::kDouble),
              Point("running", Table::kHoldingRegister, 3, WireType::kUint16, ValueType::kBool),
              Point("ghost", Table::kHoldingRegister, 5, WireType::kUint16, ValueType::kInt64),
              Point("order", Table::kHoldingRegister, 10, WireType::kString, ValueType::kString)};
  d.points[2].bit = 3;
  d.points[4].string_length = 4;
  CollectingSink sink;
  ModbusConnector c(d, {0, 1, 2, 3, 4}, sink, SystemClock::Instance());
  ASSERT_EQ(c.Reads().size(), 1u);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(
      sink.WaitFor([&] { return sink.AllGood(0, 3) && sink.AllGood(4, 1) && sink.Has(3); }, 10s))
      << sink.Dump();
  EXPECT_EQ(sink.Latest(0).value, Value(int64_t{1234}));
  EXPECT_EQ(sink.Latest(1).value, Value(12.5));
  EXPECT_EQ(sink.Latest(2).value, Value(true));
  EXPECT_EQ(sink.Latest(4).value, Value("P-17"));
  EXPECT_EQ(sink.Latest(3).quality, Quality::BadOutOfRange());
  for (const Sample& s : sink.All()) {
    if (s.tag != 3) EXPECT_TRUE(s.quality.IsGood()) << s.tag << " " << s.quality.Name();
  }
  for (const PlannedRead& r : c.Reads()) EXPECT_LE(r.quantity, 8);
  c.Stop();
}

TEST(ModbusInterop, GatewayUnitThatFailsIsBadWithItsReasonAndTheOtherUnitsStayGood) {
  if (!HaveNodePeer()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  int port = 0;
  std::string output;
  auto node = StartOnFreePort(port, output, {"--gateway", "--unit-fails", "3:0B,4:0A"});
  ASSERT_TRUE(node) << output;
  // Four RTU devices behind one TCP gateway: units 0 and 1 answer, 3 does not respond (0B),
  // the path to 4 is unavailable (0A).
  const int units[] = {0, 1, 3, 4};
  CollectingSink sink;
  std::vector<std::unique_ptr<ModbusConnector>> connectors;
  for (int i = 0; i < 4; ++i) {
    DeviceConfig d = Device("unit-" + std::to_string(units[i]), port, units[i]);
    d.points = {Point("count" + std::to_string(i), Table::kHoldingRegister, 0, WireType::kUint16,
                      ValueType::kInt64),
                Point("temp" + std::to_string(i), Table::kHoldingRegister, 1, WireType::kFloat32,
                      ValueType::kDouble),
                Point("door" + std::to_string(i), Table::kDiscreteInput, 2, WireType::kBool,
                      ValueType::kBool)};
    const TagId base = static_cast<TagId>(10 * i);
    connectors.push_back(std::make_unique<ModbusConnector>(
        d, std::vector<TagId>{base, base + 1, base + 2}, sink, SystemClock::Instance()));
    ASSERT_TRUE(connectors.back()->Start().ok());
  }
  auto bad_with = [&](TagId base, Quality q) {
    for (TagId t = base; t < base + 3; ++t) {
      if (!sink.Has(t) || !(sink.Latest(t).quality == q)) return false;
    }
    return true;
  };
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        return sink.AllGood(0, 3) && sink.AllGood(10, 3) && bad_with(20, Quality::BadTimeout()) &&
               bad_with(30, Quality::BadNoCommunication());
      },
      10s))
      << sink.Dump();
  EXPECT_EQ(sink.Latest(0).value, Value(int64_t{1234}));
  EXPECT_EQ(sink.Latest(11).value, Value(12.5));
  EXPECT_EQ(sink.Latest(12).value, Value(true));
  EXPECT_THAT(connectors[2]->Health().last_error,
              ::testing::HasSubstr("gateway target device failed to respond"));
  EXPECT_THAT(connectors[3]->Health().last_error, ::testing::HasSubstr("gateway path unavailable"));
  // The gateway answered: the failing units keep their connection (no reconnect loop) and the
  // good units never went Bad.
  for (const Sample& s : sink.All()) {
    if (s.tag < 20) EXPECT_TRUE(s.quality.IsGood()) << s.tag << " " << s.quality.Name();
  }
  EXPECT_EQ(connectors[2]->Health().state, ConnectorState::kConnected);
  EXPECT_EQ(connectors[2]->Health().reconnects, 0u);
  for (auto& c : connectors) c->Stop();
}

// Small devices that close the connection after every answer, or after a short idle time: the
// connector opens it again at once and its points never go Bad.
TEST(ModbusInterop, DeviceThatClosesAfterEachAnswerOrWhenIdleStaysGood) {
  if (!HaveNodePeer()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  for (const std::vector<std::string>& flags : {std::vector<std::string>{"--close-after-reply"},
                                                std::vector<std::string>{"--idle-close", "100"}}) {
    SCOPED_TRACE(flags[0]);
    int port = 0;
    std::string output;
    auto node = StartOnFreePort(port, output, flags);
    ASSERT_TRUE(node) << output;
    DeviceConfig d = Device("capper-plc", port);
    d.poll_groups = {{"fast", 30 * kMillisecond}, {"slow", 250 * kMillisecond}};
    d.points = {Point("count", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
                Point("pressure", Table::kInputRegister, 5, WireType::kInt16, ValueType::kInt64),
                Point("motor", Table::kCoil, 0, WireType::kBool, ValueType::kBool)};
    d.points[1].poll_group = 1;  // idle for 250 ms between its reads... on the same connection
    d.points[0].poll_group = 1;
    d.points[2].poll_group = flags[0] == "--idle-close" ? 1 : 0;
    CollectingSink sink;
    ModbusConnector c(d, {0, 1, 2}, sink, SystemClock::Instance());
    ASSERT_TRUE(c.Start().ok());
    ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 3); }, 10s)) << sink.Dump();
    const uint64_t ok_before = c.Health().polls_ok;
    std::this_thread::sleep_for(800ms);  // several slow cycles, each on a closed connection
    EXPECT_GE(c.Health().polls_ok, ok_before + 4);
    for (const Sample& s : sink.All())
      EXPECT_TRUE(s.quality.IsGood()) << s.tag << " " << s.quality.Name();
    EXPECT_EQ(sink.Latest(1).value, Value(int64_t{-125}));
    c.Stop();
  }
}

// Writes to an independent server that accepts a single TCP connection: they go over the polling
// connection (a second one would be closed at once). Register layouts in ABCD/CDAB/BADC/DCBA,
// one bit by FC03 + FC06, and FC22 refused by name (modbus-serial does not implement it).
TEST(ModbusInterop, WritesToASingleConnectionDeviceInEveryOrder) {
  if (!HaveNodePeer()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  int port = 0;
  std::string output;
  auto node = StartOnFreePort(port, output, {"--single-connection"});
  ASSERT_TRUE(node) << output;
  DeviceConfig d = Device("mixer-plc", port);
  d.writes_enabled = true;
  d.bit_writes = BitWrites::kReadModifyWrite;
  const ByteOrder bytes[] = {ByteOrder::kBig, ByteOrder::kBig, ByteOrder::kLittle,
                             ByteOrder::kLittle};
  const WordOrder words[] = {WordOrder::kHighFirst, WordOrder::kLowFirst, WordOrder::kHighFirst,
                             WordOrder::kLowFirst};
  for (int i = 0; i < 4; ++i) {
    const uint16_t at = static_cast<uint16_t>(100 + 10 * i);
    d.points.push_back(Point("temp" + std::to_string(i), Table::kHoldingRegister, at,
                             WireType::kFloat32, ValueType::kDouble));
    d.points.push_back(Point("total" + std::to_string(i), Table::kHoldingRegister, at + 2,
                             WireType::kInt64, ValueType::kInt64));
    for (size_t k = d.points.size() - 2; k < d.points.size(); ++k) {
      d.points[k].byte_order = bytes[i];
      d.points[k].word_order = words[i];
    }
  }
  d.points.push_back(
      Point("running", Table::kHoldingRegister, 3, WireType::kUint16, ValueType::kBool));
  d.points.back().bit = 5;  // hr:3 holds 0x0008 (bit 3, set by the PLC)
  d.points.push_back(
      Point("speed", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kDouble));
  d.points.back().tag.scaling = {0.5, 0};
  d.points.push_back(Point("motor", Table::kCoil, 0, WireType::kBool, ValueType::kBool));
  std::vector<TagId> ids;
  for (TagId t = 0; t < d.points.size(); ++t) ids.push_back(t);
  CollectingSink sink;
  ModbusConnector c(d, ids, sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 11); }, 10s)) << sink.Dump();
  for (TagId t = 0; t < 8; t += 2) {
    ASSERT_TRUE(c.WriteTag(t, Value(-3.75)).ok());
    ASSERT_TRUE(c.WriteTag(t + 1, Value(int64_t{-9876543210})).ok());
  }
  ASSERT_TRUE(c.WriteTag(8, Value(true)).ok());
  ASSERT_TRUE(c.WriteTag(9, Value(21.5)).ok());  // 43 on the wire
  ASSERT_TRUE(c.WriteTag(10, Value(false)).ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        for (TagId t = 0; t < 8; t += 2) {
          if (!(sink.Latest(t).value == Value(-3.75)) ||
              !(sink.Latest(t + 1).value == Value(int64_t{-9876543210})))
            return false;
        }
        return sink.Latest(8).value == Value(true) && sink.Latest(9).value == Value(21.5) &&
               sink.Latest(10).value == Value(false);
      },
      5s))
      << sink.Dump();
  c.Stop();
  EXPECT_FALSE(node->WaitForLine(
      [](const std::string& l) { return l.find("refused a second") != std::string::npos; }, 100ms))
      << "the peer saw a second connection";

  // The server kept the PLC's bit 3 next to ours (0x0028), read by a fresh connector.
  DeviceConfig check = Device("check", port);
  check.points = {Point("word", Table::kHoldingRegister, 3, WireType::kUint16, ValueType::kInt64)};
  CollectingSink seen;
  ModbusConnector reader(check, {0}, seen, SystemClock::Instance());
  ASSERT_TRUE(reader.Start().ok());
  ASSERT_TRUE(seen.WaitFor([&] { return seen.AllGood(0, 1); }, 5s)) << seen.Dump();
  EXPECT_EQ(seen.Latest(0).value, Value(int64_t{0x0028}));
  reader.Stop();

  // FC22 is not implemented by modbus-serial: refused, naming the option to use instead.
  d.bit_writes = BitWrites::kMaskWrite;
  CollectingSink masked_sink;
  ModbusConnector masked(d, ids, masked_sink, SystemClock::Instance());
  ASSERT_TRUE(masked.Start().ok());
  // (the peer may still count the reader's connection for a moment and close this one: wait)
  ASSERT_TRUE(masked_sink.WaitFor([&] { return masked_sink.AllGood(0, 11); }, 5s));
  Status s = masked.WriteTag(8, Value(false));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.message();
  EXPECT_THAT(s.message(), ::testing::HasSubstr("bit_writes: read_modify_write"));
  masked.Stop();
}

// One connector for four units behind a gateway that accepts a single TCP connection: unit 1
// answers, 3 answers 0B, 4 answers 0A, 5, 6 and 7 never answer (three timeouts in a row each
// cycle, which must not reopen the connection while unit 1 answers). Unit 1 stays Good and
// writable, each failing unit is Bad with its own reason, the shared connection is never reopened.
TEST(ModbusInterop, UnitsBehindASingleConnectionGatewayShareItAndFailAlone) {
  if (!HaveNodePeer()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  int port = 0;
  std::string output;
  auto node = StartOnFreePort(
      port, output,
      {"--gateway", "--single-connection", "--unit-fails", "3:0B,4:0A", "--unit-silent", "5,6,7"});
  ASSERT_TRUE(node) << output;
  DeviceConfig d = Device("line-gateway", port);
  d.timeout = 200 * kMillisecond;
  d.writes_enabled = true;
  d.bit_writes = BitWrites::kReadModifyWrite;
  d.points = {Point("count", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("temp", Table::kHoldingRegister, 1, WireType::kFloat32, ValueType::kDouble),
              Point("door", Table::kDiscreteInput, 2, WireType::kBool, ValueType::kBool),
              Point("count3", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("count4", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("count5", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("door5", Table::kDiscreteInput, 2, WireType::kBool, ValueType::kBool),
              Point("count6", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("count7", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64)};
  d.points[3].unit_id = 3;
  d.points[4].unit_id = 4;
  d.points[5].unit_id = 5;
  d.points[6].unit_id = 5;
  d.points[7].unit_id = 6;
  d.points[8].unit_id = 7;
  CollectingSink sink;
  ModbusConnector c(d, {0, 1, 2, 3, 4, 5, 6, 7, 8}, sink, SystemClock::Instance());
  EXPECT_EQ(c.Reads().size(), 8u);  // unit 1: hr + di; 3; 4; 5: hr + di; 6; 7 (never merged)
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        return sink.AllGood(0, 3) && sink.Has(6) &&
               sink.Latest(3).quality == Quality::BadTimeout() &&
               sink.Latest(4).quality == Quality::BadNoCommunication() &&
               sink.Latest(5).quality == Quality::BadTimeout() &&
               sink.Latest(6).quality == Quality::BadTimeout() && sink.Has(8) &&
               sink.Latest(8).quality == Quality::BadTimeout();
      },
      10s))
      << sink.Dump();
  EXPECT_EQ(sink.Latest(1).value, Value(12.5));
  ASSERT_TRUE(c.WriteTag(0, Value(int64_t{777})).ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(0).value == Value(int64_t{777}); }, 5s));
  Status dead = c.WriteTag(5, Value(int64_t{1}));
  EXPECT_EQ(dead.code(), StatusCode::kUnavailable) << dead.message();
  std::this_thread::sleep_for(1500ms);  // two cycles or more with units 5, 6, 7 silent
  for (const Sample& s : sink.All()) {
    if (s.tag < 3) EXPECT_TRUE(s.quality.IsGood()) << s.tag << " " << s.quality.Name();
  }
  EXPECT_EQ(c.Health().reconnects, 0u);
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  EXPECT_FALSE(node->WaitForLine(
      [](const std::string& l) { return l.find("refused a second") != std::string::npos; }, 50ms));
  c.Stop();
}

// Per-unit health behind a gateway: the device entry is the connection (connected while the
// gateway answers), each unit has its own state, reason, since-time and counters. Unit 1 answers
// every read, unit 2 answers but refuses one (exception 02), the gateway says unit 3 does not
// respond (0B), unit 5 never answers. After the gateway comes back with unit 3 repaired, unit 3
// answers again with a new since-time.
TEST(ModbusInterop, GatewayHealthNamesEachUnitThatIsDownAndWhy) {
  if (!HaveNodePeer()) GTEST_SKIP() << "node or tests/interop/node_modules missing";
  int port = 0;
  std::string output;
  auto node =
      StartOnFreePort(port, output, {"--gateway", "--unit-fails", "3:0B", "--unit-silent", "5"});
  ASSERT_TRUE(node) << output;
  DeviceConfig d = Device("line-gateway", port);
  d.timeout = 200 * kMillisecond;
  d.points = {Point("count1", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("count2", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("ghost2", Table::kHoldingRegister, 2000, WireType::kUint16, ValueType::kInt64),
              Point("count3", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              Point("count5", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64)};
  d.points[1].unit_id = 2;
  d.points[2].unit_id = 2;
  d.points[3].unit_id = 3;
  d.points[4].unit_id = 5;
  CollectingSink sink;
  ModbusConnector c(d, {0, 1, 2, 3, 4}, sink, SystemClock::Instance());
  ASSERT_EQ(c.Health().units.size(), 4u);  // known before the first poll, in unit order
  EXPECT_EQ(c.Health().units[0].state, UnitHealth::State::kUnknown);
  ASSERT_TRUE(c.Start().ok());
  auto unit = [&](int id) {
    for (const UnitHealth& u : c.Health().units)
      if (u.unit == id) return u;
    return UnitHealth{};
  };
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        return unit(1).state == UnitHealth::State::kAnswering &&
               unit(2).state == UnitHealth::State::kRefusing &&
               unit(3).state == UnitHealth::State::kDown &&
               unit(5).state == UnitHealth::State::kDown && unit(5).polls_failed >= 2;
      },
      10s))
      << sink.Dump();
  const ConnectorHealth h = c.Health();
  EXPECT_EQ(h.state, ConnectorState::kConnected);
  EXPECT_EQ(h.reconnects, 0u);
  ASSERT_EQ(h.units.size(), 4u);
  EXPECT_EQ(h.units[0].unit, 1);
  EXPECT_EQ(h.units[3].unit, 5);
  const UnitHealth one = unit(1);
  EXPECT_EQ(one.last_error, "");
  EXPECT_GT(one.polls_ok, 0u);
  EXPECT_EQ(one.polls_failed, 0u);
  EXPECT_GT(one.last_success, 0);
  EXPECT_GT(one.since, 0);
  const UnitHealth two = unit(2);
  EXPECT_EQ(two.last_error, "unit 2: hr:2000+1: exception 02 (illegal data address)");
  EXPECT_GT(two.polls_ok, 0u);  // hr:0 is served
  EXPECT_GT(two.polls_failed, 0u);
  const UnitHealth three = unit(3);
  EXPECT_EQ(three.last_error,
            "unit 3: hr:0+1: exception 0B (gateway target device failed to respond)");
  EXPECT_EQ(three.polls_ok, 0u);
  EXPECT_EQ(three.last_success, 0);
  EXPECT_THAT(unit(5).last_error, ::testing::HasSubstr("unit 5: hr:0+1: no answer within 200 ms"));
  // Since is when the unit went down, not the last poll.
  std::this_thread::sleep_for(700ms);  // two cycles or more (unit 5 costs a 200 ms timeout each)
  EXPECT_EQ(unit(3).since, three.since);
  EXPECT_GT(unit(3).polls_failed, three.polls_failed);

  // The gateway restarts with unit 3 repaired: unit 3 answers, with a new since-time.
  node->Kill();
  node = StartNodeServer(port, output, {"--gateway", "--unit-silent", "5"});
  ASSERT_TRUE(node) << output;
  ASSERT_TRUE(sink.WaitFor([&] { return unit(3).state == UnitHealth::State::kAnswering; }, 10s))
      << sink.Dump();
  EXPECT_GT(unit(3).since, three.since);
  EXPECT_EQ(unit(3).last_error, "");
  EXPECT_GT(unit(3).last_success, 0);
  EXPECT_EQ(unit(5).state, UnitHealth::State::kDown);
  c.Stop();
}

}  // namespace
}  // namespace gantry::modbus
