// Runs every golden scenario in tests/scenarios/: the replay report must hold the values a plant
// engineer worked out by hand in the file (see tests/scenarios/README.md).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "context/replay.h"

namespace gantry::ctx {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Walks "a.b/c.d" through the JSON, where a key may itself contain dots: at each level the
// longest run of parts that names a key wins.
const Json* Find(const Json& root, const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = path.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(path.substr(start, dot - start));
  parts.push_back(path.substr(start));
  const Json* node = &root;
  size_t i = 0;
  while (i < parts.size()) {
    bool found = false;
    for (size_t n = parts.size() - i; n >= 1 && !found; --n) {
      std::string key = parts[i];
      for (size_t k = 1; k < n; ++k) key += "." + parts[i + k];
      if (node->is_object() && node->contains(key)) {
        node = &(*node)[key];
        i += n;
        found = true;
      } else if (node->is_array() && n == 1 && !key.empty() &&
                 key.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoul(key) < node->size()) {
        node = &(*node)[std::stoul(key)];
        i += 1;
        found = true;
      }
    }
    if (!found) return nullptr;
  }
  return node;
}

std::vector<fs::path> ScenarioFiles() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(GANTRY_SOURCE_DIR) / "tests" / "scenarios"))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Scenarios, AtLeastFifteenGoldenFiles) {
  EXPECT_GE(ScenarioFiles().size(), 15u);
}

TEST(Scenarios, EveryScenarioMatchesItsHandWorkedValues) {
  for (const fs::path& file : ScenarioFiles()) {
    SCOPED_TRACE(file.filename().string());
    YAML::Node y = YAML::LoadFile(file.string());
    ASSERT_TRUE(y["description"]) << "a scenario needs a one-line description";
    ReplayInput in;
    in.config_text = y["config"].as<std::string>();
    in.samples_csv = y["samples"].as<std::string>();
    if (y["orders"]) in.orders_csv = y["orders"].as<std::string>();
    if (y["stops"]) in.stops_csv = y["stops"].as<std::string>();
    if (y["from"]) in.from = ParseTimestamp(y["from"].as<std::string>()).value();
    if (y["to"]) in.to = ParseTimestamp(y["to"].as<std::string>()).value();
    Result<std::string> report = Replay(in);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    Json j = Json::parse(*report);
    ASSERT_TRUE(y["expected"] && y["expected"].size() > 0);
    for (const auto& kv : y["expected"]) {
      const std::string key = kv.first.as<std::string>();
      const Json* got = Find(j, key);
      ASSERT_NE(got, nullptr) << key << " is not in the report";
      const YAML::Node& want = kv.second;
      if (want.IsNull()) {
        EXPECT_TRUE(got->is_null()) << key << " = " << got->dump();
        continue;
      }
      const std::string w = want.as<std::string>();
      if (got->is_number()) {
        const double expect = want.as<double>();
        EXPECT_NEAR(got->get<double>(), expect, 1e-6 + std::abs(expect) * 1e-9) << key;
      } else if (got->is_string()) {
        EXPECT_EQ(got->get<std::string>(), w) << key;
      } else {
        ADD_FAILURE() << key << " is " << got->dump() << ", expected " << w;
      }
    }
  }
}

}  // namespace
}  // namespace gantry::ctx
