#include "field/modbus/modbus_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace gantry::modbus {
namespace {

using ::testing::HasSubstr;

// Parses `yaml` (one device map) and returns the config and the recorded errors.
struct Parsed {
  DeviceConfig device;
  std::vector<std::string> errors;
};

Parsed Parse(const std::string& yaml) {
  auto doc = ConfigDocument::Parse(yaml, "plant.yaml");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  Parsed out;
  out.device = ParseDevice(doc->Root());
  for (const ConfigError& e : doc->Errors()) out.errors.push_back(e.ToString());
  return out;
}

const std::string kHead = R"(name: filler-plc
protocol: modbus-tcp
host: 127.0.0.1
port: 5020
poll_groups: {fast: 250ms, slow: 5s}
tags:
)";

// One tag line-set appended to a valid device head.
Parsed ParseTag(const std::string& tag) {
  return Parse(kHead + "  - path: acme/plant1/filler/x\n" + tag);
}

std::string OnlyError(const Parsed& p) {
  EXPECT_EQ(p.errors.size(), 1u) << ::testing::PrintToString(p.errors);
  return p.errors.empty() ? "" : p.errors[0];
}

TEST(ModbusConfig, WritesAreOffUnlessEnabled) {
  EXPECT_FALSE(
      Parse(kHead + "  - {path: acme/plant1/filler/x, address: hr:0}\n").device.writes_enabled);
  Parsed on =
      Parse("writes: enabled\n" + kHead + "  - {path: acme/plant1/filler/x, address: hr:0}\n");
  EXPECT_TRUE(on.errors.empty()) << ::testing::PrintToString(on.errors);
  EXPECT_TRUE(on.device.writes_enabled);
  EXPECT_THAT(OnlyError(Parse("writes: yes\n" + kHead +
                              "  - {path: acme/plant1/filler/x, address: hr:0}\n")),
              ::testing::HasSubstr("writes"));
}

TEST(ModbusConfig, FullDeviceParses) {
  Parsed p = Parse(R"(name: filler-plc
protocol: modbus-tcp
host: 127.0.0.1
port: 5020
unit_id: 3
timeout: 750ms
reconnect: {min: 200ms, max: 10s}
poll_groups: {fast: 250ms, slow: 5s}
coalesce: {max_gap_registers: 4, max_gap_bits: 16}
tags:
  - path: acme/plant1/filler/state
    address: hr:0
    type: uint16
  - path: acme/plant1/filler/temp
    address: ir:10
    type: float32
    word_order: low_first
    byte_order: little
    unit: degC
    deadband: 0.5
    poll_group: slow
  - path: acme/plant1/filler/running
    address: hr:1
    bit: 3
  - path: acme/plant1/filler/order
    address: hr:20
    type: string
    length: 10
  - path: acme/plant1/filler/speed
    address: hr:30
    type: int32
    scale: {gain: 0.1, offset: 0}
  - path: acme/plant1/filler/door
    address: di:7
)");
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  const DeviceConfig& d = p.device;
  EXPECT_EQ(d.name, "filler-plc");
  EXPECT_EQ(d.Endpoint(), "127.0.0.1:5020");
  EXPECT_EQ(d.unit_id, 3);
  EXPECT_EQ(d.timeout, 750 * kMillisecond);
  EXPECT_EQ(d.reconnect_min, 200 * kMillisecond);
  EXPECT_EQ(d.reconnect_max, 10 * kSecond);
  ASSERT_EQ(d.poll_groups.size(), 2u);
  EXPECT_EQ(d.poll_groups[1].name, "slow");
  EXPECT_EQ(d.max_gap_registers, 4);
  ASSERT_EQ(d.points.size(), 6u);
  EXPECT_EQ(d.points[0].tag.type, ValueType::kInt64);
  EXPECT_EQ(d.points[1].table, Table::kInputRegister);
  EXPECT_EQ(d.points[1].offset, 10);
  EXPECT_EQ(d.points[1].word_order, WordOrder::kLowFirst);
  EXPECT_EQ(d.points[1].byte_order, ByteOrder::kLittle);
  EXPECT_EQ(d.points[1].poll_group, 1u);
  EXPECT_EQ(d.points[1].tag.type, ValueType::kDouble);
  EXPECT_EQ(d.points[1].tag.deadband, 0.5);
  EXPECT_EQ(d.points[2].bit, 3);
  EXPECT_EQ(d.points[2].tag.type, ValueType::kBool);
  EXPECT_EQ(d.points[3].Width(), 10);
  EXPECT_EQ(d.points[3].tag.type, ValueType::kString);
  EXPECT_EQ(d.points[4].tag.type, ValueType::kDouble);
  EXPECT_EQ(d.points[4].tag.source, "filler-plc hr:30 int32");
  EXPECT_EQ(d.points[5].type, WireType::kBool);
  EXPECT_EQ(d.points[5].table, Table::kDiscreteInput);
}

