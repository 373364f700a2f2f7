#include "context/replay_historian.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/historian/historian.h"
#include "operations/event_store.h"

namespace gantry::ctx {
namespace {

constexpr const char* kConfig = R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    calendar:
      shifts: [{name: A, start: "06:00", duration: 8h}]
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - {name: m, ideal_cycle_time: 1s, state: {word: state}, counters: {good: {tag: good, width: 16}}}
)";

constexpr const char* kCsv = R"(2026-01-05T06:00:00Z,acme/p/a/l/m/state,1
2026-01-05T06:00:00Z,acme/p/a/l/m/good,65000
2026-01-05T07:00:00Z,acme/p/a/l/m/good,3064
2026-01-05T07:30:00Z,acme/p/a/l/m/state,5
2026-01-05T08:00:00Z,acme/p/a/l/m/state,1
2026-01-05T14:00:00Z,acme/p/a/l/m/good,27064
)";

TEST(ReplayFromHistorian, GivesTheSameReportAsTheCsvOfTheSameSamples) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gantry-ops-replay-XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  ManualClock clock(ParseTimestamp("2026-01-06T00:00:00Z").value());
  {
    historian::HistorianOptions o;
    o.sync = historian::SyncPolicy::kNone;
    auto h = historian::Historian::Open(dir, o, clock).value();
    ASSERT_TRUE(h->BindTag(0, "acme/p/a/l/m/state").ok());
    ASSERT_TRUE(h->BindTag(1, "acme/p/a/l/m/good").ok());
    ASSERT_TRUE(h->BindTag(2, "acme/p/a/l/m/temperature").ok());
    auto t = [](const char* iso) { return ParseTimestamp(iso).value(); };
    std::vector<Sample> s = {
        {0, t("2026-01-05T06:00:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T06:00:00Z"), Value(65000.0), Quality::Good()},
        {2, t("2026-01-05T06:00:00Z"), Value(71.5), Quality::Good()},
        {1, t("2026-01-05T07:00:00Z"), Value(3064.0), Quality::Good()},
        {0, t("2026-01-05T07:30:00Z"), Value(5.0), Quality::Good()},
        {0, t("2026-01-05T08:00:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T14:00:00Z"), Value(27064.0), Quality::Good()},
    };
    ASSERT_TRUE(h->Append(s).ok());
    ASSERT_TRUE(h->Flush().ok());
    ReplayInput in;
    in.config_text = kConfig;
    in.from = t("2026-01-05T06:00:00Z");
    in.to = t("2026-01-05T14:00:00Z");
    Result<std::string> from_store = ReplayFromHistorian(in, *h);
    ASSERT_TRUE(from_store.ok()) << from_store.status().ToString();
    in.samples_csv = kCsv;
    Result<std::string> from_csv = Replay(in);
    ASSERT_TRUE(from_csv.ok());
    EXPECT_EQ(*from_store, *from_csv);
    EXPECT_NE(from_store->find("\"good_quantity\": 27600"), std::string::npos) << *from_store;
    in.to.reset();
    EXPECT_FALSE(ReplayFromHistorian(in, *h).ok());
    std::ofstream(dir + "/plant.yaml") << kConfig;
    std::ofstream(dir + "/samples.csv") << kCsv;
  }
  // The command line, once the historian is closed (one process per folder).
  ASSERT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--historian", dir, "--from",
                              "2026-01-05T06:00:00Z", "--to", "2026-01-05T14:00:00Z", "--out",
                              dir + "/h.json"}),
            0);
  ASSERT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--samples", dir + "/samples.csv",
                              "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T14:00:00Z",
                              "--out", dir + "/c.json"}),
            0);
  auto slurp = [](const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(slurp(dir + "/h.json"), slurp(dir + "/c.json"));
  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--historian", dir}),
            2);  // no range
  std::filesystem::remove_all(dir);
}

