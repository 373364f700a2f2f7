#include "operations/operations_engine.h"

#include <gtest/gtest.h>

#include <map>

namespace gantry::ops {
namespace {

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

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
    engine =
        std::move(OperationsEngine::Create(cfg, [this](std::string_view p) -> std::optional<TagId> {
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
  auto segs =
      f.engine->Segments("acme/p/a/l/m", T("2026-01-05T05:00:00Z"), T("2026-01-05T15:00:00Z"));
  auto t = Totals(segs);
  EXPECT_EQ(t[StateCategory::kNotScheduled], 2 * kHour);
  EXPECT_EQ(t[StateCategory::kUnplannedDowntime], 10 * kMinute);
  EXPECT_EQ(t[StateCategory::kPlannedDowntime], 30 * kMinute);
  EXPECT_EQ(t[StateCategory::kProducing], 8 * kHour - 40 * kMinute);
  for (const Segment& s : segs)
    if (s.category == StateCategory::kUnplannedDowntime) {
      EXPECT_EQ(s.reason, "jam");
    }
}

TEST(WorkCentre, MicroStopBelowThresholdIsSpeedLoss) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("state", "2026-01-05T06:30:00Z", 2);
  f.Put("state", "2026-01-05T06:30:40Z", 1);
  auto t = Totals(
      f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z")));
  EXPECT_EQ(t[StateCategory::kProducing], kHour);
}

TEST(WorkCentre, BadQualityIsNoDataNotRunning) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("state", "2026-01-05T06:10:00Z", 0, true);
  f.Put("state", "2026-01-05T06:30:00Z", 1);
  auto t = Totals(
      f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z")));
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
  auto segs =
      f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"));
  auto t = Totals(segs);
  EXPECT_EQ(t[StateCategory::kStarved], 20 * kMinute);
  for (const Segment& s : segs)
    if (s.category == StateCategory::kStarved) {
      EXPECT_EQ(s.reason, "feeder:no_data");  // the upstream feeder sends nothing at all
    }
}

TEST(WorkCentre, SampleOfASilentMachineInRecordedTimeIsLateData) {
  Fixture f;
  const std::string m = "acme/p/a/l/m";
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("good", "2026-01-05T06:00:00Z", 100);
  // Recorded 06:00-06:30 while m was silent.
  f.engine->MarkRecorded(m, T("2026-01-05T06:00:00Z"), T("2026-01-05T06:30:00Z"));
  // Its newest sample, but inside recorded time: a fault from 06:20 reopens from there.
  f.Put("state", "2026-01-05T06:20:00Z", 5);
  auto corr = f.engine->TakeCorrections();
  ASSERT_EQ(corr.size(), 1u);
  EXPECT_EQ(corr[0].work_centre, m);
  EXPECT_EQ(corr[0].from, T("2026-01-05T06:20:00Z"));
  EXPECT_EQ(corr[0].late_sample_time, T("2026-01-05T06:20:00Z"));
  // Units read at 06:25 belong to the recorded interval ending then: reopened from the start of
  // the stop they fall in.
  f.Put("good", "2026-01-05T06:25:00Z", 150);
  corr = f.engine->TakeCorrections();
  ASSERT_EQ(corr.size(), 1u);
  EXPECT_EQ(corr[0].from, T("2026-01-05T06:20:00Z"));
  // A repeated value changes nothing recorded; a sample after the recorded time is not late.
  f.Put("state", "2026-01-05T06:26:00Z", 5);
  f.Put("state", "2026-01-05T06:31:00Z", 1);
  EXPECT_TRUE(f.engine->TakeCorrections().empty());
  auto segs = f.engine->Segments(m, T("2026-01-05T06:00:00Z"), T("2026-01-05T06:40:00Z"));
  auto t = Totals(segs);
  EXPECT_EQ(t[StateCategory::kUnplannedDowntime], 11 * kMinute);
  uint64_t good = 0;
  for (const Segment& s : segs) good += s.good;
  EXPECT_EQ(good, 50u);
  // Older than the late-data horizon (1 h) before the recorded end: not reopened, but not lost
  // either: the machine is faulted from then on (a source's unchanged value with an old stamp).
  f.engine->MarkRecorded(m, T("2026-01-05T06:00:00Z"), T("2026-01-05T08:00:00Z"));
  f.Put("state", "2026-01-05T06:50:00Z", 5);
  EXPECT_TRUE(f.engine->TakeCorrections().empty());
  EXPECT_EQ(f.engine->Find(m)->late_dropped(), 0u);
  EXPECT_EQ(f.engine->Find(m)->ConditionAt(T("2026-01-05T07:00:00Z")), MachineCondition::kFault);
  // Before where this run started recording (a restart at 07:30): what an earlier run recorded
  // there is not rewritten by an engine that has just started.
  f.engine->MarkRecorded(m, T("2026-01-05T07:30:00Z"), T("2026-01-05T07:40:00Z"));
  f.Put("state", "2026-01-05T07:20:00Z", 1);
  EXPECT_TRUE(f.engine->TakeCorrections().empty());
  EXPECT_EQ(f.engine->Find(m)->ConditionAt(T("2026-01-05T07:35:00Z")),
            MachineCondition::kProducing);
}

TEST(WorkCentre, CountsAreBoundToTheOrderActiveWhenCounted) {
  Fixture f;
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("good", "2026-01-05T06:00:00Z", 100);
  f.Put("reject", "2026-01-05T06:00:00Z", 0);
  ASSERT_TRUE(
      f.engine
          ->ApplyOrderTransition({"acme/p/a/l/m", T("2026-01-05T06:00:00Z"),
                                  OrderTransition::Action::kStart, "o1", "P1", "ann", kSecond})
          .ok());
  ASSERT_TRUE(
      f.engine
          ->ApplyOrderTransition({"acme/p/a/l/m", T("2026-01-05T06:30:00Z"),
                                  OrderTransition::Action::kStart, "o2", "P2", "ann", kSecond})
          .ok());
  f.Put("good", "2026-01-05T06:30:00Z", 150);  // counted up to the change: order o1
  f.Put("good", "2026-01-05T06:31:00Z", 160);
  f.Put("reject", "2026-01-05T06:31:00Z", 2);
  auto segs =
      f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"));
  std::map<std::string, uint64_t> good, scrap;
  for (const Segment& s : segs) {
    good[s.order] += s.good;
    scrap[s.order] += s.scrap;
  }
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
  for (const Segment& s :
       f.engine->Segments("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z")))
    if (s.category == StateCategory::kUnplannedDowntime) {
      EXPECT_EQ(s.reason, "jam");
    }
}

TEST(WorkCentre, LateDeliveryGivesTheSameTimelineAsInOrderDelivery) {
  // 3000 s of 1 Hz polls (many checkpoints), of which every 7th state sample arrives 40 s late.
  std::vector<std::tuple<std::string, Timestamp, double>> in_order;
  const Timestamp t0 = T("2026-01-05T06:00:00Z");
  uint64_t good = 0;
  for (int i = 0; i < 3000; ++i) {
    const Timestamp t = t0 + i * kSecond;
    in_order.emplace_back("state", t, (i / 97) % 5 == 4 ? 5.0 : ((i / 31) % 4 == 3 ? 2.0 : 1.0));
    in_order.emplace_back("fault", t, 0.0);
    in_order.emplace_back("good", t, static_cast<double>(good += (i % 3 == 0 ? 1 : 0)));
  }
  std::vector<std::tuple<std::string, Timestamp, double>> arrival;
  std::vector<std::tuple<std::string, Timestamp, double>> held;
  for (size_t k = 0; k < in_order.size(); ++k) {
    if (k % 21 == 0)
      held.push_back(in_order[k]);
    else
      arrival.push_back(in_order[k]);
    // Release what is 40 s old.
    while (!held.empty() && std::get<1>(held.front()) + 40 * kSecond <= std::get<1>(in_order[k])) {
      arrival.push_back(held.front());
      held.erase(held.begin());
    }
  }
  arrival.insert(arrival.end(), held.begin(), held.end());
  Fixture a, b;
  auto put = [](Fixture& f, const std::tuple<std::string, Timestamp, double>& s) {
    f.engine->Publish(Sample{f.ids.at("acme/p/a/l/m/" + std::get<0>(s)), std::get<1>(s),
                             Value(std::get<2>(s)), Quality::Good()});
  };
  for (const auto& s : in_order) put(a, s);
  for (const auto& s : arrival) put(b, s);
  EXPECT_TRUE(a.engine->TakeCorrections().empty());
  EXPECT_GT(b.engine->TakeCorrections().size(), 100u);
  auto sa = a.engine->Segments("acme/p/a/l/m", t0, t0 + 3000 * kSecond);
  auto sb = b.engine->Segments("acme/p/a/l/m", t0, t0 + 3000 * kSecond);
  ASSERT_EQ(sa.size(), sb.size());
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].start, sb[i].start) << i;
    EXPECT_EQ(sa[i].category, sb[i].category) << i;
    EXPECT_EQ(sa[i].good, sb[i].good) << i;
    EXPECT_EQ(sa[i].micro_stop, sb[i].micro_stop) << i;
  }
}

