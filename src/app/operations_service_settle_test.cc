// Closing only the settled part: with a 2 min micro-stop threshold, intervals are recorded up to
// now - close_lag unless a stop is open and shorter than the threshold (then up to its start), so
// a completed order's actuals leave close_lag after completion, and a stop open at completion is
// recorded as a micro-stop or as downtime once that is known.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>
#include <tuple>

#include "app/operations_service.h"
#include "app/operations_service_test_plant.h"
#include "context/kpi_api.h"
#include "operations/event_store.h"

namespace gantry {
namespace {

using namespace ops_test;  // NOLINT: the test plant
using ops::OrderTransition;

// The test plant with a 2 min micro-stop threshold (the demo plant's).
std::string PlantWithMicroStops() {
  std::string yaml = kPlant;
  const std::string key = "operations:\n";
  yaml.insert(yaml.find(key) + key.size(), "  micro_stop_threshold: 2m\n");
  return yaml;
}

// Listener calls, from the operations thread.
struct Calls {
  std::mutex mu;
  std::vector<Call> calls;
  ActualsListener Listener() {
    return [this](const ops::OrderActuals& a, std::string_view trigger, sqlite3*) {
      std::lock_guard<std::mutex> lock(mu);
      calls.push_back({a, std::string(trigger)});
      return Status::Ok();
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return calls.size();
  }
  Call at(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    return calls.at(i);
  }
};

// Waits (real time, at most `tries` x 10 ms) until `done` holds.
template <typename F>
bool WaitFor(F done, int tries = 1000) {
  for (int i = 0; i < tries; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

void StartOrder(Plant& p) {
  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T06:00:00Z",
                                     "4711", "P-17", "anna"),
                               "anna")
                  .ok());
  p.Put("state", "2026-01-05T06:00:00Z", 1);
  p.Put("good", "2026-01-05T06:00:00Z", 0);
  p.Put("reject", "2026-01-05T06:00:00Z", 0);
}

TEST(OperationsServiceSettled, OrderCompletedWhileProducingIsHandedOnCloseLagAfterCompletion) {
  Plant p(PlantWithMicroStops());
  p.Start(T("2026-01-05T06:00:00Z"));
  Calls calls;
  p.service->SetActualsListener(calls.Listener());
  StartOrder(p);
  p.service->Start();  // the operations thread, on the manual clock
  // A regular close at 06:44:56 (when the thread started before this), the next one due at
  // 06:45:03 either way: a close before that is the completion's own.
  p.clock.Set(T("2026-01-05T06:44:58Z"));
  (void)WaitFor([&] { return p.service->ClosedUntil(kWc) == T("2026-01-05T06:44:56Z"); }, 200);
  p.Put("good", "2026-01-05T06:45:00Z", 270);
  p.Put("reject", "2026-01-05T06:45:00Z", 3);
  ASSERT_TRUE(
      p.service
          ->ApplyOrder(Order(OrderTransition::Action::kComplete, "2026-01-05T06:45:00Z"), "anna")
          .ok());
  // 1 ms short of close_lag (2 s) after completion: not yet settled.
  p.clock.Set(T("2026-01-05T06:45:01.999Z"));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(calls.size(), 0u);
  // close_lag after completion: settled (no stop open), handed on at once, not 2 min later.
  p.clock.Set(T("2026-01-05T06:45:02Z"));
  ASSERT_TRUE(WaitFor([&] { return calls.size() == 1; }));
  const Call c = calls.at(0);
  EXPECT_EQ(c.trigger, "order-complete");
  EXPECT_EQ(c.actuals.good, 270u);
  EXPECT_EQ(c.actuals.scrap, 3u);
  EXPECT_EQ(c.actuals.run_time, 45 * kMinute);
  EXPECT_EQ(c.actuals.downtime, 0);
  EXPECT_TRUE(c.actuals.complete);
  EXPECT_EQ(p.service->ClosedUntil(kWc), T("2026-01-05T06:45:00Z"));
  p.service->Stop();
}

// The order completes at 06:45:00 during a stop that began at 06:44:30 (30 s old, below the 2 min
// threshold): nothing from 06:44:30 on is final until the stop ends or outgrows the threshold.
void CompleteDuringAnOpenShortStop(Plant& p, Calls& calls) {
  p.Start(T("2026-01-05T06:00:00Z"));
  p.service->SetActualsListener(calls.Listener());
  StartOrder(p);
  p.Put("good", "2026-01-05T06:44:30Z", 265);
  p.Put("state", "2026-01-05T06:44:30Z", 5);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:44:58Z").ok());
  EXPECT_EQ(p.service->ClosedUntil(kWc), T("2026-01-05T06:44:30Z"));
  ASSERT_TRUE(
      p.service
          ->ApplyOrder(Order(OrderTransition::Action::kComplete, "2026-01-05T06:45:00Z"), "anna")
          .ok());
  for (const char* at : {"2026-01-05T06:45:02Z", "2026-01-05T06:45:09Z"}) {
    ASSERT_TRUE(p.CloseAt(at).ok());
    EXPECT_EQ(p.service->ClosedUntil(kWc), T("2026-01-05T06:44:30Z")) << at;
    EXPECT_EQ(calls.size(), 0u) << at;
  }
}

TEST(OperationsServiceSettled, StopOpenAtCompletionThatEndsAtFortySecondsIsAMicroStop) {
  Plant p(PlantWithMicroStops());
  Calls calls;
  CompleteDuringAnOpenShortStop(p, calls);
  p.Put("state", "2026-01-05T06:45:10Z", 1);  // 40 s: a micro-stop (speed loss)
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:45:10Z").ok());
  ASSERT_EQ(calls.size(), 1u);
  const Call c = calls.at(0);
  // By hand: 06:00-06:45 is all actual production time (the 30 s of the stop inside the order
  // are a micro-stop), no downtime; 265 good.
  EXPECT_EQ(c.actuals.run_time, 45 * kMinute);
  EXPECT_EQ(c.actuals.downtime, 0);
  EXPECT_EQ(c.actuals.good, 265u);
  EXPECT_EQ(c.actuals.planned_run_time, 265 * 6 * kSecond);
  EXPECT_EQ(c.actuals.end, T("2026-01-05T06:45:00Z"));
  // The store says the same (the stop recorded once, as a micro-stop).
  const std::vector<ops::Segment> recorded =
      p.service->ClosedIntervals(kWc, T("2026-01-05T06:44:00Z"), T("2026-01-05T06:46:00Z")).value();
  Duration micro = 0;
  for (const ops::Segment& s : recorded) {
    EXPECT_EQ(s.category, ops::StateCategory::kProducing);
    if (s.micro_stop) micro += s.length();
  }
  EXPECT_EQ(micro, 40 * kSecond);
}

TEST(OperationsServiceSettled, StopOpenAtCompletionThatRunsThreeMinutesIsDowntime) {
  Plant p(PlantWithMicroStops());
  Calls calls;
  CompleteDuringAnOpenShortStop(p, calls);
  // 06:46:29.999: 1 ms short of the threshold, still undecided.
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:46:29.999Z").ok());
  EXPECT_EQ(calls.size(), 0u);
  // 06:46:30: the stop is 2 min long whatever comes next: downtime, final.
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:46:30Z").ok());
  ASSERT_EQ(calls.size(), 1u);
  const Call c = calls.at(0);
  // By hand: 06:00-06:44:30 producing (2670 s), 06:44:30-06:45:00 unassigned downtime (30 s).
  EXPECT_EQ(c.actuals.run_time, 44 * kMinute + 30 * kSecond);
  EXPECT_EQ(c.actuals.downtime, 30 * kSecond);
  EXPECT_EQ(c.actuals.downtime_by_reason.at("unassigned"), 30 * kSecond);
  EXPECT_EQ(c.actuals.good, 265u);
  p.Put("state", "2026-01-05T06:47:30Z", 1);  // it ends after 3 min: nothing changes
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:50:00Z").ok());
  EXPECT_EQ(calls.size(), 1u);
  const std::vector<ops::Segment> recorded =
      p.service->ClosedIntervals(kWc, T("2026-01-05T06:44:00Z"), T("2026-01-05T06:50:00Z")).value();
  Duration down = 0;
  for (const ops::Segment& s : recorded)
    if (s.category == ops::StateCategory::kUnplannedDowntime) down += s.length();
  EXPECT_EQ(down, 3 * kMinute);
}

TEST(OperationsServiceLateData, ReadingsOfASilentMachineInRecordedTimeCorrectIt) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  p.Put("state", "2026-01-05T06:00:00Z", 1);
  p.Put("good", "2026-01-05T06:00:00Z", 0);
  p.Put("reject", "2026-01-05T06:00:00Z", 0);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:30:00Z").ok());  // 06:00-06:30 recorded as producing
  // The machine was silent; its buffered readings arrive now: a jam 06:20-06:25, and 80 units
  // counted at 06:20 (made before it), 20 more at 06:35.
  p.Put("state", "2026-01-05T06:20:00Z", 5);
  p.Put("good", "2026-01-05T06:20:00Z", 80);
  p.Put("state", "2026-01-05T06:25:00Z", 1);
  p.Put("good", "2026-01-05T06:35:00Z", 100);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:40:00Z").ok());
  const std::vector<ops::Segment> recorded =
      p.service->ClosedIntervals(kWc, T("2026-01-05T06:00:00Z"), T("2026-01-05T06:40:00Z")).value();
  Duration down = 0, covered = 0;
  uint64_t good_before_jam = 0, good = 0;
  for (const ops::Segment& s : recorded) {
    covered += s.length();
    if (s.category == ops::StateCategory::kUnplannedDowntime) down += s.length();
    if (s.end <= T("2026-01-05T06:20:00Z")) good_before_jam += s.good;
    good += s.good;
  }
  EXPECT_EQ(covered, 40 * kMinute);
  EXPECT_EQ(down, 5 * kMinute);
  EXPECT_EQ(good_before_jam, 80u);
  EXPECT_EQ(good, 100u);
  auto j = nlohmann::json::parse(
      p.service->OeeJson(kWc, T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"), "hour")
          .value());
  EXPECT_EQ(j["groups"]["2026-01-05T06:00:00.000Z"]["actual_unit_downtime_s"], 300);
  // The correction is an event of the store.
  p.service.reset();
  auto store = ops::EventStore::Open(p.db()).value();
  const std::vector<ops::StoredEvent> events = store->Read(0, 1000).value();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const ops::StoredEvent& e) {
                            return e.kind == ops::EventKind::kCorrection && e.work_centre == kWc;
                          }),
            1);
}

