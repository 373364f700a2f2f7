#include "field/modbus/modbus_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "field/modbus/modbus_points.h"

namespace gantry::modbus {
namespace {

using ::testing::HasSubstr;
using Bytes = std::vector<uint8_t>;

TEST(ModbusResponse, HoldingRegistersDecoded) {
  ReadResponse r = ValidateReadResponse({3, 0, 2}, Bytes{0x03, 0x04, 0x12, 0x34, 0xAB, 0xCD});
  ASSERT_EQ(r.status, ReadStatus::kOk) << r.detail;
  EXPECT_EQ(r.registers, (std::vector<uint16_t>{0x1234, 0xABCD}));
}

TEST(ModbusResponse, CoilsUnpackedLeastSignificantBitFirst) {
  ReadResponse r = ValidateReadResponse({1, 0, 10}, Bytes{0x01, 0x02, 0b00000101, 0b00000010});
  ASSERT_EQ(r.status, ReadStatus::kOk) << r.detail;
  EXPECT_EQ(r.bits, (std::vector<uint8_t>{1, 0, 1, 0, 0, 0, 0, 0, 0, 1}));
}

TEST(ModbusResponse, ByteCountNotMatchingQuantityIsMalformed) {
  ReadResponse r = ValidateReadResponse({3, 0, 2}, Bytes{0x03, 0x02, 0x12, 0x34});
  EXPECT_EQ(r.status, ReadStatus::kMalformed);
  EXPECT_EQ(r.detail, "byte count 2 for a quantity of 2, expected 4");
}

TEST(ModbusResponse, TruncatedOrPaddedPduIsMalformed) {
  EXPECT_THAT(ValidateReadResponse({3, 0, 2}, Bytes{0x03, 0x04, 0x12, 0x34, 0xAB}).detail,
              HasSubstr("response of 5 bytes, byte count says 6"));
  EXPECT_EQ(ValidateReadResponse({3, 0, 1}, Bytes{0x03, 0x02, 0, 1, 9}).status,
            ReadStatus::kMalformed);
  EXPECT_EQ(ValidateReadResponse({3, 0, 1}, Bytes{0x03}).status, ReadStatus::kMalformed);
  EXPECT_EQ(ValidateReadResponse({3, 0, 1}, Bytes{}).status, ReadStatus::kMalformed);
}

TEST(ModbusResponse, WrongFunctionCodeIsMalformed) {
  ReadResponse r = ValidateReadResponse({3, 0, 1}, Bytes{0x04, 0x02, 0x00, 0x01});
  EXPECT_EQ(r.status, ReadStatus::kMalformed);
  EXPECT_EQ(r.detail, "function code 04 in response to a request with 03");
}

TEST(ModbusResponse, ExceptionResponseCarriesItsCode) {
  ReadResponse r = ValidateReadResponse({4, 100, 1}, Bytes{0x84, 0x02});
  ASSERT_EQ(r.status, ReadStatus::kException);
  EXPECT_EQ(r.exception_code, 0x02);
  EXPECT_EQ(r.detail, "exception 02 (illegal data address)");
  EXPECT_EQ(ValidateReadResponse({4, 100, 1}, Bytes{0x84, 0x02, 0x00}).status,
            ReadStatus::kMalformed);
  // an exception for another function is not ours
  EXPECT_EQ(ValidateReadResponse({4, 100, 1}, Bytes{0x83, 0x02}).status, ReadStatus::kMalformed);
}

TEST(ModbusResponse, RequestOutsideProtocolLimitsIsRejected) {
  EXPECT_EQ(ValidateReadResponse({3, 0, 126}, Bytes{0x03, 0xFC}).status, ReadStatus::kMalformed);
  EXPECT_EQ(ValidateReadResponse({3, 0, 0}, Bytes{0x03, 0x00}).status, ReadStatus::kMalformed);
  EXPECT_EQ(ValidateReadResponse({6, 0, 1}, Bytes{0x06, 0x02, 0, 0}).status,
            ReadStatus::kMalformed);
}

TEST(ModbusResponse, EncodeAndValidateRoundTrip) {
  const uint16_t regs[] = {1, 2, 3};
  Bytes pdu = EncodeReadResponse({3, 0, 3}, regs, {});
  ReadResponse r = ValidateReadResponse({3, 0, 3}, pdu);
  ASSERT_EQ(r.status, ReadStatus::kOk);
  EXPECT_EQ(r.registers, (std::vector<uint16_t>{1, 2, 3}));
  const uint8_t bits[] = {1, 1, 0, 1, 0, 0, 0, 0, 1};
  pdu = EncodeReadResponse({2, 0, 9}, {}, bits);
  r = ValidateReadResponse({2, 0, 9}, pdu);
  ASSERT_EQ(r.status, ReadStatus::kOk);
  EXPECT_EQ(r.bits, Bytes(std::begin(bits), std::end(bits)));
}

TEST(ModbusTcpFrame, ChecksTransactionProtocolLengthAndUnit) {
  Bytes adu{0x00, 0x07, 0x00, 0x00, 0x00, 0x05, 0x01, 0x03, 0x02, 0x00, 0x2A};
  auto pdu = CheckTcpFrame(adu, 7, 1);
  ASSERT_TRUE(pdu.ok()) << pdu.status().ToString();
  EXPECT_EQ(pdu->size(), 4u);
  EXPECT_THAT(CheckTcpFrame(adu, 8, 1).status().message(), HasSubstr("stale response"));
  EXPECT_THAT(CheckTcpFrame(adu, 7, 2).status().message(),
              HasSubstr("answer from unit 1, asked unit 2"));
  Bytes bad_len = adu;
  bad_len[5] = 0x09;
  EXPECT_THAT(CheckTcpFrame(bad_len, 7, 1).status().message(), HasSubstr("MBAP length 9"));
  Bytes bad_proto = adu;
  bad_proto[3] = 1;
  EXPECT_EQ(CheckTcpFrame(bad_proto, 7, 1).status().code(), StatusCode::kMalformed);
  EXPECT_EQ(CheckTcpFrame(Bytes{0, 7, 0}, 7, 1).status().code(), StatusCode::kMalformed);
}

TEST(ModbusRtuFrame, ChecksCrcAndAddress) {
  // 01 03 02 00 2A + CRC
  Bytes adu{0x01, 0x03, 0x02, 0x00, 0x2A};
  uint16_t crc = Crc16(adu);
  adu.push_back(static_cast<uint8_t>(crc & 0xFF));
  adu.push_back(static_cast<uint8_t>(crc >> 8));
  auto pdu = CheckRtuFrame(adu, 1);
  ASSERT_TRUE(pdu.ok());
  EXPECT_EQ(pdu->size(), 4u);
  EXPECT_FALSE(CheckRtuFrame(adu, 2).ok());
  adu[3] ^= 1;
  EXPECT_THAT(CheckRtuFrame(adu, 1).status().message(), HasSubstr("CRC mismatch"));
}

TEST(ModbusCrc, KnownVector) {
  // Read holding registers, unit 1, address 0, quantity 1: 01 03 00 00 00 01 -> CRC 84 0A
  const Bytes req{0x01, 0x03, 0x00, 0x00, 0x00, 0x01};
  EXPECT_EQ(Crc16(req), 0x0A84);
}

TEST(ModbusExceptionQuality, EachCodeMapsToAClearQuality) {
  EXPECT_EQ(ExceptionQuality(0x01), Quality::BadNotSupported());
  EXPECT_EQ(ExceptionQuality(0x02), Quality::BadOutOfRange());
  EXPECT_EQ(ExceptionQuality(0x03), Quality::BadOutOfRange());
  EXPECT_EQ(ExceptionQuality(0x04), Quality::BadDeviceFailure());
  EXPECT_EQ(ExceptionQuality(0x06), Quality::UncertainLastUsableValue());
  EXPECT_EQ(ExceptionQuality(0x0A), Quality::BadNoCommunication());
  EXPECT_EQ(ExceptionQuality(0x0B), Quality::BadTimeout());
  EXPECT_EQ(ExceptionQuality(0x42), Quality::BadCommunicationError());
  EXPECT_EQ(FailureQuality(ReadStatus::kTimeout), Quality::BadTimeout());
  EXPECT_EQ(FailureQuality(ReadStatus::kDisconnected), Quality::BadNotConnected());
  EXPECT_EQ(FailureQuality(ReadStatus::kMalformed), Quality::BadCommunicationError());
  EXPECT_EQ(ExceptionName(0x0B), "gateway target device failed to respond");
}

// --- PointPublisher: what a read's outcome turns into -------------------------------------

struct Line {
  DeviceConfig device;
  std::vector<PlannedRead> reads;
  Line() {
    PointConfig speed;
    speed.tag.path = "acme/p/l/filler/speed";
    speed.offset = 0;
    speed.type = WireType::kUint16;
    speed.tag.deadband = 5;
    PointConfig temp;
    temp.tag.path = "acme/p/l/filler/temp";
    temp.offset = 1;
    temp.type = WireType::kFloat32;
    device.points = {speed, temp};
    device.poll_groups = {{"fast", kSecond}};
    reads = PlanReads(device);
  }
};

ReadResponse Registers(std::vector<uint16_t> regs) {
  ReadResponse r;
  r.status = ReadStatus::kOk;
  r.registers = std::move(regs);
  return r;
}

ReadResponse Exception(uint8_t code) {
  ReadResponse r;
  r.status = ReadStatus::kException;
  r.exception_code = code;
  return r;
}

TEST(ModbusPointPublisher, GoodValuesThenDeadbandSuppressesSmallChanges) {
  Line line;
  PointPublisher pub(line.device, line.reads, {10, 11});
  auto s = pub.OnRead(0, Registers({100, 0x4148, 0}), 1);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], (Sample{10, 1, Value(int64_t{100}), Quality::Good()}));
  EXPECT_EQ(s[1], (Sample{11, 1, Value(12.5), Quality::Good()}));
  s = pub.OnRead(0, Registers({103, 0x4148, 0}), 2);  // speed within deadband, temp unchanged
  EXPECT_TRUE(s.empty());
  s = pub.OnRead(0, Registers({110, 0x4148, 0}), 3);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].tag, 10u);
}

