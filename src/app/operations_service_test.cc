#include "app/operations_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "app/operations_service_test_plant.h"
#include "context/kpi_api.h"

namespace gantry {
namespace {

using namespace ops_test;  // NOLINT: the test plant
using ops::OrderTransition;

// 06:00-06:20 producing (100 good), 06:20-06:30 fault, 06:30-06:45 producing (150 good, 5
// scrap), order 4711 from 06:00 to 06:45.
void RunOrder4711(Plant& p) {
  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T06:00:00Z",
                                     "4711", "P-17", "anna"),
                               "anna")
                  .ok());
  p.Put("state", "2026-01-05T06:00:00Z", 1);
  p.Put("good", "2026-01-05T06:00:00Z", 0);
  p.Put("reject", "2026-01-05T06:00:00Z", 0);
  p.Put("good", "2026-01-05T06:10:00Z", 60);
  p.Put("good", "2026-01-05T06:20:00Z", 100);
  p.Put("state", "2026-01-05T06:20:00Z", 5);
  p.Put("state", "2026-01-05T06:30:00Z", 1);
  p.Put("good", "2026-01-05T06:45:00Z", 250);
  p.Put("reject", "2026-01-05T06:45:00Z", 5);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:40:00Z").ok());
  ASSERT_TRUE(
      p.service
          ->ApplyOrder(Order(OrderTransition::Action::kComplete, "2026-01-05T06:45:00Z"), "anna")
          .ok());
}

