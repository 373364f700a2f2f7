#include "app/energy_service.h"

#include <spdlog/spdlog.h>

#include "api/cost_routes.h"
#include "app/operations_service.h"
#include "app/plant_config.h"
#include "context/energy/historian_readings.h"
#include "data/historian/historian.h"

namespace gantry {

EnergyService::EnergyService(ctx::CostCalculator calc, historian::Historian& store,
                             const OperationsService* operations)
    : calculator_(std::move(calc)), store_(store), operations_(operations) {}

Result<std::unique_ptr<EnergyService>> EnergyService::Create(const ctx::EnergyCostConfig& config,
                                                             const ops::OperationsConfig& plant,
                                                             historian::Historian& store,
                                                             const OperationsService* operations) {
  GANTRY_ASSIGN_OR_RETURN(ctx::CostCalculator calc, ctx::CostCalculator::Create(config, plant));
  return std::unique_ptr<EnergyService>(new EnergyService(std::move(calc), store, operations));
}

ctx::CostSources EnergyService::Sources() const {
  ctx::CostSources s;
  const OperationsService* ops = operations_;
  s.intervals = [ops](const std::string& wc, Timestamp from,
                      Timestamp to) -> Result<std::vector<ops::Segment>> {
    if (ops == nullptr) return std::vector<ops::Segment>{};
    Result<std::vector<ops::Segment>> segs = ops->ClosedIntervals(wc, from, to);
    // A work centre without rules has no intervals: its energy stays unallocated.
    if (!segs.ok() && segs.status().code() == StatusCode::kNotFound)
      return std::vector<ops::Segment>{};
    return segs;
  };
  historian::Historian* store = &store_;
  s.readings = [store](const std::string& tag, Timestamp from, Timestamp to) {
    return ctx::HistorianMeterReadings(*store, tag, from, to);
  };
  s.order_materials = order_materials_;
  return s;
}

Result<std::string> EnergyService::CostJson(std::string_view scope, Timestamp from, Timestamp to,
                                            std::string_view by) const {
  std::optional<ctx::CostGrouping> grouping = ctx::CostGroupingFromName(by);
  if (!grouping)
    return InvalidArgument("by '" + std::string(by) +
                           "': expected total, order, product, day, line or work_centre");
  GANTRY_ASSIGN_OR_RETURN(ctx::CostReport report,
                          calculator_.Compute(scope, from, to, *grouping, Sources()));
  return ctx::CostReportJson(report);
}

Result<ctx::OrderEnergyCost> EnergyService::ForOrder(const std::string& order, Timestamp from,
                                                     Timestamp to) const {
  return calculator_.ForOrder(order, from, to, Sources());
}

Result<ctx::MeasuredConsumption> EnergyService::ConsumptionForOrder(const std::string& order,
                                                                    Timestamp from,
                                                                    Timestamp to) const {
  return ctx::MeasureOrderConsumption(calculator_.config().consumption, order, from, to, Sources());
}

Result<ctx::OrderEnergyCost> EnergyService::ForOrder(const std::string& order) const {
  if (operations_ == nullptr)
    return FailedPrecondition("no operations service: orders are not known");
  GANTRY_ASSIGN_OR_RETURN(ops::OrderActuals actuals, operations_->ActualsForOrder(order));
  // [start, end]: one nanosecond past the last instant counted.
  return ForOrder(order, actuals.start, actuals.end + 1);
}

Result<std::unique_ptr<EnergyService>> StartEnergyService(const PlantConfig& config,
                                                          historian::Historian& store,
                                                          const OperationsService* operations,
                                                          std::vector<RouteModule>& modules) {
  std::unique_ptr<EnergyService> service;
  if (!config.energy.empty()) {
    Result<std::unique_ptr<EnergyService>> created =
        EnergyService::Create(config.energy, config.operations, store, operations);
    if (!created.ok()) return created.status().WithContext("energy");
    service = std::move(created).value();
    spdlog::info("energy: {} meters, {} tariffs, costs in {}", config.energy.meters.size(),
                 config.energy.tariffs.size(), config.energy.currency);
  }
  CostQuery query;
  if (const EnergyService* e = service.get())
    query = [e](std::string_view scope, Timestamp from, Timestamp to, std::string_view by) {
      return e->CostJson(scope, from, to, by);
    };
  modules.push_back(CostRoutes(std::move(query)));
  return service;
}

}  // namespace gantry
