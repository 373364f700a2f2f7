#include "operations/event_store.h"

#include <gtest/gtest.h>

namespace gantry::ops {
namespace {

Segment Seg(Timestamp s, Timestamp e, StateCategory c, std::string reason = "") {
  Segment g;
  g.work_centre = "acme/p/a/l/m";
  g.start = s;
  g.end = e;
  g.category = c;
  g.reason = std::move(reason);
  g.stop_start = s;
  g.good = 10;
  return g;
}

TEST(EventStore, EventsAreNumberedAndIntervalsReadBack) {
  auto store = EventStore::Open(":memory:").value();
  EXPECT_EQ(store->AppendInterval(Seg(0, 100, StateCategory::kProducing)).value(), 1u);
  EXPECT_EQ(
      store->AppendInterval(Seg(100, 200, StateCategory::kUnplannedDowntime, "unassigned")).value(),
      2u);
  EXPECT_EQ(store->LastSeq(), 2u);
  auto segs = store->LoadIntervals("acme/p/a/l/m", 0, 200).value();
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[1].category, StateCategory::kUnplannedDowntime);
  EXPECT_EQ(segs[0].good, 10u);
}

TEST(EventStore, CorrectionVoidsReopenedIntervalsAndReemittedOnesCount) {
  auto store = EventStore::Open(":memory:").value();
  ASSERT_TRUE(store
                  ->AppendIntervals(
                      {Seg(0, 100, StateCategory::kProducing), Seg(100, 200, StateCategory::kIdle)})
                  .ok());
  ASSERT_TRUE(store->AppendCorrection({"acme/p/a/l/m", 150, 150, "t", "late"}).ok());
  ASSERT_TRUE(store
                  ->AppendIntervals(
                      {Seg(100, 150, StateCategory::kIdle), Seg(150, 200, StateCategory::kStarved)})
                  .ok());
  auto segs = store->LoadIntervals("acme/p/a/l/m", 0, 200).value();
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[2].category, StateCategory::kStarved);
  uint64_t good = 0;
  for (auto& s : segs) good += s.good;
  EXPECT_EQ(good, 30u);
}

TEST(EventStore, AssignedReasonReplacesUnassigned) {
  auto store = EventStore::Open(":memory:").value();
  ASSERT_TRUE(
      store->AppendInterval(Seg(100, 200, StateCategory::kUnplannedDowntime, "unassigned")).ok());
  EXPECT_EQ(store->AppendReasonAssigned("acme/p/a/l/m", 100, "jam", "ann").value(), 2u);
  auto segs = store->LoadIntervals("acme/p/a/l/m", 0, 300).value();
  EXPECT_EQ(segs[0].reason, "jam");
  auto events = store->Read(0, 10).value();
  EXPECT_EQ(events[1].kind, EventKind::kReasonAssigned);
}

TEST(EventStore, SurvivesReopen) {
  std::string path = std::string(GANTRY_BINARY_DIR) + "/ops_event_store_test.db";
  std::remove(path.c_str());
  {
    auto store = EventStore::Open(path).value();
    ASSERT_TRUE(store->AppendInterval(Seg(0, 100, StateCategory::kProducing)).ok());
  }
  auto store = EventStore::Open(path).value();
  EXPECT_EQ(store->LastSeq(), 1u);
  EXPECT_EQ(store->AppendInterval(Seg(100, 200, StateCategory::kIdle)).value(), 2u);
}

}  // namespace
}  // namespace gantry::ops
