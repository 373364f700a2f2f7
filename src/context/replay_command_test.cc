#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "context/replay.h"

namespace gantry::ctx {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(ReplayCommand, WritesTheSameReportTwiceAndRejectsBadInput) {
  const std::string dir = std::string(GANTRY_BINARY_DIR) + "/ops-replay-command-test";
  std::filesystem::create_directories(dir);
  Write(dir + "/plant.yaml", R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - {name: m, ideal_cycle_time: 1s, state: {word: state}, counters: {good: good}}
)");
  Write(dir + "/samples.csv",
        "timestamp,tag,value\n1767592800,acme/p/a/l/m/state,1\n1767592800,acme/p/a/l/m/good,0\n"
        "1767596400,acme/p/a/l/m/good,3000\n");
  const std::vector<std::string> args = {
      "--config", dir + "/plant.yaml", "--samples", dir + "/samples.csv", "--out", dir + "/a.json"};
  ASSERT_EQ(RunReplayCommand(args), 0);
  std::vector<std::string> again = args;
  again.back() = dir + "/b.json";
  ASSERT_EQ(RunReplayCommand(again), 0);
  const std::string a = Slurp(dir + "/a.json");
  EXPECT_EQ(a, Slurp(dir + "/b.json"));
  EXPECT_NE(a.find("\"oee\": 0.833333"), std::string::npos) << a;  // 3000 units in 3600 s

  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml"}), 2);  // no samples
  EXPECT_EQ(RunReplayCommand({"--bogus"}), 2);
  Write(dir + "/bad.csv", "2026-01-05T06:00:00Z,acme/p/a/l/m/state,running\n");
  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--samples", dir + "/bad.csv"}), 2);
  EXPECT_EQ(RunReplayCommand({"--config", dir + "/plant.yaml", "--samples", dir + "/missing.csv"}),
            1);
}

TEST(ReplayCommand, CsvErrorsNameTheLine) {
  ReplayInput in;
  in.config_text = "enterprise: acme\n";
  in.samples_csv = "2026-01-05T06:00:00Z,x,1\n2026-01-05T06:00:00Z,x,1,Grood\n";
  Result<std::string> r = Replay(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("samples line 2: unknown quality 'Grood'"), std::string::npos)
      << r.status().message();
}

TEST(ReplayCommand, StopsFileMakesAStandstillPlannedAndErrorsNameTheLine) {
  const std::string dir = std::string(GANTRY_BINARY_DIR) + "/ops-replay-stops-test";
  std::filesystem::create_directories(dir);
  Write(dir + "/plant.yaml", R"(enterprise: acme
sites:
  - name: p
    timezone: UTC
    areas:
      - name: a
        lines:
          - name: l
            work_centres:
              - {name: m, ideal_cycle_time: 1s, state: {word: state}, counters: {good: good}}
operations:
  reasons:
    setup: [{id: changeover, planned: true}]
    mechanical: [jam]
)");
  // 06:00-07:00; standing (idle) 06:10-06:20; 3000 units.
  Write(dir + "/samples.csv",
        "2026-01-05T06:00:00Z,acme/p/a/l/m/state,1\n2026-01-05T06:00:00Z,acme/p/a/l/m/good,0\n"
        "2026-01-05T06:10:00Z,acme/p/a/l/m/state,0\n2026-01-05T06:20:00Z,acme/p/a/l/m/state,1\n"
        "2026-01-05T07:00:00Z,acme/p/a/l/m/good,3000\n");
  Write(dir + "/stops.csv",
        "work_centre,from,to,reason\nm,2026-01-05T06:10:00Z,2026-01-05T06:20:00Z,"
        "changeover\n");
  const std::vector<std::string> base = {"--config", dir + "/plant.yaml", "--samples",
                                         dir + "/samples.csv"};
  std::vector<std::string> without = base, with = base;
  without.insert(without.end(), {"--out", dir + "/without.json"});
  with.insert(with.end(), {"--stops", dir + "/stops.csv", "--out", dir + "/with.json"});
  ASSERT_EQ(RunReplayCommand(without), 0);
  ASSERT_EQ(RunReplayCommand(with), 0);
  // Without the declaration the 600 s stand are idle: A = 3000 / 3600. With it they are planned:
  // PBT = 3000 s = APT, A = 1.
  const std::string a = Slurp(dir + "/without.json"), b = Slurp(dir + "/with.json");
  EXPECT_NE(a.find("\"availability\": 0.833333"), std::string::npos) << a;
  EXPECT_NE(b.find("\"planned_downtime_s\": 600"), std::string::npos) << b;
  EXPECT_NE(b.find("\"availability\": 1.0"), std::string::npos) << b;

  ReplayInput in;
  in.config_text = Slurp(dir + "/plant.yaml");
  in.samples_csv = Slurp(dir + "/samples.csv");
  in.stops_csv =
      "m,2026-01-05T06:10:00Z,2026-01-05T06:20:00Z,changeover\nm,2026-01-05T06:30:00Z,"
      "2026-01-05T06:40:00Z,jam\n";
  Result<std::string> r = Replay(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("stops line 2:"), std::string::npos) << r.status().message();
  in.stops_csv = "m,2026-01-05T06:10:00Z,06:20,changeover\n";
  r = Replay(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("stops line 1: to:"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace gantry::ctx