// Settled time (threshold 1 min): what no sample stamped from the watermark on can change.
TEST(Settled, ProducingIsSettledUpToTheWatermark) {
  Fixture f;
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  EXPECT_EQ(
      f.engine->SettledUntil("acme/p/a/l/m", T("2026-01-05T06:00:00Z"), T("2026-01-05T06:30:00Z")),
      T("2026-01-05T06:30:00Z"));
}

TEST(Settled, AnOpenStopShorterThanTheThresholdHoldsBackFromItsStart) {
  Fixture f;
  const std::string m = "acme/p/a/l/m";
  const Timestamp from = T("2026-01-05T06:00:00Z");
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:29:40Z", 5);  // a stop, 20 s old at the watermark
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:00Z")), T("2026-01-05T06:29:40Z"));
  // 59 s: still maybe a micro-stop; 60 s (the threshold): a real stop whatever comes next.
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:39Z")), T("2026-01-05T06:29:40Z"));
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:40Z")), T("2026-01-05T06:30:40Z"));
  // A newer sample of the machine proves the length as well as the clock does.
  f.Put("good", "2026-01-05T06:30:45Z", 0);
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:00Z")), T("2026-01-05T06:30:00Z"));
}

TEST(Settled, AStopThatEndedIsSettledEitherWay) {
  Fixture f;
  const std::string m = "acme/p/a/l/m";
  const Timestamp from = T("2026-01-05T06:00:00Z");
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  f.Put("state", "2026-01-05T06:29:40Z", 5);
  f.Put("state", "2026-01-05T06:29:50Z", 1);  // a 10 s micro-stop
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:00Z")), T("2026-01-05T06:30:00Z"));
  // A fault after a cleaning is never a micro-stop (not between producing): nothing held back.
  f.Put("state", "2026-01-05T06:40:00Z", 6);
  f.Put("state", "2026-01-05T06:40:10Z", 5);
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:40:20Z")), T("2026-01-05T06:40:20Z"));
}

