// Runs every hand-worked energy and cost scenario in tests/scenarios/energy/: the plant fragment,
// samples (state, counters, energy meter) and orders go through the real operations engine, the
// cost calculator prices the resulting intervals, and each query's JSON must hold the values
// worked out by hand in the file (see tests/scenarios/energy/README.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unordered_map>

#include "context/energy/cost_calculator.h"
#include "context/energy/energy_scenario.h"

namespace gantry::ctx {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::string ReadText(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A dotted path into the JSON ("groups.o1.energy_kwh.total"); keys may hold '/', not '.'.
const json* Find(const json& root, const std::string& dotted) {
  const json* node = &root;
  size_t pos = 0;
  while (pos <= dotted.size()) {
    size_t dot = dotted.find('.', pos);
    std::string key = dotted.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (node->is_array()) {
      size_t i = std::stoul(key);
      if (i >= node->size()) return nullptr;
      node = &(*node)[i];
    } else {
      if (!node->is_object() || !node->contains(key)) return nullptr;
      node = &(*node)[key];
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return node;
}

std::vector<fs::path> ScenarioFiles() {
  std::vector<fs::path> out;
  fs::path dir = fs::path(GANTRY_SOURCE_DIR) / "tests" / "scenarios" / "energy";
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(EnergyScenarios, EveryScenarioHoldsItsHandWorkedValues) {
  std::vector<fs::path> files = ScenarioFiles();
  ASSERT_GE(files.size(), 5u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.filename().string());
    Result<EnergyScenario> scenario = LoadEnergyScenario(ReadText(file), file.string());
    ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
    ASSERT_FALSE(scenario->queries.empty());
    for (const ScenarioQuery& q : scenario->queries) {
      SCOPED_TRACE("query scope=" + q.scope + " by=" + q.by);
      Result<std::string> body = RunScenarioQuery(*scenario, q);
      ASSERT_TRUE(body.ok()) << body.status().ToString();
      json report = json::parse(*body);
      for (const auto& [path, expected] : q.expected) {
        const json* got = Find(report, path);
        ASSERT_NE(got, nullptr) << path << " missing in\n" << *body;
        if (expected == "null") {
          EXPECT_TRUE(got->is_null()) << path << " = " << got->dump();
        } else if (got->is_number()) {
          EXPECT_NEAR(got->get<double>(), std::stod(expected), 1e-6) << path;
        } else {
          EXPECT_EQ(got->is_string() ? got->get<std::string>() : got->dump(), expected) << path;
        }
      }
    }
  }
}

}  // namespace
}  // namespace gantry::ctx
