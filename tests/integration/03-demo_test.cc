// 03: `gantry demo` end to end, as a newcomer runs it: the simulated line, the Modbus connectors,
// the historian and the API in one process. Live values with Good quality appear at
// /api/v1/tags, counters advance, and SIGTERM stops it cleanly.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;

int PortFromBanner(const std::string& output) {
  std::smatch m;
  std::regex re("Gantry is running: http://127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(output, m, re)) return 0;
  return std::stoi(m[1]);
}

TEST(GantryDemo, ServesLiveSimulatedValuesAndStopsOnSigterm) {
  std::string data = "/tmp/gantry-demo-test-" + std::to_string(getpid());
  testing::Child demo(
      {GANTRY_EXE, "demo", "--port", "0", "--sim-port", "0", "--time-scale", "10", "--data", data});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 30s)) << demo.Output();
  int port = PortFromBanner(demo.Output());
  ASSERT_GT(port, 0) << demo.Output();

  EXPECT_EQ(testing::HttpGet(port, "/health").status, 200);

  // The heartbeat moves whatever the line does (a counter stands still in a cleaning window,
  // so it would make this test depend on the time of day).
  const std::string good_count = "acme/plant1/packaging/line1/filler/heartbeat";
  double first = -1, later = -1;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto reply = testing::HttpGet(port, "/api/v1/tags/" + good_count);
    if (reply.status == 200) {
      auto j = nlohmann::json::parse(reply.body, nullptr, false);
      if (!j.is_discarded() && j.value("quality", "") == "Good" && j["value"].is_number()) {
        double v = j["value"].get<double>();
        if (first < 0)
          first = v;
        else if (v != first) {
          later = v;
          break;
        }
      }
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_GE(first, 0) << "no Good value for " << good_count << "\n" << demo.Output();
  EXPECT_NE(later, -1) << "the heartbeat did not advance";

  // The same tag's history is stored: raw points and a count per interval.
  auto raw = testing::HttpGet(port, "/api/v1/tags/" + good_count + "/history?limit=1000");
  ASSERT_EQ(raw.status, 200) << raw.body;
  auto points = nlohmann::json::parse(raw.body, nullptr, false);
  ASSERT_FALSE(points.is_discarded());
  EXPECT_GE(points["points"].size(), 2u) << raw.body;
  auto agg =
      testing::HttpGet(port, "/api/v1/tags/" + good_count + "/history?agg=count&interval=1m");
  EXPECT_EQ(agg.status, 200) << agg.body;
  auto bad = testing::HttpGet(port, "/api/v1/tags/" + good_count + "/history?agg=mean");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("interval"), std::string::npos) << bad.body;

  auto list = testing::HttpGet(port, "/api/v1/tags?prefix=acme/plant1/packaging/line1");
  ASSERT_EQ(list.status, 200);
  auto tags = nlohmann::json::parse(list.body, nullptr, false);
  ASSERT_FALSE(tags.is_discarded());
  size_t good = 0, total = 0;
  for (const auto& t : (tags.is_array() ? tags : tags["tags"])) {
    ++total;
    if (t.value("quality", "") == "Good") ++good;
  }
  EXPECT_GE(total, 20u);
  EXPECT_EQ(good, total) << list.body;

  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(15s), 0) << demo.Output();
  EXPECT_NE(demo.Output().find("stopped"), std::string::npos);
  std::filesystem::remove_all(data);
}

TEST(GantryDemo, ABusyPortIsReportedClearly) {
  // Two demos on the same API port: the second says which port is taken.
  testing::Child first({GANTRY_EXE, "demo", "--port", "0", "--sim-port", "0"});
  ASSERT_TRUE(first.WaitForOutput("Gantry is running", 30s)) << first.Output();
  int port = PortFromBanner(first.Output());
  auto second = testing::RunToCompletion(
      {GANTRY_EXE, "demo", "--port", std::to_string(port), "--sim-port", "0"}, 30s);
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find(std::to_string(port)), std::string::npos) << second.output;
  first.Signal(SIGTERM);
  EXPECT_EQ(first.Wait(15s), 0);
}

}  // namespace
}  // namespace gantry
