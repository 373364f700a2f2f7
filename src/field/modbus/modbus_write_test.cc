// Writes toward a Modbus device (a libmodbus server on loopback): holding registers (FC06 for one
// register, FC16 for several) and coils (FC05) with the tag's scaling undone, in every byte and
// word order; one bit of a register (FC22 mask write, or FC03 + FC06); refusals for a device
// without `writes: enabled`, read-only tables, values that do not fit, one-way mode, an
// unreachable device and the device's exceptions.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_server.h"
#include "field/modbus/modbus_test_sink.h"

namespace gantry::modbus {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

PointConfig Point(const std::string& name, Table table, uint16_t offset, WireType type,
                  ValueType published) {
  PointConfig p;
  p.tag.path = "acme/plant1/mixing/line1/mixer/" + name;
  p.table = table;
  p.offset = offset;
  p.type = type;
  p.tag.type = published;
  return p;
}

// Tags 100.. in the order of the points.
DeviceConfig Mixer(int port, bool writes) {
  DeviceConfig d;
  d.name = "mixer-plc";
  d.host = "127.0.0.1";
  d.port = port;
  d.timeout = 500 * kMillisecond;
  d.poll_groups = {{"fast", kSecond}};
  d.writes_enabled = writes;
  d.points = {
      Point("speed_setpoint", Table::kHoldingRegister, 0, WireType::kUint16, ValueType::kDouble),
      Point("temp_setpoint", Table::kHoldingRegister, 2, WireType::kFloat32, ValueType::kDouble),
      Point("batch_size", Table::kHoldingRegister, 10, WireType::kInt32, ValueType::kInt64),
      Point("run", Table::kCoil, 3, WireType::kBool, ValueType::kBool),
      Point("recipe", Table::kHoldingRegister, 20, WireType::kString, ValueType::kString),
      Point("pressure", Table::kInputRegister, 0, WireType::kInt16, ValueType::kInt64),
      Point("door", Table::kDiscreteInput, 0, WireType::kBool, ValueType::kBool),
      Point("alarm", Table::kHoldingRegister, 30, WireType::kUint16, ValueType::kBool),
  };
  d.points[0].tag.scaling = {0.1, 0};      // rpm = raw / 10
  d.points[1].tag.scaling = {1.0, -40.0};  // degC = raw - 40
  d.points[4].string_length = 4;           // 8 characters
  d.points[7].bit = 3;
  return d;
}

std::vector<TagId> Ids() {
  return {100, 101, 102, 103, 104, 105, 106, 107};
}

TEST(ModbusWrite, HoldingRegistersAndCoilsAreWrittenWithScalingUndone) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  CollectingSink sink;
  ModbusConnector c(Mixer(server.port(), true), Ids(), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());                      // writes go through the polling connection
  ASSERT_TRUE(c.WriteTag(100, Value(120.5)).ok());  // FC06: 1205
  EXPECT_EQ(server.Holding(0), 1205);
  ASSERT_TRUE(c.WriteTag(101, Value(25.0)).ok());  // FC16, float32 of 65.0
  const uint16_t temp[2] = {server.Holding(2), server.Holding(3)};
  EXPECT_EQ(DecodeRegisters(Mixer(0, true).points[1], temp), Value(25.0));
  ASSERT_TRUE(c.WriteTag(102, Value(int64_t{-70000})).ok());  // FC16, int32 across two registers
  const uint16_t batch[2] = {server.Holding(10), server.Holding(11)};
  EXPECT_EQ(DecodeRegisters(Mixer(0, true).points[2], batch), Value(int64_t{-70000}));
  ASSERT_TRUE(c.WriteTag(103, Value(true)).ok());  // FC05
  EXPECT_TRUE(server.Coil(3));
  ASSERT_TRUE(c.WriteTag(103, Value(false)).ok());
  EXPECT_FALSE(server.Coil(3));
  ASSERT_TRUE(c.WriteTag(104, Value("R-17")).ok());
  const uint16_t recipe[4] = {server.Holding(20), server.Holding(21), server.Holding(22),
                              server.Holding(23)};
  EXPECT_EQ(DecodeRegisters(Mixer(0, true).points[4], recipe), Value("R-17"));
  // The next poll publishes what was written.
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(100).value == Value(120.5); }, 3s))
      << sink.Dump();
  c.Stop();
  EXPECT_EQ(c.WriteTag(100, Value(1.0)).code(), StatusCode::kUnavailable);  // not running
}

