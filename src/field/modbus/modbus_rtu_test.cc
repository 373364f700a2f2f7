// Modbus RTU through a pseudo-terminal pair made by socat: the connector on one end, a libmodbus
// RTU server in a thread on the other: reads, a silent device, writes. Skipped (with a message)
// when socat is not installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <modbus/modbus.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_process.h"
#include "field/modbus/modbus_test_sink.h"

namespace gantry::modbus {
namespace {

using namespace std::chrono_literals;

bool HaveSocat() {
  return system("command -v socat >/dev/null 2>&1") == 0;
}

// A libmodbus RTU server (unit 7) answering on `tty` until stopped; can be paused (silent).
class RtuServer {
 public:
  explicit RtuServer(const std::string& tty) {
    map_ = modbus_mapping_new(16, 16, 64, 64);
    map_->tab_registers[0] = 1234;
    map_->tab_registers[1] = 0x4148;  // 12.5f
    map_->tab_registers[2] = 0x0000;
    map_->tab_bits[3] = 1;
    ctx_ = modbus_new_rtu(tty.c_str(), 19200, 'N', 8, 1);
    ok_ = ctx_ && modbus_set_slave(ctx_, 7) == 0 && modbus_connect(ctx_) == 0;
    if (ok_) {
      modbus_set_indication_timeout(ctx_, 0, 50000);
      thread_ = std::thread([this] { Serve(); });
    }
  }
  ~RtuServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (ctx_) {
      modbus_close(ctx_);
      modbus_free(ctx_);
    }
    modbus_mapping_free(map_);
  }
  bool ok() const { return ok_; }
  std::atomic<bool> silent{false};
  // What a client wrote; read after the write was confirmed (the reply follows the change).
  uint16_t Holding(int addr) const { return map_->tab_registers[addr]; }
  bool Coil(int addr) const { return map_->tab_bits[addr] != 0; }
  void SetHolding(int addr, uint16_t v) { map_->tab_registers[addr] = v; }

 private:
  void Serve() {
    uint8_t query[MODBUS_RTU_MAX_ADU_LENGTH];
    while (!stop_) {
      int n = modbus_receive(ctx_, query);
      if (n > 0 && !silent) modbus_reply(ctx_, query, n, map_);
    }
  }
  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* map_ = nullptr;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A socat pseudo-terminal pair: the connector opens ends[0], the server ends[1].
struct PtyPair {
  ChildProcess socat{{"socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"}};
  std::vector<std::string> ends;
  // Waits for both names and the transfer to start; false (with socat's output) otherwise.
  bool Ready() {
    if (!socat.started()) return false;
    for (int i = 0; i < 2; ++i) {
      auto line = socat.WaitForLine(
          [](const std::string& l) { return l.find("PTY is ") != std::string::npos; }, 5s);
      if (!line) return false;
      ends.push_back(line->substr(line->find("PTY is ") + 7));
    }
    return socat
        .WaitForLine(
            [](const std::string& l) {
              return l.find("starting data transfer") != std::string::npos;
            },
            5s)
        .has_value();
  }
};

TEST(ModbusRtu, ReadsThroughAPtyPairAndTimesOutWhenTheDeviceIsSilent) {
  if (!HaveSocat())
    GTEST_SKIP() << "socat is not installed (apt-get install socat); RTU test skipped";
  PtyPair pty;
  ASSERT_TRUE(pty.Ready()) << pty.socat.Output();
  const std::vector<std::string>& ptys = pty.ends;
  RtuServer server(ptys[1]);
  ASSERT_TRUE(server.ok()) << "cannot open " << ptys[1];

  DeviceConfig d;
  d.name = "dosing-rtu";
  d.protocol = Protocol::kRtu;
  d.serial = {ptys[0], 19200, Parity::kNone, 8, 1};
  d.unit_id = 7;
  d.timeout = 200 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 50 * kMillisecond}};
  PointConfig count;
  count.tag.path = "acme/p/a/l/dosing/count";
  count.offset = 0;
  count.type = WireType::kUint16;
  count.tag.type = ValueType::kInt64;
  PointConfig temp = count;
  temp.tag.path = "acme/p/a/l/dosing/temp";
  temp.offset = 1;
  temp.type = WireType::kFloat32;
  temp.tag.type = ValueType::kDouble;
  PointConfig valve = count;
  valve.tag.path = "acme/p/a/l/dosing/valve";
  valve.table = Table::kCoil;
  valve.offset = 3;
  valve.type = WireType::kBool;
  valve.tag.type = ValueType::kBool;
  d.points = {count, temp, valve};

