#include "field/modbus/modbus_planner.h"

#include <gtest/gtest.h>

namespace gantry::modbus {
namespace {

PointConfig At(Table t, uint16_t offset, WireType type = WireType::kUint16, size_t group = 0) {
  PointConfig p;
  p.table = t;
  p.offset = offset;
  p.type = IsBitTable(t) ? WireType::kBool : type;
  p.poll_group = group;
  return p;
}

DeviceConfig Device(std::vector<PointConfig> points, uint16_t gap_regs = 8,
                    uint16_t gap_bits = 64) {
  DeviceConfig d;
  d.poll_groups = {{"fast", 250 * kMillisecond}, {"slow", 5 * kSecond}};
  d.max_gap_registers = gap_regs;
  d.max_gap_bits = gap_bits;
  d.points = std::move(points);
  return d;
}

TEST(ModbusPlan, ContiguousRegistersBecomeOneRequest) {
  auto reads = PlanReads(
      Device({At(Table::kHoldingRegister, 0), At(Table::kHoldingRegister, 1, WireType::kFloat32),
              At(Table::kHoldingRegister, 3)}));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].function, kReadHoldingRegisters);
  EXPECT_EQ(reads[0].start, 0);
  EXPECT_EQ(reads[0].quantity, 4);
  ASSERT_EQ(reads[0].points.size(), 3u);
  EXPECT_EQ(reads[0].points[1].point, 1u);
  EXPECT_EQ(reads[0].points[1].index, 1);
  EXPECT_EQ(reads[0].points[2].index, 3);
}

TEST(ModbusPlan, SmallGapIsBridgedLargeGapSplits) {
  auto reads = PlanReads(Device(
      {At(Table::kInputRegister, 10), At(Table::kInputRegister, 19), At(Table::kInputRegister, 40)},
      8));
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].function, kReadInputRegisters);
  EXPECT_EQ(reads[0].start, 10);
  EXPECT_EQ(reads[0].quantity, 10);  // 10..19, gap of 8 read across
  EXPECT_EQ(reads[1].start, 40);
  EXPECT_EQ(reads[1].quantity, 1);
}

TEST(ModbusPlan, ZeroGapReadsOnlyAdjacentRegistersTogether) {
  auto reads =
      PlanReads(Device({At(Table::kHoldingRegister, 0), At(Table::kHoldingRegister, 2)}, 0));
  EXPECT_EQ(reads.size(), 2u);
}

TEST(ModbusPlan, RegisterRequestsNeverExceed125) {
  std::vector<PointConfig> points;
  for (uint16_t i = 0; i < 300; ++i) points.push_back(At(Table::kHoldingRegister, i));
  auto reads = PlanReads(Device(points));
  ASSERT_EQ(reads.size(), 3u);
  EXPECT_EQ(reads[0].quantity, 125);
  EXPECT_EQ(reads[1].start, 125);
  EXPECT_EQ(reads[1].quantity, 125);
  EXPECT_EQ(reads[2].quantity, 50);
}

TEST(ModbusPlan, MultiRegisterValueIsNeverSplitAcrossRequests) {
  std::vector<PointConfig> points;
  for (uint16_t i = 0; i < 62; ++i)
    points.push_back(At(Table::kHoldingRegister, 2 * i, WireType::kFloat32));
  points.push_back(At(Table::kHoldingRegister, 124, WireType::kFloat32));  // 124..125
  auto reads = PlanReads(Device(points));
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].quantity, 124);
  EXPECT_EQ(reads[1].start, 124);
  EXPECT_EQ(reads[1].quantity, 2);
}

TEST(ModbusPlan, CoilsUpTo2000BitsPerRequest) {
  std::vector<PointConfig> points;
  for (uint16_t i = 0; i < 2500; i += 10) points.push_back(At(Table::kCoil, i));
  auto reads = PlanReads(Device(points));
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].function, kReadCoils);
  EXPECT_LE(reads[0].quantity, kMaxReadBits);
  EXPECT_EQ(reads[0].quantity, 1991);  // 0..1990
  EXPECT_EQ(reads[1].start, 2000);
}

TEST(ModbusPlan, TablesAndPollGroupsAreNeverMixed) {
  auto reads = PlanReads(
      Device({At(Table::kHoldingRegister, 0), At(Table::kInputRegister, 1), At(Table::kCoil, 0),
              At(Table::kDiscreteInput, 0), At(Table::kHoldingRegister, 1, WireType::kUint16, 1)}));
  ASSERT_EQ(reads.size(), 5u);
  EXPECT_EQ(reads[0].function, kReadCoils);
  EXPECT_EQ(reads[1].function, kReadDiscreteInputs);
  EXPECT_EQ(reads[2].function, kReadInputRegisters);
  EXPECT_EQ(reads[3].function, kReadHoldingRegisters);
  EXPECT_EQ(reads[4].poll_group, 1u);
}

TEST(ModbusPlan, OverlappingPointsShareRegisters) {
  PointConfig word = At(Table::kHoldingRegister, 5);
  PointConfig bit = At(Table::kHoldingRegister, 5);
  bit.bit = 3;
  auto reads = PlanReads(Device({word, bit, At(Table::kHoldingRegister, 4, WireType::kUint32)}));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].start, 4);
  EXPECT_EQ(reads[0].quantity, 2);
  EXPECT_EQ(reads[0].points.size(), 3u);
}