TEST(OperationsServiceOrders, CompletedOrderHandsItsActualsOnOnceAcrossRestarts) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  std::vector<Call> calls;
  auto listener = [&](const ops::OrderActuals& a, std::string_view trigger, sqlite3* txn) {
    calls.push_back({a, std::string(trigger)});
    // The ERP outbox writes in the same transaction.
    return sqlite3_exec(txn,
                        "CREATE TABLE IF NOT EXISTS outbox(body TEXT); "
                        "INSERT INTO outbox VALUES('actuals')",
                        nullptr, nullptr, nullptr) == SQLITE_OK
               ? Status::Ok()
               : IoError("outbox");
  };
  p.service->SetActualsListener(listener);
  RunOrder4711(p);
  EXPECT_TRUE(calls.empty()) << "not final before the intervals up to 06:45 are recorded";
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:50:00Z").ok());
  ASSERT_EQ(calls.size(), 1u);
  const ops::OrderActuals& a = calls[0].actuals;
  EXPECT_EQ(calls[0].trigger, "order-complete");
  EXPECT_EQ(a.order, "4711");
  EXPECT_EQ(a.product, "P-17");
  EXPECT_EQ(a.work_centre, kWc);
  EXPECT_EQ(a.shift, "");
  EXPECT_EQ(a.start, T("2026-01-05T06:00:00Z"));
  EXPECT_EQ(a.end, T("2026-01-05T06:45:00Z"));
  EXPECT_EQ(a.good, 250u);
  EXPECT_EQ(a.scrap, 5u);
  EXPECT_EQ(a.run_time, 35 * kMinute);
  EXPECT_EQ(a.downtime, 10 * kMinute);
  EXPECT_EQ(a.downtime_by_reason.at("unassigned"), 10 * kMinute);
  EXPECT_EQ(a.planned_run_time, 255 * 6 * kSecond);
  EXPECT_EQ(a.operators, std::vector<std::string>{"anna"});
  EXPECT_TRUE(a.complete);

  Result<ops::OrderActuals> now = p.service->ActualsForOrder("4711");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->good, 250u);
  EXPECT_EQ(now->run_time, 35 * kMinute);
  EXPECT_TRUE(now->complete);
  EXPECT_EQ(p.service->ActualsForOrder("4712").status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(p.CloseAt("2026-01-05T07:00:00Z").ok());
  EXPECT_EQ(calls.size(), 1u);
  // Restart twice: the order is known (not startable again), nothing is handed on again.
  for (int restart = 0; restart < 2; ++restart) {
    p.Start(T("2026-01-05T07:10:00Z"));
    p.service->SetActualsListener(listener);
    ASSERT_TRUE(p.CloseAt("2026-01-05T07:20:00Z").ok());
    EXPECT_EQ(calls.size(), 1u);
    EXPECT_EQ(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T07:20:00Z",
                                     "4711", "P-17"),
                               "anna")
                  .code(),
              StatusCode::kFailedPrecondition);
    EXPECT_EQ(p.service->ActualsForOrder("4711")->good, 250u);
  }
  p.service.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM outbox", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1) << "the outbox row was committed with the event";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(OperationsServiceOrders, LateJamAfterTheOrderWasHandedOnSendsOneCorrectionPerChange) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  std::vector<Call> calls;
  auto listener = [&](const ops::OrderActuals& a, std::string_view trigger, sqlite3* txn) {
    calls.push_back({a, std::string(trigger)});
    return sqlite3_exec(txn,
                        "CREATE TABLE IF NOT EXISTS outbox(body TEXT); "
                        "INSERT INTO outbox VALUES('actuals')",
                        nullptr, nullptr, nullptr) == SQLITE_OK
               ? Status::Ok()
               : IoError("outbox");
  };
  p.service->SetActualsListener(listener);
  RunOrder4711(p);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:50:00Z").ok());
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].actuals.downtime, 10 * kMinute);
  EXPECT_EQ(calls[0].actuals.correction, 0u);
  // A PLC buffer delivers a 3 min jam 06:35-06:38 after the order was handed on.
  p.Put("state", "2026-01-05T06:35:00Z", 5);
  p.Put("state", "2026-01-05T06:38:00Z", 1);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:55:00Z").ok());
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].trigger, "order-correction");
  EXPECT_EQ(calls[1].actuals.correction, 1u);
  EXPECT_EQ(calls[1].actuals.order, "4711");
  EXPECT_EQ(calls[1].actuals.downtime, 13 * kMinute);
  EXPECT_EQ(calls[1].actuals.run_time, 32 * kMinute);
  EXPECT_EQ(calls[1].actuals.good, 250u);
  EXPECT_EQ(calls[1].actuals.start, T("2026-01-05T06:00:00Z"));
  EXPECT_EQ(calls[1].actuals.end, T("2026-01-05T06:45:00Z"));
  EXPECT_TRUE(calls[1].actuals.complete);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:00:00Z").ok());
  EXPECT_EQ(calls.size(), 2u) << "one correction per change";
  // A late sample that changes nothing in the order's figures sends nothing.
  p.Put("state", "2026-01-05T06:36:00Z", 5);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:05:00Z").ok());
  EXPECT_EQ(calls.size(), 2u);
  // A second change: a second correction.
  p.Put("state", "2026-01-05T06:42:00Z", 5);
  p.Put("state", "2026-01-05T06:44:00Z", 1);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:10:00Z").ok());
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[2].actuals.correction, 2u);
  EXPECT_EQ(calls[2].actuals.downtime, 15 * kMinute);
  // A restart offers nothing again.
  p.Start(T("2026-01-05T07:20:00Z"));
  p.service->SetActualsListener(listener);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:30:00Z").ok());
  EXPECT_EQ(calls.size(), 3u);
  p.service.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM outbox", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 3) << "each correction committed with its event";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(OperationsServiceOrders, FailingListenerRollsBackAndIsAskedAgain) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  int asked = 0;
  p.service->SetActualsListener([&](const ops::OrderActuals&, std::string_view, sqlite3* txn) {
    ++asked;
    sqlite3_exec(txn,
                 "CREATE TABLE IF NOT EXISTS outbox(body TEXT); "
                 "INSERT INTO outbox VALUES('x')",
                 nullptr, nullptr, nullptr);
    return asked == 1 ? Unavailable("outbox full") : Status::Ok();
  });
  RunOrder4711(p);
  EXPECT_EQ(p.CloseAt("2026-01-05T06:50:00Z").code(), StatusCode::kUnavailable);
  EXPECT_EQ(asked, 1);
  ASSERT_TRUE(p.CloseAt("2026-01-05T06:55:00Z").ok());
  EXPECT_EQ(asked, 2);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:00:00Z").ok());
  EXPECT_EQ(asked, 2);
  p.service.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(p.db().c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM outbox", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1) << "the failed attempt's row was rolled back";
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(OperationsServiceOrders, ShiftEndHandsOnEachActiveOrdersShare) {
  Plant p;
  p.Start(T("2026-01-05T13:00:00Z"));
  std::vector<Call> calls;
  p.service->SetActualsListener([&](const ops::OrderActuals& a, std::string_view t, sqlite3*) {
    calls.push_back({a, std::string(t)});
    return Status::Ok();
  });
  ASSERT_TRUE(p.service
                  ->ApplyOrder(Order(OrderTransition::Action::kStart, "2026-01-05T13:00:00Z",
                                     "4711", "P-17", "anna"),
                               "anna")
                  .ok());
  p.Put("state", "2026-01-05T13:00:00Z", 1);
  p.Put("good", "2026-01-05T13:00:00Z", 0);
  p.Put("reject", "2026-01-05T13:00:00Z", 0);
  p.Put("good", "2026-01-05T14:00:00Z", 600);
  p.Put("good", "2026-01-05T15:00:00Z", 1100);
  ASSERT_TRUE(p.CloseAt("2026-01-05T13:59:00Z").ok());
  EXPECT_TRUE(calls.empty());
  ASSERT_TRUE(p.CloseAt("2026-01-05T14:30:00Z").ok());
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].trigger, "shift-end");
  EXPECT_EQ(calls[0].actuals.shift, "2026-01-05/early");
  EXPECT_EQ(calls[0].actuals.order, "4711");
  EXPECT_EQ(calls[0].actuals.good, 600u);  // the reading at 14:00 belongs to the early shift
  EXPECT_EQ(calls[0].actuals.run_time, kHour);
  EXPECT_FALSE(calls[0].actuals.complete);
  // Operator change and a pause: validation names what is wrong.
  EXPECT_EQ(
      p.service->ApplyOrder(Order(OrderTransition::Action::kResume, "2026-01-05T14:40:00Z"), "anna")
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      p.service
          ->ApplyOrder(Order(OrderTransition::Action::kComplete, "2026-01-05T14:40:00Z", "4712"),
                       "anna")
          .code(),
      StatusCode::kFailedPrecondition);
  EXPECT_EQ(
      p.service->ApplyOrder(Order(OrderTransition::Action::kPause, "2026-01-05T14:00:00Z"), "anna")
          .code(),
      StatusCode::kInvalidArgument)
      << "before what is recorded";
  ASSERT_TRUE(
      p.service
          ->ApplyOrder(Order(OrderTransition::Action::kComplete, "2026-01-05T15:00:00Z"), "bob")
          .ok());
  ASSERT_TRUE(p.CloseAt("2026-01-05T15:10:00Z").ok());
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].trigger, "order-complete");
  EXPECT_EQ(calls[1].actuals.good, 1100u);
  EXPECT_EQ(calls[1].actuals.run_time, 2 * kHour);
}