TEST(ModbusConfig, RtuDeviceParses) {
  Parsed p = Parse(R"(name: dosing
protocol: modbus-rtu
serial: {device: /dev/ttyUSB0, baud: 9600, parity: none, data_bits: 8, stop_bits: 2}
unit_id: 17
tags:
  - {path: acme/plant1/dosing/flow, address: ir:0}
)");
  ASSERT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.device.protocol, Protocol::kRtu);
  EXPECT_EQ(p.device.serial.baud, 9600);
  EXPECT_EQ(p.device.serial.parity, Parity::kNone);
  EXPECT_EQ(p.device.serial.stop_bits, 2);
  EXPECT_EQ(p.device.unit_id, 17);
  EXPECT_EQ(p.device.Endpoint(), "/dev/ttyUSB0");
  ASSERT_EQ(p.device.poll_groups.size(), 1u);  // a default group when none is configured
  EXPECT_EQ(p.device.poll_groups[0].interval, kSecond);
}

TEST(ModbusConfigError, UnknownTable) {
  EXPECT_THAT(OnlyError(ParseTag("    address: xx:5\n")),
              HasSubstr("plant.yaml:8:14: tags[0].address: unknown table 'xx' in 'xx:5'; "
                        "expected co, di, ir or hr"));
}

TEST(ModbusConfigError, AddressWithoutTable) {
  EXPECT_THAT(OnlyError(ParseTag("    address: 40001\n")),
              HasSubstr("expected TABLE:OFFSET such as hr:0"));
}

TEST(ModbusConfigError, OffsetOutOfRange) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:65536\n")),
              HasSubstr("offset '65536' in 'hr:65536' is out of range; expected a 0-based "
                        "address from 0 to 65535"));
}

TEST(ModbusConfigError, RangeBeyond65535) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:65534\n    type: float64\n")),
              HasSubstr("float64 at hr:65534 spans 4 registers and runs beyond address 65535"));
}

TEST(ModbusConfigError, BitOnA32BitType) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    type: int32\n    bit: 3\n")),
              HasSubstr("tags[0].bit: bit applies only to 16-bit registers (int16, uint16, "
                        "bool); type is int32"));
}

TEST(ModbusConfigError, BitOutOfRange) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    bit: 16\n")),
              HasSubstr("expected a whole number from 0 to 15"));
}

TEST(ModbusConfigError, LengthWithoutString) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    type: uint16\n    length: 4\n")),
              HasSubstr("length applies only to type string; type is uint16"));
}

TEST(ModbusConfigError, StringWithoutLength) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    type: string\n")),
              HasSubstr("type string needs length"));
}

TEST(ModbusConfigError, CoilWithUint16) {
  EXPECT_THAT(OnlyError(ParseTag("    address: co:3\n    type: uint16\n")),
              HasSubstr("coil address co:3 holds one bit; type must be bool, got uint16"));
}

TEST(ModbusConfigError, BoolRegisterWithoutBit) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:3\n    type: bool\n")),
              HasSubstr("bool on a register needs bit: 0..15"));
}

TEST(ModbusConfigError, UnknownType) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:3\n    type: real\n")),
              HasSubstr("expected one of: bool, int16, uint16, int32, uint32, int64, uint64, "
                        "float32, float64, string, bcd16, bcd32; got 'real'"));
}