TEST(ModbusPlan, TopOfAddressSpace) {
  auto reads = PlanReads(Device({At(Table::kHoldingRegister, 65534, WireType::kUint32)}));
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_EQ(reads[0].start, 65534);
  EXPECT_EQ(reads[0].quantity, 2);
}

TEST(ModbusPlan, ADeviceThatServesFewerRegistersPerRequestGetsSmallerRequests) {
  std::vector<PointConfig> points;
  for (uint16_t i = 0; i < 100; ++i) points.push_back(At(Table::kInputRegister, i));
  points.push_back(At(Table::kCoil, 0));
  points.push_back(At(Table::kCoil, 99));
  DeviceConfig d = Device(points);
  d.max_registers_per_read = 32;
  d.max_bits_per_read = 50;
  auto reads = PlanReads(d);
  ASSERT_EQ(reads.size(), 6u);  // coils 0 and 99 apart; registers 32+32+32+4
  EXPECT_EQ(reads[0].quantity, 1);
  EXPECT_EQ(reads[1].start, 99);
  for (size_t i = 2; i < 5; ++i) EXPECT_EQ(reads[i].quantity, 32);
  EXPECT_EQ(reads[5].start, 96);
  EXPECT_EQ(reads[5].quantity, 4);
}

TEST(ModbusPlan, AValueWiderThanTheDeviceLimitIsReadAlone) {
  PointConfig text = At(Table::kHoldingRegister, 10, WireType::kString);
  text.string_length = 20;
  DeviceConfig d = Device({At(Table::kHoldingRegister, 9), text, At(Table::kHoldingRegister, 30)});
  d.max_registers_per_read = 8;
  auto reads = PlanReads(d);
  ASSERT_EQ(reads.size(), 3u);
  EXPECT_EQ(reads[1].start, 10);
  EXPECT_EQ(reads[1].quantity, 20);
}

TEST(ModbusPlan, ARefusedMergedReadSplitsIntoWholePointsNearTheMiddle) {
  // 0 (uint16), 2..3 (float32), 10, 11 with gaps: one read 0+12.
  DeviceConfig d =
      Device({At(Table::kHoldingRegister, 0), At(Table::kHoldingRegister, 2, WireType::kFloat32),
              At(Table::kHoldingRegister, 10), At(Table::kHoldingRegister, 11)});
  auto reads = PlanReads(d);
  ASSERT_EQ(reads.size(), 1u);
  ASSERT_EQ(reads[0].quantity, 12);
  auto halves = SplitRead(reads[0], d);
  ASSERT_TRUE(halves);
  EXPECT_EQ(halves->first.start, 0);  // cut before hr:10 (nearest the middle, 6): gap 4..9 gone
  EXPECT_EQ(halves->first.quantity, 4);
  ASSERT_EQ(halves->first.points.size(), 2u);
  EXPECT_EQ(halves->first.points[1].index, 2);
  EXPECT_EQ(halves->second.start, 10);
  EXPECT_EQ(halves->second.quantity, 2);
  ASSERT_EQ(halves->second.points.size(), 2u);
  EXPECT_EQ(halves->second.points[0].point, 2u);
  EXPECT_EQ(halves->second.points[0].index, 0);
  EXPECT_EQ(halves->second.points[1].index, 1);
  EXPECT_EQ(halves->first.function, kReadHoldingRegisters);
  // Splitting again ends at single points, which cannot be split.
  auto quarter = SplitRead(halves->second, d);
  ASSERT_TRUE(quarter);
  EXPECT_EQ(quarter->first.quantity, 1);
  EXPECT_EQ(quarter->second.start, 11);
  EXPECT_FALSE(SplitRead(quarter->second, d));
}

TEST(ModbusPlan, OverlappingPointsAreNeverSplitApart) {
  PointConfig word = At(Table::kHoldingRegister, 5);
  PointConfig bit = At(Table::kHoldingRegister, 5);
  bit.bit = 3;
  DeviceConfig d = Device({word, bit, At(Table::kHoldingRegister, 4, WireType::kUint32)});
  auto reads = PlanReads(d);
  ASSERT_EQ(reads.size(), 1u);
  EXPECT_FALSE(SplitRead(reads[0], d));
}

TEST(ModbusPlan, CoilReadsSplitToo) {
  DeviceConfig d = Device({At(Table::kCoil, 0), At(Table::kCoil, 40), At(Table::kCoil, 41)});
  auto reads = PlanReads(d);
  ASSERT_EQ(reads.size(), 1u);
  auto halves = SplitRead(reads[0], d);
  ASSERT_TRUE(halves);
  EXPECT_EQ(halves->first.quantity, 1);
  EXPECT_EQ(halves->second.start, 40);
  EXPECT_EQ(halves->second.quantity, 2);
  EXPECT_EQ(halves->second.function, kReadCoils);
}

TEST(ModbusPlan, UnitsBehindOneGatewayAreNeverMerged) {
  PointConfig other = At(Table::kHoldingRegister, 1);
  other.unit_id = 3;
  PointConfig same = At(Table::kHoldingRegister, 2);
  same.unit_id = 1;  // the device's own unit, written out
  DeviceConfig d = Device({At(Table::kHoldingRegister, 0), other, same});
  auto reads = PlanReads(d);
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0].unit, 1);
  EXPECT_EQ(reads[0].quantity, 3);  // hr:0 and hr:2 with the gap
  EXPECT_EQ(reads[1].unit, 3);
  EXPECT_EQ(reads[1].start, 1);
}

}  // namespace
}  // namespace gantry::modbus
