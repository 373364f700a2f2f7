// Devices that do not serve what the protocol allows: an unmapped address inside a merged read,
// fewer registers per request than 125. The connector splits the refused read, remembers the
// split and keeps every mapped point Good (libmodbus test server with a scripted refusal).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_server.h"
#include "field/modbus/modbus_test_sink.h"

namespace gantry::modbus {
namespace {

using namespace std::chrono_literals;

PointConfig Register(const std::string& name, uint16_t offset, WireType type = WireType::kUint16) {
  PointConfig p;
  p.tag.path = "acme/plant1/packaging/line1/filler/" + name;
  p.table = Table::kHoldingRegister;
  p.offset = offset;
  p.type = type;
  p.tag.type = type == WireType::kFloat32 ? ValueType::kDouble : ValueType::kInt64;
  return p;
}

DeviceConfig Device(int port, std::vector<PointConfig> points) {
  DeviceConfig d;
  d.name = "filler-plc";
  d.host = "127.0.0.1";
  d.port = port;
  d.timeout = 300 * kMillisecond;
  d.reconnect_min = 50 * kMillisecond;
  d.reconnect_max = 200 * kMillisecond;
  d.poll_groups = {{"fast", 20 * kMillisecond}};
  d.points = std::move(points);
  return d;
}

std::vector<TagId> Ids(size_t n) {
  std::vector<TagId> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<TagId>(i);
  return ids;
}

// An exception answer to the request `q` (MBAP + PDU).
std::vector<uint8_t> Exception(std::span<const uint8_t> q, uint8_t code) {
  return {q[0], q[1], 0, 0, 0, 3, q[6], static_cast<uint8_t>(q[7] | 0x80), code};
}

uint16_t Start(std::span<const uint8_t> q) {
  return static_cast<uint16_t>((q[8] << 8) | q[9]);
}
uint16_t Quantity(std::span<const uint8_t> q) {
  return static_cast<uint16_t>((q[10] << 8) | q[11]);
}

TEST(ModbusQuirks, UnmappedAddressInsideAMergedReadSplitsItAndOnlyThatPointIsBad) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  server.SetHolding(0, 7);
  const uint16_t temp[] = {0x4148, 0x0000};  // 12.5
  server.SetHoldings(1, temp);
  server.SetHolding(6, 66);
  server.SetHolding(7, 77);
  server.SetHolding(20, 2000);
  // hr:4 is not mapped in this device: any read that covers it is refused with exception 02.
  std::atomic<int> refused{0};
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (q[7] == 0x03 && Start(q) <= 4 && Start(q) + Quantity(q) > 4) {
      ++refused;
      return Exception(q, 0x02);
    }
    return std::nullopt;
  });
  DeviceConfig d =
      Device(server.port(),
             {Register("state", 0), Register("temp", 1, WireType::kFloat32), Register("ghost", 4),
              Register("speed", 6), Register("count", 7), Register("total", 20)});
  CollectingSink sink;
  ModbusConnector c(d, Ids(d.points.size()), sink, SystemClock::Instance());
  ASSERT_EQ(c.Reads().size(), 2u);  // hr:0+8 (gaps of 1 bridged) and hr:20+1
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(
      sink.WaitFor([&] { return sink.AllGood(0, 2) && sink.AllGood(3, 3) && sink.Has(2); }, 5s))
      << sink.Dump();
  EXPECT_EQ(sink.Latest(1).value, Value(12.5));
  EXPECT_EQ(sink.Latest(3).value, Value(int64_t{66}));
  EXPECT_EQ(sink.Latest(4).value, Value(int64_t{77}));
  EXPECT_EQ(sink.Latest(2).quality, Quality::BadOutOfRange());
  // The mapped points never went Bad: the split happened before anything was published.
  for (TagId id : {0u, 1u, 3u, 4u, 5u}) {
    for (const Sample& s : sink.All()) {
      if (s.tag == id) EXPECT_TRUE(s.quality.IsGood()) << id << " " << s.quality.Name();
    }
  }
  // Remembered: hr:0+3, hr:4+1, hr:6+2, hr:20+1; after that only the ghost's own read is refused.
  std::vector<PlannedRead> reads = c.Reads();
  ASSERT_EQ(reads.size(), 4u);
  EXPECT_EQ(reads[0].quantity, 3);
  EXPECT_EQ(reads[1].start, 4);
  EXPECT_EQ(reads[1].quantity, 1);
  EXPECT_EQ(reads[2].start, 6);
  EXPECT_EQ(reads[2].quantity, 2);
  const int after_split = refused.load();
  const uint64_t requests = server.requests();
  ASSERT_TRUE(sink.WaitFor([&] { return server.requests() >= requests + 20; }, 5s));
  const int later = refused.load() - after_split;
  EXPECT_LE(later, static_cast<int>(server.requests() - requests) / 4 + 1);  // 1 in 4 reads
  EXPECT_EQ(sink.CountWith(2, Quality::BadOutOfRange()), 1u);
  c.Stop();
}

