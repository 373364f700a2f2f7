#include "field/sim/packaging_line.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace gantry::sim {
namespace {

constexpr size_t kFiller = 0;
constexpr size_t kCapper = 1;
constexpr size_t kLabeller = 2;
constexpr size_t kCasePacker = 3;
constexpr Timestamp kMidnight = 1'795'305'600LL * kSecond;  // 2026-11-22T00:00:00Z

// A line without random faults, micro-stops or planned stops: only the behaviour under test.
LineOptions QuietLine(uint64_t seed = 42) {
  LineOptions o;
  o.seed = seed;
  o.start_time = kMidnight;
  o.fault_rate_scale = 0;
  o.micro_stop_rate_scale = 0;
  o.schedule.stops.clear();
  return o;
}

LineOptions DefaultLine(uint64_t seed) {
  LineOptions o;
  o.seed = seed;
  o.start_time = kMidnight;
  return o;
}

TEST(PackagingLine, SameSeedAndStepsGiveIdenticalRegisters) {
  PackagingLine a(DefaultLine(7));
  PackagingLine b(DefaultLine(7));
  for (int minute = 0; minute < 12 * 60; ++minute) {
    a.Step(kMinute);
    b.Step(kMinute);
    for (size_t i = 0; i < a.MachineCount(); ++i) ASSERT_EQ(a.Machine(i), b.Machine(i)) << minute;
  }
}

TEST(PackagingLine, HowTimeIsCutIntoStepsDoesNotMatter) {
  PackagingLine a(DefaultLine(11));
  PackagingLine b(DefaultLine(11));
  a.Step(6 * kHour);
  Duration done = 0;
  const Duration pieces[] = {350 * kMillisecond, 7'300 * kMillisecond, 1 * kSecond, 123'456'789};
  for (size_t n = 0; done < 6 * kHour; ++n) {
    const Duration d = std::min(pieces[n % 4], 6 * kHour - done);
    b.Step(d);
    done += d;
  }
  EXPECT_EQ(a.Now(), b.Now());
  for (size_t i = 0; i < a.MachineCount(); ++i) EXPECT_EQ(a.Machine(i), b.Machine(i));
}

TEST(PackagingLine, DifferentSeedGivesDifferentRun) {
  PackagingLine a(DefaultLine(1));
  PackagingLine b(DefaultLine(2));
  a.Step(4 * kHour);
  b.Step(4 * kHour);
  int differing = 0;
  for (size_t i = 0; i < a.MachineCount(); ++i)
    differing += a.Machine(i).good_count != b.Machine(i).good_count;
  EXPECT_GE(differing, 3);
}

TEST(PackagingLine, CountersWrapAtTwoToThe32AndOtherwiseNeverGoBackwards) {
  LineOptions o = DefaultLine(5);
  o.counter_start = 4'294'967'000u;
  PackagingLine line(o);
  std::vector<MachineSnapshot> last;
  for (size_t i = 0; i < line.MachineCount(); ++i) last.push_back(line.Machine(i));
  std::vector<int> good_wraps(line.MachineCount(), 0);
  std::vector<uint64_t> good_total(line.MachineCount(), 0);
  int energy_wraps = 0;
  for (int s = 0; s < 3 * 3600; ++s) {
    line.Step(kSecond);
    for (size_t i = 0; i < line.MachineCount(); ++i) {
      const MachineSnapshot m = line.Machine(i);
      const uint32_t good_delta = m.good_count - last[i].good_count;  // modulo 2^32
      const uint32_t reject_delta = m.reject_count - last[i].reject_count;
      const uint32_t energy_delta = m.energy_wh - last[i].energy_wh;
      ASSERT_LE(good_delta, 5u) << "machine " << i << " at second " << s;  // at most ~2/s
      ASSERT_LE(reject_delta, 5u);
      ASSERT_LE(energy_delta, 20u);  // 25 kW is ~7 Wh per second
      good_wraps[i] += m.good_count < last[i].good_count;
      energy_wraps += m.energy_wh < last[i].energy_wh;
      good_total[i] += good_delta;
      last[i] = m;
    }
  }
  for (size_t i = 0; i < line.MachineCount(); ++i) {
    SCOPED_TRACE(i);
    if (good_total[i] > 296) {
      EXPECT_EQ(good_wraps[i], 1);
      EXPECT_EQ(last[i].good_count, static_cast<uint32_t>(4'294'967'000ull + good_total[i]));
    }
  }
  EXPECT_GT(good_total[kFiller], 5000u);
  EXPECT_EQ(good_wraps[kFiller], 1);
  EXPECT_GE(energy_wraps, 1);
}

TEST(PackagingLine, FillerFaultStarvesCapperWithinBufferTimeAndBlocksNothingUpstream) {
  PackagingLine line(QuietLine());
  line.Step(20 * kMinute);  // settle
  ASSERT_EQ(line.Machine(kCapper).state, MachineState::kRunning);
  const int level = line.BufferLevel(0);
  ASSERT_GT(level, 20);
  line.InjectFault(kFiller, FaultCode::kBottleJam, 30 * kMinute);
  // Slowest the capper drains its infeed is 60 % of its rated 110/min.
  const Duration bound = static_cast<Duration>(level / (0.6 * 110.0) * kMinute) + 10 * kSecond;
  Duration starved_after = -1;
  for (Duration t = 0; t < 30 * kMinute - kSecond; t += kSecond) {
    line.Step(kSecond);
    EXPECT_EQ(line.Machine(kFiller).state, MachineState::kFaulted);
    EXPECT_EQ(line.Machine(kFiller).fault, FaultCode::kBottleJam);
    for (size_t i = 0; i < line.MachineCount(); ++i) {
      ASSERT_NE(line.Machine(i).state, MachineState::kBlocked) << "machine " << i;
    }
    if (starved_after < 0 && line.Machine(kCapper).state == MachineState::kStarved)
      starved_after = t;
  }
  ASSERT_GE(starved_after, 0);
  EXPECT_LE(starved_after, bound);
  EXPECT_GE(starved_after, static_cast<Duration>(level / 110.0 * kMinute) - kSecond);
  // Starvation travels down the line.
  EXPECT_EQ(line.Machine(kLabeller).state, MachineState::kStarved);
  EXPECT_EQ(line.Machine(kCasePacker).state, MachineState::kStarved);
  line.Step(5 * kMinute);
  EXPECT_EQ(line.Machine(kFiller).state, MachineState::kRunning);
  EXPECT_EQ(line.Machine(kCapper).state, MachineState::kRunning);
}

TEST(PackagingLine, StoppedCasePackerBlocksLabellerOnceBufferFills) {
  PackagingLine line(QuietLine());
  line.Step(20 * kMinute);
  const int free_space = 600 - line.BufferLevel(2);
  line.InjectFault(kCasePacker, FaultCode::kCaseMagazineEmpty, 2 * kHour);
  Duration blocked_after = -1;
  for (Duration t = 0; t < 20 * kMinute && blocked_after < 0; t += kSecond) {
    line.Step(kSecond);
    if (line.Machine(kLabeller).state == MachineState::kBlocked) blocked_after = t;
  }
  ASSERT_GE(blocked_after, 0) << "labeller never blocked";
  EXPECT_GE(blocked_after, static_cast<Duration>(free_space / 110.0 * kMinute) - kSecond);
  EXPECT_EQ(line.BufferLevel(2), 600);
  EXPECT_EQ(line.Machine(kCasePacker).state, MachineState::kFaulted);
  line.Step(30 * kMinute);  // blocking travels up to the filler
  EXPECT_EQ(line.Machine(kCapper).state, MachineState::kBlocked);
  EXPECT_EQ(line.Machine(kFiller).state, MachineState::kBlocked);
}

TEST(PackagingLine, ScheduledCleaningShowsCleaningForItsWindow) {
  LineOptions o = QuietLine();
  o.schedule.stops = {{MachineState::kCleaning, 1 * kHour, 45 * kMinute, "CIP"}};
  PackagingLine line(o);
  for (Duration t = 10 * kSecond; t <= 3 * kHour; t += 10 * kSecond) {
    line.Step(10 * kSecond);
    const bool in_window = t >= 1 * kHour && t < 1 * kHour + 45 * kMinute;
    for (size_t i = 0; i < line.MachineCount(); ++i) {
      const MachineState s = line.Machine(i).state;
      ASSERT_EQ(s == MachineState::kCleaning, in_window)
          << "machine " << i << " at " << t / kSecond << " s";
    }
  }
}

TEST(PackagingLine, ChangeoverSwitchesProductAndRaisesRejectsRightAfter) {
  LineOptions o = QuietLine(3);
  o.schedule.stops = {{MachineState::kChangeover, 2 * kHour, 30 * kMinute, "changeover"}};
  PackagingLine line(o);
  line.Step(2 * kHour - kMinute);
  EXPECT_EQ(line.Machine(kFiller).product, "P-0017");
  line.Step(2 * kMinute);
  EXPECT_EQ(line.Machine(kFiller).state, MachineState::kChangeover);
  EXPECT_EQ(line.Machine(kFiller).product, "P-0018");
  line.Step(29 * kMinute);  // changeover over at 02:30
  const uint32_t after_start = line.Machine(kFiller).reject_count;
  line.Step(30 * kMinute);
  const uint32_t after_changeover = line.Machine(kFiller).reject_count - after_start;
  line.Step(3 * kHour);
  const uint32_t steady_start = line.Machine(kFiller).reject_count;
  line.Step(30 * kMinute);
  const uint32_t steady = line.Machine(kFiller).reject_count - steady_start;
  EXPECT_GT(after_changeover, 2 * steady) << after_changeover << " vs " << steady;
}

TEST(PackagingLine, StartingInsideAChangeoverKeepsTheFirstProductUntilTheNextOne) {
  LineOptions o = QuietLine();
  o.schedule.stops = {{MachineState::kChangeover, 0, 30 * kMinute, "changeover"}};
  o.start_time = kMidnight + 10 * kMinute;
  PackagingLine line(o);
  EXPECT_EQ(line.Machine(kCapper).state, MachineState::kChangeover);
  line.Step(kHour);
  EXPECT_EQ(line.Machine(kCapper).state, MachineState::kRunning);
  EXPECT_EQ(line.Machine(kCapper).product, "P-0017");
  line.Step(23 * kHour);  // the next day's changeover
  EXPECT_EQ(line.Machine(kCapper).product, "P-0018");
}

TEST(PackagingLine, MicroStopsAreShortAndFrequent) {
  LineOptions o = QuietLine(9);
  o.micro_stop_rate_scale = 1;
  PackagingLine line(o);
  std::map<size_t, int> stops;
  std::vector<Duration> idle_for(line.MachineCount(), 0);
  for (Duration t = 0; t < 8 * kHour; t += 100 * kMillisecond) {
    line.Step(100 * kMillisecond);
    for (size_t i = 0; i < line.MachineCount(); ++i) {
      if (line.Machine(i).state == MachineState::kIdle) {
        idle_for[i] += 100 * kMillisecond;
      } else if (idle_for[i] > 0) {
        EXPECT_GE(idle_for[i], 2 * kSecond);
        EXPECT_LE(idle_for[i], 90 * kSecond);
        ++stops[i];
        idle_for[i] = 0;
      }
    }
  }
  for (size_t i = 0; i < line.MachineCount(); ++i) EXPECT_GE(stops[i], 10) << "machine " << i;
}

TEST(PackagingLine, BearingTemperatureAndVibrationRiseOverSimulatedHours) {
  PackagingLine line(QuietLine());
  line.Step(1 * kHour);
  const MachineSnapshot early = line.Machine(kLabeller);
  line.Step(3 * kHour);
  const MachineSnapshot late = line.Machine(kLabeller);
  ASSERT_EQ(late.state, MachineState::kRunning);
  EXPECT_GT(late.temperature_c, early.temperature_c + 5);
  EXPECT_GT(late.vibration_mm_s, early.vibration_mm_s * 1.3);
  // The other machines' bearings stay where they are.
  EXPECT_NEAR(line.Machine(kCapper).temperature_c, 40, 3);
}

TEST(PackagingLine, OvertemperatureTripsFault900AndBearingCoolsAfterMaintenance) {
  PackagingLine line(QuietLine());
  Duration tripped_at = -1;
  for (Duration t = 0; t < 12 * kHour && tripped_at < 0; t += kMinute) {
    line.Step(kMinute);
    if (line.Machine(kLabeller).fault == FaultCode::kOvertemperatureBearing) tripped_at = t;
  }
  ASSERT_GE(tripped_at, 2 * kHour) << "trip expected after hours of drift";
  const float trip_temperature = line.Machine(kLabeller).temperature_c;
  EXPECT_GE(trip_temperature, 84);
  line.Step(45 * kMinute);  // repair takes 1 to 2 hours; the stopped bearing cools meanwhile
  EXPECT_EQ(line.Machine(kLabeller).fault, FaultCode::kOvertemperatureBearing);
  EXPECT_LT(line.Machine(kLabeller).temperature_c, trip_temperature - 15);
  line.Step(1 * kHour + 45 * kMinute);  // running again on a new bearing
  EXPECT_NE(line.Machine(kLabeller).state, MachineState::kFaulted);
  EXPECT_LT(line.BearingWear(kLabeller), 0.2);
  EXPECT_LT(line.Machine(kLabeller).temperature_c, 50);
}

TEST(PackagingLine, EnergyMeterRisesFasterWhileRunningThanDuringBreak) {
  LineOptions o = QuietLine();
  o.schedule.stops = {{MachineState::kBreak, 1 * kHour, 30 * kMinute, "break"}};
  PackagingLine line(o);
  line.Step(30 * kMinute);
  const uint32_t run_start = line.Machine(kFiller).energy_wh;
  line.Step(20 * kMinute);
  const uint32_t running_wh = line.Machine(kFiller).energy_wh - run_start;
  line.Step(15 * kMinute);  // 01:05, in the break
  ASSERT_EQ(line.Machine(kFiller).state, MachineState::kBreak);
  const uint32_t break_start = line.Machine(kFiller).energy_wh;
  line.Step(20 * kMinute);
  const uint32_t break_wh = line.Machine(kFiller).energy_wh - break_start;
  EXPECT_NEAR(running_wh, 15000 / 3, 600);  // ~15 kW for 20 min
  EXPECT_NEAR(break_wh, 4000 / 3, 50);      // 4 kW idle
  EXPECT_GT(running_wh, 3 * break_wh);
}

TEST(PackagingLine, DefaultDayHasFaultsFromEachMachinesOwnListAndPlausibleOutput) {
  PackagingLine line(DefaultLine(42));
  std::vector<std::set<int>> seen_faults(line.MachineCount());
  std::vector<std::set<int>> seen_states(line.MachineCount());
  for (Duration t = 0; t < 24 * kHour; t += 10 * kSecond) {
    line.Step(10 * kSecond);
    for (size_t i = 0; i < line.MachineCount(); ++i) {
      const MachineSnapshot m = line.Machine(i);
      seen_states[i].insert(static_cast<int>(m.state));
      if (m.fault != FaultCode::kNone) seen_faults[i].insert(static_cast<int>(m.fault));
    }
  }
  for (size_t i = 0; i < line.MachineCount(); ++i) {
    SCOPED_TRACE(line.Spec(i).name);
    EXPECT_FALSE(seen_faults[i].empty());
    for (int code : seen_faults[i]) {
      bool own = code == 900 && line.Spec(i).bearing_drifts;
      for (const FaultSpec& f : line.Spec(i).faults) own |= static_cast<int>(f.code) == code;
      EXPECT_TRUE(own) << code;
    }
    for (MachineState s : {MachineState::kRunning, MachineState::kFaulted, MachineState::kBreak,
                           MachineState::kCleaning, MachineState::kChangeover}) {
      EXPECT_TRUE(seen_states[i].count(static_cast<int>(s))) << MachineStateName(s);
    }
  }
  const uint32_t filler_good = line.Machine(kFiller).good_count;
  EXPECT_GT(filler_good, 144'000 * 0.6);  // 100/min for 24 h is 144000
  EXPECT_LT(filler_good, 144'000 * 0.95);
  // The case packer counts cases of 12.
  EXPECT_NEAR(line.Machine(kCasePacker).good_count, filler_good / 12.0, filler_good / 12.0 * 0.05);
}

TEST(PackagingLine, ValidationNamesTheProblem) {
  LineOptions o;
  o.buffers.pop_back();
  Status s = ValidateLineOptions(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("4 machines need 3 buffers"), std::string::npos) << s.message();
  EXPECT_TRUE(ValidateLineOptions(LineOptions{}).ok());
}

}  // namespace
}  // namespace gantry::sim
