#include "core/scaled_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace gantry {
namespace {

constexpr Timestamp kNov22 = 1795305600LL * kSecond;  // 2026-11-22T00:00:00Z

TEST(ScaledClock, AnHourOfRealTimeAtSixtyIsTwoAndAHalfDaysOfPlantTime) {
  ManualClock real(123 * kSecond);  // any origin: only the real time elapsed counts
  ScaledClock plant(kNov22, 60, real);
  EXPECT_EQ(plant.Now(), kNov22);
  real.Advance(kSecond);
  EXPECT_EQ(plant.Now(), kNov22 + kMinute);
  real.Advance(kHour - kSecond);
  EXPECT_EQ(plant.Now(), kNov22 + 60 * kHour);
  EXPECT_DOUBLE_EQ(plant.scale(), 60.0);
}

TEST(ScaledClock, AtScaleOneItIsRealTimeFromTheStart) {
  ManualClock real(0);
  ScaledClock plant(kNov22, 1, real);
  real.Advance(8 * kHour + 250 * kMillisecond);
  EXPECT_EQ(plant.Now(), kNov22 + 8 * kHour + 250 * kMillisecond);
}

TEST(ScaledClock, SlowMotionFractionalScalesAndAStoppedClock) {
  ManualClock real(0);
  ScaledClock half(kNov22, 0.5, real);
  ScaledClock odd(kNov22, 2.5, real);
  ScaledClock stopped(kNov22, 0, real);
  real.Advance(10 * kSecond);
  EXPECT_EQ(half.Now(), kNov22 + 5 * kSecond);
  EXPECT_EQ(odd.Now(), kNov22 + 25 * kSecond);
  EXPECT_EQ(stopped.Now(), kNov22);
}

TEST(ScaledClock, NeverGoesBackWhenTheRealClockStepsBack) {
  ManualClock real(kHour);
  ScaledClock plant(kNov22, 10, real);
  real.Advance(kSecond);
  const Timestamp reached = plant.Now();
  EXPECT_EQ(reached, kNov22 + 10 * kSecond);
  real.Set(kHour);  // the real clock jumps back a second
  EXPECT_EQ(plant.Now(), reached);
  real.Advance(2 * kSecond);
  EXPECT_EQ(plant.Now(), kNov22 + 20 * kSecond);
}

TEST(ScaledClock, ARestartResumesAfterWhatTheEarlierRunReached) {
  ManualClock real(0);
  ScaledClock plant(kNov22, 60, real);
  const Timestamp earlier_run_reached = kNov22 + 3 * kHour;
  plant.ResumeNoEarlierThan(earlier_run_reached);
  EXPECT_EQ(plant.Now(), earlier_run_reached);
  real.Advance(kSecond);
  EXPECT_EQ(plant.Now(), earlier_run_reached + kMinute);
  plant.ResumeNoEarlierThan(kNov22);  // already past: nothing moves back
  EXPECT_EQ(plant.Now(), earlier_run_reached + kMinute);
}

TEST(ScaledClock, ManyThreadsReadingSeeTimeOnlyMoveForward) {
  ScaledClock plant(kNov22, 120);  // over the real monotonic clock
  std::atomic<bool> backwards{false};
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&] {
      Timestamp last = plant.Now();
      for (int n = 0; n < 20'000; ++n) {
        const Timestamp t = plant.Now();
        if (t < last) backwards = true;
        last = t;
      }
    });
  }
  for (auto& r : readers) r.join();
  EXPECT_FALSE(backwards.load());
  EXPECT_GT(plant.Now(), kNov22);
}

TEST(MonotonicClock, MovesForward) {
  const Timestamp a = MonotonicClock::Instance().Now();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  EXPECT_GE(MonotonicClock::Instance().Now() - a, 2 * kMillisecond);
}

}  // namespace
}  // namespace gantry
