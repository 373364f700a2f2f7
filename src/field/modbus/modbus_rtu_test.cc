// Modbus RTU through a pseudo-terminal pair made by socat: the connector on one end, a libmodbus
// RTU server in a thread on the other. Skipped (with a message) when socat is not installed.
#include <gtest/gtest.h>
#include <modbus/modbus.h>

#include <atomic>
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

TEST(ModbusRtu, ReadsThroughAPtyPairAndTimesOutWhenTheDeviceIsSilent) {
  if (!HaveSocat())
    GTEST_SKIP() << "socat is not installed (apt-get install socat); RTU test skipped";
  ChildProcess socat({"socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"});
  ASSERT_TRUE(socat.started());
  std::vector<std::string> ptys;
  for (int i = 0; i < 2; ++i) {
    auto line = socat.WaitForLine(
        [](const std::string& l) { return l.find("PTY is ") != std::string::npos; }, 5s);
    ASSERT_TRUE(line) << socat.Output();
    ptys.push_back(line->substr(line->find("PTY is ") + 7));
  }
  ASSERT_TRUE(socat.WaitForLine(
      [](const std::string& l) { return l.find("starting data transfer") != std::string::npos; },
      5s))
      << socat.Output();
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

}  // namespace
}  // namespace gantry::modbus