TEST(ModbusWrite, ADeviceWithoutWritesEnabledRefusesAndSendsNothing) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  CollectingSink sink;
  ModbusConnector c(Mixer(server.port(), false), Ids(), sink, SystemClock::Instance());
  Status s = c.WriteTag(100, Value(120.5));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("writes: enabled"));
  EXPECT_THAT(s.message(), HasSubstr("mixer-plc"));
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(c.WriteTag(999, Value(1.0)).code(), StatusCode::kNotFound);
}

TEST(ModbusWrite, ReadOnlyTablesBitsAndValuesThatDoNotFitAreRefusedByName) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  CollectingSink sink;
  ModbusConnector c(Mixer(server.port(), true), Ids(), sink, SystemClock::Instance());
  Status ir = c.WriteTag(105, Value(int64_t{1}));
  EXPECT_EQ(ir.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(ir.message(), HasSubstr("input register"));
  EXPECT_EQ(c.WriteTag(106, Value(true)).code(), StatusCode::kFailedPrecondition);
  Status big = c.WriteTag(100, Value(7000.0));  // 70000 on the wire: no uint16
  EXPECT_EQ(big.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(big.message(), HasSubstr("outside the range of uint16"));
  EXPECT_EQ(c.WriteTag(100, Value(-1.0)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.WriteTag(100, Value("fast")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.WriteTag(104, Value("much too long")).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.WriteTag(103, Value(int64_t{2})).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.requests(), 0u);
}

TEST(ModbusWrite, OneWayModeRefusesEvenWithWritesEnabled) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  CollectingSink sink;
  ModbusConnector c(Mixer(server.port(), true), Ids(), sink, SystemClock::Instance());
  c.ForbidWrites();
  Status s = c.Write(100, Value(120.5));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("one-way mode"));
  EXPECT_EQ(server.requests(), 0u);
  EXPECT_EQ(server.Holding(0), 0);
}

TEST(ModbusWrite, AnUnreachableDeviceIsUnavailableAndAnExceptionIsNamed) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  const int port = server.port();
  server.Stop();
  CollectingSink sink;
  ModbusConnector gone(Mixer(port, true), Ids(), sink, SystemClock::Instance());
  ASSERT_TRUE(gone.Start().ok());
  Status s = gone.WriteTag(100, Value(1.0));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.message();
  EXPECT_THAT(s.message(), HasSubstr("connection refused"));

  // A device that answers with exception 02 (illegal data address).
  ASSERT_TRUE(server.Start());
  server.SetOverride([](std::span<const uint8_t> adu) -> std::optional<std::vector<uint8_t>> {
    std::vector<uint8_t> reply(adu.begin(), adu.begin() + 7);
    reply[5] = 3;  // length: unit id + function + exception code
    reply.push_back(static_cast<uint8_t>(adu[7] | 0x80));
    reply.push_back(0x02);
    return reply;
  });
  ModbusConnector refusing(Mixer(server.port(), true), Ids(), sink, SystemClock::Instance());
  ASSERT_TRUE(refusing.Start().ok());
  Status ex = refusing.WriteTag(100, Value(1.0));
  EXPECT_EQ(ex.code(), StatusCode::kFailedPrecondition) << ex.message();
  EXPECT_THAT(ex.message(), HasSubstr("refused"));
  EXPECT_THAT(ex.message(), HasSubstr("speed_setpoint"));
}

