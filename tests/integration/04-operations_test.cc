// 04: the operations engine inside `gantry demo`: the simulated line's tags drive the work
// centres' states, and the API answers equipment state, OEE, downtime and reason assignment with
// problem replies naming the bad parameter or field; an operator names the reason of a fault the
// simulator really produced, and the Pareto and the event store show it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "core/time.h"
#include "demo_plant.h"
#include "http_get.h"
#include "operations/event_store.h"
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

// The demo plant mid-shift (so no break or cleaning is near at the start), with its fault-code map
// moved out of reach (every simulator fault is an unassigned stop: 101 becomes 9101) and the
// machines polled every 100 ms (at 600x a 500 ms poll is 5 simulated minutes, longer than many
// repairs).
std::string DemoPlantWithUnassignedFaults() {
  std::string yaml = testing::DemoPlantYamlMidShift();
  const size_t open = yaml.find("reasons: {");
  if (open == std::string::npos) return "";
  const size_t close = yaml.find('}', open);
  const std::string map = yaml.substr(open, close - open);
  yaml.replace(open, map.size(), std::regex_replace(map, std::regex("\\b([0-9]{3}):"), "9$1:"));
  for (size_t at = yaml.find("fast: 500ms"); at != std::string::npos;
       at = yaml.find("fast: 500ms", at))
    yaml.replace(at, 11, "fast: 100ms");
  return yaml;
}

// An operator token made by `gantry token create` on the running demo's data folder.
std::string OperatorToken(const std::string& data) {
  testing::RunResult r = testing::RunToCompletion(
      {GANTRY_EXE, "token", "create", "--data", data, "olga-tablet", "--role", "operator"}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::smatch m;
  return std::regex_search(r.output, m, std::regex("(gnt_[A-Za-z0-9_-]+)")) ? std::string(m[1])
                                                                            : std::string();
}

TEST(GantryOperations, OperatorNamesTheReasonOfARealSimulatorFaultAndTheParetoShowsIt) {
  const auto started = std::chrono::steady_clock::now();
  const std::string data = "/tmp/gantry-ops-assign-test-" + std::to_string(getpid());
  std::filesystem::remove_all(data);
  const std::string config = data + "-plant.yaml";
  {
    const std::string text = DemoPlantWithUnassignedFaults();
    ASSERT_FALSE(text.empty());
    std::ofstream(config) << text;
  }
  testing::Child demo({GANTRY_EXE, "demo", "--config", config, "--port", "0", "--sim-port", "0",
                       "--time-scale", "600", "--data", data});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 30s)) << demo.Output();
  const int port = PortFromBanner(demo.Output());
  ASSERT_GT(port, 0) << demo.Output();
  const std::string token = OperatorToken(data);
  ASSERT_FALSE(token.empty());

  // Wait for an unplanned stop the simulator produced that nobody has named yet and that has
  // ended (so its rows do not change while we look): faults strike about 2.5 times per running
  // hour on the line, i.e. every ~2.5 s of real time at 600x.
  json stop;
  const auto deadline = std::chrono::steady_clock::now() + 25s;
  while (stop.is_null() && std::chrono::steady_clock::now() < deadline) {
    const json d = Parse(testing::HttpGet(port, std::string("/api/v1/downtime?scope=") + kLine));
    if (d.is_object() && d["intervals"].is_array()) {
      const Timestamp to = ParseTimestamp(d.value("to", "")).value_or(0);
      for (const json& i : d["intervals"])
        if (i.value("assignable", false) && i.value("reason", "") == "unassigned" &&
            ParseTimestamp(i.value("end", "")).value_or(to) < to - kMinute) {
          stop = i;
          break;
        }
    }
    if (stop.is_null()) std::this_thread::sleep_for(500ms);
  }
  ASSERT_FALSE(stop.is_null()) << "no unassigned stop within 25 s at 600x\n" << demo.Output();
  const std::string wc = stop["work_centre"];
  const std::string stop_start = stop["stop_start"];
  EXPECT_EQ(stop["category"], "unplanned_downtime") << stop.dump();

  // The operator names it (role operator is enough; a viewer may not).
  const std::string body = json({{"work_centre", wc},
                                 {"start", stop_start},
                                 {"reason", "motor_overload"},
                                 {"by", "olga"}})
                               .dump();
  json creds;
  std::ifstream(data + "/demo-credentials.json") >> creds;
  testing::HttpReply as_viewer =
      testing::HttpRequest(port, "POST", "/api/v1/downtime/assign", body,
                           "Authorization: Bearer " + creds.value("viewer_token", "") +
                               "\r\nContent-Type: application/json\r\n",
                           false);
  EXPECT_EQ(as_viewer.status, 403) << as_viewer.body;
  testing::HttpReply assigned = testing::HttpRequest(
      port, "POST", "/api/v1/downtime/assign", body,
      "Authorization: Bearer " + token + "\r\nContent-Type: application/json\r\n", false);
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(Parse(assigned).value("reason", ""), "motor_overload") << assigned.body;

  // The Pareto of that work centre now has the reason, with the stop's time.
  const json after = Parse(testing::HttpGet(port, "/api/v1/downtime?scope=" + wc));
  ASSERT_TRUE(after.is_object() && after["pareto"].is_array()) << after.dump();
  double named_s = -1;
  for (const json& p : after["pareto"])
    if (p.value("reason", "") == "motor_overload") named_s = p.value("duration_s", 0.0);
  EXPECT_GE(named_s, stop.value("duration_s", 0.0) - 0.001) << after.dump();
  bool renamed = false;
  for (const json& i : after["intervals"])
    if (i.value("stop_start", "") == stop_start) {
      EXPECT_EQ(i.value("reason", ""), "motor_overload") << i.dump();
      renamed = true;
    }
  EXPECT_TRUE(renamed) << after.dump();

  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(15s), 0) << demo.Output();
  // The event store holds the assignment: who, which stop, which reason.
  auto store = ops::EventStore::Open(data + "/operations.sqlite");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::vector<ops::StoredEvent> events = (*store)->Read(0, 1'000'000).value();
  int assignments = 0;
  for (const ops::StoredEvent& e : events) {
    if (e.kind != ops::EventKind::kReasonAssigned) continue;
    ++assignments;
    EXPECT_EQ(e.work_centre, wc);
    EXPECT_EQ(e.start, ParseTimestamp(stop_start).value());
    const json b = json::parse(e.body, nullptr, false);
    EXPECT_EQ(b.value("reason", ""), "motor_overload") << e.body;
    EXPECT_EQ(b.value("by", ""), "olga") << e.body;
  }
  EXPECT_EQ(assignments, 1);
  store->reset();
  std::filesystem::remove_all(data);
  std::filesystem::remove(config);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 45s);
}

}  // namespace
}  // namespace gantry
