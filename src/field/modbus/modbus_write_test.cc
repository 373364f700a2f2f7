// Writes toward a Modbus device (a libmodbus server on loopback): holding registers (FC06 for one
// register, FC16 for several) and coils (FC05) with the tag's scaling undone; refusals for a
// device without `writes: enabled`, read-only tables, bits inside registers, values that do not
// fit, one-way mode and an unreachable device.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "field/modbus/modbus_codec.h"
#include "field/modbus/modbus_connector.h"
#include "field/modbus/modbus_test_server.h"
#include "field/modbus/modbus_test_sink.h"

namespace gantry::modbus {
namespace {

using ::testing::HasSubstr;

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
  Status bit = c.WriteTag(107, Value(true));
  EXPECT_EQ(bit.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(bit.message(), HasSubstr("read-modify-write"));
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
  Status ex = refusing.WriteTag(100, Value(1.0));
  EXPECT_EQ(ex.code(), StatusCode::kFailedPrecondition) << ex.message();
  EXPECT_THAT(ex.message(), HasSubstr("refused"));
  EXPECT_THAT(ex.message(), HasSubstr("speed_setpoint"));
}

}  // namespace
}  // namespace gantry::modbus