// 12.5f is 0x4148 0000: ABCD, CDAB (words swapped), BADC (bytes swapped), DCBA (both).
TEST(ModbusWrite, Float32AndWiderValuesInEveryByteAndWordOrder) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  struct Order {
    ByteOrder bytes;
    WordOrder words;
    uint16_t first, second;
  };
  const Order orders[] = {{ByteOrder::kBig, WordOrder::kHighFirst, 0x4148, 0x0000},
                          {ByteOrder::kBig, WordOrder::kLowFirst, 0x0000, 0x4148},
                          {ByteOrder::kLittle, WordOrder::kHighFirst, 0x4841, 0x0000},
                          {ByteOrder::kLittle, WordOrder::kLowFirst, 0x0000, 0x4841}};
  DeviceConfig d = Mixer(server.port(), true);
  d.points.clear();
  for (uint16_t i = 0; i < 4; ++i) {
    const std::string n = std::to_string(i);
    PointConfig f = Point("f" + n, Table::kHoldingRegister, static_cast<uint16_t>(100 + 20 * i),
                          WireType::kFloat32, ValueType::kDouble);
    PointConfig u = Point("u" + n, Table::kHoldingRegister, static_cast<uint16_t>(102 + 20 * i),
                          WireType::kUint32, ValueType::kInt64);
    PointConfig l = Point("l" + n, Table::kHoldingRegister, static_cast<uint16_t>(104 + 20 * i),
                          WireType::kInt64, ValueType::kInt64);
    PointConfig g = Point("g" + n, Table::kHoldingRegister, static_cast<uint16_t>(108 + 20 * i),
                          WireType::kFloat64, ValueType::kDouble);
    for (PointConfig* p : {&f, &u, &l, &g}) {
      p->byte_order = orders[i].bytes;
      p->word_order = orders[i].words;
      d.points.push_back(*p);
    }
  }
  std::vector<TagId> ids;
  for (TagId t = 0; t < d.points.size(); ++t) ids.push_back(t);
  CollectingSink sink;
  ModbusConnector c(d, ids, sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  for (uint16_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const TagId t = 4 * i;
    ASSERT_TRUE(c.WriteTag(t, Value(12.5)).ok());
    EXPECT_EQ(server.Holding(static_cast<uint16_t>(100 + 20 * i)), orders[i].first);
    EXPECT_EQ(server.Holding(static_cast<uint16_t>(101 + 20 * i)), orders[i].second);
    ASSERT_TRUE(c.WriteTag(t + 1, Value(int64_t{4000000000})).ok());
    ASSERT_TRUE(c.WriteTag(t + 2, Value(int64_t{-1234567890123})).ok());
    ASSERT_TRUE(c.WriteTag(t + 3, Value(-0.000123)).ok());
  }
  // Read back by the connector itself: every value comes back as written.
  ASSERT_TRUE(sink.WaitFor(
      [&] {
        for (TagId t = 0; t < 16; t += 4) {
          if (!(sink.Latest(t).value == Value(12.5)) ||
              !(sink.Latest(t + 1).value == Value(int64_t{4000000000})) ||
              !(sink.Latest(t + 2).value == Value(int64_t{-1234567890123})) ||
              !(sink.Latest(t + 3).value == Value(-0.000123)))
            return false;
        }
        return true;
      },
      3s))
      << sink.Dump();
  // Range checks name the type: uint32 cannot take a negative number, float32 not 1e39.
  Status neg = c.WriteTag(1, Value(int64_t{-1}));
  EXPECT_EQ(neg.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(neg.message(), HasSubstr("outside the range of uint32"));
  EXPECT_THAT(c.WriteTag(0, Value(1e39)).message(), HasSubstr("does not fit a float32"));
  c.Stop();
}

// alarm (hr:30 bit 3) with the register's other bits set by the PLC: only bit 3 changes.
void ExpectBitWrites(BitWrites how, ByteOrder order, const char* name) {
  SCOPED_TRACE(name);
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::atomic<int> mask_writes{0}, single_writes{0};
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (q[7] == 0x16) ++mask_writes;
    if (q[7] == 0x06) ++single_writes;
    return std::nullopt;
  });
  const uint16_t others = order == ByteOrder::kBig ? 0x8001 : 0x0180;  // bits 15 and 0
  server.SetHolding(30, others);
  DeviceConfig d = Mixer(server.port(), true);
  d.bit_writes = how;
  d.points[7].byte_order = order;
  CollectingSink sink;
  ModbusConnector c(d, Ids(), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  const uint16_t bit3 = order == ByteOrder::kBig ? 0x0008 : 0x0800;
  ASSERT_TRUE(c.WriteTag(107, Value(true)).ok());
  EXPECT_EQ(server.Holding(30), others | bit3);
  ASSERT_TRUE(sink.WaitFor([&] { return sink.Latest(107).value == Value(true); }, 3s));
  ASSERT_TRUE(c.WriteTag(107, Value(false)).ok());
  EXPECT_EQ(server.Holding(30), others);
  EXPECT_EQ(c.WriteTag(107, Value(int64_t{2})).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mask_writes.load(), how == BitWrites::kMaskWrite ? 2 : 0);
  EXPECT_EQ(single_writes.load(), how == BitWrites::kMaskWrite ? 0 : 2);
  c.Stop();
}