TEST(Settled, AStarvedMachineWaitsForItsNeighboursOpenShortStop) {
  Fixture f;
  const std::string m = "acme/p/a/l/m";
  const Timestamp from = T("2026-01-05T06:00:00Z");
  auto feeder = [&](const char* iso, double v) {
    f.engine->Publish(Sample{f.ids.at("acme/p/a/l/feeder/run"), T(iso), Value(v), Quality::Good()});
  };
  f.Put("state", "2026-01-05T06:00:00Z", 1);
  f.Put("fault", "2026-01-05T06:00:00Z", 0);
  feeder("2026-01-05T06:00:00Z", 1);
  feeder("2026-01-05T06:29:40Z", 0);  // the feeder stops: may be a micro-stop
  // m runs: its own timeline is settled; the feeder's open stop does not matter to it.
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:00Z")), T("2026-01-05T06:30:00Z"));
  // m starved since 06:20 (a real stop): its cause names the feeder's state, which is not settled
  // from 06:29:40 on.
  f.Put("state", "2026-01-05T06:20:00Z", 3);
  EXPECT_EQ(f.engine->SettledUntil(m, from, T("2026-01-05T06:30:00Z")), T("2026-01-05T06:29:40Z"));
  EXPECT_EQ(f.engine->SettledUntil("acme/p/a/l/feeder", from, T("2026-01-05T06:30:00Z")),
            T("2026-01-05T06:29:40Z"));
}

}  // namespace
}  // namespace gantry::ops
