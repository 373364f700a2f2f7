#include "data/current_values.h"

#include <gtest/gtest.h>

#include <thread>

#include "data/current_value_updater.h"

namespace gantry {
namespace {

Sample S(TagId tag, Timestamp t, Value v, Quality q = Quality::Good()) {
  return Sample{tag, t, std::move(v), q};
}

TEST(CurrentValues, TagNeverSeenIsWaitingForInitialData) {
  CurrentValues values(3);
  Sample s = values.Get(2);
  EXPECT_EQ(s.tag, 2u);
  EXPECT_TRUE(s.value.empty());
  EXPECT_EQ(s.quality, Quality::BadWaitingForInitialData());
  EXPECT_EQ(values.Get(3).quality, Quality::BadNodeIdUnknown());
  EXPECT_EQ(values.version(), 0u);
}

TEST(CurrentValues, NewerSourceTimeWinsAndOlderIsCountedStale) {
  CurrentValues values(2);
  EXPECT_EQ(values.Apply({S(0, 200, 71.5)}), 1u);
  EXPECT_EQ(values.Apply({S(0, 100, 60.0)}), 0u);  // arrived late from a slower path
  EXPECT_EQ(values.Get(0).value, Value(71.5));
  EXPECT_EQ(values.Get(0).time, 200);
  EXPECT_EQ(values.stale_samples(), 1u);
  values.Apply({S(0, 300, 72.0)});
  EXPECT_EQ(values.Get(0).value, Value(72.0));
}

TEST(CurrentValues, BadSampleWithoutValueKeepsLastValueButShowsQuality) {
  CurrentValues values(1);
  values.Apply({S(0, 100, 71.2)});
  EXPECT_EQ(values.Apply({S(0, 200, Value(), Quality::BadNotConnected())}), 1u);
  Sample s = values.Get(0);
  EXPECT_EQ(s.value, Value(71.2));
  EXPECT_EQ(s.quality, Quality::BadNotConnected());
  EXPECT_EQ(s.time, 200);
}

TEST(CurrentValues, ServerTimeTravelsWithTheValue) {
  CurrentValues values(1);
  values.Apply({Sample{0, 100, Value(1.5), Quality::Good(), 140}});
  EXPECT_EQ(values.Get(0).time, 100);  // the source timestamp orders and is shown as time
  EXPECT_EQ(values.Get(0).server_time, 140);
  values.Apply({S(0, 200, Value(), Quality::BadNotConnected())});
  EXPECT_EQ(values.Get(0).server_time, 0);  // a gap is not stamped by any server
}

TEST(CurrentValues, SameValueLaterUpdatesTimeWithoutAChange) {
  CurrentValues values(1);
  values.Apply({S(0, 100, int64_t{5})});
  const uint64_t v = values.version();
  EXPECT_EQ(values.Apply({S(0, 200, int64_t{5})}), 0u);
  EXPECT_EQ(values.version(), v);
  EXPECT_EQ(values.Get(0).time, 200);
}

TEST(CurrentValues, UnknownTagIdsAreCountedNotStored) {
  CurrentValues values(1);
  EXPECT_EQ(values.Apply({S(5, 1, 1.0)}), 0u);
  EXPECT_EQ(values.unknown_samples(), 1u);
}

TEST(CurrentValues, ChangeFeedReportsEachChangedTagOnce) {
  CurrentValues values(4, /*change_log_capacity=*/16);
  values.Apply({S(0, 1, 1.0), S(1, 1, 1.0)});
  const uint64_t mark = values.version();
  EXPECT_EQ(mark, 2u);
  values.Apply({S(3, 2, 1.0), S(1, 2, 2.0), S(1, 3, 3.0)});
  TagChanges c = values.ChangedSince(mark);
  EXPECT_EQ(c.version, 5u);
  EXPECT_EQ(c.tags, (std::vector<TagId>{1, 3}));
  EXPECT_TRUE(values.ChangedSince(c.version).tags.empty());
}

TEST(CurrentValues, ReaderFurtherBehindThanTheLogStillGetsEveryChangedTag) {
  CurrentValues values(3, /*change_log_capacity=*/4);
  values.Apply({S(2, 1, 0.0)});
  const uint64_t mark = values.version();
  for (int i = 1; i <= 20; ++i) values.Apply({S(0, i, static_cast<double>(i))});
  values.Apply({S(1, 1, 5.0)});
  TagChanges c = values.ChangedSince(mark);
  EXPECT_EQ(c.tags, (std::vector<TagId>{0, 1}));
  EXPECT_EQ(c.version, values.version());
}

TEST(CurrentValues, WaitForChangeWakesOnApply) {
  CurrentValues values(1);
  EXPECT_EQ(values.WaitForChange(0, kMillisecond), 0u);
  std::thread writer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    values.Apply({S(0, 1, true)});
  });
  EXPECT_EQ(values.WaitForChange(0, 5 * kSecond), 1u);
  writer.join();
}

TEST(CurrentValueUpdater, DrainsTheBusIntoCurrentValues) {
  TagBus bus;
  CurrentValues values(2);
  CurrentValueUpdater updater(bus, values);
  bus.Publish({S(1, 10, "running")});  // before Start: queued, not lost
  ASSERT_TRUE(updater.Start().ok());
  EXPECT_FALSE(updater.Start().ok());
  bus.Publish({S(0, 10, 3.5)});
  for (int i = 0; i < 500 && values.version() < 2; ++i)
    values.WaitForChange(values.version(), 10 * kMillisecond);
  updater.Stop();
  updater.Stop();
  EXPECT_EQ(values.Get(0).value, Value(3.5));
  EXPECT_EQ(values.Get(1).value, Value("running"));
  EXPECT_EQ(updater.Stats().delivered_samples, 2u);
}

}  // namespace
}  // namespace gantry
