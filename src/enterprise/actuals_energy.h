// Energy and its cost in the actuals, fixed exactly once: the operations layer hands actuals on
// inside its own lock, where the energy (which reads the operations layer again) cannot be
// computed, so the message is enqueued with energy pending and this adapter, on the draining
// thread, computes it, stores the completed payload durably and only then delivers. Every retry
// thereafter sends the same bytes under the same idempotency key.
//
//   EnergyFixingAdapter fix(router, energy_of_order, [&](const OutboxMessage& m, std::string_view
//   p)
//                           { return outbox->CompletePayload(m, p); }, clock);
//   outbox->DrainOnce(fix);
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time.h"
#include "enterprise/actuals.h"
#include "enterprise/outbox.h"

namespace gantry::enterprise {

// One order's energy over a span, as the energy part (context/energy) reports it.
struct OrderEnergy {
  double kwh = 0.0;
  double cost = 0.0;  // in `currency`
  std::string currency;
  // False while a meter of a work centre the order ran on has no reading at or after the span's
  // end yet (the energy of the last stretch is then not known).
  bool readings_complete = true;
  std::string note;  // what the figures leave out (no meter, no tariff); "" when nothing
};

// The energy of `order_key` over the span of its actuals, [from, to) (UTC ns: its start to its
// completion or the end of the shift/interval). Called from the draining thread only.
using EnergyOfOrder =
    std::function<Result<OrderEnergy>(const std::string& order_key, Timestamp from, Timestamp to)>;
// What consumption counters measured for one order over a span (context/energy/consumption.h).
struct OrderConsumption {
  struct Line {
    std::string material;
    std::string unit;
    double quantity = 0.0;
  };
  std::vector<Line> measured;  // materials with a counter where the order ran
  // False while a counter has no reading at or after the span's end yet.
  bool readings_complete = true;
  std::string note;  // rollovers/resets met ("" when nothing)
};

// The measured consumption of `order_key` over [from, to). Called from the draining thread (and
// API threads), never from the actuals listener.
using ConsumptionOfOrder = std::function<Result<OrderConsumption>(const std::string& order_key,
                                                                  Timestamp from, Timestamp to)>;

// Replaces the quantity of each consumption line whose material was measured by the measured
// quantity (measured = true, planned = the BOM-scaled quantity it replaces) and adds measured
// materials the BOM lacks (planned 0). Lines without a counter stay planned.
void ApplyMeasuredConsumption(OrderActuals& a, const OrderConsumption& measured);

// Stores the completed payload of `m` durably (Outbox::CompletePayload).
using PayloadCompleter = std::function<Status(const OutboxMessage& m, std::string_view payload)>;

// Fills the pending energy of `a` from `energy` (kWh, cost, currency, note); the result is final.
// `energy` empty means no energy part is configured: 0 kWh with a note saying so.
void FillEnergy(OrderActuals& a, const Result<OrderEnergy>* energy);

// Wraps the adapter that delivers (the router). Messages whose payload is actuals with energy
// pending get their energy first; everything else passes through unchanged. Borrows `deliver`
// and the clock. Not thread-safe (the draining thread only).
class EnergyFixingAdapter final : public ErpAdapter {
 public:
  // `energy` may be empty (no energy configured: fixed at 0 with a note). A message whose meter
  // readings are not complete, or whose energy fails transiently, is retried until
  // `wait_for_readings` after it was enqueued and then fixed with what is known and a note.
  EnergyFixingAdapter(ErpAdapter& deliver, EnergyOfOrder energy, PayloadCompleter complete,
                      const Clock& clock, Duration wait_for_readings = 30 * kSecond);

  DeliveryResult Deliver(const OutboxMessage& m) override;

  // Also fixes the measured consumption (consumption counters) in the same step, with the same
  // hold-back for readings at or after the span's end. Call before the first Deliver.
  void SetConsumption(ConsumptionOfOrder consumption) { consumption_ = std::move(consumption); }

 private:
  ErpAdapter& deliver_;
  EnergyOfOrder energy_;
  PayloadCompleter complete_;
  const Clock& clock_;
  Duration wait_;
  ConsumptionOfOrder consumption_;  // empty: consumption stays planned
};

}  // namespace gantry::enterprise
