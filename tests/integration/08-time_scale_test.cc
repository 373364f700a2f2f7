// 08: `gantry demo --time-scale 60` runs the whole plant on simulated time: the machines, the
// samples' timestamps, the shift calendar, OEE and the API's "now" all read one clock that runs
// 60 times as fast as real time. So an hour of simulated production is an hour in every KPI, and
// the filler's performance is a sane ratio (it was ~6000 % while intervals were wall-clock time).
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "core/time.h"
#include "demo_plant.h"
#include "http_get.h"
#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr char kFiller[] = "acme/plant1/packaging/line1/filler";
constexpr double kScale = 60;

json GetJson(int port, const std::string& target) {
  testing::HttpReply r = testing::HttpGet(port, target);
  if (r.status != 200) return json();
  return json::parse(r.body, nullptr, false);
}

// The plant's now from /health (0 when it does not answer one).
Timestamp PlantNow(int port) {
  const json health = GetJson(port, "/health");
  if (!health.is_object() || !health["now"].is_string()) return 0;
  Result<Timestamp> t = ParseTimestamp(health["now"].get<std::string>());
  return t.ok() ? *t : 0;
}

double Seconds(Steady::duration d) {
  return std::chrono::duration<double>(d).count();
}

TEST(GantryTimeScale, AtSixtyTimesTheFillersPerformanceIsSaneAndAnHourIsAnHour) {
  const std::string data = "/tmp/gantry-time-scale-test-" + std::to_string(getpid());
  std::filesystem::remove_all(data);
  std::filesystem::create_directories(data);
  const std::string config = data + "-plant.yaml";
  {
    const std::string text = testing::DemoPlantYamlMidShift();
    ASSERT_FALSE(text.empty());
    std::ofstream(config) << text;
  }
  const auto launched = Steady::now();
  testing::Child demo({GANTRY_EXE, "demo", "--config", config, "--port", "0", "--sim-port", "0",
                       "--time-scale", "60", "--data", data});
  ASSERT_TRUE(demo.WaitForOutput("Gantry is running", 30s)) << demo.Output();
  const int port = testing::PortFromBanner(demo.Output());
  ASSERT_GT(port, 0) << demo.Output();

  // /health tells the plant's clock and its pace.
  const json health = GetJson(port, "/health");
  ASSERT_TRUE(health.is_object()) << demo.Output();
  EXPECT_EQ(health.value("time_scale", 0.0), kScale) << health.dump();
  const Timestamp plant_at_start = PlantNow(port);
  const auto wall_at_start = Steady::now();
  ASSERT_GT(plant_at_start, 0) << health.dump();

  // Twenty real seconds: twenty simulated minutes of production.
  std::this_thread::sleep_for(20s);

  // The plant's clock ran 60 times as fast as the real one.
  const Timestamp plant_now = PlantNow(port);
  const double real_s = Seconds(Steady::now() - wall_at_start);
  const double plant_s = static_cast<double>(plant_now - plant_at_start) / kSecond;
  EXPECT_NEAR(plant_s, kScale * real_s, 0.05 * kScale * real_s)
      << "plant " << plant_s << " s in " << real_s << " real s";

  // Samples carry plant time: the filler's heartbeat (read every 5 real s = 5 simulated min) was
  // stamped within a poll of the plant's now, which is by now twenty minutes ahead of the real
  // clock.
  const json beat = GetJson(port, std::string("/api/v1/tags/") + kFiller + "/heartbeat");
  ASSERT_TRUE(beat.is_object() && beat["time"].is_string()) << beat.dump();
  const Timestamp stamped = ParseTimestamp(beat["time"].get<std::string>()).value();
  EXPECT_LT(stamped, plant_now + kMinute) << beat.dump();
  EXPECT_GT(stamped, plant_now - 7 * kMinute)
      << beat.dump() << " vs plant now " << FormatIso8601(plant_now);
  const Timestamp wall_now = SystemClock::Instance().Now();
  EXPECT_GT(stamped - wall_now, 10 * kMinute) << "stamped with the real clock? " << beat.dump();

  // OEE over the default range (the last 8 h of plant time): its calendar time is the simulated
  // time the plant has run (from gantry's start), and the filler's ratios are ratios.
  const json oee = GetJson(port, std::string("/api/v1/oee?scope=") + kFiller + "&by=total");
  ASSERT_TRUE(oee.is_object() && oee["groups"].contains("total")) << oee.dump();
  const json& total = oee["groups"]["total"];
  const double ran_real_s = Seconds(Steady::now() - launched);
  const double calendar_s = total.value("calendar_time_s", -1.0);
  EXPECT_GT(calendar_s, kScale * 20 * 0.9) << total.dump();
  EXPECT_LE(calendar_s, kScale * (ran_real_s + 1)) << total.dump();
  EXPECT_GT(total.value("actual_production_time_s", 0.0), 0.0)
      << "the filler never ran in 20 simulated minutes of an early shift: " << total.dump();
  EXPECT_GT(total.value("produced_quantity", 0.0), 0.0) << total.dump();
  ASSERT_TRUE(total["effectiveness"].is_number()) << total.dump();
  const double e = total["effectiveness"].get<double>();
  EXPECT_GT(e, 0.0) << total.dump();
  EXPECT_LE(e, 1.05) << "performance above rated speed: " << total.dump();
  for (const char* ratio : {"availability", "quality_ratio", "oee"}) {
    ASSERT_TRUE(total[ratio].is_number()) << ratio << " in " << total.dump();
    EXPECT_GE(total[ratio].get<double>(), 0.0) << ratio;
    EXPECT_LE(total[ratio].get<double>(), 1.0 + 1e-9) << ratio;
  }
  // The filler is rated 100 bottles/min: 20 simulated minutes make at most ~2000 of them.
  EXPECT_LE(total.value("produced_quantity", 0.0), 100 * (calendar_s / 60) * 1.05) << total.dump();

  // The answer says which time it is, without calling its figures meaningless.
  ASSERT_TRUE(oee["notes"].is_array() && !oee["notes"].empty()) << oee.dump();
  const std::string note = oee["notes"][0];
  EXPECT_NE(note.find("simulated at 60x"), std::string::npos) << note;

  demo.Signal(SIGTERM);
  EXPECT_EQ(demo.Wait(15s), 0) << demo.Output();
  std::filesystem::remove_all(data);
  std::filesystem::remove(config);
}

}  // namespace
}  // namespace gantry
