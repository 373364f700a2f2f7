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

}  // namespace
}  // namespace gantry::ctx