TEST(OperationsServiceRestart, OeeOfEarlierHoursIsTheSameAfterARestart) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  RunOrder4711(p);
  p.Put("state", "2026-01-05T07:10:00Z", 0);
  p.Put("state", "2026-01-05T07:40:00Z", 1);
  p.Put("good", "2026-01-05T08:00:00Z", 500);
  ASSERT_TRUE(p.CloseAt("2026-01-05T08:30:00Z").ok());
  const Timestamp from = T("2026-01-05T06:00:00Z"), to = T("2026-01-05T08:00:00Z");
  std::vector<std::string> before;
  for (const char* scope : {kWc, "acme/p/a/l", "acme"})
    for (const char* by : {"hour", "shift", "order", "total"})
      before.push_back(p.service->OeeJson(scope, from, to, by).value());
  auto body = nlohmann::json::parse(before[0]);
  EXPECT_EQ(body["groups"]["2026-01-05T06:00:00.000Z"]["actual_unit_downtime_s"], 600);
  p.Start(T("2026-01-05T09:00:00Z"));  // a restart
  size_t i = 0;
  for (const char* scope : {kWc, "acme/p/a/l", "acme"})
    for (const char* by : {"hour", "shift", "order", "total"})
      EXPECT_EQ(p.service->OeeJson(scope, from, to, by).value(), before[i++]) << scope << " " << by;
  // The hours gantry was not running are no data, not missing: calendar time stays whole.
  ASSERT_TRUE(p.CloseAt("2026-01-05T09:30:00Z").ok());
  auto hour = nlohmann::json::parse(
      p.service->OeeJson(kWc, T("2026-01-05T08:00:00Z"), T("2026-01-05T09:00:00Z"), "total")
          .value());
  EXPECT_EQ(hour["groups"]["total"]["calendar_time_s"], 3600);
  EXPECT_EQ(hour["groups"]["total"]["no_data_s"], 1800);
}

