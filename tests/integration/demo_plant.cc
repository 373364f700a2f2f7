#include "demo_plant.h"

#include <ctime>
#include <fstream>
#include <regex>
#include <sstream>

namespace gantry::testing {

int PortFromBanner(const std::string& output) {
  std::smatch m;
  static const std::regex re("Gantry is running: https?://127\\.0\\.0\\.1:([0-9]+)/");
  if (!std::regex_search(output, m, re)) return 0;
  return std::stoi(m[1]);
}

std::string SiteZoneWhereItIsSevenNow() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  int offset = 7 - utc.tm_hour;  // local = UTC + offset
  if (offset < -12) offset += 24;
  if (offset > 14) offset -= 24;
  if (offset == 0) return "Etc/UTC";
  // POSIX sign convention: Etc/GMT-5 is UTC+5.
  return offset > 0 ? "Etc/GMT-" + std::to_string(offset) : "Etc/GMT+" + std::to_string(-offset);
}

std::string DemoPlantYamlMidShift() {
  std::ifstream in(std::string(GANTRY_SOURCE_DIR) + "/config/demo-plant.yaml");
  std::stringstream yaml;
  yaml << in.rdbuf();
  std::string text = yaml.str();
  const std::string berlin = "timezone: Europe/Berlin";
  const size_t zone = text.find(berlin);
  if (zone == std::string::npos) return "";
  return text.replace(zone, berlin.size(), "timezone: " + SiteZoneWhereItIsSevenNow());
}

}  // namespace gantry::testing
