#include "field/modbus/modbus_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace gantry::modbus {
namespace {

PointConfig Point(WireType type, ByteOrder bo = ByteOrder::kBig,
                  WordOrder wo = WordOrder::kHighFirst) {
  PointConfig p;
  p.type = type;
  p.byte_order = bo;
  p.word_order = wo;
  p.tag.type = type == WireType::kFloat32 || type == WireType::kFloat64 ? ValueType::kDouble
                                                                        : ValueType::kInt64;
  return p;
}

TEST(ModbusDecode, Uint16AndInt16FromOneRegister) {
  const uint16_t regs[] = {0xFFFE};
  EXPECT_EQ(DecodeRegisters(Point(WireType::kUint16), regs), Value(int64_t{65534}));
  EXPECT_EQ(DecodeRegisters(Point(WireType::kInt16), regs), Value(int64_t{-2}));
}

TEST(ModbusDecode, Int16LittleByteOrderSwapsBytes) {
  const uint16_t regs[] = {0x3412};
  EXPECT_EQ(DecodeRegisters(Point(WireType::kUint16, ByteOrder::kLittle), regs),
            Value(int64_t{0x1234}));
}

TEST(ModbusDecode, Int32HighWordFirstAndLowWordFirst) {
  const uint16_t hi_first[] = {0xFFFF, 0xFFF6};  // -10
  EXPECT_EQ(DecodeRegisters(Point(WireType::kInt32), hi_first), Value(int64_t{-10}));
  const uint16_t lo_first[] = {0xFFF6, 0xFFFF};
  EXPECT_EQ(
      DecodeRegisters(Point(WireType::kInt32, ByteOrder::kBig, WordOrder::kLowFirst), lo_first),
      Value(int64_t{-10}));
}

TEST(ModbusDecode, Uint32AboveInt32RangeStaysPositive) {
  const uint16_t regs[] = {0x8000, 0x0001};
  EXPECT_EQ(DecodeRegisters(Point(WireType::kUint32), regs), Value(int64_t{0x80000001}));
}

TEST(ModbusDecode, Float32AllFourByteAndWordOrders) {
  // 12.5f = 0x41480000
  const uint16_t abcd[] = {0x4148, 0x0000};
  const uint16_t cdab[] = {0x0000, 0x4148};
  const uint16_t badc[] = {0x4841, 0x0000};
  const uint16_t dcba[] = {0x0000, 0x4841};
  EXPECT_EQ(DecodeRegisters(Point(WireType::kFloat32), abcd), Value(12.5));
  EXPECT_EQ(DecodeRegisters(Point(WireType::kFloat32, ByteOrder::kBig, WordOrder::kLowFirst), cdab),
            Value(12.5));
  EXPECT_EQ(DecodeRegisters(Point(WireType::kFloat32, ByteOrder::kLittle), badc), Value(12.5));
  EXPECT_EQ(
      DecodeRegisters(Point(WireType::kFloat32, ByteOrder::kLittle, WordOrder::kLowFirst), dcba),
      Value(12.5));
}

TEST(ModbusDecode, Float64WordSwappedReadsBack) {
  PointConfig p = Point(WireType::kFloat64, ByteOrder::kBig, WordOrder::kLowFirst);
  std::vector<uint16_t> regs = EncodeRegisters(p, Value(-1234.5678));
  ASSERT_EQ(regs.size(), 4u);
  EXPECT_EQ(regs[3], 0xC093);  // sign and exponent sit in the last register when low word first
  EXPECT_EQ(DecodeRegisters(p, regs), Value(-1234.5678));
}

TEST(ModbusDecode, Int64AndUint64) {
  const uint16_t regs[] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE};
  EXPECT_EQ(DecodeRegisters(Point(WireType::kInt64), regs), Value(int64_t{-2}));
  // Unscaled uint64 beyond int64 cannot be represented: empty (the publisher says BadOutOfRange).
  EXPECT_TRUE(DecodeRegisters(Point(WireType::kUint64), regs).empty());
  const uint16_t small[] = {0, 0, 1, 0};
  EXPECT_EQ(DecodeRegisters(Point(WireType::kUint64), small), Value(int64_t{65536}));
}