TEST(ModbusWrite, OneBitOfAHoldingRegisterWithMaskWriteOrReadModifyWrite) {
  ExpectBitWrites(BitWrites::kMaskWrite, ByteOrder::kBig, "FC22");
  ExpectBitWrites(BitWrites::kMaskWrite, ByteOrder::kLittle, "FC22, bytes swapped");
  ExpectBitWrites(BitWrites::kReadModifyWrite, ByteOrder::kBig, "FC03+FC06");
  ExpectBitWrites(BitWrites::kReadModifyWrite, ByteOrder::kLittle, "FC03+FC06, bytes swapped");
}

TEST(ModbusWrite, BitWritesDisabledOrADeviceWithoutFc22AreRefusedByName) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  server.SetOverride([](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (q[7] != 0x16) return std::nullopt;
    return std::vector<uint8_t>{q[0], q[1], 0, 0, 0, 3, q[6], 0x96, 0x01};  // illegal function
  });
  DeviceConfig d = Mixer(server.port(), true);
  CollectingSink sink;
  ModbusConnector c(d, Ids(), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  Status s = c.WriteTag(107, Value(true));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.message();
  EXPECT_THAT(s.message(), HasSubstr("does not implement FC22"));
  EXPECT_THAT(s.message(), HasSubstr("bit_writes: read_modify_write"));
  c.Stop();
  d.bit_writes = BitWrites::kDisabled;
  ModbusConnector off(d, Ids(), sink, SystemClock::Instance());
  Status refused = off.WriteTag(107, Value(true));
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("bit_writes: disabled"));
}

TEST(ModbusWrite, DeviceWithoutFc06GetsSingleRegistersThroughFc16) {
  TestServer server;
  ASSERT_TRUE(server.Start());
  std::atomic<int> fc06{0}, fc16{0};
  server.SetOverride([&](std::span<const uint8_t> q) -> std::optional<std::vector<uint8_t>> {
    if (q[7] == 0x06) {
      ++fc06;
      return std::vector<uint8_t>{q[0], q[1], 0, 0, 0, 3, q[6], 0x86, 0x01};
    }
    if (q[7] == 0x10) ++fc16;
    return std::nullopt;
  });
  DeviceConfig d = Mixer(server.port(), true);
  d.single_register_fc16 = true;
  CollectingSink sink;
  ModbusConnector c(d, Ids(), sink, SystemClock::Instance());
  ASSERT_TRUE(c.Start().ok());
  ASSERT_TRUE(c.WriteTag(100, Value(50.0)).ok());
  EXPECT_EQ(server.Holding(0), 500);
  EXPECT_EQ(fc06.load(), 0);
  EXPECT_EQ(fc16.load(), 1);
  c.Stop();
}

}  // namespace
}  // namespace gantry::modbus
