#include "operations/operations_engine.h"

#include <gtest/gtest.h>

#include <map>

namespace gantry::ops {
namespace {

Timestamp T(const char* iso) { return ParseTimestamp(iso).value(); }

constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    calendar:
      shifts: [{name: A, start: "06:00", duration: 8h, breaks: [{start: "10:00", duration: 30m}]}]
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: m
                upstream: [feeder]
                state: {word: state, fault_code: {tag: fault, reasons: {7: jam}}}
                counters: {good: good, reject: reject}
              - name: feeder
                state: {running: run}
operations:
  micro_stop_threshold: 1m
  reasons: {mechanical: [jam]}
)";

struct Fixture {
  Fixture() {
    auto doc = ConfigDocument::Parse(kPlant, "p.yaml").value();
    OperationsConfig cfg = ParseOperationsConfig(doc.Root());
    EXPECT_TRUE(doc.Finish().ok()) << doc.Finish().ToString();
    engine = std::move(OperationsEngine::Create(cfg, [this](std::string_view p) -> std::optional<TagId> {
      auto [it, added] = ids.emplace(std::string(p), static_cast<TagId>(ids.size()));
      return it->second;
    }).value());
  }
  void Put(const char* tag, const char* iso, double v, bool bad = false) {
    Sample s{ids.at(std::string("acme/p/a/l/m/") + tag), T(iso), Value(v),
             bad ? Quality::BadNotConnected() : Quality::Good()};
    engine->Publish(s);
  }
  std::map<Duration, Duration> dummy;
  std::map<std::string, TagId> ids;
  std::unique_ptr<OperationsEngine> engine;
};

std::map<StateCategory, Duration> Totals(const std::vector<Segment>& segs) {
  std::map<StateCategory, Duration> m;
  for (const Segment& s : segs) m[s.category] += s.length();
  return m;
}

TEST(WorkCentre, FaultCodeGivesReasonAndBreakIsPlanned) {
  Fixture f;
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("fault", "2026-01-05T07:00:00Z", 7);
  f.Put("state", "2026-01-05T07:00:00Z", 5);
  f.Put("state", "2026-01-05T07:10:00Z", 1);
  f.Put("fault", "2026-01-05T07:10:00Z", 0);
  f.Put("state", "2026-01-05T10:00:00Z", 8);  // the machine reports the break
  f.Put("state", "2026-01-05T10:30:00Z", 1);
  auto segs = f.engine->Segments("acme/p/a/l/m", T("2026-01-05T05:00:00Z"), T("2026-01-05T15:00:00Z"));
  auto t = Totals(segs);
  EXPECT_EQ(t[StateCategory::kNotScheduled], 2 * kHour);
  EXPECT_EQ(t[StateCategory::kUnplannedDowntime], 10 * kMinute);
  EXPECT_EQ(t[StateCategory::kPlannedDowntime], 30 * kMinute);
  EXPECT_EQ(t[StateCategory::kProducing], 8 * kHour - 40 * kMinute);
  for (const Segment& s : segs)
    if (s.category == StateCategory::kUnplannedDowntime) { EXPECT_EQ(s.reason, "jam"); }
}

TEST(WorkCentre, MicroStopBelowThresholdIsSpeedLoss) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("state", "2026-01-05T06:30:00Z", 2);
  f.Put("state", "2026-01-05T06:30:40Z", 1);
  auto t = Totals(f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z")));
  EXPECT_EQ(t[StateCategory::kProducing], kHour);
}

TEST(WorkCentre, BadQualityIsNoDataNotRunning) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("state", "2026-01-05T06:10:00Z", 0, true);
  f.Put("state", "2026-01-05T06:30:00Z", 1);
  auto t = Totals(f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z")));
  EXPECT_EQ(t[StateCategory::kNoData], 20 * kMinute);
  EXPECT_EQ(t[StateCategory::kProducing], 40 * kMinute);
}

TEST(WorkCentre, LateSampleReopensAndCorrects) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("state", "2026-01-05T06:40:00Z", 1);
  f.Put("state", "2026-01-05T06:20:00Z", 3);  // late: starved from 06:20 to 06:40
  auto corr = f.engine->TakeCorrections();
  ASSERT_EQ(corr.size(), 1u);
  EXPECT_EQ(corr[0].from, T("2026-01-05T06:20:00Z"));
  auto segs = f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"));
  auto t = Totals(segs);
  EXPECT_EQ(t[StateCategory::kStarved], 20 * kMinute);
  for (const Segment& s : segs)
    if (s.category == StateCategory::kStarved) { EXPECT_EQ(s.reason, "feeder"); }
}

TEST(WorkCentre, CountsAreBoundToTheOrderActiveWhenCounted) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("good", "2026-01-05T06:00:00Z", 100);
  f.Put("reject", "2026-01-05T06:00:00Z", 0);
  ASSERT_TRUE(f.engine->ApplyOrderTransition({"acme/p/a/l/m", T("2026-01-05T06:00:00Z"),
                                              OrderTransition::Action::kStart, "o1", "P1", "ann", kSecond}).ok());
  ASSERT_TRUE(f.engine->ApplyOrderTransition({"acme/p/a/l/m", T("2026-01-05T06:30:00Z"),
                                              OrderTransition::Action::kStart, "o2", "P2", "ann", kSecond}).ok());
  f.Put("good", "2026-01-05T06:30:00Z", 150);   // counted up to the change: order o1
  f.Put("good", "2026-01-05T06:31:00Z", 160);
  f.Put("reject", "2026-01-05T06:31:00Z", 2);
  auto segs = f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"));
  std::map<std::string, uint64_t> good, scrap;
  for (const Segment& s : segs) { good[s.order] += s.good; scrap[s.order] += s.scrap; }
  EXPECT_EQ(good["o1"], 50u);
  EXPECT_EQ(good["o2"], 10u);
  EXPECT_EQ(scrap["o2"], 2u);
}

TEST(WorkCentre, OperatorAssignsReasonToUnassignedStop) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("state", "2026-01-05T06:10:00Z", 5);
  f.Put("state", "2026-01-05T06:20:00Z", 1);
  EXPECT_FALSE(f.engine->AssignReason("acme/p/a/l/m", T("2026-01-05T06:11:00Z"), "jam").ok());
  EXPECT_FALSE(f.engine->AssignReason("acme/p/a/l/m", T("2026-01-05T06:10:00Z"), "break").ok());
  ASSERT_TRUE(f.engine->AssignReason("acme/p/a/l/m", T("2026-01-05T06:10:00Z"), "jam").ok());
  for (const Segment& s : f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z")))
    if (s.category == StateCategory::kUnplannedDowntime) { EXPECT_EQ(s.reason, "jam"); }
}

}  // namespace
}  // namespace gantry::ops