  CollectingSink sink;
  ModbusConnector c(d, {1, 2, 3}, sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(1, 3); }, 5s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(1).value, Value(int64_t{1234}));
  EXPECT_EQ(sink.Latest(2).value, Value(12.5));
  EXPECT_EQ(sink.Latest(3).value, Value(true));
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);

  server.silent = true;  // the device stops answering: a serial line has no connection to lose
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(1).quality == Quality::BadTimeout(); }, 5s))
      << sink.Dump();
  server.silent = false;
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(1, 3); }, 5s)) << sink.Dump();
  c.Stop();
}

// Writes go over the serial line between two reads (the device thread owns the line): a holding
// register (FC06), a float in CDAB order (FC16), a coil (FC05) and one bit of a register, by
// FC22 Mask Write and by FC03 + FC06.
TEST(ModbusRtu, WritesGoOverTheSerialLineBetweenReads) {
  if (!HaveSocat()) GTEST_SKIP() << "socat is not installed (apt-get install socat)";
  PtyPair pty;
  ASSERT_TRUE(pty.Ready()) << pty.socat.Output();
  RtuServer server(pty.ends[1]);
  ASSERT_TRUE(server.ok()) << "cannot open " << pty.ends[1];
  server.SetHolding(8, 0x8001);  // the PLC's own bits 15 and 0 around ours

  DeviceConfig d;
  d.name = "dosing-rtu";
  d.protocol = Protocol::kRtu;
  d.serial = {pty.ends[0], 19200, Parity::kNone, 8, 1};
  d.unit_id = 7;
  d.timeout = 300 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 30 * kMillisecond}};
  d.writes_enabled = true;
  auto point = [](const std::string& name, Table t, uint16_t offset, WireType type, ValueType v) {
    PointConfig p;
    p.tag.path = "acme/p/a/l/dosing/" + name;
    p.table = t;
    p.offset = offset;
    p.type = type;
    p.tag.type = v;
    return p;
  };
  d.points = {point("setpoint", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kInt64),
              point("flow", Table::kHoldingRegister, 4, WireType::kFloat32, ValueType::kDouble),
              point("valve", Table::kCoil, 3, WireType::kBool, ValueType::kBool),
              point("pump", Table::kHoldingRegister, 8, WireType::kUint16, ValueType::kBool)};
  d.points[1].word_order = WordOrder::kLowFirst;  // CDAB
  d.points[3].bit = 2;

  for (BitWrites how : {BitWrites::kMaskWrite, BitWrites::kReadModifyWrite}) {
    SCOPED_TRACE(how == BitWrites::kMaskWrite ? "FC22" : "FC03+FC06");
    d.bit_writes = how;
    CollectingSink sink;
    ModbusConnector c(d, {1, 2, 3, 4}, sink, SystemClock::Instance());
    ASSERT_TRUE(c.Start().ok());
    ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(1, 4); }, 5s)) << sink.Dump();
    ASSERT_TRUE(c.WriteTag(1, Value(int64_t{4321})).ok());
    EXPECT_EQ(server.Holding(0), 4321);
    ASSERT_TRUE(c.WriteTag(2, Value(12.5)).ok());
    EXPECT_EQ(server.Holding(4), 0x0000);  // CDAB: low word first
    EXPECT_EQ(server.Holding(5), 0x4148);
    ASSERT_TRUE(c.WriteTag(3, Value(false)).ok());
    EXPECT_FALSE(server.Coil(3));
    ASSERT_TRUE(c.WriteTag(4, Value(true)).ok());
    EXPECT_EQ(server.Holding(8), 0x8005);
    ASSERT_TRUE(sink.WaitFor(
        [&] {
          return sink.Latest(1).value == Value(int64_t{4321}) &&
                 sink.Latest(2).value == Value(12.5) && sink.Latest(3).value == Value(false) &&
                 sink.Latest(4).value == Value(true);
        },
        5s))
        << sink.Dump();
    ASSERT_TRUE(c.WriteTag(4, Value(false)).ok());
    EXPECT_EQ(server.Holding(8), 0x8001);
    ASSERT_TRUE(c.WriteTag(3, Value(true)).ok());
    EXPECT_TRUE(server.Coil(3));
    // A silent device: the write is not confirmed and says so; polling goes on.
    server.silent = true;
    Status s = c.WriteTag(1, Value(int64_t{1}));
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.message();
    EXPECT_THAT(s.message(), ::testing::HasSubstr("no confirmation within 300 ms"));
    server.silent = false;
    ASSERT_TRUE(c.WriteTag(1, Value(int64_t{7})).ok());
    EXPECT_EQ(server.Holding(0), 7);
    c.Stop();
  }
}