TEST(OperationsServiceRestart, DowntimeOlderThanTheEngineComesFromTheStoreAndTakesAReason) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  RunOrder4711(p);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:00:00Z").ok());
  const Timestamp from = T("2026-01-05T06:00:00Z"), to = T("2026-01-05T07:00:00Z");
  const std::string before = p.service->DowntimeJson(kWc, from, to).value();
  p.Start(T("2026-01-05T07:10:00Z"));
  EXPECT_EQ(p.service->DowntimeJson(kWc, from, to).value(), before);
  auto j = nlohmann::json::parse(before);
  ASSERT_EQ(j["intervals"].size(), 1u);
  EXPECT_EQ(j["intervals"][0]["reason"], "unassigned");
  EXPECT_EQ(j["intervals"][0]["assignable"], true);
  EXPECT_EQ(j["intervals"][0]["start"], "2026-01-05T06:20:00.000Z");
  // The engine of this run never saw the stop; the store did.
  EXPECT_EQ(p.service->AssignReason(kWc, T("2026-01-05T06:21:00Z"), "jam", "bob").code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(p.service->AssignReason(kWc, T("2026-01-05T06:20:00Z"), "jam", "bob").ok());
  j = nlohmann::json::parse(p.service->DowntimeJson(kWc, from, to).value());
  EXPECT_EQ(j["intervals"][0]["reason"], "jam");
  ASSERT_EQ(j["pareto"].size(), 1u);
  EXPECT_EQ(j["pareto"][0]["reason"], "jam");
  EXPECT_EQ(j["pareto"][0]["duration_s"], 600);
  // A range partly recorded, partly open: both parts.
  p.Put("state", "2026-01-05T07:10:00Z", 0);
  p.service->Pump();
  p.clock.Set(T("2026-01-05T07:20:00Z"));
  j = nlohmann::json::parse(
      p.service->DowntimeJson(kWc, T("2026-01-05T06:00:00Z"), T("2026-01-05T07:20:00Z")).value());
  ASSERT_GE(j["intervals"].size(), 3u);
  EXPECT_EQ(j["intervals"].back()["category"], "idle");
}

