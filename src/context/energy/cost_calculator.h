// Energy and cost per good unit: the meter's energy allocated to the operations layer's closed
// intervals by time overlap and priced band by band with the site's tariff, plus material
// standard costs and machine/labour rates, summed per order, product, day, line or work centre
// and only then divided by the good quantity. Model and rules: docs/energy.md.
//
//   GANTRY_ASSIGN_OR_RETURN(CostCalculator calc, CostCalculator::Create(cfg.energy,
//   cfg.operations)); GANTRY_ASSIGN_OR_RETURN(CostReport r, calc.Compute("acme/plant1", from, to,
//   CostGrouping::kDay, sources)); std::string body = CostReportJson(r);
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "context/energy/energy_config.h"
#include "context/energy/energy_meter.h"
#include "context/energy/tariff.h"
#include "core/status.h"
#include "operations/segment.h"

namespace gantry::ctx {

// One line of an order's bill of materials as the ERP gave it (for material cost).
struct OrderMaterial {
  std::string material;
  double per_unit = 0;  // quantity per unit of the order's product
  std::optional<double> erp_unit_cost =
      std::nullopt;  // the ERP's cost price per unit; nullopt when unknown
};

// Where the calculator reads its facts (the running plant's event store and historian, or a
// scenario's lists). Both are called from the calculating thread only.
struct CostSources {
  // The closed intervals of a work centre over [from, to), clipped to it, in time order; an
  // empty list for a work centre without intervals.
  std::function<Result<std::vector<ops::Segment>>(const std::string& work_centre, Timestamp from,
                                                  Timestamp to)>
      intervals;
  // A meter tag's readings in time order: the last one at or before `from`, every one in
  // (from, to) and the first one at or after `to` (so that the energy around the edges is known).
  std::function<Result<std::vector<MeterReading>>(const std::string& tag, Timestamp from,
                                                  Timestamp to)>
      readings;
  // Optional: the bill of materials of an order from the ERP (empty when unknown). Used for the
  // material cost of an interval whose product has no bill under costs.products; a material's
  // standard cost under costs.materials wins over the ERP's cost price.
  std::function<std::vector<OrderMaterial>(const std::string& order)> order_materials;
};

enum class CostGrouping : uint8_t { kTotal, kOrder, kProduct, kDay, kLine, kWorkCentre };
std::string_view CostGroupingName(CostGrouping g);
std::optional<CostGrouping> CostGroupingFromName(std::string_view name);  // "order", ...

// Sums over a set of intervals; every ratio is computed from these sums.
struct CostTotals {
  double energy_kwh[ops::kStateCategoryCount] = {};  // by the category the energy was used in
  double unallocated_kwh = 0;  // meter energy in time no closed interval covers
  std::map<std::string, double> kwh_by_band;
  double energy_cost = 0;
  double material_cost = 0;
  double machine_cost = 0;
  double labour_cost = 0;
  uint64_t good = 0;
  uint64_t scrap = 0;
  Duration scheduled_time = 0;  // time charged at machine/labour rates (all but not_scheduled)

  double EnergyKwh() const;  // every category plus unallocated
  double TotalCost() const { return energy_cost + material_cost + machine_cost + labour_cost; }
  // Total cost / good quantity; nullopt when nothing good was made.
  std::optional<double> CostPerGoodUnit() const;
  void Add(const CostTotals& other);
};

struct MeterSummary {
  std::string work_centre;
  std::string tag;
  uint64_t rollovers = 0;
  uint64_t resets = 0;
  uint64_t implausible = 0;
  bool reaches_end = false;  // a good or bad reading at or after the report's `to` was stored
};

struct CostReport {
  std::string scope;
  Timestamp from = 0;
  Timestamp to = 0;
  CostGrouping by = CostGrouping::kTotal;
  std::string currency;
  CostTotals total;
  std::map<std::string, CostTotals> groups;  // by order/product/day/line/work centre key
  std::vector<MeterSummary> meters;
  std::vector<std::string> notes;  // what the numbers leave out (no meter, no BOM, ...)
};

// One order's energy and cost: what the ERP actuals carry.
struct OrderEnergyCost {
  std::string order;
  std::string currency;
  double energy_kwh = 0;  // all categories
  double energy_kwh_by_category[ops::kStateCategoryCount] = {};
  double energy_cost = 0;
  double material_cost = 0;
  double machine_cost = 0;
  double labour_cost = 0;
  double total_cost = 0;
  uint64_t good_quantity = 0;
  std::optional<double> cost_per_good_unit;  // nullopt when nothing good was made
  // False while a meter of a work centre the order ran on has no reading at or after `to` yet:
  // the energy of the stretch before that reading is then missing (not yet known).
  bool readings_complete = true;
  std::vector<std::string> notes;  // what the figures leave out (as CostReport::notes)
};

// Immutable after Create; thread-safe for concurrent reads (the sources decide the rest).
class CostCalculator {
 public:
  // Fails when a tariff's time zone is unknown.
  static Result<CostCalculator> Create(EnergyCostConfig config, const ops::OperationsConfig& ops);

  // Costs of the work centres under `scope` (a work centre, line, area, site or the enterprise
  // path) over [from, to), grouped by `by`. NotFound for a scope with no work centre.
  Result<CostReport> Compute(std::string_view scope, Timestamp from, Timestamp to, CostGrouping by,
                             const CostSources& sources) const;
  // One order's energy and cost over [from, to) (the order's run, or any range containing it)
  // across every work centre it ran on. NotFound when no interval of the order is in the range.
  Result<OrderEnergyCost> ForOrder(const std::string& order, Timestamp from, Timestamp to,
                                   const CostSources& sources) const;

  const EnergyCostConfig& config() const { return config_; }

 private:
  struct Line {
    std::string path;
    std::string site;
    std::string output;  // the work centre whose units are the line's finished units
    std::vector<std::string> work_centres;
  };
  CostCalculator() = default;
  Result<CostReport> ComputeFiltered(std::string_view scope, Timestamp from, Timestamp to,
                                     CostGrouping by, const CostSources& sources,
                                     const std::string* order) const;

  EnergyCostConfig config_;
  std::vector<Line> lines_;
  std::map<std::string, TimeOfUseTariff> tariffs_;  // by site; a zero tariff where none is set
  std::string enterprise_;
};

// The JSON body of GET /api/v1/cost (docs/energy.md, "Route"): keys in a fixed order, kWh and
// money rounded to 6 decimals, cost_per_good_unit null when nothing good was made.
std::string CostReportJson(const CostReport& report);
// One order's energy and cost as JSON: {order, currency, energy_kwh, energy_kwh_by_category,
// energy_cost, material_cost, machine_cost, labour_cost, total_cost, good_quantity,
// cost_per_good_unit}.
std::string OrderEnergyCostJson(const OrderEnergyCost& cost);

}  // namespace gantry::ctx