TEST(ModbusDecode, ScaledIntegerBecomesDouble) {
  PointConfig p = Point(WireType::kInt16);
  p.tag.scaling = {0.1, -5.0};
  const uint16_t regs[] = {static_cast<uint16_t>(-250)};  // -25.0 - 5
  Value v = DecodeRegisters(p, regs);
  ASSERT_EQ(v.type(), ValueType::kDouble);
  EXPECT_NEAR(*v.AsDouble(), -30.0, 1e-9);
}

TEST(ModbusDecode, RangeScalingOfAnalogCardToPercent) {
  PointConfig p = Point(WireType::kUint16);
  // raw 0..27648 -> 0..100 %, as an S7 analog card delivers it
  p.tag.scaling = {100.0 / 27648.0, 0.0};
  const uint16_t regs[] = {13824};
  EXPECT_NEAR(*DecodeRegisters(p, regs).AsDouble(), 50.0, 1e-9);
}

TEST(ModbusDecode, ScaledFloat32) {
  PointConfig p = Point(WireType::kFloat32);
  p.tag.scaling = {2.0, 1.0};
  const uint16_t regs[] = {0x4148, 0x0000};
  EXPECT_EQ(DecodeRegisters(p, regs), Value(26.0));
}

TEST(ModbusDecode, BitExtractionOfAStatusWord) {
  PointConfig p = Point(WireType::kUint16);
  p.tag.type = ValueType::kBool;
  const uint16_t regs[] = {0x0008};
  p.bit = 3;
  EXPECT_EQ(DecodeRegisters(p, regs), Value(true));
  p.bit = 4;
  EXPECT_EQ(DecodeRegisters(p, regs), Value(false));
  p.bit = 15;
  const uint16_t high[] = {0x8000};
  EXPECT_EQ(DecodeRegisters(p, high), Value(true));
  // byte order is undone before the bit is taken
  p.byte_order = ByteOrder::kLittle;
  p.bit = 3;
  const uint16_t swapped[] = {0x0800};
  EXPECT_EQ(DecodeRegisters(p, swapped), Value(true));
}

TEST(ModbusDecode, StringTwoCharactersPerRegisterTrimmed) {
  PointConfig p = Point(WireType::kString);
  p.string_length = 4;
  const uint16_t regs[] = {('P' << 8) | '-', ('1' << 8) | '7', (' ' << 8) | ' ', 0};
  EXPECT_EQ(DecodeRegisters(p, regs), Value("P-17"));
  p.byte_order = ByteOrder::kLittle;
  const uint16_t little[] = {('-' << 8) | 'P', ('7' << 8) | '1', 0, 0};
  EXPECT_EQ(DecodeRegisters(p, little), Value("P-17"));
}

TEST(ModbusDecode, StringStopsAtNulAndMasksControlBytes) {
  PointConfig p = Point(WireType::kString);
  p.string_length = 3;
  const uint16_t regs[] = {('A' << 8) | 0x07, ('B' << 8) | 0x00, ('Z' << 8) | 'Z'};
  EXPECT_EQ(DecodeRegisters(p, regs), Value("A?B"));
}

TEST(ModbusDecode, TooFewRegistersGivesEmpty) {
  const uint16_t regs[] = {1};
  EXPECT_TRUE(DecodeRegisters(Point(WireType::kFloat32), regs).empty());
}

TEST(ModbusEncode, RoundTripsEveryTypeAndOrder) {
  for (auto bo : {ByteOrder::kBig, ByteOrder::kLittle}) {
    for (auto wo : {WordOrder::kHighFirst, WordOrder::kLowFirst}) {
      EXPECT_EQ(DecodeRegisters(Point(WireType::kInt32, bo, wo),
                                EncodeRegisters(Point(WireType::kInt32, bo, wo), Value(-123456))),
                Value(int64_t{-123456}));
      EXPECT_EQ(DecodeRegisters(
                    Point(WireType::kUint32, bo, wo),
                    EncodeRegisters(Point(WireType::kUint32, bo, wo), Value(int64_t{4000000000}))),
                Value(int64_t{4000000000}));
      EXPECT_EQ(DecodeRegisters(Point(WireType::kInt64, bo, wo),
                                EncodeRegisters(Point(WireType::kInt64, bo, wo),
                                                Value(int64_t{-9000000000000}))),
                Value(int64_t{-9000000000000}));
      EXPECT_EQ(DecodeRegisters(Point(WireType::kFloat32, bo, wo),
                                EncodeRegisters(Point(WireType::kFloat32, bo, wo), Value(0.25))),
                Value(0.25));
    }
  }
}