TEST(ModbusConfigError, UnknownPollGroup) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    poll_group: medium\n")),
              HasSubstr("unknown poll group 'medium' on device 'filler-plc'; expected one of: "
                        "fast, slow"));
}

TEST(ModbusConfigError, DuplicatePathWithinDevice) {
  Parsed p = Parse(kHead + "  - {path: acme/plant1/filler/x, address: hr:0}\n" +
                   "  - {path: acme/plant1/filler/x, address: hr:1}\n");
  EXPECT_THAT(OnlyError(p), HasSubstr("plant.yaml:8:12: tags[1].path: duplicate tag path "
                                      "'acme/plant1/filler/x' on device 'filler-plc'"));
}

TEST(ModbusConfigError, ScaleOnABool) {
  EXPECT_THAT(OnlyError(ParseTag("    address: di:0\n    scale: {gain: 2}\n")),
              HasSubstr("scale applies only to numbers; this point is a bool"));
}

TEST(ModbusConfigError, WordOrderOnA16BitType) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    word_order: low_first\n")),
              HasSubstr("word_order applies only to 32- and 64-bit types"));
}

TEST(ModbusConfigError, UnknownTagKeyHasHint) {
  EXPECT_THAT(OnlyError(ParseTag("    address: hr:0\n    adress: hr:1\n")), HasSubstr("adress"));
}

TEST(ModbusConfigError, BadProtocol) {
  Parsed p = Parse("name: x\nprotocol: profinet\nhost: 10.0.0.1\n");
  EXPECT_THAT(OnlyError(p), HasSubstr("plant.yaml:2:11: protocol: expected one of: modbus-tcp, "
                                      "modbus-rtu; got 'profinet'"));
}

TEST(ModbusConfigError, MissingProtocol) {
  EXPECT_THAT(OnlyError(Parse("name: x\nhost: 10.0.0.1\n")),
              HasSubstr("missing required key (expected modbus-tcp or modbus-rtu)"));
}

TEST(ModbusConfigError, MissingHost) {
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-tcp\n")),
              HasSubstr("missing required key: modbus-tcp needs host"));
}

TEST(ModbusConfigError, MissingSerialForRtu) {
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-rtu\n")),
              HasSubstr("modbus-rtu needs serial: {device: ...}"));
}

TEST(ModbusConfigError, HostOnRtu) {
  EXPECT_THAT(
      OnlyError(Parse("name: x\nprotocol: modbus-rtu\nhost: a\nserial: {device: /dev/ttyS0}\n")),
      HasSubstr("host applies only to modbus-tcp"));
}

TEST(ModbusConfigError, BadParity) {
  EXPECT_THAT(OnlyError(Parse(
                  "name: x\nprotocol: modbus-rtu\nserial: {device: /dev/ttyS0, parity: mark}\n")),
              HasSubstr("expected one of: none, even, odd; got 'mark'"));
}

TEST(ModbusConfigError, UnitIdAbove247OnRtu) {
  EXPECT_THAT(OnlyError(Parse(
                  "name: x\nprotocol: modbus-rtu\nserial: {device: /dev/ttyS0}\nunit_id: 255\n")),
              HasSubstr("expected a whole number from 1 to 247, got '255'"));
}

TEST(ModbusConfigError, PortOutOfRange) {
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-tcp\nhost: a\nport: 70000\n")),
              HasSubstr("port: expected a whole number from 1 to 65535, got '70000'"));
}

TEST(ModbusConfigError, ReconnectMinAboveMax) {
  EXPECT_THAT(
      OnlyError(Parse("name: x\nprotocol: modbus-tcp\nhost: a\nreconnect: {min: 10s, max: 1s}\n")),
      HasSubstr("reconnect min must not exceed max"));
}

TEST(ModbusConfigError, BadPollInterval) {
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-tcp\nhost: a\npoll_groups: {fast: 0s}\n")),
              HasSubstr("poll_groups.fast: duration '0s' is out of range"));
}

