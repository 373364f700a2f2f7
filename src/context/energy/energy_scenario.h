// Hand-worked energy and cost scenarios (tests/scenarios/energy/*.yaml): a plant fragment with
// energy meters, tariff and costs, recorded samples and orders run through the real operations
// engine, and queries with the values a plant engineer worked out by hand. Format:
// tests/scenarios/energy/README.md.
//
//   GANTRY_ASSIGN_OR_RETURN(EnergyScenario s, LoadEnergyScenario(text, "01-tariff.yaml"));
//   for (const ScenarioQuery& q : s.queries) body = RunScenarioQuery(s, q);
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "context/energy/cost_calculator.h"
#include "core/status.h"
#include "operations/operations_engine.h"

namespace gantry::ctx {

struct ScenarioQuery {
  std::string scope;
  Timestamp from = 0;
  Timestamp to = 0;
  std::string by = "total";
  std::string order;  // when set: the order's energy and cost (CostCalculator::ForOrder)
  std::vector<std::pair<std::string, std::string>> expected;  // dotted JSON path, value
};

struct EnergyScenario {
  std::string description;
  std::unique_ptr<ops::OperationsEngine> engine;  // fed with the scenario's samples and orders
  std::unique_ptr<CostCalculator> calculator;
  std::map<std::string, std::vector<MeterReading>> readings;  // by meter tag, in time order
  std::vector<ScenarioQuery> queries;
};

// Parses a scenario and runs its samples and orders through the engine. Errors name the file,
// line and what was expected.
Result<EnergyScenario> LoadEnergyScenario(std::string_view text, const std::string& file_name);
// The calculator's sources over a scenario: the engine's segments and the recorded readings.
CostSources ScenarioSources(const EnergyScenario& scenario);
// One query's JSON body (CostReportJson, or OrderEnergyCostJson for an order query).
Result<std::string> RunScenarioQuery(const EnergyScenario& scenario, const ScenarioQuery& query);

// Readings of one tag as CostSources::readings gives them: the last at or before `from`, every
// one in (from, to) and the first at or after `to`. `all` is in time order.
std::vector<MeterReading> ReadingsAround(const std::vector<MeterReading>& all, Timestamp from,
                                         Timestamp to);

}  // namespace gantry::ctx