TEST(ModbusPointPublisher, TimeoutPublishedOnceThenGoodAgainWithValues) {
  Line line;
  PointPublisher pub(line.device, line.reads, {10, 11});
  (void)pub.OnRead(0, Registers({100, 0x4148, 0}), 1);
  ReadResponse timeout;
  timeout.status = ReadStatus::kTimeout;
  auto s = pub.OnRead(0, timeout, 2);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].quality, Quality::BadTimeout());
  EXPECT_TRUE(s[0].value.empty());
  EXPECT_TRUE(pub.OnRead(0, timeout, 3).empty());     // not every cycle
  s = pub.OnRead(0, Registers({100, 0x4148, 0}), 4);  // same values: republished on recovery
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], (Sample{10, 4, Value(int64_t{100}), Quality::Good()}));
}

TEST(ModbusPointPublisher, IllegalAddressMapsToBadOutOfRange) {
  Line line;
  PointPublisher pub(line.device, line.reads, {10, 11});
  auto s = pub.OnRead(0, Exception(0x02), 1);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].quality, Quality::BadOutOfRange());
}

TEST(ModbusPointPublisher, BusyKeepsValueThenUncertainLastUsable) {
  Line line;
  PointPublisher pub(line.device, line.reads, {10, 11});
  (void)pub.OnRead(0, Registers({100, 0x4148, 0}), 1);
  for (int i = 0; i < kBusyRetries; ++i) EXPECT_TRUE(pub.OnRead(0, Exception(0x06), 2 + i).empty());
  auto s = pub.OnRead(0, Exception(0x06), 9);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0], (Sample{10, 9, Value(int64_t{100}), Quality::UncertainLastUsableValue()}));
  EXPECT_TRUE(pub.OnRead(0, Exception(0x06), 10).empty());
}

