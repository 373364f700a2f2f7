// 01: `gantry check` — a plant engineer validates a configuration before starting it. Every error
// names file, line, column, key and what was expected; all errors come in one run; exit code 2.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "subprocess.h"

namespace gantry {
namespace {

using namespace std::chrono_literals;

std::string WriteTemp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / ("gantry-check-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

constexpr const char* kGoodPlant = R"(gantry: 1
enterprise: acme
sites:
  - name: plant1
    timezone: Europe/Berlin
    areas:
      - name: packaging
        lines:
          - name: line1
            work_centres: [filler]
devices:
  - name: filler-plc
    protocol: modbus-tcp
    host: 127.0.0.1
    port: 5020
    poll_groups: {fast: 500ms}
    tags:
      - path: acme/plant1/packaging/line1/filler/speed
        address: hr:2
        type: float32
        unit: units/min
)";

TEST(GantryCheck, TheDemoPlantIsValid) {
  auto r = testing::RunToCompletion(
      {GANTRY_EXE, "check", "--config", std::string(GANTRY_SOURCE_DIR) + "/config/demo-plant.yaml"},
      30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("OK"), std::string::npos) << r.output;
}

TEST(GantryCheck, AValidPlantIsSummarised) {
  auto r = testing::RunToCompletion(
      {GANTRY_EXE, "check", "--config", WriteTemp("good.yaml", kGoodPlant)}, 30s);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("1 work centre(s), 1 device(s), 1 tag(s)"), std::string::npos)
      << r.output;
}

TEST(GantryCheck, EveryErrorIsListedWithFileLineAndKey) {
  std::string text = kGoodPlant;
  text.replace(text.find("port: 5020"), 10, "port: 99999");
  text.replace(text.find("timezone: Europe/Berlin"), 23, "timezone: Mars/Olympus");
  text.replace(text.find("acme/plant1/packaging/line1/filler/speed"), 40,
               "acme/plant1/packaging/line9/filler/speed");
  std::string path = WriteTemp("bad.yaml", text);
  auto r = testing::RunToCompletion({GANTRY_EXE, "check", "--config", path}, 30s);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("3 configuration errors"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(path + ":5:15: sites[0].timezone: unknown time zone 'Mars/Olympus'"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(path + ":15:11: devices[0].port:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'acme/plant1/packaging/line9/filler' is not the enterprise, a site"),
            std::string::npos)
      << r.output;
}

TEST(GantryCheck, AMissingFileIsNamed) {
  auto r =
      testing::RunToCompletion({GANTRY_EXE, "check", "--config", "/nonexistent/plant.yaml"}, 30s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("/nonexistent/plant.yaml: cannot open"), std::string::npos) << r.output;
}

TEST(GantryCheck, ASyntaxErrorIsLocated) {
  std::string path = WriteTemp("syntax.yaml", "gantry: 1\nsites: [\n");
  auto r = testing::RunToCompletion({GANTRY_EXE, "check", "--config", path}, 30s);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("YAML syntax error"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace gantry
