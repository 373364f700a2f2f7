#include <nlohmann/json.hpp>

#include <cmath>

#include "context/energy/cost_calculator.h"

namespace gantry::ctx {
namespace {

using json = nlohmann::ordered_json;

double Round6(double v) {
  double r = std::round(v * 1e6) / 1e6;
  return r == 0 ? 0.0 : r;  // no "-0.0"
}

json Row(const CostTotals& t) {
  json kwh = json::object();
  for (int c = 0; c < ops::kStateCategoryCount; ++c)
    kwh[std::string(ops::StateCategoryName(static_cast<ops::StateCategory>(c)))] =
        Round6(t.energy_kwh[c]);
  kwh["unallocated"] = Round6(t.unallocated_kwh);
  kwh["total"] = Round6(t.EnergyKwh());
  json bands = json::object();
  for (const auto& [band, v] : t.kwh_by_band) bands[band] = Round6(v);
  json row;
  row["energy_kwh"] = std::move(kwh);
  row["energy_kwh_by_band"] = std::move(bands);
  row["energy_cost"] = Round6(t.energy_cost);
  row["material_cost"] = Round6(t.material_cost);
  row["machine_cost"] = Round6(t.machine_cost);
  row["labour_cost"] = Round6(t.labour_cost);
  row["total_cost"] = Round6(t.TotalCost());
  row["good_quantity"] = t.good;
  row["scrap_quantity"] = t.scrap;
  row["scheduled_time_s"] = Round6(static_cast<double>(t.scheduled_time) / kSecond);
  std::optional<double> per_unit = t.CostPerGoodUnit();
  row["cost_per_good_unit"] = per_unit ? json(Round6(*per_unit)) : json(nullptr);
  row["kwh_per_good_unit"] =
      t.good > 0 ? json(Round6(t.EnergyKwh() / static_cast<double>(t.good))) : json(nullptr);
  return row;
}

}  // namespace

std::string CostReportJson(const CostReport& r) {
  json out;
  out["scope"] = r.scope;
  out["from"] = FormatIso8601(r.from);
  out["to"] = FormatIso8601(r.to);
  out["by"] = std::string(CostGroupingName(r.by));
  out["currency"] = r.currency;
  out["total"] = Row(r.total);
  if (r.by != CostGrouping::kTotal) {
    json groups = json::object();
    for (const auto& [key, t] : r.groups) groups[key] = Row(t);
    out["groups"] = std::move(groups);
  }
  json meters = json::array();
  for (const MeterSummary& m : r.meters)
    meters.push_back({{"work_centre", m.work_centre},
                      {"tag", m.tag},
                      {"rollovers", m.rollovers},
                      {"resets", m.resets},
                      {"implausible", m.implausible}});
  out["meters"] = std::move(meters);
  out["notes"] = r.notes;
  return out.dump(2);
}

std::string OrderEnergyCostJson(const OrderEnergyCost& c) {
  json out;
  out["order"] = c.order;
  out["currency"] = c.currency;
  out["energy_kwh"] = Round6(c.energy_kwh);
  json by = json::object();
  for (int i = 0; i < ops::kStateCategoryCount; ++i)
    by[std::string(ops::StateCategoryName(static_cast<ops::StateCategory>(i)))] =
        Round6(c.energy_kwh_by_category[i]);
  out["energy_kwh_by_category"] = std::move(by);
  out["energy_cost"] = Round6(c.energy_cost);
  out["material_cost"] = Round6(c.material_cost);
  out["machine_cost"] = Round6(c.machine_cost);
  out["labour_cost"] = Round6(c.labour_cost);
  out["total_cost"] = Round6(c.total_cost);
  out["good_quantity"] = c.good_quantity;
  out["cost_per_good_unit"] =
      c.cost_per_good_unit ? json(Round6(*c.cost_per_good_unit)) : json(nullptr);
  return out.dump(2);
}

}  // namespace gantry::ctx