TEST(ReplayFromHistorian, DataFolderReplaysTheRecordedOrdersStopsAndReasonsWithNewRules) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "gantry-ops-data-XXXXXX").string();
  const std::string dir = ::mkdtemp(tmpl.data());
  auto t = [](const char* iso) { return ParseTimestamp(iso).value(); };
  ManualClock clock(t("2026-01-06T00:00:00Z"));
  {
    historian::HistorianOptions o;
    o.sync = historian::SyncPolicy::kNone;
    auto h = historian::Historian::Open(dir + "/historian", o, clock).value();
    ASSERT_TRUE(h->BindTag(0, "acme/p/a/l/m/state").ok());
    ASSERT_TRUE(h->BindTag(1, "acme/p/a/l/m/good").ok());
    std::vector<Sample> s = {
        {0, t("2026-01-05T06:00:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T06:00:00Z"), Value(0.0), Quality::Good()},
        {0, t("2026-01-05T07:30:00Z"), Value(5.0), Quality::Good()},
        {0, t("2026-01-05T08:00:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T10:00:00Z"), Value(9000.0), Quality::Good()},
        {0, t("2026-01-05T12:00:00Z"), Value(2.0), Quality::Good()},  // stands 12:00-12:30
        {0, t("2026-01-05T12:30:00Z"), Value(1.0), Quality::Good()},
        {1, t("2026-01-05T14:00:00Z"), Value(20000.0), Quality::Good()},
    };
    ASSERT_TRUE(h->Append(s).ok());
    ASSERT_TRUE(h->Flush().ok());
    // What the running plant recorded besides samples.
    auto store = ops::EventStore::Open(dir + "/operations.sqlite").value();
    using A = ops::OrderTransition::Action;
    const std::string wc = "acme/p/a/l/m";
    ASSERT_TRUE(
        store
            ->AppendOrder({wc, t("2026-01-05T06:00:00Z"), A::kStart, "4711", "P-17", "anna", 0},
                          "anna")
            .ok());
    ASSERT_TRUE(
        store->AppendOrder({wc, t("2026-01-05T10:00:00Z"), A::kComplete, "4711", "", "", 0}, "anna")
            .ok());
    ASSERT_TRUE(store
                    ->AppendPlannedStop({wc, t("2026-01-05T12:00:00Z"), t("2026-01-05T12:20:00Z"),
                                         "cleaning", "bob"})
                    .ok());
    ASSERT_TRUE(store->AppendReasonAssigned(wc, t("2026-01-05T07:30:00Z"), "jam", "anna").ok());
    ASSERT_TRUE(
        store->AppendReasonAssigned("acme/p/a/l/gone", t("2026-01-05T07:30:00Z"), "jam", "anna")
            .ok());
  }
  // New rules: the same machine with a reason tree that knows "jam".
  std::ofstream(dir + "/plant.yaml") << kConfig << "operations:\n  reasons: {mechanical: [jam]}\n";
  const std::vector<std::string> args = {
      "--config", dir + "/plant.yaml",    "--data", dir, "--from", "2026-01-05T06:00:00Z",
      "--to",     "2026-01-05T14:00:00Z", "--out"};
  auto run = [&](const std::string& out) {
    std::vector<std::string> a = args;
    a.push_back(out);
    return RunReplayCommand(a);
  };
  ASSERT_EQ(run(dir + "/1.json"), 0);
  ASSERT_EQ(run(dir + "/2.json"), 0);
  auto slurp = [](const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  const std::string report = slurp(dir + "/1.json");
  EXPECT_EQ(report, slurp(dir + "/2.json")) << "byte-identical for the same input";
  auto j = nlohmann::json::parse(report);
  const auto& m = j["work_centres"]["acme/p/a/l/m"];
  // Order 4711 06:00-10:00: 4 h, of which 30 min the fault now named "jam"; 9000 units.
  EXPECT_EQ(m["by_order"]["4711"]["calendar_time_s"], 14400) << report;
  EXPECT_EQ(m["by_order"]["4711"]["actual_unit_downtime_s"], 1800);
  EXPECT_EQ(m["by_order"]["4711"]["good_quantity"], 9000);
  EXPECT_EQ(m["total"]["planned_downtime_s"], 1200);  // the declared cleaning 12:00-12:20
  EXPECT_EQ(m["total"]["idle_s"], 600);               // then standing without a plan
  EXPECT_EQ(m["pareto"][0]["reason"], "jam");
  EXPECT_EQ(j["events"]["order_transitions"], 2);
  EXPECT_EQ(j["events"]["planned_stops"], 1);
  EXPECT_EQ(j["events"]["assigned_reasons"], 2);
  EXPECT_EQ(j["events"]["skipped"], 1);  // a work centre the new rules do not have
  // Without --from/--to, or with an event store that is not there.
  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--data", dir}), 2);
  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--data", dir + "/nothing", "--from",
                              "2026-01-05T06:00:00Z", "--to", "2026-01-05T14:00:00Z"}),
            1);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gantry::ctx
