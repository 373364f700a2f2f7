// Production actuals for one order over a span of time: what the ERP must book. Plain data plus
// the JSON that travels in an outbox message's payload (schema in docs/enterprise.md).
//
//   OrderActuals a{.order_key = o.Key(), .external_id = o.external_id, .good = 98, .scrap = 2};
//   a.consumption = PlannedConsumption(o, a.good + a.scrap);
//   outbox.Enqueue({"actuals.completion", o.Key(), 1, ActualsToJson(a)});
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "enterprise/order.h"

namespace gantry::enterprise {

struct ScrapLine {
  std::string reason;
  double quantity = 0.0;
  friend bool operator==(const ScrapLine&, const ScrapLine&) = default;
};

struct ConsumptionLine {
  std::string material;
  double quantity = 0.0;
  std::string unit;
  bool measured = false;  // from a consumption tag; false = planned from the BOM scaled by output
  double planned = 0.0;   // measured lines: the BOM-scaled quantity beside it (0 if not in the BOM)
  friend bool operator==(const ConsumptionLine&, const ConsumptionLine&) = default;
};

struct DowntimeLine {
  std::string reason;
  Duration duration = 0;
  friend bool operator==(const DowntimeLine&, const DowntimeLine&) = default;
};

struct OrderActuals {
  std::string order_key;    // ProductionOrder::Key()
  std::string external_id;  // the ERP's id of the order
  std::string product;
  std::string unit;
  bool final = false;  // true at completion: the order's totals; false: interim totals so far
  Timestamp from = 0;  // span covered (UTC ns)
  Timestamp to = 0;
  double good = 0.0;  // cumulative since the order started
  double scrap = 0.0;
  std::vector<ScrapLine> scrap_by_reason;
  std::vector<ConsumptionLine> consumption;
  Duration run_time = 0;
  std::vector<DowntimeLine> downtime;
  // Energy and its cost over [from, to], fixed once by the draining thread before the first
  // delivery (FixEnergy in actuals_energy.h); while `energy_pending` the JSON carries null for
  // them and the message must not be delivered.
  bool energy_pending = false;
  double energy_kwh = 0.0;
  double energy_cost = 0.0;  // in `currency`, the site tariff's
  std::string currency;
  std::string energy_note;  // what the energy figures leave out ("" when complete)
  // Why consumption is planned although counters are configured, or what they met ("" if none).
  std::string consumption_note;
  // n > 0: the n-th correction of actuals already handed on (a late sample changed them); the
  // figures replace those of the message `corrects` (its idempotency key), they are not a delta.
  uint32_t correction = 0;
  std::string corrects;
  // Interim actuals of one shift (shift-end messages and their corrections): the shift instance
  // and its own figures; the quantities above stay the order's cumulative totals.
  std::string shift;
  double shift_good = 0.0;
  double shift_scrap = 0.0;
  Duration shift_run_time = 0;
  friend bool operator==(const OrderActuals&, const OrderActuals&) = default;
};

// The order's BOM scaled from its ordered quantity to `output` (good + scrap) units.
std::vector<ConsumptionLine> PlannedConsumption(const ProductionOrder& o, double output);

std::string ActualsToJson(const OrderActuals& a);
// InvalidArgument naming the field when a required field is missing or has the wrong type.
Result<OrderActuals> ActualsFromJson(std::string_view json);

}  // namespace gantry::enterprise
