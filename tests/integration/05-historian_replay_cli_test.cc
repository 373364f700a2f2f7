// 05: the historian and replay from the command line, as an engineer checks data by hand: a CSV
// imported with `gantry historian import` comes back unchanged from `gantry historian export`,
// and `gantry replay` over the same CSV gives the same report byte for byte, twice.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gantry-cli-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // Ten minutes of a filler: running, a 2-minute fault, running again; counters rising.
    std::ofstream csv(dir_ / "line.csv");
    csv << "timestamp,tag,value,quality\n";
    const std::string wc = "acme/plant1/packaging/line1/filler/";
    for (int minute = 0; minute <= 10; ++minute) {
      char ts[40];
      std::snprintf(ts, sizeof ts, "2026-11-23T08:%02d:00Z", minute);
      bool fault = minute >= 4 && minute < 6;
      csv << ts << "," << wc << "state," << (fault ? 5 : 1) << ",Good\n";
      csv << ts << "," << wc << "fault_code," << (fault ? 101 : 0) << ",Good\n";
      csv << ts << "," << wc << "good_count,"
          << (minute < 4   ? minute * 100
              : minute < 6 ? 400
                           : 400 + (minute - 6) * 100)
          << ",Good\n";
      csv << ts << "," << wc << "reject_count," << minute << ",Good\n";
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
};

TEST_F(CliTest, ImportedCsvComesBackFromExport) {
  const std::string data = (dir_ / "data").string();
  auto imported = testing::RunToCompletion({GANTRY_EXE, "historian", "import", "--data", data,
                                            "--integers", (dir_ / "line.csv").string()},
                                           60s);
  ASSERT_EQ(imported.exit_code, 0) << imported.output;
  EXPECT_NE(imported.output.find("44 samples imported"), std::string::npos) << imported.output;

  const std::string out = (dir_ / "export.csv").string();
  auto exported = testing::RunToCompletion(
      {GANTRY_EXE, "historian", "export", "--data", data, "--tag",
       "acme/plant1/packaging/line1/filler/good_count", "--from", "2026-11-23T08:00:00Z", "--to",
       "2026-11-23T09:00:00Z", "--out", out},
      60s);
  ASSERT_EQ(exported.exit_code, 0) << exported.output;
  std::string text = Slurp(out);
  EXPECT_NE(text.find("2026-11-23T08:03:00.000Z,acme/plant1/packaging/line1/filler/good_count,300"),
            std::string::npos)
      << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 12) << text;  // header + 11 rows
}

TEST_F(CliTest, ExportOfAnUnknownTagSaysSo) {
  const std::string data = (dir_ / "data").string();
  ASSERT_EQ(
      testing::RunToCompletion(
          {GANTRY_EXE, "historian", "import", "--data", data, (dir_ / "line.csv").string()}, 60s)
          .exit_code,
      0);
  auto r = testing::RunToCompletion({GANTRY_EXE, "historian", "export", "--data", data, "--tag",
                                     "acme/nothing/here", "--from", "0", "--to", "1"},
                                    60s);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("--tag acme/nothing/here: no stored data"), std::string::npos)
      << r.output;
}

TEST_F(CliTest, ReplayIsByteIdenticalAndCountsTheFault) {
  const std::string config = std::string(GANTRY_SOURCE_DIR) + "/config/demo-plant.yaml";
  std::vector<std::string> report_paths;
  for (int run = 0; run < 2; ++run) {
    std::string report = (dir_ / ("report" + std::to_string(run) + ".json")).string();
    auto r = testing::RunToCompletion({GANTRY_EXE, "replay", "--config", config, "--samples",
                                       (dir_ / "line.csv").string(), "--out", report},
                                      60s);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    report_paths.push_back(report);
  }
  std::string first = Slurp(report_paths[0]);
  EXPECT_EQ(first, Slurp(report_paths[1]));
  // 08:04-08:06 UTC is 09:04-09:06 in Berlin: the early shift, no break, no window. Fault 101 is
  // a bottle jam: 120 s of unplanned downtime.
  EXPECT_NE(first.find("bottle_jam"), std::string::npos) << first.substr(0, 3000);
  EXPECT_NE(first.find("\"actual_unit_downtime_s\": 120.0"), std::string::npos)
      << first.substr(0, 3000);
}

}  // namespace
}  // namespace gantry