// Property: after any late sample, the cube (OEE answers) equals a cube rebuilt from the store.
// Single-threaded and seeded: TagBus::Publish queues synchronously, so Pump() sees every batch.
TEST(OperationsServiceLateData, CubeEqualsARebuildFromTheStoreAfterEveryLateSample) {
  std::mt19937_64 rng(20261122);
  for (int round = 0; round < 4; ++round) {
    Plant p;
    const Timestamp t0 = T("2026-01-05T05:00:00Z");
    p.Start(t0);
    // The truth: state changes and counter readings over 4 h, delivered with random delays.
    struct Point {
      Timestamp time, delivered;
      const char* tag;
      double value;
    };
    std::vector<Point> points;
    double good = 0;
    for (Timestamp t = t0; t < t0 + 4 * kHour;
         t += static_cast<Duration>(1 + rng() % 9) * kMinute) {
      const Duration delay = rng() % 5 == 0 ? static_cast<Duration>(rng() % 40) * kMinute : 0;
      points.push_back({t, t + delay, "state", static_cast<double>(rng() % 6)});
      good += static_cast<double>(rng() % 50);
      points.push_back({t, t + delay, "good", good});
    }
    std::stable_sort(points.begin(), points.end(),
                     [](const Point& a, const Point& b) { return a.delivered < b.delivered; });
    ops::ShiftCalendar calendar =
        ops::ShiftCalendar::Create(p.config().calendars.begin()->second).value();
    size_t next = 0;
    for (Timestamp now = t0 + 5 * kMinute; now <= t0 + 4 * kHour; now += 5 * kMinute) {
      for (; next < points.size() && points[next].delivered <= now; ++next)
        p.PutAt(points[next].tag, points[next].time, points[next].value);
      p.service->Pump();
      p.clock.Set(now);
      ASSERT_TRUE(p.service->CloseUpTo(now).ok());
      const Timestamp closed = p.service->ClosedUntil(kWc);
      const Timestamp to = calendar.HourOf(closed).start;
      if (to <= t0) continue;
      ctx::KpiCube rebuilt(p.config());
      // Held in a named vector: a range-for over `Result(...).value()` would read the segments
      // of a temporary already destroyed (C++20), which made this test fail at random.
      const std::vector<ops::Segment> recorded =
          p.service->ClosedIntervals(kWc, t0, closed).value();
      for (const ops::Segment& s : recorded) rebuilt.Add(s, calendar);
      for (const char* by : {"hour", "order", "total"})
        ASSERT_EQ(p.service->OeeJson(kWc, t0, to, by).value(),
                  ctx::OeeJson(rebuilt, kWc, t0, to, by).value())
            << "round " << round << " at " << FormatIso8601(now) << " by " << by;
    }
  }
}

TEST(OperationsServiceTimeScale, ASimulatedClockGivesTheSameFiguresWithANeutralNote) {
  // The service reads only the clock it is given, so a plant on simulated time at 10x gets the
  // very figures of a plant on real time; the answer just says which time it is.
  nlohmann::json at_scale[2];
  int i = 0;
  for (double scale : {1.0, 10.0}) {
    Plant p;
    p.Start(T("2026-01-05T06:00:00Z"), scale);
    RunOrder4711(p);
    ASSERT_TRUE(p.CloseAt("2026-01-05T07:00:00Z").ok());
    auto j = nlohmann::json::parse(
        p.service->OeeJson(kWc, T("2026-01-05T06:00:00Z"), T("2026-01-05T07:00:00Z"), "total")
            .value());
    EXPECT_EQ(j["groups"]["total"]["calendar_time_s"], 3600) << scale;
    if (scale == 1.0) {
      EXPECT_FALSE(j.contains("notes"));
    } else {
      ASSERT_TRUE(j["notes"].is_array());
      ASSERT_EQ(j["notes"].size(), 1u);
      const std::string note = j["notes"][0];
      EXPECT_NE(note.find("simulated at 10x"), std::string::npos) << note;
      EXPECT_EQ(note.find("not meaningful"), std::string::npos) << note;
      j.erase("notes");
    }
    at_scale[i++] = j;
  }
  EXPECT_EQ(at_scale[0], at_scale[1]);
}