// Per local hour: time by (category, micro-stop) and good units.
using HourTotals = std::map<std::tuple<Timestamp, int, bool>, Duration>;
std::pair<HourTotals, std::map<Timestamp, uint64_t>> ByHour(const std::vector<ops::Segment>& segs) {
  HourTotals t;
  std::map<Timestamp, uint64_t> good;
  for (const ops::Segment& s : segs) {
    const Timestamp hour = s.start - s.start % kHour;
    t[{hour, static_cast<int>(s.category), s.micro_stop}] += s.length();
    good[hour] += s.good;
  }
  return {t, good};
}

// Property: closing every 40 s at the settled time over 2 h of short and long stops (micro-stops
// open at many closes), with readings on time (round 0) or up to 10 min late (round 1), records
// exactly what one classification of all samples in time order gives, the times add up to
// calendar time, and the cube equals a rebuild from the store.
TEST(OperationsServiceSettled, RecordedIntervalsEqualTheFinalTruthAndTheCubeItsRebuild) {
  std::mt19937_64 rng(20261123);
  for (int round = 0; round < 2; ++round) {
    Plant p(PlantWithMicroStops());
    const Timestamp t0 = T("2026-01-05T06:00:00Z"), t_end = t0 + 2 * kHour;
    p.Start(t0);
    struct Point {
      Timestamp time, delivered;
      const char* tag;
      double value;
    };
    std::vector<Point> points;
    double good = 0;
    const double states[] = {1, 1, 1, 0, 5, 3};
    for (Timestamp t = t0; t < t_end;) {
      // Round 1 delivers a fifth of the readings up to 10 min late: some after newer ones (late
      // samples), some while the machine is otherwise silent (newest of the machine, but before
      // the recorded time: late data too).
      const Duration delay =
          round == 1 && rng() % 5 == 0 ? static_cast<Duration>(rng() % 600) * kSecond : 0;
      points.push_back({t, t + delay, "state", states[rng() % 6]});
      good += static_cast<double>(rng() % 20);
      points.push_back({t, t + delay, "good", good});
      // Mostly short stretches (micro-stops and stops open across closes), some long ones.
      t += rng() % 4 == 0 ? static_cast<Duration>(rng() % 600) * kSecond
                          : static_cast<Duration>(5 + rng() % 150) * kSecond;
    }
    std::vector<Point> arrivals = points;
    std::stable_sort(arrivals.begin(), arrivals.end(),
                     [](const Point& a, const Point& b) { return a.delivered < b.delivered; });
    ops::ShiftCalendar calendar =
        ops::ShiftCalendar::Create(p.config().calendars.begin()->second).value();
    size_t next = 0, closes = 0;
    for (Timestamp now = t0 + 20 * kSecond; now <= t_end + 10 * kMinute; now += 40 * kSecond) {
      for (; next < arrivals.size() && arrivals[next].delivered <= now; ++next)
        p.PutAt(arrivals[next].tag, arrivals[next].time, arrivals[next].value);
      p.service->Pump();
      p.clock.Set(now);
      ASSERT_TRUE(p.service->CloseUpTo(now).ok());
      if (++closes % 15 != 0) continue;
      const Timestamp closed = p.service->ClosedUntil(kWc);
      const Timestamp to = calendar.HourOf(closed).start;
      if (to <= t0) continue;
      ctx::KpiCube rebuilt(p.config());
      const std::vector<ops::Segment> recorded =
          p.service->ClosedIntervals(kWc, t0, closed).value();
      for (const ops::Segment& s : recorded) rebuilt.Add(s, calendar);
      ASSERT_EQ(p.service->OeeJson(kWc, t0, to, "hour").value(),
                ctx::OeeJson(rebuilt, kWc, t0, to, "hour").value())
          << "round " << round << " at " << FormatIso8601(now);
    }
    // The truth: a fresh engine given every sample, classified once over the whole range.
    std::map<std::string, TagId> ids;
    for (const char* tag : {"state", "good", "reject"})
      ids.emplace(std::string(kWc) + "/" + tag, static_cast<TagId>(ids.size()));
    auto truth = ops::OperationsEngine::Create(p.config(), [&](std::string_view path) {
                   return std::optional<TagId>(ids.at(std::string(path)));
                 }).value();
    for (const Point& pt : points)
      truth->Publish(Sample{ids.at(std::string(kWc) + "/" + pt.tag), pt.time, Value(pt.value),
                            Quality::Good()});
    const std::vector<ops::Segment> recorded = p.service->ClosedIntervals(kWc, t0, t_end).value();
    Duration covered = 0;
    for (const ops::Segment& s : recorded) covered += s.length();
    EXPECT_EQ(covered, t_end - t0) << "round " << round;
    const auto [want_time, want_good] = ByHour(truth->Segments(kWc, t0, t_end));
    const auto [got_time, got_good] = ByHour(recorded);
    EXPECT_EQ(got_time, want_time) << "round " << round;
    EXPECT_EQ(got_good, want_good) << "round " << round;
    Duration micro = 0;
    for (const auto& [key, d] : want_time)
      if (std::get<2>(key)) micro += d;
    EXPECT_GT(micro, 0) << "round " << round << ": the data has micro-stops";
  }
}

}  // namespace
}  // namespace gantry
