// 04: the operations engine inside `gantry demo`: the simulated line's tags drive the work
// centres' states, and the API answers equipment state, OEE, downtime and reason assignment with
// problem replies naming the bad parameter or field.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr char kLine[] = "acme/plant1/packaging/line1";
constexpr char kFiller[] = "acme/plant1/packaging/line1/filler";

int PortFromBanner(const std::string& output) {
  std::smatch m;
  std::regex re("Gantry is running: http://127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(output, m, re)) return 0;
  return std::stoi(m[1]);
}

json Parse(const testing::HttpReply& r) {
  return json::parse(r.body, nullptr, false);
}

TEST(GantryOperations, DemoLineAnswersStateOeeDowntimeAndNamesBadParameters) {
  const auto started = std::chrono::steady_clock::now();
  std::string data = "/tmp/gantry-ops-test-" + std::to_string(getpid());
  testing::Child demo(
      {GANTRY_EXE, "demo", "--port", "0", "--sim-port", "0", "--time-scale", "60", "--data", data});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 30s)) << demo.Output();
  int port = PortFromBanner(demo.Output());
  ASSERT_GT(port, 0) << demo.Output();

  // The filler's state: a category from the model, once its tags have been read.
  const std::set<std::string> categories = {
      "producing", "idle",          "starved",          "blocked",
      "no_data",   "not_scheduled", "planned_downtime", "unplanned_downtime"};
  json state;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto r = testing::HttpGet(port, std::string("/api/v1/equipment/") + kFiller + "/state");
    ASSERT_EQ(r.status, 200) << r.body;
    state = Parse(r);
    ASSERT_TRUE(state.is_object()) << r.body;
    if (state.value("category", "") != "no_data") break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_EQ(state.value("work_centre", ""), kFiller);
  EXPECT_TRUE(categories.count(state.value("category", ""))) << state.dump();
  EXPECT_NE(state.value("category", ""), "no_data") << "the filler's tags never arrived\n"
                                                    << demo.Output();
  EXPECT_FALSE(state.value("since", "").empty());

  // OEE of the line by hour: the times of each group are consistent with each other and with
  // how long the plant has run.
  auto oee = testing::HttpGet(port, std::string("/api/v1/oee?scope=") + kLine + "&by=hour");
  ASSERT_EQ(oee.status, 200) << oee.body;
  json o = Parse(oee);
  ASSERT_TRUE(o.is_object()) << oee.body;
  EXPECT_EQ(o.value("by", ""), "hour");
  ASSERT_TRUE(o["groups"].is_object() && !o["groups"].empty()) << oee.body;
  ASSERT_TRUE(o["work_centres"].is_array() && !o["work_centres"].empty()) << oee.body;
  const double ran_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  double calendar = 0;
  for (const auto& [hour, g] : o["groups"].items()) {
    for (const char* key : {"availability", "effectiveness", "quality_ratio", "oee"})
      EXPECT_TRUE(g.contains(key)) << key << " missing in " << g.dump();
    const double cal = g.value("calendar_time_s", -1.0);
    const double pot = g.value("planned_operation_time_s", -1.0);
    const double pbt = g.value("planned_busy_time_s", -1.0);
    EXPECT_NEAR(pot, cal - g.value("not_scheduled_s", 0.0), 0.01) << g.dump();
    EXPECT_NEAR(pbt, pot - g.value("planned_downtime_s", 0.0), 0.01) << g.dump();
    EXPECT_LE(g.value("actual_production_time_s", 0.0), pbt + 0.01) << g.dump();
    EXPECT_GE(g.value("actual_production_time_s", -1.0), 0.0) << g.dump();
    calendar += cal;
  }
  const double wcs = static_cast<double>(o["work_centres"].size());
  EXPECT_GT(calendar, 0.0) << oee.body;
  EXPECT_LE(calendar, wcs * 60 * (ran_s + 5.0)) << oee.body;  // plant time runs at 60x

  // Downtime of the line: intervals and a Pareto by reason.
  auto down = testing::HttpGet(port, std::string("/api/v1/downtime?scope=") + kLine);
  ASSERT_EQ(down.status, 200) << down.body;
  json d = Parse(down);
  ASSERT_TRUE(d.is_object()) << down.body;
  EXPECT_TRUE(d["intervals"].is_array()) << down.body;
  EXPECT_TRUE(d["pareto"].is_array()) << down.body;

  // Bad parameters are named.
  auto bad_by = testing::HttpGet(port, std::string("/api/v1/oee?scope=") + kLine + "&by=week");
  EXPECT_EQ(bad_by.status, 400);
  EXPECT_EQ(Parse(bad_by).value("parameter", ""), "by") << bad_by.body;
  auto bad_from = testing::HttpGet(
      port, std::string("/api/v1/downtime?scope=") + kLine + "&from=yesterday-ish");
  EXPECT_EQ(bad_from.status, 400);
  EXPECT_EQ(Parse(bad_from).value("parameter", ""), "from") << bad_from.body;
  auto no_scope = testing::HttpGet(port, "/api/v1/oee");
  EXPECT_EQ(no_scope.status, 400);
  EXPECT_EQ(Parse(no_scope).value("parameter", ""), "scope") << no_scope.body;
  auto unknown_scope = testing::HttpGet(port, "/api/v1/downtime?scope=acme/nowhere");
  EXPECT_EQ(unknown_scope.status, 404) << unknown_scope.body;
  auto unknown_wc = testing::HttpGet(port, "/api/v1/equipment/acme/nowhere/state");
  EXPECT_EQ(unknown_wc.status, 404) << unknown_wc.body;

  // Assigning a reason: bad fields named, unknown work centre 404.
  auto missing = testing::HttpPost(
      port, "/api/v1/downtime/assign",
      json({{"work_centre", kFiller}, {"start", "2026-01-01T00:00:00Z"}, {"by", "test"}}).dump());
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(Parse(missing).value("parameter", ""), "reason") << missing.body;
  auto bad_start = testing::HttpPost(
      port, "/api/v1/downtime/assign",
      json({{"work_centre", kFiller}, {"start", "soon"}, {"reason", "bottle_jam"}, {"by", "t"}})
          .dump());
  EXPECT_EQ(bad_start.status, 400);
  EXPECT_EQ(Parse(bad_start).value("parameter", ""), "start") << bad_start.body;
  auto nowhere = testing::HttpPost(port, "/api/v1/downtime/assign",
                                   json({{"work_centre", "acme/nowhere"},
                                         {"start", "2026-01-01T00:00:00Z"},
                                         {"reason", "bottle_jam"},
                                         {"by", "test"}})
                                       .dump());
  EXPECT_EQ(nowhere.status, 404);
  EXPECT_EQ(Parse(nowhere).value("parameter", ""), "work_centre") << nowhere.body;
  auto no_stop = testing::HttpPost(port, "/api/v1/downtime/assign",
                                   json({{"work_centre", kFiller},
                                         {"start", "2001-01-01T00:00:00Z"},
                                         {"reason", "bottle_jam"},
                                         {"by", "test"}})
                                       .dump());
  EXPECT_EQ(no_stop.status, 404) << no_stop.body;

  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(15s), 0) << demo.Output();
  EXPECT_TRUE(std::filesystem::exists(data + "/operations.sqlite"));
  std::filesystem::remove_all(data);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
}

}  // namespace
}  // namespace gantry