TEST(ModbusPointPublisher, DeviceDownOneBadSamplePerPoint) {
  Line line;
  PointPublisher pub(line.device, line.reads, {10, 11});
  auto s = pub.OnDeviceDown(Quality::BadNotConnected(), 1);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].quality, Quality::BadNotConnected());
  EXPECT_TRUE(pub.OnDeviceDown(Quality::BadNotConnected(), 2).empty());
}

}  // namespace
}  // namespace gantry::modbus

namespace gantry::modbus {
namespace {

TEST(ModbusPointPublisher, SameValuesAfterDeviceDownAreRepublished) {
  Line line;
  PointPublisher pub(line.device, line.reads, {10, 11});
  EXPECT_EQ(pub.OnRead(0, Registers({100, 0x4148, 0}), 1).size(), 2u);
  EXPECT_TRUE(pub.OnRead(0, Registers({100, 0x4148, 0}), 2).empty());
  EXPECT_EQ(pub.OnDeviceDown(Quality::BadNotConnected(), 3).size(), 2u);
  auto s = pub.OnRead(0, Registers({100, 0x4148, 0}), 4);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1], (Sample{11, 4, Value(12.5), Quality::Good()}));
  // only the register that changed produces a sample
  s = pub.OnRead(0, Registers({100, 0x4149, 0}), 5);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].tag, 11u);
}

}  // namespace
}  // namespace gantry::modbus
