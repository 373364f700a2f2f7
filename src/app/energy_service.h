// The running plant's energy and cost answers: the cost calculator (context/energy) over the
// operations service's closed intervals and the historian's energy meter readings. Nothing is
// kept in memory, so every answer is recomputed from recorded facts and survives a restart.
//
//   GANTRY_ASSIGN_OR_RETURN(auto energy, EnergyService::Create(cfg.energy, cfg.operations,
//                                                             *historian, ops.get()));
//   Result<std::string> body = energy->CostJson("acme/plant1", from, to, "day");
//   Result<ctx::OrderEnergyCost> o = energy->ForOrder("4711");   // for the ERP actuals
//
// Threads: every method may be called from any thread (API I/O threads, the outbox worker); it
// reads through OperationsService::ClosedIntervals (which takes that service's lock for one
// SQLite read) and the historian (its own lock). It must therefore NOT be called from inside
// the operations service's actuals listener, which runs with that lock held.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/route_module.h"
#include "context/energy/consumption.h"
#include "context/energy/cost_calculator.h"
#include "core/status.h"
#include "operations/operations_config.h"

namespace gantry {

namespace historian {
class Historian;
}
class OperationsService;

class EnergyService {
 public:
  // `store` and `operations` are borrowed and must outlive the service; `operations` may be null
  // (then no interval is known and all metered energy is "unallocated"). Fails when a tariff's
  // time zone is unknown.
  static Result<std::unique_ptr<EnergyService>> Create(const ctx::EnergyCostConfig& config,
                                                       const ops::OperationsConfig& plant,
                                                       historian::Historian& store,
                                                       const OperationsService* operations);

  // The body of GET /api/v1/cost (docs/energy.md): `by` is total, order, product, day, line or
  // work_centre. NotFound for an unknown scope, InvalidArgument for a bad `by` or range.
  Result<std::string> CostJson(std::string_view scope, Timestamp from, Timestamp to,
                               std::string_view by) const;

  // One order's energy (kWh, by category) and cost (energy, material, machine, labour, total, per
  // good unit) over its run [start, end] as the operations service knows it (the end is now for
  // an order still running: the figures are then provisional). Only closed intervals count, so
  // an order's figures are final once ClosedUntil(its work centre) >= its completion. NotFound
  // for an order never started or without closed intervals; FailedPrecondition without an
  // operations service.
  Result<ctx::OrderEnergyCost> ForOrder(const std::string& order) const;
  // The same over an explicit range containing the order's run.
  Result<ctx::OrderEnergyCost> ForOrder(const std::string& order, Timestamp from,
                                        Timestamp to) const;
  // Bills of materials of orders as the ERP gave them (the enterprise order store), for the
  // material cost of products without a bill under costs.products. Call before the service is
  // shared with other threads (the plant runtime's wiring); the function must be thread-safe.
  void UseOrderMaterials(
      std::function<std::vector<ctx::OrderMaterial>(const std::string& order)> order_materials) {
    order_materials_ = std::move(order_materials);
  }

  // The material the order consumed in [from, to) as the consumption counters (costs.consumption)
  // measured it, per material; no lines when no counter is configured where it ran.
  Result<ctx::MeasuredConsumption> ConsumptionForOrder(const std::string& order, Timestamp from,
                                                       Timestamp to) const;

 private:
  EnergyService(ctx::CostCalculator calc, historian::Historian& store,
                const OperationsService* operations);
  ctx::CostSources Sources() const;

  ctx::CostCalculator calculator_;  // immutable
  historian::Historian& store_;
  const OperationsService* operations_;
  std::function<std::vector<ctx::OrderMaterial>(const std::string&)> order_materials_;
};

struct PlantConfig;

// The plant's energy service when its configuration has `energy:` or `costs:` (else nullptr), and
// GET /api/v1/cost added to `modules` either way (answering 503 without a service). The one call
// plant_runtime.cc makes; `store` and `operations` as for Create.
Result<std::unique_ptr<EnergyService>> StartEnergyService(const PlantConfig& config,
                                                          historian::Historian& store,
                                                          const OperationsService* operations,
                                                          std::vector<RouteModule>& modules);

}  // namespace gantry