TEST(ModbusConfigError, GapBeyondRequestLimit) {
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-tcp\nhost: a\n"
                              "coalesce: {max_gap_registers: 200}\n")),
              HasSubstr("expected a whole number from 0 to 124, got '200'"));
}

TEST(ModbusConfigError, EveryErrorOfATagIsReported) {
  Parsed p = ParseTag("    address: co:70000\n    type: float32\n    length: 2\n");
  EXPECT_EQ(p.errors.size(), 3u) << ::testing::PrintToString(p.errors);
}

TEST(ModbusConfig, DeviceRequestLimitsParse) {
  Parsed p = Parse(kHead.substr(0, kHead.find("tags:")) +
                   "coalesce: {max_registers: 32, max_bits: 256}\ntags:\n"
                   "  - {path: acme/plant1/filler/x, address: hr:0}\n");
  EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.device.max_registers_per_read, 32);
  EXPECT_EQ(p.device.max_bits_per_read, 256);
  Parsed defaults = Parse(kHead + "  - {path: acme/plant1/filler/x, address: hr:0}\n");
  EXPECT_EQ(defaults.device.max_registers_per_read, 125);
  EXPECT_EQ(defaults.device.max_bits_per_read, 2000);
}

TEST(ModbusConfigError, ValueWiderThanTheDeviceRequestLimit) {
  EXPECT_THAT(OnlyError(Parse(kHead.substr(0, kHead.find("tags:")) +
                              "coalesce: {max_registers: 8}\ntags:\n"
                              "  - {path: acme/plant1/filler/x, address: hr:0, type: string, "
                              "length: 10}\n")),
              HasSubstr("spans 10 registers, more than the device's coalesce.max_registers 8"));
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-tcp\nhost: a\n"
                              "coalesce: {max_registers: 126}\n")),
              HasSubstr("expected a whole number from 1 to 125, got '126'"));
}

TEST(ModbusConfig, QuirkOptionsParseWithTheirDefaults) {
  Parsed defaults = Parse(kHead + "  - {path: acme/plant1/filler/x, address: hr:0}\n");
  EXPECT_EQ(defaults.device.bit_writes, BitWrites::kMaskWrite);
  EXPECT_FALSE(defaults.device.single_register_fc16);
  EXPECT_EQ(defaults.device.inter_request_delay, 0);
  Parsed set = Parse(
      "bit_writes: read_modify_write\nsingle_register_writes: fc16\n"
      "inter_request_delay: 20ms\n" +
      kHead + "  - {path: acme/plant1/filler/x, address: hr:0}\n");
  EXPECT_TRUE(set.errors.empty()) << ::testing::PrintToString(set.errors);
  EXPECT_EQ(set.device.bit_writes, BitWrites::kReadModifyWrite);
  EXPECT_TRUE(set.device.single_register_fc16);
  EXPECT_EQ(set.device.inter_request_delay, 20 * kMillisecond);
  EXPECT_THAT(OnlyError(Parse("bit_writes: fc23\n" + kHead +
                              "  - {path: acme/plant1/filler/x, address: hr:0}\n")),
              HasSubstr("bit_writes"));
  EXPECT_THAT(OnlyError(Parse("inter_request_delay: 5s\n" + kHead +
                              "  - {path: acme/plant1/filler/x, address: hr:0}\n")),
              HasSubstr("inter_request_delay"));
}

TEST(ModbusConfig, ATagCanNameItsOwnUnitBehindTheDevicesConnection) {
  Parsed p = Parse(kHead +
                   "  - {path: acme/plant1/filler/x, address: hr:0, unit_id: 3}\n"
                   "  - {path: acme/plant1/filler/y, address: hr:0}\n");
  EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.device.points[0].unit_id, 3);
  EXPECT_EQ(p.device.points[1].unit_id, -1);
  EXPECT_THAT(OnlyError(Parse("name: x\nprotocol: modbus-rtu\nserial: {device: /dev/ttyUSB0}\n"
                              "tags:\n  - {path: acme/plant1/filler/x, address: hr:0, "
                              "unit_id: 0}\n")),
              HasSubstr("expected 1..247"));
}

}  // namespace
}  // namespace gantry::modbus
