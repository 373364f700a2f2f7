#include "field/sim/register_map.h"

#include <gtest/gtest.h>

#include "field/sim/random.h"
#include "field/sim/schedule.h"

namespace gantry::sim {
namespace {

TEST(SimRegisterMap, CountersAndFloatsAreBigEndianHighWordFirst) {
  MachineSnapshot m;
  m.state = MachineState::kFaulted;
  m.fault = FaultCode::kLabelWebBreak;
  m.speed = 98.5f;
  m.good_count = 0x12345678;
  m.reject_count = 4'294'967'295u;
  m.energy_wh = 70'000;
  m.temperature_c = 41.25f;
  m.vibration_mm_s = 1.5f;
  m.infeed_level = 123;
  m.heartbeat = 65535;
  m.product = "P-0017";
  const RegisterImage image = EncodeRegisters(m);
  EXPECT_EQ(image.registers[kRegState], 5);
  EXPECT_EQ(image.registers[kRegFaultCode], 310);
  EXPECT_EQ(image.registers[kRegGoodCount], 0x1234);
  EXPECT_EQ(image.registers[kRegGoodCount + 1], 0x5678);
  EXPECT_EQ(image.registers[kRegRejectCount], 0xFFFF);
  EXPECT_EQ(image.registers[kRegSpeed], 0x42C5);  // 98.5f = 0x42C50000
  EXPECT_EQ(image.registers[kRegSpeed + 1], 0x0000);
  EXPECT_EQ(DecodeUint32(image.registers[kRegEnergyWh], image.registers[kRegEnergyWh + 1]),
            70'000u);
  EXPECT_EQ(DecodeFloat32(image.registers[kRegTemperature], image.registers[kRegTemperature + 1]),
            41.25f);
  EXPECT_EQ(DecodeFloat32(image.registers[kRegVibration], image.registers[kRegVibration + 1]),
            1.5f);
  EXPECT_EQ(image.registers[kRegInfeedLevel], 123);
  EXPECT_EQ(image.registers[kRegHeartbeat], 65535);
  EXPECT_EQ(image.registers[kRegProductCode], ('P' << 8) | '-');
  EXPECT_EQ(image.registers[kRegProductCode + 3], 0);
  EXPECT_EQ(DecodeString(&image.registers[kRegProductCode], kProductCodeRegisters), "P-0017");
  EXPECT_EQ(image.bits[kBitFaulted], 1);
  EXPECT_EQ(image.bits[kBitRunning], 0);
  EXPECT_EQ(image.bits[kBitPlannedStop], 0);
}

TEST(SimRegisterMap, PlannedStopsSetThePlannedBitOnly) {
  MachineSnapshot m;
  m.state = MachineState::kCleaning;
  const RegisterImage image = EncodeRegisters(m);
  EXPECT_EQ(image.bits[kBitPlannedStop], 1);
  EXPECT_EQ(image.bits[kBitRunning] + image.bits[kBitFaulted] + image.bits[kBitStarved] +
                image.bits[kBitBlocked],
            0);
}

TEST(SimRandom, SameSeedAndStreamRepeatOthersDiffer) {
  SimRandom a(42, 1), b(42, 1), c(42, 2), d(43, 1);
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    EXPECT_NE(x, c.Next());
    EXPECT_NE(x, d.Next());
  }
}

TEST(SimRandom, DistributionsHaveTheirMeans) {
  SimRandom rng(7);
  double sum_u = 0, sum_e = 0, sum_n = 0, sum_n2 = 0;
  constexpr int kN = 200'000;
  for (int i = 0; i < kN; ++i) {
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum_u += u;
    sum_e += rng.Exponential(5.0);
    const double n = rng.Normal();
    sum_n += n;
    sum_n2 += n * n;
    ASSERT_LT(rng.Below(12), 12u);
  }
  EXPECT_NEAR(sum_u / kN, 0.5, 0.01);
  EXPECT_NEAR(sum_e / kN, 5.0, 0.1);
  EXPECT_NEAR(sum_n / kN, 0.0, 0.01);
  EXPECT_NEAR(sum_n2 / kN, 1.0, 0.02);
}

TEST(SimSchedule, WindowsRepeatDailyCrossMidnightAndFollowUtcOffset) {
  LineSchedule plan;
  plan.utc_offset = 1 * kHour;  // plant local = UTC+1
  plan.stops = {{MachineState::kBreak, 23 * kHour + 45 * kMinute, 30 * kMinute, "night break"}};
  ASSERT_TRUE(plan.Validate().ok());
  const Timestamp day = 20'000 * kDay;  // a UTC midnight
  EXPECT_EQ(plan.ActiveAt(day + 22 * kHour + 44 * kMinute), nullptr);
  EXPECT_NE(plan.ActiveAt(day + 22 * kHour + 45 * kMinute), nullptr);  // 23:45 local
  EXPECT_NE(plan.ActiveAt(day + 23 * kHour + 14 * kMinute), nullptr);  // 00:14 local
  EXPECT_EQ(plan.ActiveAt(day + 23 * kHour + 15 * kMinute), nullptr);
  EXPECT_NE(plan.ActiveAt(day + 5 * kDay + 23 * kHour), nullptr);
  EXPECT_EQ(plan.OccurrenceStart(plan.stops[0], day + 23 * kHour + 10 * kMinute),
            day + 22 * kHour + 45 * kMinute);
}

TEST(SimSchedule, PlantTimeZoneFollowsDaylightSaving) {
  LineSchedule plan;
  plan.time_zone = "Europe/Berlin";
  plan.stops = {{MachineState::kBreak, 10 * kHour, 30 * kMinute, "early shift break"}};
  ASSERT_TRUE(plan.Validate().ok());
  const Timestamp winter_day = 1'795'305'600LL * kSecond;  // 2026-11-22T00:00Z, CET = UTC+1
  const Timestamp summer_day = 1'784'246'400LL * kSecond;  // 2026-07-17T00:00Z, CEST = UTC+2
  // The same object answers across the change (its cached offset is renewed).
  EXPECT_EQ(plan.ActiveAt(summer_day + 8 * kHour - kSecond), nullptr);
  EXPECT_NE(plan.ActiveAt(summer_day + 8 * kHour), nullptr);  // 10:00 CEST
  EXPECT_EQ(plan.ActiveAt(winter_day + 8 * kHour), nullptr);
  EXPECT_NE(plan.ActiveAt(winter_day + 9 * kHour), nullptr);  // 10:00 CET
  EXPECT_EQ(plan.ActiveAt(winter_day + 9 * kHour + 30 * kMinute), nullptr);
  EXPECT_NE(plan.ActiveAt(summer_day + 8 * kHour + 10 * kMinute), nullptr);
  EXPECT_EQ(plan.OffsetAt(summer_day), 2 * kHour);
  EXPECT_EQ(plan.OffsetAt(winter_day), 1 * kHour);
}

TEST(SimSchedule, UnknownTimeZoneIsAnError) {
  LineSchedule plan;
  plan.time_zone = "Europe/Atlantis";
  const Status s = plan.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("Europe/Atlantis"), std::string::npos) << s.message();
}

TEST(SimSchedule, ValidateRejectsRunningStateAsPlannedStop) {
  LineSchedule plan;
  plan.stops = {{MachineState::kRunning, 0, kHour, "nonsense"}};
  EXPECT_EQ(plan.Validate().code(), StatusCode::kInvalidArgument);
  plan.stops = {{MachineState::kBreak, 0, 0, "empty"}};
  EXPECT_EQ(plan.Validate().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(DefaultLineSchedule().Validate().ok());
}

}  // namespace
}  // namespace gantry::sim