TEST(Deadband, FirstValueAlwaysPublished) {
  EXPECT_TRUE(ShouldPublish({}, Value(1.0), Quality::Good(), 10.0));
}

TEST(Deadband, SmallChangeSuppressedLargeChangePublished) {
  LastPublished last{true, Value(20.0), Quality::Good()};
  EXPECT_FALSE(ShouldPublish(last, Value(20.4), Quality::Good(), 0.5));
  EXPECT_FALSE(ShouldPublish(last, Value(20.5), Quality::Good(), 0.5));
  EXPECT_TRUE(ShouldPublish(last, Value(20.6), Quality::Good(), 0.5));
  EXPECT_TRUE(ShouldPublish(last, Value(19.4), Quality::Good(), 0.5));
}

TEST(Deadband, ZeroDeadbandPublishesEveryChangeButNotRepeats) {
  LastPublished last{true, Value(int64_t{7}), Quality::Good()};
  EXPECT_FALSE(ShouldPublish(last, Value(int64_t{7}), Quality::Good(), 0.0));
  EXPECT_TRUE(ShouldPublish(last, Value(int64_t{8}), Quality::Good(), 0.0));
}

TEST(Deadband, QualityOrTypeChangeAlwaysPublished) {
  LastPublished last{true, Value(20.0), Quality::Good()};
  EXPECT_TRUE(ShouldPublish(last, Value(20.0), Quality::UncertainLastUsableValue(), 5.0));
  EXPECT_TRUE(ShouldPublish(last, Value(), Quality::BadNotConnected(), 5.0));
  LastPublished bad{true, Value(), Quality::BadNotConnected()};
  EXPECT_FALSE(ShouldPublish(bad, Value(), Quality::BadNotConnected(), 5.0));
  EXPECT_TRUE(ShouldPublish(bad, Value(20.0), Quality::Good(), 5.0));
}

TEST(Deadband, BoolAndStringPublishOnChangeOnly) {
  LastPublished last{true, Value(true), Quality::Good()};
  EXPECT_FALSE(ShouldPublish(last, Value(true), Quality::Good(), 0.0));
  EXPECT_TRUE(ShouldPublish(last, Value(false), Quality::Good(), 0.0));
  LastPublished s{true, Value("P-17"), Quality::Good()};
  EXPECT_FALSE(ShouldPublish(s, Value("P-17"), Quality::Good(), 3.0));
  EXPECT_TRUE(ShouldPublish(s, Value("P-18"), Quality::Good(), 3.0));
}

TEST(ModbusCodec, BcdRegistersDecodeToTheirDecimalDigitsAndRefuseNonDigits) {
  PointConfig p;
  p.type = WireType::kBcd16;
  p.tag.type = ValueType::kInt64;
  const uint16_t r1[] = {0x1234};
  EXPECT_EQ(DecodeRegisters(p, r1), Value(int64_t{1234}));
  const uint16_t bad[] = {0x12A4};
  EXPECT_TRUE(DecodeRegisters(p, bad).empty());  // published as BadOutOfRange
  EXPECT_EQ(EncodeRegisters(p, Value(int64_t{9081})), std::vector<uint16_t>{0x9081});
  p.type = WireType::kBcd32;
  const uint16_t r2[] = {0x0012, 0x3456};
  EXPECT_EQ(DecodeRegisters(p, r2), Value(int64_t{123456}));
  p.word_order = WordOrder::kLowFirst;
  const uint16_t r3[] = {0x3456, 0x0012};
  EXPECT_EQ(DecodeRegisters(p, r3), Value(int64_t{123456}));
  EXPECT_EQ(EncodeRegisters(p, Value(int64_t{87654321})), (std::vector<uint16_t>{0x4321, 0x8765}));
  p.tag.path = "acme/p/a/l/m/count";
  EXPECT_EQ(RawForWrite(p, Value(int64_t{99999999})).value(), Value(int64_t{99999999}));
  Status too_big = RawForWrite(p, Value(int64_t{100000000})).status();
  EXPECT_NE(too_big.message().find("outside the range of bcd32"), std::string::npos)
      << too_big.message();
  p.type = WireType::kBcd16;
  EXPECT_FALSE(RawForWrite(p, Value(int64_t{10000})).ok());
  EXPECT_FALSE(RawForWrite(p, Value(int64_t{-1})).ok());
}

}  // namespace
}  // namespace gantry::modbus