TEST(ModbusQuirks, DeviceServingTenRegistersPerRequestIsReadInPiecesAndStaysGood) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::vector<PointConfig> points;
  for (uint16_t i = 0; i < 30; ++i) {
    server.SetHolding(static_cast<uint16_t>(100 + i), static_cast<uint16_t>(i * 3));
    points.push_back(Register("r" + std::to_string(i), static_cast<uint16_t>(100 + i)));
  }
  std::atomic<int> too_long{0};
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (q[7] == 0x03 && Quantity(q) > 10) {
      ++too_long;
      return Exception(q, 0x03);
    }
    return std::nullopt;
  });
  DeviceConfig d = Device(server.port(), points);
  {
    CollectingSink sink;
    ModbusConnector c(d, Ids(d.points.size()), sink, SystemClock::Instance());
    ASSERT_TRUE(c.Start().ok());
    ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 30); }, 5s)) << sink.Dump();
    for (TagId i = 0; i < 30; ++i) {
      EXPECT_EQ(sink.Latest(i).value, Value(int64_t{i * 3}));
      EXPECT_EQ(sink.Count(), sink.All().size());
    }
    for (const Sample& s : sink.All()) EXPECT_TRUE(s.quality.IsGood()) << s.tag;
    for (const PlannedRead& r : c.Reads()) EXPECT_LE(r.quantity, 10);
    const int refusals = too_long.load();
    EXPECT_LE(refusals, 7);  // 30 -> 15+15 -> 8+7 (+7+8): each refusal happens once
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(too_long.load(), refusals);
    c.Stop();
  }
  // Configured up front (coalesce.max_registers: 10): not one refusal.
  too_long = 0;
  d.max_registers_per_read = 10;
  CollectingSink sink;
  ModbusConnector c(d, Ids(d.points.size()), sink, SystemClock::Instance());
  EXPECT_EQ(c.Reads().size(), 3u);
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 30); }, 5s)) << sink.Dump();
  EXPECT_EQ(too_long.load(), 0);
  c.Stop();
}

TEST(ModbusQuirks, GatewayTargetNotRespondingCostsOneRequestPerCycleNotOnePerRead) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  server.SetHolding(0, 5);
  server.SetInput(3, 9);
  server.SetCoil(7, true);
  std::atomic<bool> unit_off{true};
  std::atomic<int> asked_after_first{0};  // FC 03/04 requests while the unit is off
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (!unit_off) return std::nullopt;
    if (q[7] != 0x01) ++asked_after_first;
    return Exception(q, 0x0B);
  });
  PointConfig motor = Register("motor", 7);
  motor.table = Table::kCoil;
  motor.type = WireType::kBool;
  motor.tag.type = ValueType::kBool;
  PointConfig level = Register("level", 3);
  level.table = Table::kInputRegister;
  DeviceConfig d = Device(server.port(), {Register("state", 0), level, motor});
  CollectingSink sink;
  ModbusConnector c(d, Ids(3), sink, SystemClock::Instance());
  ASSERT_EQ(c.Reads().size(), 3u);  // co, ir, hr: the coil read goes first
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        for (TagId t = 0; t < 3; ++t)
          if (!sink.Has(t) || !(sink.Latest(t).quality == Quality::BadTimeout())) return false;
        return true;
      },
      5s))
      << sink.Dump();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(asked_after_first.load(), 0);  // only the cycle's first read went to the gateway
  EXPECT_THAT(c.Health().last_error, ::testing::HasSubstr("gateway target device failed"));
  EXPECT_EQ(c.Health().state, ConnectorState::kConnected);
  unit_off = false;  // the RTU device behind the gateway is back
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 3); }, 5s)) << sink.Dump();
  EXPECT_EQ(sink.Latest(1).value, Value(int64_t{9}));
  c.Stop();
}

// A read answer carrying `value` in one register, for transaction id `tid` and unit `unit`.
std::vector<uint8_t> Answer(uint16_t tid, uint8_t unit, uint16_t value) {
  return {static_cast<uint8_t>(tid >> 8),
          static_cast<uint8_t>(tid & 0xFF),
          0,
          0,
          0,
          5,
          unit,
          0x03,
          0x02,
          static_cast<uint8_t>(value >> 8),
          static_cast<uint8_t>(value & 0xFF)};
}