// An RS-485 line with two drops on one serial port, against an independent RTU server (npm
// modbus-serial's ServerSerial on the pty, tests/interop/modbus_server.js --rtu): unit 1 answers,
// unit 9 is switched off. One connector serves both; unit 9's points time out, unit 1's stay
// Good and writable; the health names unit 9 down and unit 1 answering.
TEST(ModbusRtu, TwoDropsOnOneLineAndOneOfThemOffAgainstModbusSerial) {
  if (!HaveSocat()) GTEST_SKIP() << "socat is not installed (apt-get install socat)";
  if (system("command -v node >/dev/null 2>&1") != 0 ||
      !std::filesystem::exists(std::string(GANTRY_SOURCE_DIR) +
                               "/tests/interop/node_modules/modbus-serial"))
    GTEST_SKIP() << "node or tests/interop/node_modules missing";
  PtyPair pty;
  ASSERT_TRUE(pty.Ready()) << pty.socat.Output();
  ChildProcess node({"node", std::string(GANTRY_SOURCE_DIR) + "/tests/interop/modbus_server.js",
                     "0", "--rtu", pty.ends[1], "--gateway", "--unit-silent", "9"});
  ASSERT_TRUE(node.WaitForLine([](const std::string& l) { return l.rfind("ready", 0) == 0; }, 10s))
      << node.Output();
  DeviceConfig d;
  d.name = "dosing-line";
  d.protocol = Protocol::kRtu;
  d.serial = {pty.ends[0], 19200, Parity::kNone, 8, 1};
  d.unit_id = 1;
  d.timeout = 300 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 50 * kMillisecond}};
  d.writes_enabled = true;
  PointConfig count;
  count.tag.path = "acme/p/a/l/dosing/count";
  count.type = WireType::kUint16;
  count.tag.type = ValueType::kInt64;
  PointConfig temp = count;
  temp.tag.path = "acme/p/a/l/dosing/temp";
  temp.offset = 1;
  temp.type = WireType::kFloat32;
  temp.tag.type = ValueType::kDouble;
  PointConfig other = count;
  other.tag.path = "acme/p/a/l/dosing2/count";
  other.unit_id = 9;
  d.points = {count, temp, other};
  CollectingSink sink;
  ModbusConnector c(d, {1, 2, 3}, sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        return sink.AllGood(1, 2) && sink.Has(3) && sink.Latest(3).quality == Quality::BadTimeout();
      },
      10s))
      << sink.Dump();
  EXPECT_EQ(sink.Latest(1).value, Value(int64_t{1234}));
  EXPECT_EQ(sink.Latest(2).value, Value(12.5));
  ASSERT_TRUE(c.WriteTag(1, Value(int64_t{4321})).ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(1).value == Value(int64_t{4321}); }, 5s))
      << sink.Dump();
  std::this_thread::sleep_for(500ms);
  for (const Sample& s : sink.All()) {
    if (s.tag != 3) EXPECT_TRUE(s.quality.IsGood()) << s.tag << " " << s.quality.Name();
  }
  EXPECT_THAT(c.Health().last_error, ::testing::HasSubstr("unit 9"));
  // Per unit on the line: the drop that is off is named with its reason, the other answers.
  const ConnectorHealth h = c.Health();
  EXPECT_EQ(h.state, ConnectorState::kConnected);
  ASSERT_EQ(h.units.size(), 2u);
  EXPECT_EQ(h.units[0].unit, 1);
  EXPECT_EQ(h.units[0].state, UnitHealth::State::kAnswering);
  EXPECT_GT(h.units[0].polls_ok, 0u);
  EXPECT_EQ(h.units[1].unit, 9);
  EXPECT_EQ(h.units[1].state, UnitHealth::State::kDown);
  EXPECT_EQ(h.units[1].last_error, "unit 9: hr:0+1: no answer within 300 ms");
  EXPECT_EQ(h.units[1].polls_ok, 0u);
  c.Stop();
}

}  // namespace
}  // namespace gantry::modbus
