#include "app/operations_service.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "core/config_node.h"

namespace gantry {
namespace {

namespace fs = std::filesystem;
using ops::OrderTransition;

Timestamp T(const char* iso) {
  return ParseTimestamp(iso).value();
}

constexpr const char* kWc = "acme/p/a/l/m";

// One machine: state word, good and reject counters; an early and a late shift (UTC).
constexpr const char* kPlant = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    calendar:
      shifts:
        - {name: early, start: "06:00", duration: 8h}
        - {name: late, start: "14:00", duration: 8h}
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - name: m
                ideal_cycle_time: 6s
                state: {word: state}
                counters: {good: good, reject: reject}
operations:
  late_data_horizon: 1h
  reasons:
    mechanical: [jam]
)";

// A plant with a data folder, a bus and a manual clock; the service can be re-created on the same
// folder (a restart).
class Plant {
 public:
  Plant() {
    dir_ = fs::temp_directory_path() /
           ("gantry_ops_service_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto doc = ConfigDocument::Parse(kPlant, "p.yaml").value();
    config_ = ops::ParseOperationsConfig(doc.Root());
    EXPECT_TRUE(doc.Finish().ok());
    for (const char* tag : {"state", "good", "reject"})
      ids_.emplace(std::string(kWc) + "/" + tag, static_cast<TagId>(ids_.size()));
  }
  ~Plant() {
    service.reset();
    fs::remove_all(dir_);
  }
  void Start(Timestamp now) {
    service.reset();
    clock.Set(now);
    OperationsServiceOptions options;
    service = OperationsService::Create(
                  config_,
                  [this](std::string_view p) -> std::optional<TagId> {
                    auto it = ids_.find(std::string(p));
                    if (it == ids_.end()) return std::nullopt;
                    return it->second;
                  },
                  bus, dir_.string(), clock, options)
                  .value();
  }
  void Put(const char* tag, const char* iso, double v) {
    bus.Publish({Sample{ids_.at(std::string(kWc) + "/" + tag), T(iso), Value(v), Quality::Good()}});
  }
  // Feeds the bus into the engine, sets the clock and closes intervals up to it.
  Status CloseAt(const char* iso) {
    service->Pump();
    clock.Set(T(iso));
    return service->CloseUpTo(T(iso));
  }
  std::string db() const { return (dir_ / "operations.sqlite").string(); }

  TagBus bus;
  ManualClock clock;
  std::unique_ptr<OperationsService> service;

 private:
  fs::path dir_;
  ops::OperationsConfig config_;
  std::map<std::string, TagId> ids_;
};

OrderTransition Order(OrderTransition::Action a, const char* iso, std::string order = "",
                      std::string product = "", std::string op = "") {
  return {kWc, T(iso), a, std::move(order), std::move(product), std::move(op), 0};
}

struct Call {
  ops::OrderActuals actuals;
  std::string trigger;
};

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

}  // namespace
}  // namespace gantry