// A device that answers one request too late (after the timeout, just before the next answer)
// and once from the wrong unit: the late answer is dropped by its transaction id, the wrong unit
// is a communication error, and no value ever lands on the wrong request.
TEST(ModbusQuirks, LateAnswerAndWrongUnitAreDroppedNeverTakenForAnotherRequest) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  server.SetHolding(0, 1000);
  std::atomic<int> reads{0};
  uint16_t silent_tid = 0;
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (q[7] != 0x03) return std::nullopt;
    const uint16_t tid = static_cast<uint16_t>((q[0] << 8) | q[1]);
    const int n = ++reads;
    if (n == 5) {  // no answer in time
      silent_tid = tid;
      return std::vector<uint8_t>{};
    }
    if (n == 6) {  // the late answer to #5 (another value), then the answer to #6
      std::vector<uint8_t> both = Answer(silent_tid, q[6], 0xDEAD);
      std::vector<uint8_t> own = Answer(tid, q[6], 1000);
      both.insert(both.end(), own.begin(), own.end());
      return both;
    }
    if (n == 9) return Answer(tid, 9, 0xBEEF);  // from unit 9, asked unit 1
    return std::nullopt;
  });
  DeviceConfig d = Device(server.port(), {Register("count", 0)});
  CollectingSink sink;
  ModbusConnector c(d, Ids(1), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return reads.load() >= 14 && sink.AllGood(0, 1); }, 5s))
      << sink.Dump();
  for (const Sample& s : sink.All()) {
    if (s.quality.IsGood()) EXPECT_EQ(s.value, Value(int64_t{1000})) << sink.Dump();
  }
  EXPECT_EQ(sink.CountWith(0, Quality::BadTimeout()), 1u) << sink.Dump();
  EXPECT_EQ(sink.CountWith(0, Quality::BadCommunicationError()), 1u) << sink.Dump();
  EXPECT_EQ(c.Health().reconnects, 0u);  // resynchronised on the same connection
  c.Stop();
}

// A slow device that needs 40 ms between the end of one answer and the next request: every
// request, reads of several tables and a write, keeps that gap.
TEST(ModbusQuirks, InterRequestDelayIsKeptBetweenEveryTwoRequests) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::mutex mutex;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  server.SetOverride([&](std::span<const uint8_t>) -> std::optional<std::vector<uint8_t>> {
    std::lock_guard lock(mutex);
    arrivals.push_back(std::chrono::steady_clock::now());
    return std::nullopt;
  });
  PointConfig level = Register("level", 3);
  level.table = Table::kInputRegister;
  PointConfig motor = Register("motor", 7);
  motor.table = Table::kCoil;
  motor.type = WireType::kBool;
  motor.tag.type = ValueType::kBool;
  DeviceConfig d = Device(server.port(), {Register("state", 0), level, motor});
  d.inter_request_delay = 40 * kMillisecond;
  d.writes_enabled = true;
  CollectingSink sink;
  ModbusConnector c(d, Ids(3), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(sink.WaitFor([&] { return sink.AllGood(0, 3); }, 5s));
  ASSERT_TRUE(c.WriteTag(0, Value(int64_t{12})).ok());
  ASSERT_TRUE(sink.WaitFor([&] { return server.requests() >= 10; }, 5s));
  c.Stop();
  std::lock_guard lock(mutex);
  for (size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_GE(arrivals[i] - arrivals[i - 1], 39ms) << "request " << i;
  }
  EXPECT_EQ(server.Holding(0), 12);
}

TEST(ModbusQuirks, RtuSilentIntervalIsThreeAndAHalfCharacters) {
  // 9600 baud 8E1: 11 bits a character, 3.5 x 11 / 9600 s = 4.01 ms.
  EXPECT_EQ(SilentInterval({"/dev/ttyS0", 9600, Parity::kEven, 8, 1}), 4010416);
  // 19200 8N1: 10 bits, 1.82 ms; above 19200 baud the fixed 1.75 ms.
  EXPECT_EQ(SilentInterval({"/dev/ttyS0", 19200, Parity::kNone, 8, 1}), 1822916);
  EXPECT_EQ(SilentInterval({"/dev/ttyS0", 115200, Parity::kEven, 8, 1}), 1750 * kMicrosecond);
  EXPECT_EQ(SilentInterval({"/dev/ttyS0", 1200, Parity::kNone, 8, 2}), 32083333);
}

}  // namespace
}  // namespace gantry::modbus