TEST(OperationsServicePlannedStops, AStopDeclaredForRecordedTimeCorrectsItAndSurvivesARestart) {
  Plant p;
  p.Start(T("2026-01-05T06:00:00Z"));
  RunOrder4711(p);
  p.Put("state", "2026-01-05T07:00:00Z", 0);  // standing 07:00-07:30
  p.Put("state", "2026-01-05T07:30:00Z", 1);
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:40:00Z").ok());
  const Timestamp from = T("2026-01-05T07:00:00Z"), to = T("2026-01-05T07:30:00Z");
  auto total = [&] {
    return nlohmann::json::parse(
        p.service->OeeJson(kWc, from, to, "total").value())["groups"]["total"];
  };
  EXPECT_EQ(total()["idle_s"], 1800);
  // The operator says the first 20 minutes were a changeover.
  ASSERT_TRUE(
      p.service->DeclarePlannedStop(kWc, from, T("2026-01-05T07:20:00Z"), "changeover", "anna")
          .ok());
  ASSERT_TRUE(p.CloseAt("2026-01-05T07:45:00Z").ok());
  EXPECT_EQ(total()["planned_downtime_s"], 1200);
  EXPECT_EQ(total()["idle_s"], 600);
  // Exactly the half hour asked for (not the whole hour 07:00-08:00 of the cube).
  EXPECT_EQ(total()["calendar_time_s"], 1800);
  EXPECT_EQ(total()["actual_production_time_s"], 0);
  // Refusals: unplanned reason, unknown work centre, end before start, older than the horizon.
  EXPECT_EQ(p.service->DeclarePlannedStop(kWc, from, to, "jam", "anna").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(p.service->DeclarePlannedStop("acme/p/a/l/x", from, to, "changeover", "anna").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(p.service->DeclarePlannedStop(kWc, to, from, "changeover", "anna").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(p.service
                ->DeclarePlannedStop(kWc, T("2026-01-05T06:00:00Z"), T("2026-01-05T06:05:00Z"),
                                     "changeover", "anna")
                .code(),
            StatusCode::kInvalidArgument);
  // A restart reads the declaration back from the store: same answer.
  p.Start(T("2026-01-05T07:50:00Z"));
  EXPECT_EQ(total()["planned_downtime_s"], 1200);
  EXPECT_EQ(total()["idle_s"], 600);
}

// 09:00-12:30 producing 9 good + 1 scrap a minute (6 s ideal: exactly the rated speed), read
// every minute, except two faults 10:00-10:30 and 11:40-11:50.
// Publishes the readings of (after, until].
void RunQuarterHourDay(Plant& p, Timestamp after, Timestamp until) {
  const Timestamp start = T("2026-01-05T09:00:00Z");
  auto faulted = [](Timestamp t) {
    return (t >= T("2026-01-05T10:00:00Z") && t < T("2026-01-05T10:30:00Z")) ||
           (t >= T("2026-01-05T11:40:00Z") && t < T("2026-01-05T11:50:00Z"));
  };
  int64_t minutes_producing = 0;
  for (Timestamp t = start; t <= until; t += kMinute) {
    if (t > start && !faulted(t - kMinute)) ++minutes_producing;  // the minute before t
    if (t <= after) continue;
    p.PutAt("state", t, faulted(t) ? 5 : 1);
    p.PutAt("good", t, static_cast<double>(9 * minutes_producing));
    p.PutAt("reject", t, static_cast<double>(minutes_producing));
  }
}

TEST(OperationsServiceRanges, OeeFromQuarterPastTenToQuarterToTwelveIsExactlyNinetyMinutes) {
  Plant p;
  p.Start(T("2026-01-05T09:00:00Z"));
  const Timestamp from = T("2026-01-05T10:15:00Z"), to = T("2026-01-05T11:45:00Z");
  // By hand: 10:15-10:30 fault (900 s) and 11:40-11:45 fault (300 s) = ADOT 1200 s; APT 4200 s
  // (70 min); 70 readings of +9 good +1 scrap in (10:30, 11:40]: GQ 630, SQ 70, PQ 700.
  // A = 4200 / 5400 = 0.777778, E = 700 x 6 s / 4200 s = 1, QR = 630 / 700 = 0.9, OEE = 0.7.
  auto check = [&](const std::string& when) {
    for (const char* scope : {kWc, "acme/p/a/l"}) {
      auto j = nlohmann::json::parse(p.service->OeeJson(scope, from, to, "total").value());
      const auto& t = j["groups"]["total"];
      EXPECT_EQ(t["calendar_time_s"], 5400) << when << " " << scope;
      EXPECT_EQ(t["actual_unit_downtime_s"], 1200) << when;
      EXPECT_EQ(t["actual_production_time_s"], 4200) << when;
      EXPECT_EQ(t["good_quantity"], 630) << when;
      EXPECT_EQ(t["scrap_quantity"], 70) << when;
      EXPECT_NEAR(t["availability"].get<double>(), 0.777778, 1e-6) << when;
      EXPECT_NEAR(t["effectiveness"].get<double>(), 1.0, 1e-6) << when;
      EXPECT_NEAR(t["quality_ratio"].get<double>(), 0.9, 1e-6) << when;
      EXPECT_NEAR(t["oee"].get<double>(), 0.7, 1e-6) << when;
    }
    auto d = nlohmann::json::parse(p.service->DowntimeJson(kWc, from, to).value());
    double down = 0;
    for (const auto& i : d["intervals"]) down += i["duration_s"].get<double>();
    EXPECT_EQ(down, 1200) << when;
  };
  // Recorded up to 11:30, the rest still open in the engine.
  RunQuarterHourDay(p, 0, T("2026-01-05T11:50:00Z"));
  ASSERT_TRUE(p.CloseAt("2026-01-05T11:30:00Z").ok());
  p.service->Pump();
  p.clock.Set(T("2026-01-05T11:50:00Z"));
  check("half recorded");
  // Everything recorded: the same answer from the store.
  RunQuarterHourDay(p, T("2026-01-05T11:50:00Z"), T("2026-01-05T12:30:00Z"));
  ASSERT_TRUE(p.CloseAt("2026-01-05T12:30:00Z").ok());
  check("recorded");

  // With whole hours inside: 09:15-10:00 and 11:00-11:45 are parts, 10:00-11:00 from the cube.
  auto j =
      nlohmann::json::parse(p.service->OeeJson(kWc, T("2026-01-05T09:15:00Z"), to, "hour").value());
  const auto& g = j["groups"];
  ASSERT_EQ(g.size(), 3u) << j.dump();
  EXPECT_EQ(g["2026-01-05T09:00:00.000Z"]["calendar_time_s"], 2700);
  EXPECT_EQ(g["2026-01-05T10:00:00.000Z"]["calendar_time_s"], 3600);
  EXPECT_EQ(g["2026-01-05T10:00:00.000Z"]["actual_unit_downtime_s"], 1800);
  EXPECT_EQ(g["2026-01-05T11:00:00.000Z"]["calendar_time_s"], 2700);
  EXPECT_EQ(g["2026-01-05T11:00:00.000Z"]["actual_unit_downtime_s"], 300);
  // Adjacent ranges add up: every unit is counted once (in the range holding its interval's end).
  auto total = [&](const char* a, const char* b) {
    return nlohmann::json::parse(
        p.service->OeeJson(kWc, T(a), T(b), "total").value())["groups"]["total"];
  };
  auto whole = total("2026-01-05T09:00:00Z", "2026-01-05T12:00:00Z");
  auto first = total("2026-01-05T09:00:00Z", "2026-01-05T10:20:00Z");
  auto second = total("2026-01-05T10:20:00Z", "2026-01-05T12:00:00Z");
  for (const char* key : {"calendar_time_s", "actual_production_time_s", "good_quantity",
                          "scrap_quantity", "planned_run_time_s"})
    EXPECT_EQ(first[key].get<double>() + second[key].get<double>(), whole[key].get<double>())
        << key;
  EXPECT_EQ(whole["good_quantity"], 9 * 140)  // 180 min - 40 min of faults
      << p.service->OeeJson(kWc, T("2026-01-05T09:00:00Z"), T("2026-01-05T12:00:00Z"), "hour")
             .value();
}

}  // namespace
}  // namespace gantry
