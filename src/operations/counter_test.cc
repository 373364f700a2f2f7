#include "operations/counter.h"

#include <gtest/gtest.h>

namespace gantry::ops {
namespace {

CounterTracker Make(int width, uint64_t max_step = 0) {
  CounterRule r;
  r.width_bits = width;
  r.max_step = max_step;
  return CounterTracker(r);
}

TEST(Counter, FirstValueIsBaselineNotProduction) {
  CounterTracker c = Make(32);
  EXPECT_EQ(c.UpdateRaw(123456, false).event, CounterEvent::kBaseline);
  EXPECT_EQ(c.UpdateRaw(123460, false).increment, 4u);
}

TEST(Counter, Uint16RolloverCountsTheWrap) {
  CounterTracker c = Make(16);
  (void)c.UpdateRaw(65530, false);
  CounterStep s = c.UpdateRaw(5, false);
  EXPECT_EQ(s.event, CounterEvent::kRollover);
  EXPECT_EQ(s.increment, 11u);  // 65531..65535 (5) + 0..5 (6)
}

TEST(Counter, Uint32RolloverCountsTheWrap) {
  CounterTracker c = Make(32);
  (void)c.UpdateRaw(4294967290.0, false);
  EXPECT_EQ(c.UpdateRaw(3, false).increment, 9u);
}

TEST(Counter, PlcRestartToSmallValueIsResetNotAWholeRange) {
  CounterTracker c = Make(32);
  (void)c.UpdateRaw(1200, false);
  CounterStep s = c.UpdateRaw(3, false);
  EXPECT_EQ(s.event, CounterEvent::kReset);
  EXPECT_EQ(s.increment, 3u);
  EXPECT_EQ(c.UpdateRaw(10, false).increment, 7u);
}

TEST(Counter, SixtyFourBitDropIsAlwaysReset) {
  CounterTracker c = Make(64);
  (void)c.UpdateRaw(5000, false);
  EXPECT_EQ(c.UpdateRaw(0, false).event, CounterEvent::kReset);
}

TEST(Counter, BadQualityKeepsBaselineAndReconnectCountsTheGap) {
  CounterTracker c = Make(32);
  (void)c.UpdateRaw(100, false);
  EXPECT_EQ(c.UpdateRaw(0, true).event, CounterEvent::kIgnoredBad);
  EXPECT_EQ(c.UpdateRaw(160, false).increment, 60u);
}

TEST(Counter, DuplicateDeliveryAddsNothing) {
  CounterTracker c = Make(32);
  (void)c.UpdateRaw(100, false);
  EXPECT_EQ(c.UpdateRaw(100, false).increment, 0u);
}

TEST(Counter, ImplausibleJumpIsNotCounted) {
  CounterTracker c = Make(32, 1000);
  (void)c.UpdateRaw(100, false);
  CounterStep s = c.UpdateRaw(900000, false);
  EXPECT_EQ(s.event, CounterEvent::kImplausible);
  EXPECT_EQ(s.increment, 0u);
  EXPECT_EQ(c.UpdateRaw(900010, false).increment, 10u);
}

TEST(Counter, ConfiguredMaxStepTurnsAmbiguousDropIntoReset) {
  CounterTracker c = Make(16, 1000);
  (void)c.UpdateRaw(40000, false);
  EXPECT_EQ(c.UpdateRaw(5, false).event, CounterEvent::kReset);
}

}  // namespace
}  // namespace gantry::ops
